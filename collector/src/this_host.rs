//! This machine's name, as its own observations carry it: `temper observe`
//! names the host it watches by it, and `temper apply` looks for it in a
//! profile. Read by the platform, normalised like every other host name.

use temper_observation::host_name::machine_host_name;

/// The kernel's hostname.
#[cfg(target_os = "linux")]
pub fn this_host() -> String {
    machine_host_name(&std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default())
}

/// The DNS name (`GetComputerNameExW`), which is what the event log's
/// `Computer` carries, else the NetBIOS name.
#[cfg(windows)]
pub fn this_host() -> String {
    windows_host(&crate::windows::live::computer_name().unwrap_or_default())
}

/// No observer runs here, so no profile names this machine.
#[cfg(not(any(windows, target_os = "linux")))]
pub fn this_host() -> String {
    machine_host_name("")
}

/// A Windows computer's name as read (`WindowsHostState::computer`), with
/// the NetBIOS name (`COMPUTERNAME`) when it could not be read.
pub fn windows_host(computer: &str) -> String {
    if computer.trim().is_empty() {
        machine_host_name(&std::env::var("COMPUTERNAME").unwrap_or_default())
    } else {
        machine_host_name(computer)
    }
}
