//! A catalog rule as written in `policy-gen/rules/*.toml`: what it enforces,
//! where, why, which usage it would break, and how it is rendered.

use crate::usage_matcher::UsageMatcher;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use temper_observation::{InventoryCategory, Protocol};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Windows,
    Linux,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Windows => "windows",
            Platform::Linux => "linux",
        }
    }
}

/// Where a rule's setting takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeSpec {
    /// On the host that was observed.
    Host,
    /// Where domain accounts are validated: the host itself when it is
    /// standalone or a domain controller, the domain controllers when it is
    /// a member server.
    Domain,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct References {
    pub cis: Option<String>,
    /// ComplianceAsCode rule id.
    pub cac: Option<String>,
    pub stig: Option<String>,
    /// Why the rule names no benchmark id: said, so an empty block is never
    /// mistaken for a reference nobody looked up.
    pub none: Option<String>,
}

impl References {
    pub fn ids(&self) -> [(&'static str, Option<&str>); 3] {
        [("CIS", self.cis.as_deref()), ("ComplianceAsCode", self.cac.as_deref()), ("STIG", self.stig.as_deref())]
    }
}

/// The setting a rule enforces, as a reviewer reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingSpec {
    pub name: String,
    /// The strict value, in words or as a canonical version.
    pub value: String,
}

/// An inventory item whose presence makes the rule applicable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryProbe {
    pub category: InventoryCategory,
    pub name: Option<String>,
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    pub any: Vec<InventoryProbe>,
}

/// A fixed candidate of a `remove_unused` rule, with its own references.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    pub name: String,
    pub cis: Option<String>,
    pub stig: Option<String>,
    /// Inbound connections to these ports are uses of the candidate (a service's well-known ports).
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Inbound connections to any port this program listens on are uses of the candidate.
    pub process: Option<String>,
}

/// The rule shapes (docs/policy-format.md, "Shapes") with their parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShapeSpec {
    /// The highest level that every observed use still meets.
    MinVersion {
        protocol: Protocol,
        role: Option<temper_observation::Role>,
        #[serde(default)]
        per_port: bool,
        /// The level the rule aims for.
        target: String,
        /// The strictest level it will ever set.
        ceiling: String,
        /// Versions another rule decides (e.g. SMB1 for the SMB2 minimum).
        #[serde(default)]
        ignore: Vec<String>,
    },
    /// Off, unless observed in use.
    DisableUnlessUsed {
        usage: UsageMatcher,
        #[serde(default)]
        present_means_used: Vec<InventoryProbe>,
        /// Programs whose listening ports' inbound use is a use (the print
        /// spooler over RPC on whatever port `spoolsv` listens on).
        #[serde(default)]
        served_by: Vec<String>,
    },
    /// A strict setting, unless usage it would break was seen.
    SettingUnlessUsed {
        usage: UsageMatcher,
        /// Inventory items whose presence is itself a use (a container engine
        /// installed needs IP forwarding, whether or not it started a container
        /// during the window).
        #[serde(default)]
        present_means_used: Vec<InventoryProbe>,
        /// As for `disable_unless_used`.
        #[serde(default)]
        served_by: Vec<String>,
    },
    /// Exactly the observed set (plus a keep-list for accounts).
    Allowlist { member: AllowlistMember, usage: UsageMatcher },
    /// Inventory items (or fixed candidates) never used during observation.
    RemoveUnused {
        /// Where the items come from; without it, `candidates` are the items
        /// (sshd algorithms, which no inventory lists).
        inventory: Option<InventoryCategory>,
        /// What one item is called in decisions (default: the inventory category).
        item: Option<String>,
        /// Only inventory shares of this protocol (SMB shares and NFS exports share a category).
        protocol: Option<temper_observation::ShareProtocol>,
        /// What an item must never have been to be proposed (default `used`; `written to`).
        never: Option<String>,
        /// Matching facts cannot be told apart by item (NFS: a connection to
        /// 2049 does not say which export), so any use keeps every item.
        #[serde(default)]
        unattributed: bool,
        usage: UsageMatcher,
        /// Regular expressions of item names never proposed for removal.
        #[serde(default)]
        exclude: Vec<String>,
        /// A fixed list of candidates instead of every inventory item.
        #[serde(default)]
        candidates: Vec<Candidate>,
        /// Candidates the inventory does not list need no decision (a service
        /// that is not installed); kernel modules are blocked either way.
        #[serde(default)]
        only_present: bool,
        /// Also keep the policy's break-glass accounts.
        #[serde(default)]
        keep_accounts: bool,
        /// Items the inventory marks `disabled` need no decision: they are off already.
        #[serde(default)]
        skip_disabled: bool,
    },
    /// A setting nothing observable depends on (logging on, AutoPlay off).
    Baseline,
    /// A proposal for each share: only the users seen, read-only where no
    /// write was seen. Always for a reviewer: the share's grants are not in
    /// the inventory, so Temper cannot tell whether the proposal narrows them.
    NarrowGrants { protocol: temper_observation::ShareProtocol },
}

