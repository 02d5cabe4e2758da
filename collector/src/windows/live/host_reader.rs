//! Fills [`WindowsHostState`] from the registry, the service manager, the
//! IP Helper socket tables and the audit policy. Best-effort throughout: a
//! value that cannot be read stays `None` (or absent), which the host state
//! treats as "not attested", never as a default.

use super::registry::RegKey;
use super::{audit_policy, file_security, listeners, services};
use crate::windows::host_state::{AccountEntry, ShareEntry, WindowsHostState};
use crate::windows::host_values::{domain_role, share_entry};
use crate::windows::share_grants::{grants_of_descriptor, Grant};
use serde_json::Value;
use windows::core::{PCWSTR, PWSTR};
use windows::Win32::NetworkManagement::NetManagement::{
    NetApiBufferFree, NetGetJoinInformation, NetSetupDomainName, NetUserEnum, FILTER_NORMAL_ACCOUNT,
    MAX_PREFERRED_LENGTH, NETSETUP_JOIN_STATUS, UF_ACCOUNTDISABLE, USER_INFO_1,
};
use windows::Win32::System::SystemInformation::{ComputerNameDnsFullyQualified, GetComputerNameExW};

const LANMAN_SERVER: &str = r"SYSTEM\CurrentControlSet\Services\LanmanServer";
const LSA: &str = r"SYSTEM\CurrentControlSet\Control\Lsa";
const MSV1_0: &str = r"SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0";
const SCHANNEL: &str = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";
const TERMINAL_SERVER: &str = r"SYSTEM\CurrentControlSet\Control\Terminal Server";
const RDP_TCP: &str = r"SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp";
const TERMINAL_SERVICES_POLICY: &str = r"SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services";
const FIREWALL_POLICY: &str = r"SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy";
const FIREWALL_GROUP_POLICY: &str = r"SOFTWARE\Policies\Microsoft\WindowsFirewall";
/// Present, with `PowerShellVersion` 2.0, while the Windows PowerShell 2.0 engine is installed.
const POWERSHELL_V2_ENGINE: &str = r"SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine";
const SCRIPT_BLOCK_LOGGING: &str = r"SOFTWARE\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging";
const PROCESS_AUDIT_POLICY: &str = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\Audit";
const PRODUCT_OPTIONS: &str = r"SYSTEM\CurrentControlSet\Control\ProductOptions";
const TIME_ZONE: &str = r"SYSTEM\CurrentControlSet\Control\TimeZoneInformation";
/// The optional feature that carries the 2.0 engine (DISM's name, which the policy renders).
const POWERSHELL_V2_FEATURE: &str = "MicrosoftWindowsPowerShellV2Root";
/// MSV1_0 values that audit or restrict NTLM.
const NTLM_VALUES: &[&str] = &[
    "AuditReceivingNTLMTraffic",
    "RestrictReceivingNTLMTraffic",
    "RestrictSendingNTLMTraffic",
    "NtlmMinClientSec",
    "NtlmMinServerSec",
];
/// SCHANNEL `EventLogging` bit that logs informational events such as 36880.
const SCHANNEL_LOG_INFORMATIONAL: u32 = 0x4;

/// Everything this host says about itself now.
pub fn read_host_state() -> WindowsHostState {
    let mut state = WindowsHostState {
        computer: computer_name().unwrap_or_default(),
        time_zone: RegKey::local_machine(TIME_ZONE).and_then(|k| k.string("TimeZoneKeyName")),
        domain_role: read_domain_role(),
        shares: shares(),
        accounts: local_accounts(),
        listeners: listeners::list(),
        ..Default::default()
    };
    state.services = services::list().unwrap_or_else(|e| {
        tracing::warn!("the service inventory is empty: {e}");
        Vec::new()
    });
    read_os_version(&mut state);
    read_smb(&mut state);
    read_lsa(&mut state);
    read_schannel(&mut state);
    read_powershell(&mut state);
    read_rdp(&mut state);
    read_firewall(&mut state);
    let [logon, file_share, detailed_file_share, filtering_platform_connection, process_creation] =
        audit_policy::success_auditing();
    let audit = &mut state.audit;
    audit.logon = logon;
    audit.file_share = file_share;
    audit.detailed_file_share = detailed_file_share;
    audit.filtering_platform_connection = filtering_platform_connection;
    audit.process_creation = process_creation;
    audit.process_command_line = switch(PROCESS_AUDIT_POLICY, "ProcessCreationIncludeCmdLine_Enabled", |v| v == 1);
    audit.script_block_logging = switch(SCRIPT_BLOCK_LOGGING, "EnableScriptBlockLogging", |v| v == 1);
    state
}

