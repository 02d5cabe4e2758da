//! Every Windows event Temper reads: one row per provider and its event
//! ids, giving the decoding function and the coverage categories the event
//! attests by appearing. Decoders are keyed on provider and id together,
//! never on the id alone (4104 and 8001 mean different things in different
//! logs). The dispatcher (`decoder`), the `.evtx` reader's filter and the
//! live subscriptions all read this table, so an event is added in one row.
//!
//! Only sources that see *every* use of a category attest it: PowerShell
//! 4104 is never written by the 2.0 engine, and an RDP-only source says
//! nothing about other logons.

use super::context::Context;
use super::event_record::EventRecord;
use super::events::{
    firewall_connection, logon, ntlm_audit, powershell, process_creation, remote_desktop, schannel, services,
    share_access, share_change, smb_server, spn_check,
};
use super::providers::*;
use crate::observation::Observation;
use chrono::{DateTime, Utc};

/// What decoding keeps between records of one stream.
#[derive(Debug, Default)]
pub struct DecoderState {
    /// SMB server 500/501/502 name a connection's peer that 101 refers to.
    pub smb: smb_server::ConnectionJoin,
    /// Loss reports (Security 1101/1104) since they were last taken.
    pub losses: Vec<DateTime<Utc>>,
}

pub type Decode = fn(&mut DecoderState, &EventRecord, &Context, &mut Vec<Observation>);

pub struct EventKind {
    pub provider: &'static str,
    pub ids: &'static [u32],
    /// What it is, for `Provider/id` listings and logs.
    pub name: &'static str,
    pub decode: Decode,
    pub attests: &'static [&'static str],
}

macro_rules! stateless {
    ($f:path) => {
        |_, record, ctx, out| $f(record, ctx, out)
    };
}

pub static EVENTS: &[EventKind] = &[
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[4624, 4625],
        name: "logon",
        decode: stateless!(logon::decode),
        attests: &["logon", "protocol:ntlm"],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[5140, 5145],
        name: "share access",
        decode: stateless!(share_access::decode),
        attests: &["share"],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[5143],
        name: "share changed (its new ACL: inventory, not use)",
        decode: stateless!(share_change::decode),
        attests: &[],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[5168],
        name: "SPN check failed",
        decode: stateless!(spn_check::decode),
        attests: &[],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[5156],
        name: "connection permitted",
        decode: stateless!(firewall_connection::decode),
        attests: &["connection"],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[4688],
        name: "process created",
        decode: stateless!(process_creation::decode_security),
        attests: &["exec", "script"],
    },
    EventKind {
        provider: SECURITY_AUDITING,
        ids: &[4697],
        name: "service installed",
        decode: stateless!(services::decode_install),
        attests: &["service"],
    },
    EventKind {
        provider: EVENTLOG,
        ids: &[1101, 1104],
        name: "audit events dropped, or the Security log full",
        decode: |state, record, _, _| state.losses.push(record.time),
        attests: &[],
    },
    EventKind {
        provider: SERVICE_CONTROL_MANAGER,
        ids: &[7045],
        name: "service installed",
        decode: stateless!(services::decode_install),
        attests: &["service"],
    },
    EventKind {
        provider: SERVICE_CONTROL_MANAGER,
        ids: &[7036],
        name: "service state",
        decode: stateless!(services::decode_state),
        attests: &["service"],
    },
    EventKind {
        provider: SYSMON,
        ids: &[1],
        name: "process created",
        decode: stateless!(process_creation::decode_sysmon),
        attests: &["exec", "script"],
    },
    EventKind {
        provider: KERNEL_PROCESS,
        ids: &[1],
        name: "process started",
        decode: stateless!(process_creation::decode_kernel_process),
        attests: &["exec", "script"],
    },
    EventKind {
        provider: POWERSHELL_CLASSIC,
        ids: &[400, 403, 800],
        name: "engine state and pipeline execution",
        decode: stateless!(powershell::decode_classic),
        attests: &["script"],
    },
    EventKind {
        provider: POWERSHELL_CLASSIC,
        ids: &[600],
        // It repeats 400 once per provider: it attests coverage and carries nothing new.
        name: "provider started",
        decode: |_, _, _, _| {},
        attests: &["script"],
    },
    EventKind {
        provider: POWERSHELL,
        ids: &[4103, 4104],
        name: "module and script block logging",
        decode: |_, record, ctx, out| powershell::decode_operational(record, ctx, "powershell", out),
        attests: &[],
    },
    EventKind {
        provider: POWERSHELL_CORE,
        ids: &[4103, 4104],
        name: "module and script block logging (PowerShell 7)",
        decode: |_, record, ctx, out| powershell::decode_operational(record, ctx, "pwsh", out),
        attests: &[],
    },
    EventKind {
        provider: REMOTE_CONNECTION_MANAGER,
        ids: &[1149],
        name: "RDP user authenticated",
        decode: stateless!(remote_desktop::decode_authenticated),
        attests: &[],
    },
    EventKind {
        provider: RDP_CORE,
        ids: &[131],
        name: "RDP connection accepted",
        decode: stateless!(remote_desktop::decode_accepted),
        attests: &[],
    },
    EventKind {
        provider: NTLM,
        ids: &[8001, 8002, 8003],
        name: "NTLM audit",
        decode: stateless!(ntlm_audit::decode),
        attests: &[],
    },
    EventKind {
        provider: SECURITY_NETLOGON,
        ids: &[8004],
        name: "NTLM to this domain controller",
        decode: stateless!(ntlm_audit::decode),
        attests: &[],
    },
    EventKind {
        provider: SMB_SERVER,
        ids: &[3000],
        name: "SMB1 access audited",
        decode: stateless!(smb_server::decode_smb1_audit),
        attests: &[],
    },
    EventKind {
        provider: SMB_SERVER,
        ids: smb_server::CONNECTION_EVENTS,
        name: "SMB connection and negotiation",
        decode: |state, record, ctx, out| state.smb.decode(record, ctx, out),
        attests: &["protocol:smb"],
    },
    EventKind {
        provider: SCHANNEL,
        ids: &[36880],
        name: "TLS handshake",
        decode: stateless!(schannel::decode),
        attests: &["protocol:tls"],
    },
];

/// The row that reads a provider's event id, if Temper reads it.
pub fn event_kind(provider: &str, id: u32) -> Option<&'static EventKind> {
    EVENTS.iter().find(|e| e.provider == provider && e.ids.contains(&id))
}

/// True when Temper decodes this event (the `.evtx` reader's and the live subscriptions' filter).
pub fn wants(provider: &str, id: u32) -> bool {
    event_kind(provider, id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_provider_and_id_has_one_row() {
        for (i, a) in EVENTS.iter().enumerate() {
            for b in &EVENTS[i + 1..] {
                let shared: Vec<_> = a.ids.iter().filter(|id| a.provider == b.provider && b.ids.contains(id)).collect();
                assert!(shared.is_empty(), "{} {shared:?} decoded twice", a.provider);
            }
        }
    }

    #[test]
    fn ids_never_decode_across_providers() {
        // 4104 of PowerShell and 8001 of NTLM are read only where they mean what the decoder expects.
        assert!(wants(POWERSHELL, 4104) && wants(POWERSHELL_CORE, 4104) && !wants(SECURITY_AUDITING, 4104));
        assert!(wants(NTLM, 8001) && !wants(SMB_SERVER, 8001));
        assert!(wants(SMB_SERVER, 101) && wants(SMB_SERVER, 3000) && !wants(SMB_SERVER, 999));
    }
}
