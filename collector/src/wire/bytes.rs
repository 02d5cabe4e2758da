//! Little-endian fields and UTF-16LE text at checked offsets: the readers
//! every binary dissector shares. Each returns `None` rather than reading
//! past the end, so a hostile length can never make a parser panic.

pub fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

pub fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// UTF-16LE text: a trailing odd byte is ignored, bad surrogates become U+FFFD.
pub fn utf16le(bytes: &[u8]) -> String {
    char::decode_utf16(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_past_the_end_are_none() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(le16(&b, 0), Some(0x0201));
        assert_eq!(le32(&b, 4), Some(0x0807_0605));
        assert_eq!(le64(&b, 0), Some(0x0807_0605_0403_0201));
        assert_eq!(le16(&b, 7), None);
        assert_eq!(le32(&b, usize::MAX), None);
        assert_eq!(utf16le(&[b'a', 0, b'b', 0, 0xff]), "ab");
        assert_eq!(utf16le(&[0x00, 0xd8]), "\u{fffd}");
    }
}