/// A DWORD switch whose absence means off: `None` only when its key cannot be read.
fn switch(path: &str, value: &str, on: impl Fn(u32) -> bool) -> Option<bool> {
    match RegKey::local_machine_checked(path) {
        Ok(Some(key)) => Some(key.dword(value).is_some_and(on)),
        Ok(None) => Some(false),
        Err(_) => None,
    }
}

/// `Windows Server 2022 Datacenter (build 20348)`, for the role fingerprint of bundles.
fn read_os_version(state: &mut WindowsHostState) {
    let Some(key) = RegKey::local_machine(r"SOFTWARE\Microsoft\Windows NT\CurrentVersion") else { return };
    if let Some(product) = key.string("ProductName") {
        let build = key.string("CurrentBuildNumber").map(|b| format!(" (build {b})")).unwrap_or_default();
        setting(state, crate::inventory::settings::OS_VERSION, format!("{product}{build}"));
    }
}

fn setting(state: &mut WindowsHostState, name: impl Into<String>, value: impl Into<Value>) {
    state.settings.push((name.into(), value.into()));
}

/// The DNS name events carry as `Computer`, so live and `.evtx` name the host alike.
pub fn computer_name() -> Option<String> {
    let mut length = 0u32;
    // SAFETY: a sizing call: no buffer, a valid length pointer.
    let _ = unsafe { GetComputerNameExW(ComputerNameDnsFullyQualified, None, &mut length) };
    let mut buffer = vec![0u16; length as usize + 1];
    length = buffer.len() as u32;
    // SAFETY: `buffer` holds `length` characters.
    match unsafe { GetComputerNameExW(ComputerNameDnsFullyQualified, Some(PWSTR(buffer.as_mut_ptr())), &mut length) } {
        Ok(()) => Some(String::from_utf16_lossy(&buffer[..(length as usize).min(buffer.len())])),
        Err(e) => {
            tracing::warn!("cannot read the computer name: {e}");
            None
        }
    }
}

/// `ProductType`, and for a server whether it is joined to a domain.
fn read_domain_role() -> Option<String> {
    let product = RegKey::local_machine(PRODUCT_OPTIONS)?.string("ProductType")?;
    domain_role(&product, joined_to_domain)
}

fn joined_to_domain() -> Option<bool> {
    let mut name = PWSTR::null();
    let mut status = NETSETUP_JOIN_STATUS::default();
    // SAFETY: null server = this machine; both out pointers are valid.
    let result = unsafe { NetGetJoinInformation(PCWSTR::null(), &mut name, &mut status) };
    if !name.is_null() {
        // SAFETY: the name buffer was allocated by NetGetJoinInformation and is freed once.
        unsafe { NetApiBufferFree(Some(name.0.cast_const().cast())) };
    }
    if result != 0 {
        tracing::warn!("cannot read the domain membership: error {result}");
        return None;
    }
    Some(status == NetSetupDomainName)
}

