//! What a fact is keyed by: the host plus what a policy decision needs to
//! tell uses apart (docs/design-notes.md, "The profile"). Everything else about an
//! observation becomes counts, time buckets or evidence.

use serde::{Deserialize, Serialize};
use temper_observation::{
    Access, Event, Kind, Negotiated, Observation, Protocol, Role, ServiceAction, ShareProtocol, Transport,
};

use crate::evidence::Dimension;
use crate::fold::FoldClass;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FactKey {
    /// A protocol version negotiated, per role and service port (none for
    /// host-wide sources such as Schannel events). Anonymous sessions (null
    /// sessions, ANONYMOUS LOGON) are their own fact: they are never a
    /// client's use of that version.
    Protocol {
        negotiated: Negotiated,
        role: Option<Role>,
        port: Option<u16>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        anonymous: bool,
    },
    /// An algorithm negotiated inside a protocol (`slot`: cipher, kex, mac, host_key, etype).
    Algorithm {
        protocol: Protocol,
        slot: String,
        name: String,
        role: Option<Role>,
        port: Option<u16>,
    },
    /// A flow accepted on (server) or opened to (client) a service port.
    Connection {
        transport: Transport,
        role: Option<Role>,
        port: Option<u16>,
    },
    Share {
        protocol: ShareProtocol,
        share: String,
        access: Access,
    },
    Script {
        interpreter: String,
        engine_version: Option<String>,
    },
    Exec {
        image: String,
    },
    Service {
        service: String,
        action: ServiceAction,
    },
    /// Users are part of the key (not only evidence): allowlists such as
    /// sshd `AllowUsers` must be exact, whatever the evidence cap.
    Logon {
        service: String,
        method: String,
        success: bool,
        user: Option<String>,
    },
    Module {
        name: String,
    },
    /// Facts of one class beyond its limit, folded into one (see `fold`):
    /// counted exactly, their identities in `member` evidence.
    Folded {
        class: crate::fold::FoldClass,
    },
}

/// `detail` keys that name a negotiated algorithm, and the slot each fills.
/// A Kerberos AP-REQ's authenticator is encrypted in the session key, whose
/// type is an etype in use as much as the ticket's: an RC4 session key under
/// an AES ticket still needs RC4.
pub const ALGORITHM_DETAILS: &[(&str, &str)] = &[
    ("cipher", "cipher"),
    ("kex", "kex"),
    ("mac", "mac"),
    ("host_key", "host_key"),
    ("etype", "etype"),
    ("authenticator_etype", "etype"),
];

impl FactKey {
    /// Whether the fact is a use of the host, what learning waits for and a
    /// fleet compares: a failed logon is someone's attempt, and a folded fact
    /// a flood's, neither a need (an attacker sending a new user name every
    /// few days must not keep learning from converging).
    pub fn is_use(&self) -> bool {
        !matches!(self, FactKey::Logon { success: false, .. } | FactKey::Folded { .. })
    }

    pub fn kind(&self) -> Kind {
        match self {
            FactKey::Protocol { .. } | FactKey::Algorithm { .. } => Kind::Protocol,
            FactKey::Connection { .. } => Kind::Connection,
            FactKey::Share { .. } => Kind::Share,
            FactKey::Script { .. } => Kind::Script,
            FactKey::Exec { .. } => Kind::Exec,
            FactKey::Service { .. } => Kind::Service,
            FactKey::Logon { .. } => Kind::Logon,
            FactKey::Module { .. } => Kind::Module,
            FactKey::Folded { class } => match class {
                FoldClass::FailedLogons { .. } => Kind::Logon,
                FoldClass::Ports { .. } => Kind::Connection,
                FoldClass::Shares { .. } => Kind::Share,
                FoldClass::Algorithms { .. } => Kind::Protocol,
            },
        }
    }

    /// The coverage category that must have been watched for this fact's
    /// absence to mean anything: `protocol:tls`, `share`, ...
    pub fn category(&self) -> String {
        match self {
            FactKey::Protocol { negotiated, .. } => format!("protocol:{}", negotiated.protocol()),
            FactKey::Algorithm { protocol, .. } => format!("protocol:{protocol}"),
            FactKey::Folded { class: FoldClass::Algorithms { protocol, .. } } => format!("protocol:{protocol}"),
            other => other.kind().as_str().to_string(),
        }
    }

