//! The live configuration of this Windows host: registry values under HKLM
//! (services' start types, the firewall's default actions and the
//! PowerShell 2.0 engine are registry values too).

use super::LiveState;

pub struct WindowsState;

impl LiveState for WindowsState {
    fn registry(&mut self, path: &str, name: &str) -> Result<Option<String>, String> {
        // Catalog paths are PowerShell's `HKLM:\...`; the registry API takes the rest.
        let relative = path.strip_prefix("HKLM:\\").ok_or_else(|| format!("{path} is not under HKLM:"))?;
        temper_collector::windows::live::read_local_machine_value(relative, name)
    }
}
