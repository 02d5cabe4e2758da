//! Readings shared by the Windows decoders: addresses, process names,
//! accounts, written the way Windows writes them.

use super::event_record::EventRecord;
use crate::observation::{Endpoint, ProcessRef};
use std::net::IpAddr;

/// An address as Windows logs it: `10.0.0.5`, `::1`, `::ffff:10.0.0.5`,
/// `fe80::1%10` (zone index dropped), `[::1]`.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    let t = t.split('%').next().unwrap_or(t);
    let ip: IpAddr = t.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    })
}

/// `10.0.2.16:52202` or `[fe80::1]:3389` → address and port.
pub fn parse_socket(text: &str) -> Option<(IpAddr, Option<u16>)> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return Some((parse_ip(ip)?, port));
    }
    // One colon: IPv4 with a port. More: a bare IPv6 address.
    match t.matches(':').count() {
        1 => {
            let (ip, port) = t.split_once(':')?;
            Some((parse_ip(ip)?, port.parse().ok()))
        }
        _ => Some((parse_ip(t)?, None)),
    }
}

/// A port field; `0` and `-` mean none.
pub fn port(record: &EventRecord, field: &str) -> Option<u16> {
    record.int(field).and_then(|p| u16::try_from(p).ok()).filter(|p| *p != 0)
}

/// The peer of an event from its address and port fields, and a name
/// (workstation) field when the address is missing.
pub fn peer(
    record: &EventRecord,
    ip_field: &str,
    port_field: Option<&str>,
    name_field: Option<&str>,
) -> Option<Endpoint> {
    let ip = record.value(ip_field).and_then(|t| parse_ip(&t));
    let port = port_field.and_then(|f| port(record, f));
    let name = name_field.and_then(|f| record.value(f)).map(|n| n.trim().to_string());
    (ip.is_some() || name.is_some()).then_some(Endpoint { ip, port, name })
}

/// `C:\Windows\System32\cmd.exe` or `\device\harddiskvolume1\...\svchost.exe` → `cmd.exe`.
pub fn basename(path: &str) -> &str {
    let trimmed = path.trim().trim_matches('"');
    trimmed.rsplit(['\\', '/']).next().unwrap_or(trimmed)
}

/// A process by its image path and (decimal or hex) process id.
pub fn process(image: &str, pid: Option<i64>) -> ProcessRef {
    ProcessRef { pid: pid.and_then(|p| u32::try_from(p).ok()), name: basename(image).to_string() }
}

/// `ANONYMOUS LOGON` (any case) or the anonymous SID.
pub fn is_anonymous(user: Option<&str>, sid: Option<&str>) -> bool {
    user.is_some_and(|u| u.trim().eq_ignore_ascii_case("ANONYMOUS LOGON")) || sid.is_some_and(|s| s.trim() == "S-1-5-7")
}

/// Binary event data as the event log renders it: hex digits, two per byte.
pub fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let hex = text.trim();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_address_forms() {
        assert_eq!(parse_ip("::ffff:10.0.0.5"), Some("10.0.0.5".parse().unwrap()));
        assert_eq!(parse_ip("fe80::80ac:4126:fa58:1b81%10"), Some("fe80::80ac:4126:fa58:1b81".parse().unwrap()));
        assert_eq!(parse_ip("-"), None);
        assert_eq!(parse_socket("10.0.2.16:52202"), Some(("10.0.2.16".parse().unwrap(), Some(52202))));
        assert_eq!(parse_socket("[::1]:3389"), Some(("::1".parse().unwrap(), Some(3389))));
        assert_eq!(parse_socket("fe80::1"), Some(("fe80::1".parse().unwrap(), None)));
        assert_eq!(basename(r"\device\harddiskvolume1\windows\system32\svchost.exe"), "svchost.exe");
        assert_eq!(basename("System"), "System");
    }
}
