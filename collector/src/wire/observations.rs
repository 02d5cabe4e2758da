//! What the findings mean: observations with canonical versions, the server
//! side of the flow as the host (unless a host map says otherwise), and the
//! client as the peer.

use super::flow::FlowFinding;
use super::{Finding, SmbAccess};
use crate::observation::*;
use crate::share_name::normalize_share_name;
use crate::versions::{KerberosVersion, Negotiated};
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// Which host an observation belongs to: the flow's server, named by a map
/// of addresses, a single name for the whole capture, or its address.
#[derive(Debug, Clone, Default)]
pub struct HostNaming {
    /// `--host NAME`: every observation belongs to this host.
    pub fixed: Option<String>,
    /// `--host-map FILE`: server address → host name.
    pub by_address: HashMap<IpAddr, String>,
}

impl HostNaming {
    pub fn host_of(&self, server: &SocketAddr) -> String {
        if let Some(name) = &self.fixed {
            return name.clone();
        }
        self.by_address.get(&server.ip()).cloned().unwrap_or_else(|| server.ip().to_string())
    }

    /// Parses a host map: one `ADDRESS NAME` pair per line, `#` comments.
    pub fn parse_map(text: &str) -> Result<HashMap<IpAddr, String>, String> {
        let mut map = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(address), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format!("line {}: expected `ADDRESS NAME`", n + 1));
            };
            let ip: IpAddr =
                address.parse().map_err(|_| format!("line {}: `{address}` is not an IP address", n + 1))?;
            map.insert(ip, name.to_string());
        }
        Ok(map)
    }
}

fn endpoint(addr: &SocketAddr) -> Endpoint {
    Endpoint::new(addr.ip(), addr.port())
}

/// The observation a finding stands for (`None` when it names nothing canonical).
pub fn to_observation(flow: &FlowFinding, naming: &HostNaming) -> Option<Observation> {
    let host = naming.host_of(&flow.server);
    let base = |event: Event| {
        Observation::new(flow.time, host.clone(), "wire", event)
            .with_role(Role::Server)
            .with_local(endpoint(&flow.server))
            .with_peer(endpoint(&flow.client))
    };
    let protocol = |negotiated: Negotiated| base(Event::Protocol(ProtocolUse { negotiated }));
    let mut obs = match &flow.finding {
        // A zero-length window: it adds the loss to its day, not coverage.
        Finding::Lost { categories } => {
            let event = Event::Coverage(Coverage {
                categories: categories.iter().map(|c| c.to_string()).collect(),
                from: flow.time,
                to: flow.time,
                lost: 1,
            });
            return Some(Observation::new(flow.time, host, "wire", event));
        }
        Finding::Tls { version, cipher, sni } => {
            let mut o = protocol(Negotiated::Tls(*version));
            set(&mut o, "cipher", cipher.clone());
            set(&mut o, "sni", sni.clone());
            o
        }
        Finding::Ssh { version, client_banner, server_banner, kex, host_key, cipher, mac } => {
            let mut o = protocol(Negotiated::Ssh(*version));
            for (key, value) in [
                ("kex", kex),
                ("host_key", host_key),
                ("cipher", cipher),
                ("mac", mac),
                ("client_banner", client_banner),
                ("server_banner", server_banner),
            ] {
                set(&mut o, key, value.clone());
            }
            o
        }
        Finding::SmbDialect { dialect, signing_required, cipher } => {
            let mut o = protocol(Negotiated::Smb(*dialect));
            set(&mut o, "cipher", cipher.clone());
            if let Some(required) = signing_required {
                o.detail.insert("signing_required".into(), Value::Bool(*required));
            }
            o
        }
        Finding::SmbTreeConnect { path } => {
            let share = normalize_share_name(path);
            if share.is_empty() {
                return None;
            }
            let mut o = base(Event::Share(ShareUse {
                share: path.clone(),
                path: None,
                access: Access::List,
                protocol: ShareProtocol::Smb,
            }));
            o.detail.insert("operation".into(), "tree_connect".into());
            o
        }
        Finding::SmbCreate { tree_path, file, access } => {
            let tree = tree_path.as_ref()?;
            let access = match access {
                SmbAccess::Read => Access::Read,
                SmbAccess::Write => Access::Write,
                SmbAccess::Delete => Access::Delete,
            };
            let path = (!file.is_empty()).then(|| file.clone());
            base(Event::Share(ShareUse { share: tree.clone(), path, access, protocol: ShareProtocol::Smb }))
        }
        Finding::Ntlm { version, user, domain, workstation, anonymous } => {
            let mut o = protocol(Negotiated::Ntlm(*version));
            o.user = user.clone();
            set(&mut o, "domain", domain.clone());
            set(&mut o, "workstation", workstation.clone());
            if *anonymous {
                o.detail.insert("anonymous".into(), Value::Bool(true));
            }
            o
        }
        Finding::Kerberos { request_type, etype, requested_etypes, authenticator_etype, success, client, service } => {
            let mut o = protocol(Negotiated::Kerberos(KerberosVersion::V5));
            o.user = client.clone();
            set(&mut o, "etype", etype.clone());
            set(&mut o, "authenticator_etype", authenticator_etype.clone());
            set(&mut o, "service", service.clone());
            o.detail.insert("request_type".into(), request_type.clone().into());
            if !requested_etypes.is_empty() {
                o.detail.insert("requested_etypes".into(), requested_etypes.clone().into());
            }
            if let Some(success) = success {
                o.detail.insert("success".into(), Value::Bool(*success));
            }
            o
        }
        Finding::Rdp { security, requested, cookie } => {
            let mut o = protocol(Negotiated::Rdp((*security)?));
            set(&mut o, "cookie", cookie.clone());
            let requested: Vec<Value> = requested.iter().map(|r| Value::String(r.as_str().into())).collect();
            if !requested.is_empty() {
                o.detail.insert("requested".into(), Value::Array(requested));
            }
            o
        }
    };
    obs.normalize();
    Some(obs)
}

fn set(obs: &mut Observation, key: &str, value: Option<String>) {
    if let Some(v) = value {
        obs.detail.insert(key.to_string(), Value::String(v));
    }
}

/// The coverage category of an observation from the wire.
pub fn category_of(obs: &Observation) -> Option<String> {
    match &obs.event {
        Event::Protocol(p) => Some(format!("protocol:{}", p.negotiated.protocol())),
        Event::Share(_) => Some("share".into()),
        _ => None,
    }
}