impl ShapeSpec {
    pub fn name(&self) -> &'static str {
        match self {
            ShapeSpec::MinVersion { .. } => "min_version",
            ShapeSpec::DisableUnlessUsed { .. } => "disable_unless_used",
            ShapeSpec::SettingUnlessUsed { .. } => "setting_unless_used",
            ShapeSpec::Allowlist { .. } => "allowlist",
            ShapeSpec::RemoveUnused { .. } => "remove_unused",
            ShapeSpec::Baseline => "baseline",
            ShapeSpec::NarrowGrants { .. } => "narrow_grants",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowlistMember {
    /// The user of each matching fact.
    User,
    /// The transport and service port of each matching fact.
    Port,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryValue {
    pub path: String,
    pub name: String,
    /// PowerShell property type: DWord, String, ...
    pub kind: String,
    pub data: toml::Value,
}

/// How an enforced decision becomes an artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RenderSpec {
    Registry {
        values: Vec<RegistryValue>,
    },
    WindowsFeature {
        server_feature: String,
        client_feature: String,
    },
    SmbServerConfiguration {
        parameter: String,
        levels: BTreeMap<String, String>,
    },
    SmbShareRemoval,
    Sshd {
        directives: BTreeMap<String, String>,
    },
    SshdAllowUsers,
    SambaGlobal {
        parameter: String,
        levels: BTreeMap<String, String>,
    },
    NftablesInbound,
    ModprobeBlacklist,
    TlsListener,
    /// A Windows service set to Disabled and stopped: the catalog's, or the decision's value.
    ServiceDisable {
        service: Option<String>,
    },
    /// Windows Firewall: inbound default block, with the allowlist's ports allowed.
    FirewallInbound,
    /// sshd algorithms removed from the defaults: `Ciphers -a,b` (never narrowed to what was seen).
    SshdRemoveAlgorithms {
        keyword: String,
    },
    /// A fixed `[global]` smb.conf parameter.
    SambaSetting {
        parameter: String,
        value: String,
    },
    /// A parameter of the decision's share section in smb.conf (`available = no`, `read only = yes`).
    SambaShare {
        parameter: String,
        value: String,
    },
    /// Kernel parameters in /etc/sysctl.d.
    Sysctl {
        values: BTreeMap<String, String>,
    },
    /// A systemd unit (the decision's value) disabled, stopped and masked.
    SystemdDisable,
    /// A local Linux account (the decision's value) expired: no login of any kind.
    AccountExpire,
    /// A local Windows account (the decision's value) disabled.
    LocalAccountDisable,
    /// No file can carry it: a step for a person, printed by the artifacts
    /// (`{value}` and `{subject}` are filled in from the decision).
    Manual {
        platform: Platform,
        step: String,
    },
}

impl RenderSpec {
    pub fn platform(&self) -> Platform {
        match self {
            RenderSpec::Registry { .. }
            | RenderSpec::WindowsFeature { .. }
            | RenderSpec::SmbServerConfiguration { .. }
            | RenderSpec::SmbShareRemoval
            | RenderSpec::ServiceDisable { .. }
            | RenderSpec::FirewallInbound
            | RenderSpec::LocalAccountDisable => Platform::Windows,
            RenderSpec::Manual { platform, .. } => *platform,
            RenderSpec::Sshd { .. }
            | RenderSpec::SshdAllowUsers
            | RenderSpec::SambaGlobal { .. }
            | RenderSpec::NftablesInbound
            | RenderSpec::ModprobeBlacklist
            | RenderSpec::TlsListener
            | RenderSpec::SshdRemoveAlgorithms { .. }
            | RenderSpec::SambaSetting { .. }
            | RenderSpec::SambaShare { .. }
            | RenderSpec::Sysctl { .. }
            | RenderSpec::SystemdDisable
            | RenderSpec::AccountExpire => Platform::Linux,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub platform: Platform,
    pub scope: ScopeSpec,
    pub rationale: String,
    /// What usage the setting would break, in words.
    pub breaks: String,
    /// Coverage categories that must have been watched to trust an absence
    /// (none for a `baseline` rule: it relies on no absence).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Rendered in the audit stage too: it only logs, or has a log-only form
    /// (the firewall logs what it would drop).
    #[serde(default)]
    pub audit: bool,
    #[serde(default)]
    pub references: References,
    pub applies_if: Option<Applicability>,
    pub setting: SettingSpec,
    pub shape: ShapeSpec,
    pub render: RenderSpec,
}
