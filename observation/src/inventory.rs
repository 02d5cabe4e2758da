//! The inventory item schema: what exists on a host, used or not.
//!
//! `remove_unused` rules compare these items with what was observed in use,
//! and calendar analysis reads the host's time zone from the `setting` named
//! `timezone`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InventoryCategory {
    Share,
    Service,
    Listener,
    Module,
    Account,
    Setting,
    Feature,
}

impl InventoryCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            InventoryCategory::Share => "share",
            InventoryCategory::Service => "service",
            InventoryCategory::Listener => "listener",
            InventoryCategory::Module => "module",
            InventoryCategory::Account => "account",
            InventoryCategory::Setting => "setting",
            InventoryCategory::Feature => "feature",
        }
    }
}

/// One thing that exists. `attrs` holds category-specific facts, for example
/// a listener's `port`, `transport` and `process`, a share's `path`, a
/// setting's `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub category: InventoryCategory,
    pub name: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
}

impl InventoryItem {
    pub fn new(category: InventoryCategory, name: impl Into<String>) -> Self {
        InventoryItem { category, name: name.into(), attrs: Map::new() }
    }

    pub fn with_attr(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).and_then(Value::as_str)
    }
}

/// Well-known `setting` names.
pub mod settings {
    /// IANA time zone of the host, e.g. `Europe/Berlin`, in attr `value`.
    pub const TIMEZONE: &str = "timezone";
    /// Operating system family (`windows` or `linux`) in attr `value`.
    pub const OS: &str = "os";
    /// Distribution or product and version (`Debian GNU/Linux 12 (bookworm)`,
    /// `Windows Server 2022 Datacenter (build 20348)`) in attr `value`.
    pub const OS_VERSION: &str = "os_version";
    /// Windows domain role (`standalone`, `member_server`, `domain_controller`) in attr `value`.
    pub const DOMAIN_ROLE: &str = "domain_role";
}