    /// The canonical text form stored in the profile (serde field order is fixed).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("fact keys always serialise")
    }

    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// A short human description, for reports and logs.
    pub fn describe(&self) -> String {
        let port = |p: &Option<u16>| p.map(|p| format!(" on port {p}")).unwrap_or_default();
        let role = |r: &Option<Role>| match r {
            Some(Role::Server) => " (inbound)",
            Some(Role::Client) => " (outbound)",
            None => "",
        };
        match self {
            FactKey::Protocol { negotiated, role: r, port: p, anonymous } => {
                format!("{negotiated}{}{}{}", if *anonymous { " (anonymous session)" } else { "" }, role(r), port(p))
            }
            FactKey::Algorithm { protocol, slot, name, role: r, port: p } => {
                format!("{protocol} {slot} {name}{}{}", role(r), port(p))
            }
            FactKey::Connection { transport, role: r, port: p } => {
                format!("{}{}{}", transport.as_str(), role(r), port(p))
            }
            FactKey::Share { protocol, share, access } => {
                format!("{} share {share} ({})", protocol.as_str(), access.as_str())
            }
            FactKey::Script { interpreter, engine_version } => match engine_version {
                Some(v) => format!("{interpreter} (engine {v})"),
                None => interpreter.clone(),
            },
            FactKey::Exec { image } => format!("program {image}"),
            FactKey::Service { service, action } => format!("service {service} {}", action.as_str()),
            FactKey::Logon { service, method, success, user } => format!(
                "{} {method} logon to {service}{}",
                if *success { "successful" } else { "failed" },
                user.as_ref().map(|u| format!(" as {u}")).unwrap_or_default()
            ),
            FactKey::Module { name } => format!("kernel module {name}"),
            FactKey::Folded { class } => match class {
                FoldClass::FailedLogons { service, method } => {
                    format!("failed {method} logons to {service} with other user names (folded)")
                }
                FoldClass::Ports { transport, role: r } => {
                    format!("{}{} on other ports (folded)", transport.as_str(), role(r))
                }
                FoldClass::Shares { protocol, access } => {
                    format!("{} shares other than those listed ({}, folded)", protocol.as_str(), access.as_str())
                }
                FoldClass::Algorithms { protocol, slot, role: r, port: p } => {
                    format!("{protocol} {slot} other names{}{} (folded)", role(r), port(p))
                }
            },
        }
    }
}

/// The service port of an observation: the local port when this host served
/// it, the peer's port when it was the client.
fn service_port(obs: &Observation) -> Option<u16> {
    match obs.role {
        Some(Role::Client) => obs.peer.as_ref().and_then(|e| e.port),
        _ => obs.local.as_ref().and_then(|e| e.port),
    }
}

/// One fact touched by an observation, with its evidence values.
pub struct Touch {
    pub key: FactKey,
    pub evidence: Vec<(Dimension, String)>,
}

