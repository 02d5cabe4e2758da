//! The Observation: one thing seen happening on one host (docs/observation-format.md).
//!
//! Every source produces this type and it has exactly one text form, a JSON
//! object per line with `"v":1`. The common fields live on [`Observation`];
//! the fields that depend on `kind` live in [`Event`], flattened beside them.

use crate::inventory::InventoryItem;
use crate::versions::Negotiated;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The version of the text form this code reads and writes.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub v: u64,
    pub time: DateTime<Utc>,
    pub host: String,
    /// The collector that saw it: `ebpf`, `wire`, `etw`, `evtx`, `journal`, `inventory`, `jsonl`, `demo`.
    pub source: String,
    #[serde(flatten)]
    pub event: Event,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Endpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<ProcessRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub detail: Map<String, Value>,
}

impl Observation {
    /// An observation with only the common fields set; add the rest with the builder methods.
    pub fn new(time: DateTime<Utc>, host: impl Into<String>, source: impl Into<String>, event: Event) -> Self {
        Observation {
            v: FORMAT_VERSION,
            time,
            host: host.into(),
            source: source.into(),
            event,
            role: None,
            local: None,
            peer: None,
            process: None,
            user: None,
            detail: Map::new(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.event.kind()
    }

    pub fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }
    pub fn with_local(mut self, endpoint: Endpoint) -> Self {
        self.local = Some(endpoint);
        self
    }
    pub fn with_peer(mut self, endpoint: Endpoint) -> Self {
        self.peer = Some(endpoint);
        self
    }
    pub fn with_process(mut self, process: ProcessRef) -> Self {
        self.process = Some(process);
        self
    }
    pub fn with_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_string(), value.into());
        self
    }

    /// A `detail` value as text, if present and a string.
    pub fn detail_str(&self, key: &str) -> Option<&str> {
        self.detail.get(key).and_then(Value::as_str)
    }

    /// True when `detail.anonymous` is set (null sessions, ANONYMOUS LOGON).
    pub fn is_anonymous(&self) -> bool {
        self.detail.get("anonymous").and_then(Value::as_bool).unwrap_or(false)
    }
}

/// The kind-specific part of an observation, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    Protocol(ProtocolUse),
    Connection(ConnectionUse),
    Share(ShareUse),
    Script(ScriptRun),
    Exec(ExecRun),
    Service(ServiceEvent),
    Logon(LogonEvent),
    Module(ModuleLoad),
    Inventory(Inventory),
    Coverage(Coverage),
}

impl Event {
    pub fn kind(&self) -> Kind {
        match self {
            Event::Protocol(_) => Kind::Protocol,
            Event::Connection(_) => Kind::Connection,
            Event::Share(_) => Kind::Share,
            Event::Script(_) => Kind::Script,
            Event::Exec(_) => Kind::Exec,
            Event::Service(_) => Kind::Service,
            Event::Logon(_) => Kind::Logon,
            Event::Module(_) => Kind::Module,
            Event::Inventory(_) => Kind::Inventory,
            Event::Coverage(_) => Kind::Coverage,
        }
    }
}

/// A protocol version or algorithm actually negotiated on a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolUse {
    #[serde(flatten)]
    pub negotiated: Negotiated,
}

/// A network flow accepted (`role: server`) or opened (`role: client`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionUse {
    pub transport: Transport,
}

/// A file share used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareUse {
    /// The bare share name (see [`crate::share_name::normalize_share_name`]).
    pub share: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub access: Access,
    pub protocol: ShareProtocol,
}

/// An interpreter or shell run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptRun {
    /// Bare lower-case interpreter name: `powershell`, `pwsh`, `bash`, `python3`, `cmd`, ...
    pub interpreter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_application: Option<String>,
    /// Redacted and truncated (see [`crate::redact`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ProcessRef>,
}

/// Any other program run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecRun {
    pub image: String,
    /// Redacted (see [`crate::redact`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ProcessRef>,
}

/// A service started, stopped, installed or connected to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceEvent {
    pub service: String,
    pub action: ServiceAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// An authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogonEvent {
    /// `password`, `publickey`, `keyboard-interactive`, `kerberos`, `ntlm`, ...
    pub method: String,
    /// `sshd`, `rdp`, `smb`, `console`, `sudo`, ...
    pub service: String,
    pub success: bool,
}

/// A kernel module or driver loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleLoad {
    pub name: String,
}

/// What exists on the host, whether used or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub items: Vec<InventoryItem>,
}

/// What a source watched, over which window, and how much it lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Kind names (`share`), one protocol (`protocol:tls`), or `*`.
    pub categories: Vec<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[serde(default)]
    pub lost: u64,
}

