//! UTF-16 text through a pointer Win32 hands back.

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
