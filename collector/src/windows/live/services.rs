//! The service manager's view: every Win32 service, its state, start type,
//! image and account (EnumServicesStatusExW, then QueryServiceConfigW each).

use super::error::LiveError;
use super::wide_ptr::from_wide_ptr;
use crate::windows::host_state::ServiceEntry;
use crate::windows::host_values::{service_state_name, start_type_name};
use windows::core::{Owned, HSTRING, PCWSTR};
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, WIN32_ERROR};
use windows::Win32::System::Services::{
    EnumServicesStatusExW, OpenSCManagerW, OpenServiceW, QueryServiceConfigW, ENUM_SERVICE_STATUS_PROCESSW,
    QUERY_SERVICE_CONFIGW, SC_ENUM_PROCESS_INFO, SC_HANDLE, SC_MANAGER_CONNECT, SC_MANAGER_ENUMERATE_SERVICE,
    SERVICE_QUERY_CONFIG, SERVICE_STATE_ALL, SERVICE_WIN32,
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
                state: Some(service_state_name(record.ServiceStatusProcess.dwCurrentState.0).to_string()),
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

#[cfg(test)]
mod tests {
    use crate::windows::host_values::{service_state_name, start_type_name};
    use windows::Win32::System::Services::{
        SERVICE_AUTO_START, SERVICE_BOOT_START, SERVICE_DEMAND_START, SERVICE_DISABLED, SERVICE_PAUSED,
        SERVICE_RUNNING, SERVICE_STOPPED, SERVICE_SYSTEM_START,
    };

    /// The neutral names take winnt.h's and winsvc.h's numbers as the `windows` crate defines them.
    #[test]
    fn names_match_the_windows_values() {
        assert_eq!(start_type_name(SERVICE_BOOT_START.0), Some("boot"));
        assert_eq!(start_type_name(SERVICE_SYSTEM_START.0), Some("system"));
        assert_eq!(start_type_name(SERVICE_AUTO_START.0), Some("auto"));
        assert_eq!(start_type_name(SERVICE_DEMAND_START.0), Some("manual"));
        assert_eq!(start_type_name(SERVICE_DISABLED.0), Some("disabled"));
        assert_eq!(service_state_name(SERVICE_STOPPED.0), "stopped");
        assert_eq!(service_state_name(SERVICE_RUNNING.0), "running");
        assert_eq!(service_state_name(SERVICE_PAUSED.0), "paused");
    }
}