/// The facts an observation contributes to. Inventory and coverage
/// observations contribute none: they are kept apart.
pub fn facts_of(obs: &Observation) -> Vec<Touch> {
    let mut keys = Vec::with_capacity(2);
    let mut object: Option<String> = None;
    let mut process = obs.process.as_ref().map(|p| p.name.clone());
    match &obs.event {
        Event::Protocol(p) => {
            let port = service_port(obs);
            keys.push(FactKey::Protocol {
                negotiated: p.negotiated,
                role: obs.role,
                port,
                anonymous: obs.is_anonymous(),
            });
            for (detail, slot) in ALGORITHM_DETAILS {
                if let Some(name) = obs.detail_str(detail) {
                    let key = FactKey::Algorithm {
                        protocol: p.negotiated.protocol(),
                        slot: slot.to_string(),
                        name: name.to_string(),
                        role: obs.role,
                        port,
                    };
                    // One use of an etype, however many parts of the exchange name it.
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
            object = obs.detail_str("sni").map(str::to_string);
        }
        Event::Connection(c) => {
            keys.push(FactKey::Connection { transport: c.transport, role: obs.role, port: service_port(obs) })
        }
        Event::Share(s) => {
            keys.push(FactKey::Share { protocol: s.protocol, share: s.share.clone(), access: s.access });
            object = s.path.clone();
        }
        Event::Script(s) => {
            keys.push(FactKey::Script { interpreter: s.interpreter.clone(), engine_version: s.engine_version.clone() });
            object = s.command.clone();
            if let Some(parent) = &s.parent {
                process = Some(parent.name.clone());
            }
        }
        Event::Exec(e) => {
            keys.push(FactKey::Exec { image: e.image.clone() });
            if !e.argv.is_empty() {
                object = Some(e.argv.join(" "));
            }
            if let Some(parent) = &e.parent {
                process = Some(parent.name.clone());
            }
        }
        Event::Service(s) => {
            keys.push(FactKey::Service { service: s.service.clone(), action: s.action });
            object = s.image.clone();
        }
        Event::Logon(l) => keys.push(FactKey::Logon {
            service: l.service.clone(),
            method: l.method.clone(),
            success: l.success,
            user: obs.user.clone(),
        }),
        Event::Module(m) => keys.push(FactKey::Module { name: m.name.clone() }),
        Event::Inventory(_) | Event::Coverage(_) => return Vec::new(),
    }
    let mut evidence = Vec::with_capacity(4);
    if let Some(peer) = obs.peer.as_ref().and_then(|p| p.identity()) {
        evidence.push((Dimension::Peer, peer));
    }
    if let Some(process) = process {
        evidence.push((Dimension::Process, process));
    }
    if let Some(user) = &obs.user {
        evidence.push((Dimension::User, user.clone()));
    }
    if let Some(object) = object {
        evidence.push((Dimension::Object, object));
    }
    keys.into_iter().map(|key| Touch { key, evidence: evidence.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_round_trips_and_is_canonical() {
        let key = FactKey::Protocol {
            negotiated: Negotiated::parse(Protocol::Tls, "tls1.0").unwrap(),
            role: Some(Role::Server),
            port: Some(8443),
            anonymous: false,
        };
        let text = key.to_text();
        assert_eq!(
            text,
            r#"{"kind":"protocol","negotiated":{"protocol":"tls","version":"tls1.0"},"role":"server","port":8443}"#
        );
        assert_eq!(FactKey::from_text(&text).unwrap(), key);
        assert_eq!(key.category(), "protocol:tls");
    }

    #[test]
    fn anonymous_ntlm_is_a_separate_fact() {
        let line = r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"h","source":"wire","kind":"protocol","protocol":"ntlm","version":"ntlmv1","role":"server","detail":{"anonymous":true}}"#;
        let obs: Observation = serde_json::from_str(line).unwrap();
        let touches = facts_of(&obs);
        assert!(matches!(touches[0].key, FactKey::Protocol { anonymous: true, .. }));
        assert!(touches[0].key.describe().contains("anonymous"));
        assert!(touches[0].key.to_text().contains(r#""anonymous":true"#));
    }

    #[test]
    fn an_rc4_session_key_under_an_aes_ticket_is_an_rc4_use() {
        let line = r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"h","source":"wire","kind":"protocol","protocol":"kerberos","version":"5","role":"server","local":{"ip":"10.0.0.1","port":445},"detail":{"request_type":"AP","etype":"aes256-cts-hmac-sha1-96","authenticator_etype":"rc4-hmac"}}"#;
        let obs: Observation = serde_json::from_str(line).unwrap();
        let names: Vec<String> = facts_of(&obs)
            .into_iter()
            .filter_map(|t| match t.key {
                FactKey::Algorithm { slot, name, .. } if slot == "etype" => Some(name),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["aes256-cts-hmac-sha1-96", "rc4-hmac"]);
        let same = line.replace("rc4-hmac", "aes256-cts-hmac-sha1-96");
        let obs: Observation = serde_json::from_str(&same).unwrap();
        assert_eq!(facts_of(&obs).len(), 2, "one protocol fact and one etype fact");
    }

    #[test]
    fn algorithms_become_their_own_facts() {
        let line = r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"h","source":"wire","kind":"protocol","protocol":"ssh","version":"ssh2","role":"server","local":{"ip":"10.0.0.1","port":22},"peer":{"ip":"10.0.0.9","port":50000},"detail":{"kex":"curve25519-sha256","cipher":"aes128-ctr"}}"#;
        let obs: Observation = serde_json::from_str(line).unwrap();
        let touches = facts_of(&obs);
        assert_eq!(touches.len(), 3);
        assert!(touches.iter().all(|t| t.evidence.contains(&(Dimension::Peer, "10.0.0.9".into()))));
        assert!(matches!(&touches[1].key, FactKey::Algorithm { slot, port: Some(22), .. } if slot == "cipher"));
    }
}
