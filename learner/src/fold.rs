//! Floods, bounded. Anyone who can reach a port can make a profile learn a
//! new fact per packet: a failed logon with a new user name, a connection to
//! a new port, a tree connect to a new share name, an algorithm name of its
//! own. Per host and *fold class* (the fact key without its identity), at
//! most [`FoldClass::limit`] facts keep their identity; the others are
//! folded into one counted fact of the class (`FactKey::Folded`), whose
//! counts, days, hours and evidence are exact sums, whose `member` evidence
//! keeps the heaviest folded identities, and whose distinct identities are
//! estimated by a sketch. Only identity beyond the limit is lost.
//!
//! Which identities keep their fact does not depend on arrival order: those
//! with the lowest rank (a digest of the key) are kept, a bottom-k choice,
//! so any order, batching or tree of merges of the same observations keeps
//! the same facts and folds the same rest. A decision that would rest on
//! the absence of an identity a fold may hold is held back by the policy.

use crate::fact_key::FactKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use temper_observation::{Access, Protocol, Role, ShareProtocol, Transport};

/// A fact key without its identity: what a fold counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum FoldClass {
    /// Failed logons to one service with one method, whatever the user name.
    FailedLogons { service: String, method: String },
    /// Connections of one transport and role, whatever the service port.
    Ports { transport: Transport, role: Option<Role> },
    /// Uses of shares of one protocol with one access, whatever the share.
    Shares { protocol: ShareProtocol, access: Access },
    /// Algorithms negotiated in one slot of one protocol on one port, whatever the name.
    Algorithms { protocol: Protocol, slot: String, role: Option<Role>, port: Option<u16> },
}

impl FoldClass {
    /// Facts of the class that keep their identity, per host. Far above what
    /// a server uses: only a flood folds.
    pub fn limit(&self) -> usize {
        match self {
            FoldClass::FailedLogons { .. } => 256,
            FoldClass::Ports { .. } => 2048,
            FoldClass::Shares { .. } => 512,
            FoldClass::Algorithms { .. } => 64,
        }
    }

    /// What a folded identity is, in words: `user names`, `ports`.
    pub fn members(&self) -> &'static str {
        match self {
            FoldClass::FailedLogons { .. } => "user names",
            FoldClass::Ports { .. } => "ports",
            FoldClass::Shares { .. } => "share names",
            FoldClass::Algorithms { .. } => "algorithm names",
        }
    }
}

impl FoldClass {
    /// The key of the member of this class with `identity`: the inverse of
    /// [`fold_of`]. `None` for an identity no member can have (a port that
    /// is not a number).
    pub fn member(&self, identity: &str) -> Option<FactKey> {
        Some(match self {
            FoldClass::FailedLogons { service, method } => FactKey::Logon {
                service: service.clone(),
                method: method.clone(),
                success: false,
                user: Some(identity.to_string()),
            },
            FoldClass::Ports { transport, role } => {
                FactKey::Connection { transport: *transport, role: *role, port: Some(identity.parse().ok()?) }
            }
            FoldClass::Shares { protocol, access } => {
                FactKey::Share { protocol: *protocol, share: identity.to_string(), access: *access }
            }
            FoldClass::Algorithms { protocol, slot, role, port } => FactKey::Algorithm {
                protocol: *protocol,
                slot: slot.clone(),
                name: identity.to_string(),
                role: *role,
                port: *port,
            },
        })
    }
}

/// The fold class of a key and the identity it would lose, when its kind floods.
pub fn fold_of(key: &FactKey) -> Option<(FoldClass, String)> {
    match key {
        FactKey::Logon { service, method, success: false, user: Some(user) } => {
            Some((FoldClass::FailedLogons { service: service.clone(), method: method.clone() }, user.clone()))
        }
        FactKey::Connection { transport, role, port: Some(port) } => {
            Some((FoldClass::Ports { transport: *transport, role: *role }, port.to_string()))
        }
        FactKey::Share { protocol, share, access } => {
            Some((FoldClass::Shares { protocol: *protocol, access: *access }, share.clone()))
        }
        FactKey::Algorithm { protocol, slot, name, role, port } => Some((
            FoldClass::Algorithms { protocol: *protocol, slot: slot.clone(), role: *role, port: *port },
            name.clone(),
        )),
        _ => None,
    }
}

/// Service ports above 1023 that servers commonly listen on: with the
/// privileged ports, they rank before any other port, so a flood of ports
/// (fewer of these than a class keeps) never folds them.
const SERVICE_PORTS: &[u16] = &[
    1433, 1521, 2049, 2375, 2376, 3268, 3269, 3306, 3389, 5060, 5432, 5666, 5671, 5672, 5900, 5985, 5986, 6379, 6443,
    8000, 8080, 8443, 8888, 9090, 9092, 9100, 9200, 9300, 9443, 10050, 10051, 11211, 27017,
];

/// Whether a service port always keeps its fact: it ranks before every
/// port a flood can bring, and there are fewer such ports than a class keeps.
pub fn port_always_kept(port: u16) -> bool {
    port < 1024 || SERVICE_PORTS.contains(&port)
}

/// The order in which a class keeps its facts: the lowest ranks stay. A
/// digest of the key, so arrival order does not matter; service ports first.
pub fn rank(key: &FactKey) -> u64 {
    let digest = Sha256::digest(key.to_text().as_bytes());
    let hashed = u64::from_be_bytes(digest[..8].try_into().expect("eight bytes of a digest")) >> 1;
    let later = match key {
        FactKey::Connection { port: Some(port), .. } => !port_always_kept(*port),
        _ => false,
    };
    (u64::from(later) << 63) | hashed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identities_that_floods_choose_are_folded() {
        let failed = FactKey::Logon {
            service: "sshd".into(),
            method: "password".into(),
            success: false,
            user: Some("x".into()),
        };
        let (class, identity) = fold_of(&failed).unwrap();
        assert_eq!((class.members(), identity.as_str()), ("user names", "x"));
        let ok =
            FactKey::Logon { service: "sshd".into(), method: "password".into(), success: true, user: Some("x".into()) };
        assert_eq!(fold_of(&ok), None, "a successful logon needs the account: it is never a flood");
        assert_eq!(fold_of(&FactKey::Module { name: "udf".into() }), None);
        assert_ne!(rank(&failed), rank(&ok));
        assert_eq!(class.member("x"), Some(failed));
        let port = FactKey::Connection { transport: Transport::Udp, role: None, port: Some(53) };
        let (class, identity) = fold_of(&port).unwrap();
        assert_eq!(class.member(&identity).as_ref(), Some(&port));
        assert_eq!(class.member("http"), None);
        // Service ports outrank every other port, whatever their digests.
        let ephemeral = FactKey::Connection { transport: Transport::Udp, role: None, port: Some(40_000) };
        let service = FactKey::Connection { transport: Transport::Udp, role: None, port: Some(8443) };
        assert!(rank(&port) < rank(&ephemeral) && rank(&service) < rank(&ephemeral));
        assert!(SERVICE_PORTS.len() + 1024 < FoldClass::Ports { transport: Transport::Tcp, role: None }.limit());
    }
}
