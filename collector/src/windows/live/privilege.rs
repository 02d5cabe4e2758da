//! Observing needs an elevated administrator: real-time ETW sessions, the
//! Security log and the audit policy are closed to everyone else. Refusing
//! up front, naming what is missing, beats failing source by source.

use super::error::LiveError;
use std::ffi::c_void;
use windows::core::{Owned, PCWSTR};
use windows::Win32::Foundation::{GetLastError, ERROR_NOT_ALL_ASSIGNED, HANDLE, LUID};
use windows::Win32::Security::{
    AdjustTokenPrivileges, GetTokenInformation, LookupPrivilegeValueW, TokenElevation, TokenElevationType,
    TokenElevationTypeLimited, LUID_AND_ATTRIBUTES, SE_PRIVILEGE_ENABLED, SE_SECURITY_NAME, TOKEN_ADJUST_PRIVILEGES,
    TOKEN_ELEVATION, TOKEN_ELEVATION_TYPE, TOKEN_INFORMATION_CLASS, TOKEN_PRIVILEGES, TOKEN_QUERY,
};
use windows::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

const NEEDS: &str = "temper observe needs an elevated administrator (ETW sessions, the Security log and the audit policy are open to administrators only)";

/// Checks elevation and enables SeSecurityPrivilege, which reading the
/// audit policy (AuditQuerySystemPolicy) requires.
pub fn require_elevation() -> Result<(), LiveError> {
    let token = process_token()?;
    let elevation: TOKEN_ELEVATION = token_information(&token, TokenElevation)?;
    if elevation.TokenIsElevated == 0 {
        let kind: TOKEN_ELEVATION_TYPE = token_information(&token, TokenElevationType)?;
        let missing = if kind == TokenElevationTypeLimited {
            "this process is not elevated: start the prompt with \"Run as administrator\", or run `temper observe install` to observe as a service"
        } else {
            "this account is not a member of Administrators"
        };
        return Err(LiveError::NotPermitted(format!("{NEEDS}: {missing}")));
    }
    enable_security_privilege(&token)
}

fn process_token() -> Result<Owned<HANDLE>, LiveError> {
    let mut token = HANDLE::default();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token` is a valid out pointer.
    unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES, &mut token) }
        .map_err(|e| LiveError::os("cannot open this process's token", e))?;
    // SAFETY: OpenProcessToken succeeded, so `token` is a handle we own.
    Ok(unsafe { Owned::new(token) })
}

/// One fixed-size token information class.
fn token_information<T: Default>(token: &Owned<HANDLE>, class: TOKEN_INFORMATION_CLASS) -> Result<T, LiveError> {
    let mut value = T::default();
    let mut returned = 0u32;
    // SAFETY: the buffer is a `T` of the size passed, which is what `class` returns.
    unsafe {
        GetTokenInformation(
            **token,
            class,
            Some(&mut value as *mut T as *mut c_void),
            size_of::<T>() as u32,
            &mut returned,
        )
    }
    .map_err(|e| LiveError::os("cannot read this process's token", e))?;
    Ok(value)
}

fn enable_security_privilege(token: &Owned<HANDLE>) -> Result<(), LiveError> {
    let mut luid = LUID::default();
    // SAFETY: both names are valid (null = this machine); `luid` is a valid out pointer.
    unsafe { LookupPrivilegeValueW(PCWSTR::null(), SE_SECURITY_NAME, &mut luid) }
        .map_err(|e| LiveError::os("cannot look up SeSecurityPrivilege", e))?;
    let privileges = TOKEN_PRIVILEGES {
        PrivilegeCount: 1,
        Privileges: [LUID_AND_ATTRIBUTES { Luid: luid, Attributes: SE_PRIVILEGE_ENABLED }],
    };
    // SAFETY: `privileges` is a complete one-entry TOKEN_PRIVILEGES; no previous state is asked for.
    unsafe { AdjustTokenPrivileges(**token, false, Some(&privileges), 0, None, None) }
        .map_err(|e| LiveError::os("cannot enable SeSecurityPrivilege", e))?;
    // AdjustTokenPrivileges succeeds without assigning a privilege the token lacks.
    // SAFETY: reads this thread's last error, set by the call above.
    if unsafe { GetLastError() } == ERROR_NOT_ALL_ASSIGNED {
        return Err(LiveError::NotPermitted(format!(
            "{NEEDS}: this token lacks SeSecurityPrivilege (\"Manage auditing and security log\"), which reading the audit policy needs"
        )));
    }
    Ok(())
}
