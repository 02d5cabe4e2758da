//! The profile and state directory holds user names, peers and command
//! lines: only SYSTEM and Administrators may open it, the Windows
//! counterpart of the profile's mode 0600 elsewhere.

use super::error::LiveError;
use std::path::Path;
use windows::core::{w, HSTRING};
use windows::Win32::Foundation::{LocalFree, HLOCAL};
use windows::Win32::Security::Authorization::{ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1};
use windows::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows::Win32::Storage::FileSystem::CreateDirectoryW;

/// Protected DACL (nothing inherited from above): full control for SYSTEM
/// and Administrators, inherited by everything created inside.
const OWNER_ONLY: windows::core::PCWSTR = w!("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");

/// Creates `dir` (and its parents) if missing; an existing directory keeps its ACL.
pub fn create_private_dir(dir: &Path) -> Result<(), LiveError> {
    if dir.is_dir() {
        return Ok(());
    }
    let io = |source| LiveError::Io { path: dir.to_path_buf(), source };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut descriptor = PSECURITY_DESCRIPTOR::default();
    // SAFETY: a constant SDDL string; `descriptor` receives a LocalAlloc'ed descriptor.
    unsafe { ConvertStringSecurityDescriptorToSecurityDescriptorW(OWNER_ONLY, SDDL_REVISION_1, &mut descriptor, None) }
        .map_err(|e| LiveError::os("cannot build the directory's access list", e))?;
    let attributes = SECURITY_ATTRIBUTES {
        nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: descriptor.0,
        bInheritHandle: false.into(),
    };
    // SAFETY: the path is a valid wide string; the attributes point to the descriptor above.
    let created = unsafe { CreateDirectoryW(&HSTRING::from(dir.as_os_str()), Some(&attributes)) };
    // SAFETY: the descriptor came from the conversion above and is freed once, after its last use.
    unsafe { LocalFree(Some(HLOCAL(descriptor.0))) };
    created.map_err(|e| LiveError::os(format!("cannot create {}", dir.display()), e))
}
