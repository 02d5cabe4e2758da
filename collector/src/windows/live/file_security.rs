//! Platform calls for share grants: a folder's security descriptor as
//! self-relative bytes, and the account name of a SID. Reading the bytes
//! is [`crate::windows::security_descriptor`]'s job.

use windows::core::{HSTRING, PWSTR};
use windows::Win32::Foundation::{LocalFree, ERROR_INSUFFICIENT_BUFFER, ERROR_SUCCESS, HLOCAL};
use windows::Win32::Security::Authorization::{ConvertStringSidToSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT};
use windows::Win32::Security::{
    GetSecurityDescriptorLength, LookupAccountSidW, DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SID_NAME_USE,
};

/// The DACL-only descriptor of `path`, as self-relative bytes (what
/// `GetNamedSecurityInfoW` returns).
pub fn folder_descriptor(path: &str) -> Option<Vec<u8>> {
    let mut descriptor = PSECURITY_DESCRIPTOR::default();
    // SAFETY: only the descriptor is requested; on success it is a
    // LocalAlloc'd self-relative descriptor that this function frees.
    let status = unsafe {
        GetNamedSecurityInfoW(
            &HSTRING::from(path),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            None,
            None,
            None,
            None,
            &mut descriptor,
        )
    };
    if status != ERROR_SUCCESS || descriptor.0.is_null() {
        tracing::debug!(path, "folder permissions unreadable: {status:?}");
        return None;
    }
    // SAFETY: `descriptor` is the valid self-relative descriptor just returned,
    // `GetSecurityDescriptorLength` bytes long; it is freed once, after the copy.
    unsafe {
        let length = GetSecurityDescriptorLength(descriptor) as usize;
        let bytes = std::slice::from_raw_parts(descriptor.0 as *const u8, length).to_vec();
        LocalFree(Some(HLOCAL(descriptor.0)));
        Some(bytes)
    }
}

/// `DOMAIN\name` for a SID string, when the machine or its domain knows it.
pub fn account_name(sid: &str) -> Option<String> {
    let mut psid = PSID::default();
    // SAFETY: on success `psid` is LocalAlloc'd and freed below.
    unsafe { ConvertStringSidToSidW(&HSTRING::from(sid), &mut psid) }.ok()?;
    let name = lookup(psid);
    // SAFETY: allocated by ConvertStringSidToSidW, freed once.
    unsafe { LocalFree(Some(HLOCAL(psid.0))) };
    name
}

/// LookupAccountSidW, growing its buffers once to the sizes it asks for.
fn lookup(psid: PSID) -> Option<String> {
    let (mut name, mut domain) = (vec![0u16; 257], vec![0u16; 256]);
    for _ in 0..2 {
        let (mut name_len, mut domain_len) = (name.len() as u32, domain.len() as u32);
        let mut kind = SID_NAME_USE::default();
        // SAFETY: both buffers hold the lengths passed; `psid` is valid.
        let result = unsafe {
            LookupAccountSidW(
                None,
                psid,
                Some(PWSTR(name.as_mut_ptr())),
                &mut name_len,
                Some(PWSTR(domain.as_mut_ptr())),
                &mut domain_len,
                &mut kind,
            )
        };
        match result {
            Ok(()) => {
                let name = String::from_utf16_lossy(&name[..name_len as usize]);
                let domain = String::from_utf16_lossy(&domain[..domain_len as usize]);
                return Some(if domain.is_empty() { name } else { format!(r"{domain}\{name}") });
            }
            Err(e) if e.code() == ERROR_INSUFFICIENT_BUFFER.to_hresult() => {
                // On this error the lengths are the sizes needed, terminators included.
                name.resize((name_len as usize).max(name.len()), 0);
                domain.resize((domain_len as usize).max(domain.len()), 0);
            }
            Err(_) => return None,
        }
    }
    None
}
