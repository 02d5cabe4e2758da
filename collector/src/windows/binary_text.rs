//! Windows binary values as text, the way the event log renders them:
//! GUIDs, SIDs, SYSTEMTIME and FILETIME, and binary data as hex.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::fmt::Write;

/// FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

/// FILETIME ticks as UTC; `None` before 1970 or out of chrono's range.
pub fn filetime(ticks: i64) -> Option<DateTime<Utc>> {
    let since_unix = ticks.checked_sub(FILETIME_UNIX_EPOCH)?;
    DateTime::from_timestamp(since_unix.div_euclid(10_000_000), (since_unix.rem_euclid(10_000_000) * 100) as u32)
}

/// Uppercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{b:02X}");
    }
    text
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`; the first three groups are little-endian.
pub fn guid(bytes: &[u8]) -> Option<String> {
    let b: [u8; 16] = bytes.try_into().ok()?;
    Some(format!(
        "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

/// Revision, sub-authority count, a 6-byte authority, then 4 bytes per sub-authority.
pub fn sid_size(bytes: &[u8]) -> Option<usize> {
    Some(8 + 4 * usize::from(*bytes.get(1)?))
}

/// `S-1-5-21-...`: the authority is big-endian, sub-authorities little-endian.
pub fn sid(bytes: &[u8]) -> Option<String> {
    let revision = *bytes.first()?;
    let count = usize::from(*bytes.get(1)?);
    let mut authority = [0u8; 8];
    authority[2..].copy_from_slice(bytes.get(2..8)?);
    let authority = u64::from_be_bytes(authority);
    let mut text = if authority >> 32 == 0 {
        format!("S-{revision}-{authority}")
    } else {
        format!("S-{revision}-0x{authority:012X}")
    };
    for i in 0..count {
        let at = 8 + 4 * i;
        let sub = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
        let _ = write!(text, "-{sub}");
    }
    Some(text)
}

/// SYSTEMTIME: year, month, day of week, day, hour, minute, second, milliseconds (u16 each).
pub fn systemtime(bytes: &[u8]) -> Option<String> {
    let f = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(bytes.get(2 * i..2 * i + 2)?.try_into().ok()?)))
    };
    let date = NaiveDate::from_ymd_opt(f(0)? as i32, f(1)?, f(3)?)?;
    let time = date.and_hms_milli_opt(f(4)?, f(5)?, f(6)?, f(7)?)?;
    Some(time.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetimes_count_from_1601() {
        assert_eq!(filetime(FILETIME_UNIX_EPOCH), Some(DateTime::UNIX_EPOCH));
        let later = filetime(FILETIME_UNIX_EPOCH + 15_000_000).unwrap();
        assert_eq!(later.to_rfc3339_opts(SecondsFormat::AutoSi, true), "1970-01-01T00:00:01.500Z");
        assert_eq!(filetime(i64::MIN), None);
    }

    #[test]
    fn guids_need_sixteen_bytes() {
        let g = [0x17, 0xE6, 0x8C, 0xD4, 0xA2, 0x33, 0xC3, 0x4B, 0xA5, 0xC7, 0x11, 0xAA, 0x4F, 0x29, 0x61, 0x9E];
        assert_eq!(guid(&g).as_deref(), Some("{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"));
        assert_eq!(guid(&g[..15]), None);
    }

    #[test]
    fn sids_as_windows_writes_them() {
        let admins = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        assert_eq!(sid(&admins).as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_size(&admins), Some(16));
        // An authority beyond 32 bits is written in hex.
        let wide = [1u8, 0, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC];
        assert_eq!(sid(&wide).as_deref(), Some("S-1-0x123456789ABC"));
        // Fewer sub-authorities than the count promises.
        assert_eq!(sid(&admins[..12]), None);
        assert_eq!(sid_size(&[1]), None);
    }

    #[test]
    fn systemtimes_must_be_real_dates() {
        let parts: [u16; 8] = [2024, 2, 4, 29, 13, 5, 9, 250];
        let bytes: Vec<u8> = parts.iter().flat_map(|p| p.to_le_bytes()).collect();
        assert_eq!(systemtime(&bytes).as_deref(), Some("2024-02-29T13:05:09.250Z"));
        let mut february_30 = bytes.clone();
        february_30[6] = 30;
        assert_eq!(systemtime(&february_30), None);
        assert_eq!(systemtime(&bytes[..15]), None);
    }

    #[test]
    fn hex_is_uppercase_pairs() {
        assert_eq!(hex(&[0x02, 0x00, 0x01, 0xbd]), "020001BD");
        assert_eq!(hex(&[]), "");
    }
}
