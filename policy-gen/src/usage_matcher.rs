//! Which facts a rule's setting would break, as written in a rule's
//! `[shape.usage]` table. Every field narrows the match; absent fields match
//! anything.

use serde::{Deserialize, Serialize};
use temper_collector::{Kind, Protocol, Role};
use temper_learner::FactKey;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageMatcher {
    pub kind: Option<Kind>,
    pub protocol: Option<Protocol>,
    /// Canonical version strings.
    pub versions: Option<Vec<String>>,
    pub role: Option<Role>,
    pub interpreters: Option<Vec<String>>,
    pub engine_version_prefix: Option<String>,
    /// Logon service (`sshd`, `rdp`, ...).
    pub service: Option<String>,
    pub methods: Option<Vec<String>>,
    pub users: Option<Vec<String>>,
    pub success: Option<bool>,
}

/// A use whose role is unknown could be either: it matches any wanted role,
/// so an unknown-role SMB1 use still holds the SMB1 server back.
pub fn role_matches(wanted: Option<Role>, seen: Option<Role>) -> bool {
    match (wanted, seen) {
        (Some(wanted), Some(seen)) => wanted == seen,
        _ => true,
    }
}

impl UsageMatcher {
    pub fn matches(&self, key: &FactKey) -> bool {
        if self.kind.is_some_and(|k| k != key.kind()) {
            return false;
        }
        match key {
            FactKey::Protocol { negotiated, role, anonymous, .. } => {
                // Anonymous sessions are never a client's use of a version.
                !anonymous
                    && self.protocol.is_none_or(|p| p == negotiated.protocol())
                    && self.versions.as_ref().is_none_or(|v| v.iter().any(|v| v == negotiated.version_str()))
                    && role_matches(self.role, *role)
                    && self.logon_fields_unset()
                    && self.script_fields_unset()
            }
            FactKey::Algorithm { .. } => false,
            FactKey::Connection { role, .. } => role_matches(self.role, *role),
            FactKey::Script { interpreter, engine_version } => {
                self.interpreters.as_ref().is_none_or(|list| list.iter().any(|i| i == interpreter))
                    && self
                        .engine_version_prefix
                        .as_ref()
                        .is_none_or(|prefix| engine_version.as_deref().is_some_and(|v| v.starts_with(prefix.as_str())))
            }
            FactKey::Logon { service, method, success, user } => {
                self.service.as_ref().is_none_or(|s| s == service)
                    && self.methods.as_ref().is_none_or(|m| m.iter().any(|m| m == method))
                    && self.success.is_none_or(|s| s == *success)
                    && self.users.as_ref().is_none_or(|list| user.as_ref().is_some_and(|u| list.contains(u)))
            }
            FactKey::Share { .. } | FactKey::Exec { .. } | FactKey::Service { .. } | FactKey::Module { .. } => true,
        }
    }

    /// Whether a fact is in the rule's domain at all, whatever its version,
    /// user or method: an sshd logon for sshd rules, any SMB dialect for SMB
    /// rules. Used to decide that a rule applies when the inventory is silent.
    pub fn related(&self, key: &FactKey) -> bool {
        if self.kind.is_some_and(|k| k != key.kind()) {
            return false;
        }
        match key {
            FactKey::Protocol { negotiated, .. } => self.protocol.is_none_or(|p| p == negotiated.protocol()),
            FactKey::Logon { service, .. } => self.service.as_ref().is_none_or(|s| s == service),
            FactKey::Script { interpreter, .. } => {
                self.interpreters.as_ref().is_none_or(|list| list.contains(interpreter))
            }
            other => self.matches(other),
        }
    }

    fn logon_fields_unset(&self) -> bool {
        self.service.is_none() && self.methods.is_none() && self.users.is_none() && self.success.is_none()
    }

    fn script_fields_unset(&self) -> bool {
        self.interpreters.is_none() && self.engine_version_prefix.is_none()
    }
}