/// The observation kinds, without their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Protocol,
    Connection,
    Share,
    Script,
    Exec,
    Service,
    Logon,
    Module,
    Inventory,
    Coverage,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Protocol,
        Kind::Connection,
        Kind::Share,
        Kind::Script,
        Kind::Exec,
        Kind::Service,
        Kind::Logon,
        Kind::Module,
        Kind::Inventory,
        Kind::Coverage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Protocol => "protocol",
            Kind::Connection => "connection",
            Kind::Share => "share",
            Kind::Script => "script",
            Kind::Exec => "exec",
            Kind::Service => "service",
            Kind::Logon => "logon",
            Kind::Module => "module",
            Kind::Inventory => "inventory",
            Kind::Coverage => "coverage",
        }
    }

    /// The top-level keys this kind may carry besides the common ones.
    /// The text form refuses any other key: new data goes in `detail`.
    pub fn own_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Protocol => &["protocol", "version"],
            Kind::Connection => &["transport"],
            Kind::Share => &["share", "path", "access", "protocol"],
            Kind::Script => &["interpreter", "engine_version", "host_application", "command", "parent"],
            Kind::Exec => &["image", "argv", "parent"],
            Kind::Service => &["service", "action", "image", "account"],
            Kind::Logon => &["method", "service", "success"],
            Kind::Module => &["name"],
            Kind::Inventory => &["items"],
            Kind::Coverage => &["categories", "from", "to", "lost"],
        }
    }
}

/// Keys every observation may carry.
pub const COMMON_FIELDS: &[&str] =
    &["v", "time", "host", "source", "kind", "role", "local", "peer", "process", "user", "detail"];

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown kind `{s}`"))
    }
}

/// This host's side of the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Inbound: this host accepted it.
    Server,
    /// Outbound: this host initiated it.
    Client,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Client => "client",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    List,
    Read,
    Write,
    Delete,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::List => "list",
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareProtocol {
    Smb,
    Nfs,
}

impl ShareProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareProtocol::Smb => "smb",
            ShareProtocol::Nfs => "nfs",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceAction {
    Install,
    Start,
    Stop,
    Connect,
}

impl ServiceAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceAction::Install => "install",
            ServiceAction::Start => "start",
            ServiceAction::Stop => "stop",
            ServiceAction::Connect => "connect",
        }
    }
}

/// One end of a flow. `name` carries a workstation or host name when a
/// source knows the peer only by name (Windows logon events often do).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Endpoint {
    pub fn new(ip: IpAddr, port: u16) -> Self {
        Endpoint { ip: Some(ip), port: Some(port), name: None }
    }
    pub fn ip(ip: IpAddr) -> Self {
        Endpoint { ip: Some(ip), port: None, name: None }
    }

    /// How the peer is named in evidence: its address, else its name.
    pub fn identity(&self) -> Option<String> {
        match (&self.ip, &self.name) {
            (Some(ip), _) => Some(ip.to_string()),
            (None, Some(name)) => Some(name.clone()),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProcessRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    pub name: String,
}

impl ProcessRef {
    pub fn named(name: impl Into<String>) -> Self {
        ProcessRef { pid: None, name: name.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::TlsVersion;

    #[test]
    fn architecture_example_round_trips() {
        let text = r#"{"v":1,"time":"2026-11-02T10:15:00.123Z","host":"fs01","source":"ebpf",
 "kind":"protocol","protocol":"tls","version":"tls1.0","role":"server",
 "local":{"ip":"10.0.0.5","port":8443},"peer":{"ip":"10.0.4.17","port":51234},
 "process":{"pid":812,"name":"java"},"user":null,
 "detail":{"cipher":"TLS_RSA_WITH_AES_128_CBC_SHA","sni":"fs01.corp"}}"#;
        let obs: Observation = serde_json::from_str(text).unwrap();
        assert_eq!(obs.event, Event::Protocol(ProtocolUse { negotiated: Negotiated::Tls(TlsVersion::Tls10) }));
        assert_eq!(obs.role, Some(Role::Server));
        assert_eq!(obs.local.as_ref().unwrap().port, Some(8443));
        assert_eq!(obs.process.as_ref().unwrap().pid, Some(812));
        assert_eq!(obs.detail_str("sni"), Some("fs01.corp"));
        let again: Observation = serde_json::from_str(&serde_json::to_string(&obs).unwrap()).unwrap();
        assert_eq!(again, obs);
    }

    #[test]
    fn serialized_form_is_flat_and_starts_with_v() {
        let obs = Observation::new(
            "2026-11-02T10:15:00Z".parse().unwrap(),
            "web01",
            "demo",
            Event::Connection(ConnectionUse { transport: Transport::Udp }),
        )
        .with_role(Role::Server);
        let text = serde_json::to_string(&obs).unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"web01","source":"demo","kind":"connection","transport":"udp","role":"server"}"#
        );
    }
}
