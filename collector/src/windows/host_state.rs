//! What the Windows live layer reads from the registry, the service
//! manager and the audit policy, as plain data; and what it means: the
//! inventory observation, which categories the event-log sources can
//! attest, and exactly which audit settings are missing.
//!
//! The `cfg(windows)` layer only fills [`WindowsHostState`]; every
//! judgement here is platform-neutral and tested on any host.

use super::share_grants::{self, Grant};
use crate::inventory::{settings, InventoryCategory, InventoryItem};
use crate::observation::{Event, Inventory, Observation};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceEntry {
    /// The service's key name (`LanmanServer`).
    pub name: String,
    pub display_name: Option<String>,
    /// `boot`, `system`, `auto`, `manual`, `disabled`.
    pub start_type: Option<String>,
    /// `running`, `stopped`, `paused`, ...
    pub state: Option<String>,
    pub image: Option<String>,
    pub account: Option<String>,
}

/// A local account (on a domain controller: none; its accounts are the domain's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountEntry {
    pub name: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShareEntry {
    pub name: String,
    pub path: Option<String>,
    pub remark: Option<String>,
    /// The share's own ACL; `None` when it could not be read.
    pub share_grants: Option<Vec<Grant>>,
    /// The ACL of the folder it shares; `None` when it could not be read.
    pub folder_grants: Option<Vec<Grant>>,
}

/// A listening socket and its owning process.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListenerEntry {
    /// `tcp` or `udp`.
    pub transport: String,
    pub port: u16,
    pub process: Option<String>,
}

/// Success auditing of the subcategories Temper reads (`auditpol`), plus
/// the logging switches outside the audit policy. `None`: could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditSettings {
    pub logon: Option<bool>,
    pub file_share: Option<bool>,
    pub detailed_file_share: Option<bool>,
    pub filtering_platform_connection: Option<bool>,
    pub process_creation: Option<bool>,
    /// `ProcessCreationIncludeCmdLine_Enabled`.
    pub process_command_line: Option<bool>,
    /// `LanmanServer\Parameters\AuditSmb1Access`.
    pub smb1_access: Option<bool>,
    /// `MSV1_0\AuditReceivingNTLMTraffic` is 1 or 2.
    pub ntlm_incoming: Option<bool>,
    /// SCHANNEL `EventLogging` includes informational events (bit 4).
    pub schannel_events: Option<bool>,
    /// PowerShell `ScriptBlockLogging\EnableScriptBlockLogging`.
    pub script_block_logging: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowsHostState {
    pub computer: String,
    /// The Windows time zone id (`W. Europe Standard Time`) or an IANA name.
    pub time_zone: Option<String>,
    /// `standalone`, `member_server`, `domain_controller`, `workstation`.
    pub domain_role: Option<String>,
    pub services: Vec<ServiceEntry>,
    pub shares: Vec<ShareEntry>,
    pub accounts: Vec<AccountEntry>,
    pub listeners: Vec<ListenerEntry>,
    /// Registry-backed settings by name (`smb1_server`, `lm_compatibility_level`,
    /// `schannel.TLS 1.0.Server.Enabled`, `rdp.security_layer`, ...) and value.
    pub settings: Vec<(String, Value)>,
    /// Optional features by name and whether enabled (`MicrosoftWindowsPowerShellV2Root`).
    pub features: Vec<(String, bool)>,
    /// Firewall profiles: name, enabled, default inbound action (`block`/`allow`).
    pub firewall_profiles: Vec<(String, Option<bool>, Option<String>)>,
    /// The RDP listener port (`RDP-Tcp\PortNumber`), when RDP is configured.
    pub rdp_port: Option<u16>,
    pub audit: AuditSettings,
}

/// An audit setting Temper needs and does not have, and how to turn it on.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditGap {
    pub setting: &'static str,
    /// The categories that stay unattested (never called unused) while it is off.
    pub categories: &'static [&'static str],
    /// The exact command that enables it (elevated PowerShell or cmd).
    pub enable: &'static str,
}

