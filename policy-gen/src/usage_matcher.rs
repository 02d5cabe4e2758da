//! Which facts a rule's setting would break, as written in a rule's
//! `[shape.usage]` table. Every field narrows the match; absent fields match
//! anything.

use serde::{Deserialize, Serialize};
use temper_learner::{Dimension, Fact, FactKey, FoldClass};
use temper_observation::normalize::bare_program_name;
use temper_observation::share_name::same_share;
use temper_observation::{Access, Kind, Protocol, Role, ServiceAction, Transport};

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
    /// Algorithm facts: the slot (`cipher`, `kex`, `mac`, `host_key`, `etype`).
    /// A matcher with a slot matches only algorithm facts, one without only versions.
    pub slot: Option<String>,
    /// Algorithm, share, service, program (bare image name) or module names,
    /// compared case-insensitively.
    pub names: Option<Vec<String>>,
    /// `true` matches only anonymous (null) sessions; absent or `false`, only
    /// authenticated ones: an anonymous session is never a client's use of a version.
    pub anonymous: Option<bool>,
    pub transport: Option<Transport>,
    /// Service ports of protocol and connection facts.
    pub ports: Option<Vec<u16>>,
    pub access: Option<Vec<Access>>,
    pub actions: Option<Vec<ServiceAction>>,
    /// Objects in a fact's evidence (a named pipe opened on IPC$, a file):
    /// the last path component, case-insensitively. Evidence keeps the
    /// heaviest hitters, so an object can be missed once a fact's evidence overflowed.
    pub objects: Option<Vec<String>>,
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
    /// The key matches and, when `objects` is set, so does an object in the evidence.
    pub fn matches_fact(&self, fact: &Fact) -> bool {
        self.matches(&fact.key)
            && self.objects.as_ref().is_none_or(|wanted| {
                fact.stats.evidence(Dimension::Object).is_some_and(|objects| {
                    objects.values.keys().any(|object| {
                        let last = object.rsplit(['\\', '/']).next().unwrap_or(object);
                        wanted.iter().any(|w| w.eq_ignore_ascii_case(last))
                    })
                })
            })
    }

    /// Whether the key matches (objects in the evidence are not looked at).
    pub fn matches(&self, key: &FactKey) -> bool {
        if self.kind.is_some_and(|k| k != key.kind()) {
            return false;
        }
        match key {
            FactKey::Protocol { negotiated, role, anonymous, port } => {
                self.slot.is_none()
                    && self.anonymous.unwrap_or(false) == *anonymous
                    && self.protocol.is_none_or(|p| p == negotiated.protocol())
                    && self.versions.as_ref().is_none_or(|v| v.iter().any(|v| v == negotiated.version_str()))
                    && role_matches(self.role, *role)
                    && self.port_matches(*port)
                    && self.logon_fields_unset()
                    && self.script_fields_unset()
            }
            FactKey::Algorithm { protocol, slot, name, role, port } => {
                self.slot.as_ref().is_some_and(|s| s == slot)
                    && self.protocol.is_none_or(|p| p == *protocol)
                    && self.name_matches(name)
                    && role_matches(self.role, *role)
                    && self.port_matches(*port)
            }
            FactKey::Connection { transport, role, port } => {
                role_matches(self.role, *role)
                    && self.transport.is_none_or(|t| t == *transport)
                    && self.port_matches(*port)
            }
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
            FactKey::Share { share, access, .. } => {
                self.names.as_ref().is_none_or(|names| names.iter().any(|n| same_share(n, share)))
                    && self.access.as_ref().is_none_or(|list| list.contains(access))
            }
            FactKey::Exec { image } => self.name_matches(&bare_program_name(image)),
            FactKey::Service { service, action } => {
                self.name_matches(service) && self.actions.as_ref().is_none_or(|list| list.contains(action))
            }
            FactKey::Module { name } => self.name_matches(name),
            // A flood's folded uses match when the matcher asks for none of
            // their identities: `any failed sshd logon`, not `as root`.
            FactKey::Folded { class } => self.class_matches(class) && !self.constrains_identity(class),
        }
    }

    /// Whether a folded fact may hold a use this matcher selects that the
    /// fold no longer tells apart (`logons as root` in a flood of user names):
    /// a decision resting on its absence would rest on a folded identity.
    pub fn may_hide(&self, key: &FactKey) -> bool {
        match key {
            FactKey::Folded { class } => self.class_matches(class) && self.constrains_identity(class),
            _ => false,
        }
    }

    /// Whether some member of `class` matches, whatever its identity.
    pub fn class_matches(&self, class: &FoldClass) -> bool {
        let mut open = self.clone();
        match class {
            FoldClass::FailedLogons { .. } => open.users = None,
            FoldClass::Ports { .. } => open.ports = None,
            FoldClass::Shares { .. } | FoldClass::Algorithms { .. } => open.names = None,
        }
        let placeholder = match class {
            FoldClass::Ports { .. } => "0",
            _ => "",
        };
        class.member(placeholder).is_some_and(|member| open.matches(&member))
    }

    fn constrains_identity(&self, class: &FoldClass) -> bool {
        match class {
            FoldClass::FailedLogons { .. } => self.users.is_some(),
            FoldClass::Ports { .. } => self.ports.is_some(),
            FoldClass::Shares { .. } | FoldClass::Algorithms { .. } => self.names.is_some(),
        }
    }

    fn name_matches(&self, name: &str) -> bool {
        self.names.as_ref().is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }

    /// A fact with no known port matches a port list: it could be on any port.
    fn port_matches(&self, port: Option<u16>) -> bool {
        match (&self.ports, port) {
            (Some(ports), Some(port)) => ports.contains(&port),
            _ => true,
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