/// Local accounts and whether they are disabled (NetUserEnum, level 1).
fn local_accounts() -> Vec<AccountEntry> {
    let mut accounts = Vec::new();
    let mut resume = 0u32;
    loop {
        let mut buffer: *mut u8 = std::ptr::null_mut();
        let (mut read, mut total) = (0u32, 0u32);
        // SAFETY: null server = this machine; the out pointers are valid; the
        // buffer NetUserEnum allocates is read within `read` entries and freed once.
        let status = unsafe {
            NetUserEnum(
                PCWSTR::null(),
                1,
                FILTER_NORMAL_ACCOUNT,
                &mut buffer,
                MAX_PREFERRED_LENGTH,
                &mut read,
                &mut total,
                Some(&mut resume),
            )
        };
        if !buffer.is_null() {
            // SAFETY: the buffer holds `read` USER_INFO_1 entries (see above).
            let entries = unsafe { std::slice::from_raw_parts(buffer as *const USER_INFO_1, read as usize) };
            for entry in entries {
                // SAFETY: usri1_name is a NUL-terminated string inside the buffer.
                let name = unsafe { entry.usri1_name.to_string() }.unwrap_or_default();
                if !name.is_empty() {
                    accounts.push(AccountEntry { name, disabled: entry.usri1_flags.0 & UF_ACCOUNTDISABLE.0 != 0 });
                }
            }
            // SAFETY: allocated by NetUserEnum, freed once.
            unsafe { NetApiBufferFree(Some(buffer.cast_const().cast())) };
        }
        // ERROR_MORE_DATA (234): call again with the resume handle.
        if status != 234 {
            if status != 0 {
                tracing::warn!("the local account inventory is incomplete: NetUserEnum error {status}");
            }
            return accounts;
        }
    }
}

/// `LanmanServer\Shares`: one REG_MULTI_SZ per share (`Path=...`, `Remark=...`),
/// and under `Shares\Security` one REG_BINARY descriptor per share: its ACL.
/// The administrative shares (C$, ADMIN$, IPC$) are not stored there.
fn shares() -> Vec<ShareEntry> {
    let Some(key) = RegKey::local_machine(&format!(r"{LANMAN_SERVER}\Shares")) else { return Vec::new() };
    let security = key.open("Security");
    key.value_names()
        .into_iter()
        .map(|name| {
            let lines = key.multi_string(&name).unwrap_or_default();
            let mut share = share_entry(name, &lines);
            share.share_grants = security
                .as_ref()
                .and_then(|k| k.binary(&share.name))
                .and_then(|bytes| grants(&share.name, "share", &bytes));
            share.folder_grants = share
                .path
                .as_deref()
                .and_then(file_security::folder_descriptor)
                .and_then(|bytes| grants(&share.name, "folder", &bytes));
            share
        })
        .collect()
}

fn grants(share: &str, what: &str, descriptor: &[u8]) -> Option<Vec<Grant>> {
    grants_of_descriptor(descriptor, file_security::account_name)
        .map_err(|e| tracing::warn!(share, "the {what} permissions are not recorded: {e}"))
        .ok()
}

fn read_smb(state: &mut WindowsHostState) {
    let Some(parameters) = RegKey::local_machine(&format!(r"{LANMAN_SERVER}\Parameters")) else {
        state.audit.smb1_access = None;
        return;
    };
    if let Some(smb1) = parameters.dword("SMB1") {
        setting(state, "smb1_server", smb1 != 0);
    }
    for (value, name) in
        [("RequireSecuritySignature", "smb.require_signing"), ("EnableSecuritySignature", "smb.enable_signing")]
    {
        if let Some(v) = parameters.dword(value) {
            setting(state, name, v != 0);
        }
    }
    state.audit.smb1_access = Some(parameters.dword("AuditSmb1Access").is_some_and(|v| v != 0));
}

fn read_lsa(state: &mut WindowsHostState) {
    if let Some(level) = RegKey::local_machine(LSA).and_then(|k| k.dword("LmCompatibilityLevel")) {
        setting(state, "lm_compatibility_level", level);
    }
    match RegKey::local_machine_checked(MSV1_0) {
        Ok(Some(key)) => {
            for value in NTLM_VALUES {
                if let Some(v) = key.dword(value) {
                    setting(state, format!("msv1_0.{value}"), v);
                }
            }
            // 1 audits domain accounts' incoming NTLM, 2 all accounts'.
            state.audit.ntlm_incoming = Some(key.dword("AuditReceivingNTLMTraffic").is_some_and(|v| v == 1 || v == 2));
        }
        Ok(None) => state.audit.ntlm_incoming = Some(false),
        Err(_) => state.audit.ntlm_incoming = None,
    }
}

