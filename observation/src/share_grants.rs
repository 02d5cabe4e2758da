//! A share's grants as the inventory keeps them (attributes `share_grants`
//! and `folder_grants` of a share item): one grant per trustee at the
//! highest level of rights its allow entries give. The collector reads them
//! from security descriptors; the policy judges them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The three levels the share permission dialog offers; NTFS masks map onto
/// the same scale by what they let a user do to the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rights {
    Read,
    /// Create, write or delete files.
    Change,
    /// Also change permissions or take ownership.
    Full,
}

impl Rights {
    pub fn as_str(self) -> &'static str {
        match self {
            Rights::Read => "read",
            Rights::Change => "change",
            Rights::Full => "full",
        }
    }
}

/// One trustee's grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// A SID (`S-1-5-11`) or a domain-relative SDDL alias (`DU`).
    pub trustee: String,
    /// `Authenticated Users`, `CORP\Finance`: well-known, or looked up by
    /// the live layer. Attacker-influenced (account names), so escaped
    /// wherever it is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub rights: Rights,
}

impl Grant {
    /// `Everyone (change)`, or the SID when no name is known.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name.as_deref().unwrap_or(&self.trustee), self.rights.as_str())
    }
}

/// The inventory attribute value for a list of grants.
pub fn to_attr(grants: &[Grant]) -> Value {
    serde_json::to_value(grants).unwrap_or(Value::Null)
}

/// The grants an inventory attribute holds; `None` when it is absent or
/// not a list of grants (an older profile, a hand-written one).
pub fn from_attr(value: Option<&Value>) -> Option<Vec<Grant>> {
    serde_json::from_value(value?.clone()).ok()
}
