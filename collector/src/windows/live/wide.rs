//! UTF-16 text as Win32 hands it back.

/// The text before the first NUL (or all of it), lossily decoded.
pub(crate) fn from_wide(buffer: &[u16]) -> String {
    let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
    String::from_utf16_lossy(&buffer[..end])
}

/// UTF-16 bytes (little-endian, as in ETW payloads), up to a NUL.
pub(crate) fn from_wide_bytes(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    from_wide(&units)
}

/// A NUL-terminated wide string read through a pointer Windows returned.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated UTF-16 string that stays
/// valid for the call.
pub(crate) unsafe fn from_wide_ptr(ptr: *const u16) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let text = windows::core::PCWSTR(ptr);
    // SAFETY: the caller promises a NUL-terminated string; `as_wide` stops at the NUL.
    Some(String::from_utf16_lossy(unsafe { text.as_wide() }))
}
