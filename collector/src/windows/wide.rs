//! UTF-16 text as Windows stores it: in buffers Win32 fills, and as
//! little-endian bytes in ETW payloads and registry values.

/// The text before the first NUL (or all of it), lossily decoded.
pub fn from_wide(buffer: &[u16]) -> String {
    let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
    String::from_utf16_lossy(&buffer[..end])
}

/// UTF-16 bytes up to a NUL; an odd last byte is dropped.
pub fn from_wide_bytes(bytes: &[u8]) -> String {
    from_wide(&units(bytes))
}

/// A REG_MULTI_SZ: NUL-separated strings, empty ones dropped.
pub fn wide_strings(bytes: &[u8]) -> Vec<String> {
    units(bytes).split(|&u| u == 0).filter(|s| !s.is_empty()).map(String::from_utf16_lossy).collect()
}

fn units(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn text_ends_at_the_first_nul_and_bad_units_are_replaced() {
        assert_eq!(from_wide(&[0x53, 0x4D, 0x42, 0, 0x58]), "SMB");
        assert_eq!(from_wide(&[0x41, 0xD800, 0x42]), "A\u{FFFD}B");
        let mut odd = bytes("Grüße");
        odd.push(0x41);
        assert_eq!(from_wide_bytes(&odd), "Grüße");
        assert_eq!(from_wide_bytes(&[]), "");
    }

    #[test]
    fn multi_strings_split_at_nuls_without_empty_entries() {
        let value = bytes("Path=C:\\Data\0Remark=\0\0");
        assert_eq!(wide_strings(&value), ["Path=C:\\Data", "Remark="]);
        assert!(wide_strings(&bytes("\0\0")).is_empty());
    }
}