/// `Protocols\<protocol>\<Client|Server>` values, as `schannel.TLS 1.0.Server.Enabled`.
fn read_schannel(state: &mut WindowsHostState) {
    let Some(schannel) = RegKey::local_machine(SCHANNEL) else {
        state.audit.schannel_events = None;
        return;
    };
    // Absent, EventLogging is 1: errors only.
    state.audit.schannel_events =
        Some(schannel.dword("EventLogging").is_some_and(|v| v & SCHANNEL_LOG_INFORMATIONAL != 0));
    let Some(protocols) = schannel.open("Protocols") else { return };
    for protocol in protocols.subkeys() {
        let Some(protocol_key) = protocols.open(&protocol) else { continue };
        for side in ["Client", "Server"] {
            let Some(side_key) = protocol_key.open(side) else { continue };
            for value in ["Enabled", "DisabledByDefault"] {
                if let Some(v) = side_key.dword(value) {
                    setting(state, format!("schannel.{protocol}.{side}.{value}"), v);
                }
            }
        }
    }
}

fn read_powershell(state: &mut WindowsHostState) {
    match RegKey::local_machine_checked(POWERSHELL_V2_ENGINE) {
        Ok(engine) => {
            let version = engine.and_then(|k| k.string("PowerShellVersion"));
            let installed = version.as_deref().is_some_and(|v| v.trim().starts_with("2."));
            state.features.push((POWERSHELL_V2_FEATURE.to_string(), installed));
        }
        Err(_) => tracing::warn!("cannot tell whether the PowerShell 2.0 engine is installed"),
    }
}

/// The RDP listener as configured, and the group-policy values that override it.
fn read_rdp(state: &mut WindowsHostState) {
    if let Some(deny) = RegKey::local_machine(TERMINAL_SERVER).and_then(|k| k.dword("fDenyTSConnections")) {
        setting(state, "rdp.deny_connections", deny != 0);
    }
    if let Some(listener) = RegKey::local_machine(RDP_TCP) {
        if let Some(layer) = listener.dword("SecurityLayer") {
            setting(state, "rdp.security_layer", layer);
        }
        if let Some(nla) = listener.dword("UserAuthentication") {
            setting(state, "rdp.user_authentication", nla);
        }
        state.rdp_port = listener.dword("PortNumber").and_then(|p| u16::try_from(p).ok()).filter(|p| *p != 0);
    }
    if let Some(policy) = RegKey::local_machine(TERMINAL_SERVICES_POLICY) {
        for (value, name) in [
            ("SecurityLayer", "rdp.policy.security_layer"),
            ("UserAuthentication", "rdp.policy.user_authentication"),
            ("fDenyTSConnections", "rdp.policy.deny_connections"),
        ] {
            if let Some(v) = policy.dword(value) {
                setting(state, name, v);
            }
        }
    }
}

/// Each profile's switch and default inbound action; a group-policy value wins over the local one.
fn read_firewall(state: &mut WindowsHostState) {
    for (profile, local, policy) in [
        ("domain", "DomainProfile", "DomainProfile"),
        ("private", "StandardProfile", "PrivateProfile"),
        ("public", "PublicProfile", "PublicProfile"),
    ] {
        let local = RegKey::local_machine(&format!(r"{FIREWALL_POLICY}\{local}"));
        let policy = RegKey::local_machine(&format!(r"{FIREWALL_GROUP_POLICY}\{policy}"));
        let value = |name: &str| {
            policy.as_ref().and_then(|k| k.dword(name)).or_else(|| local.as_ref().and_then(|k| k.dword(name)))
        };
        let enabled = value("EnableFirewall").map(|v| v != 0);
        // DefaultInboundAction: 1 blocks, 0 allows.
        let inbound = value("DefaultInboundAction").map(|v| if v == 0 { "allow" } else { "block" }.to_string());
        state.firewall_profiles.push((profile.to_string(), enabled, inbound));
    }
}