/// Every audit setting Temper reads, with what it attests and how to enable it.
/// A requirement: its name, how to read it, what it attests, how to enable it.
type AuditRequirement = (&'static str, fn(&AuditSettings) -> Option<bool>, &'static [&'static str], &'static str);

const AUDIT_REQUIREMENTS: &[AuditRequirement] = &[
    (
        "Audit Logon (success)",
        |a| a.logon,
        &["logon", "protocol:ntlm"],
        r#"auditpol /set /subcategory:"Logon" /success:enable /failure:enable"#,
    ),
    (
        "Audit File Share (success)",
        |a| a.file_share,
        &["share"],
        r#"auditpol /set /subcategory:"File Share" /success:enable"#,
    ),
    (
        "Audit Detailed File Share (success)",
        |a| a.detailed_file_share,
        &["share"],
        r#"auditpol /set /subcategory:"Detailed File Share" /success:enable"#,
    ),
    (
        "Audit Filtering Platform Connection (success)",
        |a| a.filtering_platform_connection,
        &["connection"],
        r#"auditpol /set /subcategory:"Filtering Platform Connection" /success:enable"#,
    ),
    (
        "Audit Process Creation (success)",
        |a| a.process_creation,
        &["exec", "script"],
        r#"auditpol /set /subcategory:"Process Creation" /success:enable"#,
    ),
    (
        "Include command line in process creation events",
        |a| a.process_command_line,
        &[],
        r#"reg add HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\System\Audit /v ProcessCreationIncludeCmdLine_Enabled /t REG_DWORD /d 1 /f"#,
    ),
    ("AuditSmb1Access", |a| a.smb1_access, &[], "Set-SmbServerConfiguration -AuditSmb1Access $true -Force"),
    (
        "Restrict NTLM: Audit incoming NTLM traffic",
        |a| a.ntlm_incoming,
        &[],
        r#"reg add HKLM\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0 /v AuditReceivingNTLMTraffic /t REG_DWORD /d 2 /f"#,
    ),
    (
        "Schannel EventLogging (informational)",
        |a| a.schannel_events,
        &["protocol:tls"],
        r#"reg add HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL /v EventLogging /t REG_DWORD /d 7 /f"#,
    ),
    (
        "PowerShell script block logging",
        |a| a.script_block_logging,
        &[],
        r#"reg add HKLM\Software\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging /v EnableScriptBlockLogging /t REG_DWORD /d 1 /f"#,
    ),
];

impl WindowsHostState {
    /// The audit settings that are off or unreadable.
    pub fn audit_gaps(&self) -> Vec<AuditGap> {
        AUDIT_REQUIREMENTS
            .iter()
            .filter(|(_, get, _, _)| get(&self.audit) != Some(true))
            .map(|(setting, _, categories, enable)| AuditGap { setting, categories, enable })
            .collect()
    }

    /// Categories the Security, System and Windows PowerShell channels
    /// attest on this host: a category counts only when its audit source is on.
    /// SCM events (`service`) and the classic PowerShell log (`script` for
    /// PowerShell engines) are always written.
    pub fn event_log_categories(&self) -> Vec<String> {
        let a = &self.audit;
        let mut categories = vec!["service"];
        if a.logon == Some(true) {
            categories.extend(["logon", "protocol:ntlm"]);
        }
        // 5140 alone misses repeated access within a session; either one suffices to see a share used.
        if a.file_share == Some(true) || a.detailed_file_share == Some(true) {
            categories.push("share");
        }
        if a.filtering_platform_connection == Some(true) {
            categories.push("connection");
        }
        if a.process_creation == Some(true) {
            categories.push("exec");
        }
        categories.push("script");
        if a.schannel_events == Some(true) {
            categories.push("protocol:tls");
        }
        categories.into_iter().map(str::to_string).collect()
    }

    /// The `inventory` observation for this host at `time`.
    pub fn to_inventory(&self, host: &str, source: &str, time: DateTime<Utc>) -> Observation {
        let mut items =
            vec![InventoryItem::new(InventoryCategory::Setting, settings::OS).with_attr("value", "windows")];
        if let Some(zone) = &self.time_zone {
            items.push(
                InventoryItem::new(InventoryCategory::Setting, settings::TIMEZONE).with_attr("value", zone.as_str()),
            );
        }
        if let Some(role) = &self.domain_role {
            items.push(
                InventoryItem::new(InventoryCategory::Setting, settings::DOMAIN_ROLE).with_attr("value", role.as_str()),
            );
        }
        for service in &self.services {
            let mut item = InventoryItem::new(InventoryCategory::Service, &service.name);
            for (key, value) in [
                ("display_name", &service.display_name),
                ("start_type", &service.start_type),
                ("state", &service.state),
                ("image", &service.image),
                ("account", &service.account),
            ] {
                if let Some(value) = value {
                    item = item.with_attr(key, value.as_str());
                }
            }
            items.push(item);
        }
        for share in &self.shares {
            let mut item = InventoryItem::new(InventoryCategory::Share, &share.name);
            if let Some(path) = &share.path {
                item = item.with_attr("path", path.as_str());
            }
            if let Some(remark) = &share.remark {
                item = item.with_attr("remark", remark.as_str());
            }
            if let Some(grants) = &share.share_grants {
                item = item.with_attr("share_grants", share_grants::to_attr(grants));
            }
            if let Some(grants) = &share.folder_grants {
                item = item.with_attr("folder_grants", share_grants::to_attr(grants));
            }
            items.push(item);
        }
        for account in &self.accounts {
            items.push(
                InventoryItem::new(InventoryCategory::Account, &account.name).with_attr("disabled", account.disabled),
            );
        }
        for listener in &self.listeners {
            let mut item =
                InventoryItem::new(InventoryCategory::Listener, format!("{}/{}", listener.transport, listener.port))
                    .with_attr("transport", listener.transport.as_str())
                    .with_attr("port", listener.port);
            if let Some(process) = &listener.process {
                item = item.with_attr("process", process.as_str());
            }
            items.push(item);
        }
        for (name, value) in &self.settings {
            items.push(InventoryItem::new(InventoryCategory::Setting, name).with_attr("value", value.clone()));
        }
        for (name, enabled) in &self.features {
            items.push(InventoryItem::new(InventoryCategory::Feature, name).with_attr("enabled", *enabled));
        }
        for (profile, enabled, inbound) in &self.firewall_profiles {
            let mut item = InventoryItem::new(InventoryCategory::Setting, format!("firewall.{profile}"));
            if let Some(enabled) = enabled {
                item = item.with_attr("enabled", *enabled);
            }
            if let Some(inbound) = inbound {
                item = item.with_attr("default_inbound", inbound.as_str());
            }
            items.push(item);
        }
        for gap in self.audit_gaps() {
            items.push(
                InventoryItem::new(InventoryCategory::Setting, format!("audit.{}", gap.setting))
                    .with_attr("value", "off")
                    .with_attr("enable", gap.enable),
            );
        }
        Observation::new(time, host, source, Event::Inventory(Inventory { items }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::security_descriptor::Dacl;
    use crate::windows::share_grants::grants_of;

    #[test]
    fn categories_follow_the_audit_policy() {
        let mut state = WindowsHostState::default();
        assert_eq!(state.event_log_categories(), vec!["service", "script"]);
        assert_eq!(state.audit_gaps().len(), AUDIT_REQUIREMENTS.len());
        state.audit.logon = Some(true);
        state.audit.detailed_file_share = Some(true);
        let categories = state.event_log_categories();
        assert!(categories.contains(&"share".to_string()) && categories.contains(&"protocol:ntlm".to_string()));
        assert!(!categories.contains(&"connection".to_string()));
        let gaps = state.audit_gaps();
        assert!(gaps.iter().any(|g| g.setting.contains("Filtering Platform") && g.categories == ["connection"]));
        assert!(gaps.iter().all(|g| !g.setting.starts_with("Audit Logon")));
    }

    #[test]
    fn inventory_lists_services_shares_settings_and_gaps() {
        let state = WindowsHostState {
            computer: "FS01".into(),
            time_zone: Some("Europe/Berlin".into()),
            services: vec![ServiceEntry {
                name: "Spooler".into(),
                start_type: Some("auto".into()),
                ..Default::default()
            }],
            shares: vec![ShareEntry {
                name: "scans".into(),
                path: Some(r"D:\Scans".into()),
                share_grants: Some(grants_of(&Dacl::Unrestricted)),
                ..Default::default()
            }],
            accounts: vec![AccountEntry { name: "Guest".into(), disabled: true }],
            settings: vec![("smb1_server".into(), Value::Bool(false))],
            features: vec![("MicrosoftWindowsPowerShellV2Root".into(), true)],
            ..Default::default()
        };
        let obs = state.to_inventory("fs01", "inventory", "2026-11-02T10:00:00Z".parse().unwrap());
        let Event::Inventory(inventory) = &obs.event else { panic!() };
        let names: Vec<&str> = inventory.items.iter().map(|i| i.name.as_str()).collect();
        for want in ["os", "timezone", "Spooler", "scans", "Guest", "smb1_server", "MicrosoftWindowsPowerShellV2Root"] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        assert!(names.iter().any(|n| n.starts_with("audit.Audit Logon")));
        let scans = inventory.items.iter().find(|i| i.name == "scans").unwrap();
        assert_eq!(share_grants::from_attr(scans.attrs.get("share_grants")), Some(grants_of(&Dacl::Unrestricted)));
        assert!(!scans.attrs.contains_key("folder_grants"), "unread folder grants are absent, not empty");
        let guest = inventory.items.iter().find(|i| i.name == "Guest").unwrap();
        assert_eq!(
            (guest.category, guest.attrs.get("disabled")),
            (InventoryCategory::Account, Some(&Value::Bool(true)))
        );
    }
}
