//! Schannel 36880 ("A TLS handshake completed successfully", System log):
//! the TLS version this host negotiated through SCHANNEL, as server or
//! client. It names no peer and no port (only the target name and
//! certificate subjects), so the fact is host-wide, and it covers SCHANNEL
//! only (a Java or OpenSSL service is seen by the wire source instead).
//! Windows writes it only when SCHANNEL `EventLogging` includes
//! informational events, which is verbose; `temper observe` reads it only
//! when that is on. Fields (Schannel manifest, jdu2600/Windows10EtwEvents
//! `manifest/Schannel.tsv`): `Type`, `Protocol` (text), `CipherSuite`,
//! `ExchangeStrength`, `ContextHandle`, `TargetName`,
//! `LocalCertSubjectName`, `RemoteCertSubjectName`.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use crate::observation::{Event, Observation, ProtocolUse, Role};
use crate::versions::{Negotiated, TlsVersion};

/// `TLS 1.2`, `TLSv1.2`, `tls1.2`, `SSL 3.0` → the canonical version.
pub fn tls_version_of(protocol: &str) -> Option<TlsVersion> {
    let compact: String =
        protocol.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>().to_ascii_lowercase();
    let compact = compact.replace("tlsv", "tls").replace("sslv", "ssl");
    match compact.as_str() {
        "ssl2" | "ssl2.0" => Some(TlsVersion::Ssl2),
        "ssl3" | "ssl3.0" => Some(TlsVersion::Ssl3),
        "tls1" | "tls1.0" => Some(TlsVersion::Tls10),
        "tls1.1" => Some(TlsVersion::Tls11),
        "tls1.2" => Some(TlsVersion::Tls12),
        "tls1.3" => Some(TlsVersion::Tls13),
        _ => None,
    }
}

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(version) = record.value("Protocol").and_then(|p| tls_version_of(&p)) else { return };
    let role = match record.value("Type").map(|t| t.trim().to_ascii_lowercase()) {
        Some(t) if t == "client" => Role::Client,
        _ => Role::Server,
    };
    let mut obs = ctx
        .observation(record, Event::Protocol(ProtocolUse { negotiated: Negotiated::Tls(version) }))
        .with_role(role)
        .with_detail("event", ctx.event_name(record));
    if let Some(suite) = record.value("CipherSuite") {
        obs = obs.with_detail("cipher_suite", suite.to_string());
    }
    if let Some(target) = record.value("TargetName") {
        obs = obs.with_detail("sni", target.to_string());
    }
    if let Some(subject) = record.value("LocalCertSubjectName") {
        obs = obs.with_detail("local_certificate", subject.to_string());
    }
    out.push(obs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_texts() {
        assert_eq!(tls_version_of("TLS 1.2"), Some(TlsVersion::Tls12));
        assert_eq!(tls_version_of("TLSv1"), Some(TlsVersion::Tls10));
        assert_eq!(tls_version_of("SSL 3.0"), Some(TlsVersion::Ssl3));
        assert_eq!(tls_version_of("TLS 1.3"), Some(TlsVersion::Tls13));
        assert_eq!(tls_version_of("DTLS 1.2"), None);
    }
}
