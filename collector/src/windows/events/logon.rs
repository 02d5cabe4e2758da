//! Security 4624 (logon) and 4625 (failed logon).
//!
//! Every logon becomes a `logon` observation. A successful NTLM logon also
//! says which NTLM response the client sent (`LmPackageName`: `LM`,
//! `NTLM V1`, `NTLM V2`), which is the evidence LmCompatibilityLevel and
//! "Restrict NTLM" decisions need: it becomes a `protocol` ntlm
//! observation. ANONYMOUS LOGON is flagged `anonymous`, so a null session
//! (which Windows logs as `NTLM V1`) never counts as a client's NTLMv1 use.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::{is_anonymous, peer, process};
use crate::observation::{Event, LogonEvent, Observation, ProtocolUse, Role};
use crate::versions::{Negotiated, NtlmVersion};

/// What a logon type means, as `logon.service`.
pub fn logon_type_service(logon_type: Option<i64>) -> String {
    match logon_type {
        Some(0) => "system".into(),
        Some(2) => "console".into(),
        Some(3) => "network".into(),
        Some(4) => "batch".into(),
        Some(5) => "service".into(),
        Some(7) => "unlock".into(),
        Some(8) => "network-cleartext".into(),
        Some(9) => "new-credentials".into(),
        Some(10) => "rdp".into(),
        Some(11) => "cached-interactive".into(),
        Some(12) => "cached-rdp".into(),
        Some(13) => "cached-unlock".into(),
        Some(other) => format!("logon-type-{other}"),
        None => "unknown".into(),
    }
}

/// `LmPackageName` → the NTLM response version, when it names one exactly.
pub fn ntlm_version(lm_package: &str) -> Option<NtlmVersion> {
    match lm_package.trim() {
        "LM" => Some(NtlmVersion::Lm),
        "NTLM V1" => Some(NtlmVersion::NtlmV1),
        "NTLM V2" => Some(NtlmVersion::NtlmV2),
        _ => None,
    }
}

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let success = record.event_id == 4624;
    let logon_type = record.int("LogonType");
    let method = record.value("AuthenticationPackageName").map(|p| p.trim().to_ascii_lowercase());
    let user = record.value("TargetUserName").map(|u| u.to_string());
    let anonymous = is_anonymous(user.as_deref(), record.value("TargetUserSid").as_deref());
    let peer = peer(record, "IpAddress", Some("IpPort"), Some("WorkstationName"));

    let base = |event: Event| {
        let mut obs = ctx.observation(record, event).with_role(Role::Server);
        if let Some(user) = &user {
            obs = obs.with_user(user.clone());
        }
        if let Some(peer) = &peer {
            obs = obs.with_peer(peer.clone());
        }
        if let Some(image) = record.value("ProcessName") {
            obs = obs.with_process(process(&image, record.int("ProcessId")));
        }
        if let Some(domain) = record.value("TargetDomainName") {
            obs = obs.with_detail("domain", domain.to_string());
        }
        if let Some(logon_type) = logon_type {
            obs = obs.with_detail("logon_type", logon_type);
        }
        if anonymous {
            obs = obs.with_detail("anonymous", true);
        }
        obs.with_detail("event", ctx.event_name(record))
    };

    let mut logon = base(Event::Logon(LogonEvent {
        method: method.clone().unwrap_or_else(|| "unknown".into()),
        service: logon_type_service(logon_type),
        success,
    }));
    let version = if success { record.value("LmPackageName").and_then(|p| ntlm_version(&p)) } else { None };
    if let Some(version) = version {
        logon = logon.with_detail("ntlm_version", version.as_str());
    }
    if let Some(process) = record.value("LogonProcessName") {
        logon = logon.with_detail("logon_process", process.trim().to_string());
    }
    if !success {
        for field in ["Status", "SubStatus", "FailureReason"] {
            if let Some(value) = record.value(field) {
                logon = logon.with_detail(&field.to_ascii_lowercase(), value.to_string());
            }
        }
    }
    out.push(logon);

    {
        if let Some(version) = version {
            let mut ntlm = base(Event::Protocol(ProtocolUse { negotiated: Negotiated::Ntlm(version) }));
            if let Some(key_length) = record.int("KeyLength") {
                ntlm = ntlm.with_detail("key_length", key_length);
            }
            out.push(ntlm);
        }
    }
}
