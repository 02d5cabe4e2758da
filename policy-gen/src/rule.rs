//! A catalog rule as written in `policy-gen/rules/*.toml`: what it enforces,
//! where, why, which usage it would break, and how it is rendered.

use crate::usage_matcher::UsageMatcher;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use temper_collector::{InventoryCategory, Protocol};

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
}

/// The rule shapes of ARCHITECTURE.md §4 with their parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShapeSpec {
    /// The highest level that every observed use still meets.
    MinVersion {
        protocol: Protocol,
        role: Option<temper_collector::Role>,
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
    DisableUnlessUsed { usage: UsageMatcher },
    /// A strict setting, unless usage it would break was seen.
    SettingUnlessUsed { usage: UsageMatcher },
    /// Exactly the observed set (plus a keep-list for accounts).
    Allowlist { member: AllowlistMember, usage: UsageMatcher },
    /// Inventory items never used during observation.
    RemoveUnused {
        inventory: InventoryCategory,
        usage: UsageMatcher,
        /// Regular expressions of item names never proposed for removal.
        #[serde(default)]
        exclude: Vec<String>,
        /// A fixed list of candidates instead of every inventory item.
        #[serde(default)]
        candidates: Vec<Candidate>,
    },
}

impl ShapeSpec {
    pub fn name(&self) -> &'static str {
        match self {
            ShapeSpec::MinVersion { .. } => "min_version",
            ShapeSpec::DisableUnlessUsed { .. } => "disable_unless_used",
            ShapeSpec::SettingUnlessUsed { .. } => "setting_unless_used",
            ShapeSpec::Allowlist { .. } => "allowlist",
            ShapeSpec::RemoveUnused { .. } => "remove_unused",
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
    Registry { values: Vec<RegistryValue> },
    WindowsFeature { server_feature: String, client_feature: String },
    SmbServerConfiguration { parameter: String, levels: BTreeMap<String, String> },
    SmbShareRemoval,
    Sshd { directives: BTreeMap<String, String> },
    SshdAllowUsers,
    SambaGlobal { parameter: String, levels: BTreeMap<String, String> },
    NftablesInbound,
    ModprobeBlacklist,
    TlsListener,
}

impl RenderSpec {
    pub fn platform(&self) -> Platform {
        match self {
            RenderSpec::Registry { .. }
            | RenderSpec::WindowsFeature { .. }
            | RenderSpec::SmbServerConfiguration { .. }
            | RenderSpec::SmbShareRemoval => Platform::Windows,
            _ => Platform::Linux,
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
    /// Coverage categories that must have been watched to trust an absence.
    pub categories: Vec<String>,
    #[serde(default)]
    pub references: References,
    pub applies_if: Option<Applicability>,
    pub setting: SettingSpec,
    pub shape: ShapeSpec,
    pub render: RenderSpec,
}
