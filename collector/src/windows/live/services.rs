//! The service manager's view: every Win32 service, its state, start type,
//! image and account (EnumServicesStatusExW, then QueryServiceConfigW each).

use super::error::LiveError;
use super::wide::from_wide_ptr;
use crate::windows::host_state::ServiceEntry;
use windows::core::{Owned, HSTRING, PCWSTR};
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, WIN32_ERROR};
use windows::Win32::System::Services::{
    EnumServicesStatusExW, OpenSCManagerW, OpenServiceW, QueryServiceConfigW, ENUM_SERVICE_STATUS_PROCESSW,
    QUERY_SERVICE_CONFIGW, SC_ENUM_PROCESS_INFO, SC_HANDLE, SC_MANAGER_CONNECT, SC_MANAGER_ENUMERATE_SERVICE,
    SERVICE_AUTO_START, SERVICE_BOOT_START, SERVICE_DEMAND_START, SERVICE_DISABLED, SERVICE_QUERY_CONFIG,
    SERVICE_STATE_ALL, SERVICE_STATUS_CURRENT_STATE, SERVICE_SYSTEM_START, SERVICE_WIN32,
};

/// Every Win32 service (drivers are modules, not services).
pub(crate) fn list() -> Result<Vec<ServiceEntry>, LiveError> {
    // SAFETY: null machine and database name the local active database.
    let manager =
        unsafe { OpenSCManagerW(PCWSTR::null(), PCWSTR::null(), SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE) }
            .map_err(|e| LiveError::os("cannot open the service manager", e))?;
    // SAFETY: OpenSCManagerW succeeded; the handle is ours to close.
    let manager = unsafe { Owned::new(manager) };
    let mut services = Vec::new();
    let mut resume = 0u32;
    loop {
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: a sizing call: no buffer, valid out pointers.
        let sized = unsafe {
            EnumServicesStatusExW(
                *manager,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                None,
                &mut needed,
                &mut count,
                Some(&mut resume),
                PCWSTR::null(),
            )
        };
        if let Err(e) = sized {
            if WIN32_ERROR::from_error(&e) != Some(ERROR_MORE_DATA) {
                return Err(LiveError::os("cannot list services", e));
            }
        }
        if needed == 0 {
            break;
        }
        // u64 storage: the records hold pointers and need their alignment.
        let mut storage = vec![0u64; (needed as usize).div_ceil(8)];
        // SAFETY: the byte view covers exactly the u64 storage, which outlives it.
        let bytes = unsafe { std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), storage.len() * 8) };
        // SAFETY: `bytes` is as large as the sizing call asked for; out pointers are valid.
        let listed = unsafe {
            EnumServicesStatusExW(
                *manager,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                Some(bytes),
                &mut needed,
                &mut count,
                Some(&mut resume),
                PCWSTR::null(),
            )
        };
        // SAFETY: the call wrote `count` records at the start of the aligned buffer; their
        // strings point into the same buffer, alive until `storage` drops after this loop body.
        let records = unsafe {
            std::slice::from_raw_parts(storage.as_ptr().cast::<ENUM_SERVICE_STATUS_PROCESSW>(), count as usize)
        };
        for record in records {
            // SAFETY: the strings are NUL-terminated and live in `storage`.
            let (name, display_name) =
                unsafe { (from_wide_ptr(record.lpServiceName.0), from_wide_ptr(record.lpDisplayName.0)) };
            let Some(name) = name else { continue };
            let mut entry = ServiceEntry {
                state: Some(state_name(record.ServiceStatusProcess.dwCurrentState).to_string()),
                display_name,
                ..Default::default()
            };
            configure(&manager, &name, &mut entry);
            entry.name = name;
            services.push(entry);
        }
        match listed {
            Ok(()) => break,
            Err(e) if WIN32_ERROR::from_error(&e) == Some(ERROR_MORE_DATA) => continue,
            Err(e) => return Err(LiveError::os("cannot list services", e)),
        }
    }
    Ok(services)
}

/// Start type, image and account; left empty when the service cannot be queried.
fn configure(manager: &Owned<SC_HANDLE>, name: &str, entry: &mut ServiceEntry) {
    // SAFETY: the manager handle is open; the name is a valid wide string.
    let service = match unsafe { OpenServiceW(**manager, &HSTRING::from(name), SERVICE_QUERY_CONFIG) } {
        // SAFETY: OpenServiceW succeeded; the handle is ours to close.
        Ok(handle) => unsafe { Owned::new(handle) },
        Err(e) => {
            tracing::debug!("service {name}: cannot open: {e}");
            return;
        }
    };
    let mut needed = 0u32;
    // SAFETY: a sizing call: no buffer, a valid out pointer.
    if let Err(e) = unsafe { QueryServiceConfigW(*service, None, 0, &mut needed) } {
        if WIN32_ERROR::from_error(&e) != Some(ERROR_INSUFFICIENT_BUFFER) {
            tracing::debug!("service {name}: cannot query its configuration: {e}");
            return;
        }
    }
    let mut storage = vec![0u64; (needed as usize).div_ceil(8).max(size_of::<QUERY_SERVICE_CONFIGW>().div_ceil(8))];
    let config = storage.as_mut_ptr().cast::<QUERY_SERVICE_CONFIGW>();
    // SAFETY: `storage` is aligned and at least `needed` bytes, as the call is told.
    if let Err(e) = unsafe { QueryServiceConfigW(*service, Some(config), (storage.len() * 8) as u32, &mut needed) } {
        tracing::debug!("service {name}: cannot query its configuration: {e}");
        return;
    }
    // SAFETY: the call filled the structure; its strings live in `storage`, alive here.
    unsafe {
        let config = &*config;
        entry.start_type = start_type_name(config.dwStartType.0).map(str::to_string);
        entry.image = from_wide_ptr(config.lpBinaryPathName.0).filter(|s| !s.is_empty());
        entry.account = from_wide_ptr(config.lpServiceStartName.0).filter(|s| !s.is_empty());
    }
}

fn start_type_name(start_type: u32) -> Option<&'static str> {
    Some(match start_type {
        t if t == SERVICE_BOOT_START.0 => "boot",
        t if t == SERVICE_SYSTEM_START.0 => "system",
        t if t == SERVICE_AUTO_START.0 => "auto",
        t if t == SERVICE_DEMAND_START.0 => "manual",
        t if t == SERVICE_DISABLED.0 => "disabled",
        _ => return None,
    })
}

/// SERVICE_STATUS dwCurrentState values, 1 to 7.
fn state_name(state: SERVICE_STATUS_CURRENT_STATE) -> &'static str {
    match state.0 {
        1 => "stopped",
        2 => "start_pending",
        3 => "stop_pending",
        4 => "running",
        5 => "continue_pending",
        6 => "pause_pending",
        7 => "paused",
        _ => "unknown",
    }
}
