//! Provider names as they appear in `Event/System/Provider/@Name`.
//! Decoders are keyed on provider and event id together: ids collide
//! across providers (4104 and 8001 mean different things in different logs).

pub const SECURITY_AUDITING: &str = "Microsoft-Windows-Security-Auditing";
pub const EVENTLOG: &str = "Microsoft-Windows-Eventlog";
pub const SERVICE_CONTROL_MANAGER: &str = "Service Control Manager";
pub const SYSMON: &str = "Microsoft-Windows-Sysmon";
pub const KERNEL_PROCESS: &str = "Microsoft-Windows-Kernel-Process";
/// The Operational log of Windows PowerShell 5.x (4103 module logging, 4104 script blocks).
pub const POWERSHELL: &str = "Microsoft-Windows-PowerShell";
/// PowerShell 7's provider (same event ids as [`POWERSHELL`]).
pub const POWERSHELL_CORE: &str = "PowerShellCore";
/// The classic "Windows PowerShell" log (400/403/600/800), written by every engine including 2.0.
pub const POWERSHELL_CLASSIC: &str = "PowerShell";
pub const REMOTE_CONNECTION_MANAGER: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
pub const RDP_CORE: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
pub const NTLM: &str = "Microsoft-Windows-NTLM";
pub const SMB_SERVER: &str = "Microsoft-Windows-SMBServer";
/// Schannel's event-log provider (System log).
pub const SCHANNEL: &str = "Schannel";
/// Netlogon writes 8004 (NTLM to this domain controller) into the NTLM Operational log.
pub const SECURITY_NETLOGON: &str = "Microsoft-Windows-Security-Netlogon";
