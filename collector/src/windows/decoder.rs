//! The Windows decoder: one decoding function per (provider, event id),
//! never per id alone, over the neutral [`EventRecord`]; plus what a set of
//! records attests (coverage) and what it lost.

use super::event_record::EventRecord;
use super::events::{
    firewall_connection, logon, ntlm_audit, powershell, process_creation, remote_desktop, schannel, services,
    share_access, share_change, smb_server, spn_check,
};
use super::providers::*;
use crate::observation::{Coverage, Event, Observation};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// What decodes one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    Logon,
    ShareAccess,
    /// A share's new ACL (5143): inventory, not use.
    ShareChange,
    SpnCheck,
    FirewallConnection,
    SecurityProcessCreation,
    SysmonProcessCreation,
    KernelProcessStart,
    ServiceInstall,
    ServiceState,
    PowerShellClassic,
    PowerShellOperational,
    PowerShellCoreOperational,
    RdpAuthenticated,
    RdpAccepted,
    NtlmAudit,
    Smb1Audit,
    SmbServer,
    SchannelHandshake,
    /// Audit events dropped (1101) or the Security log full (1104).
    AuditLoss,
    /// Attests coverage, carries nothing new (classic PowerShell 600).
    AttestOnly,
}

/// The decoder for a provider's event id, if Temper reads it.
pub fn decoder_for(provider: &str, id: u32) -> Option<Decoder> {
    use Decoder::*;
    Some(match (provider, id) {
        (SECURITY_AUDITING, 4624 | 4625) => Logon,
        (SECURITY_AUDITING, 5140 | 5145) => ShareAccess,
        (SECURITY_AUDITING, 5143) => ShareChange,
        (SECURITY_AUDITING, 5168) => SpnCheck,
        (SECURITY_AUDITING, 5156) => FirewallConnection,
        (SECURITY_AUDITING, 4688) => SecurityProcessCreation,
        (SECURITY_AUDITING, 4697) => ServiceInstall,
        (EVENTLOG, 1101 | 1104) => AuditLoss,
        (SERVICE_CONTROL_MANAGER, 7045) => ServiceInstall,
        (SERVICE_CONTROL_MANAGER, 7036) => ServiceState,
        (SYSMON, 1) => SysmonProcessCreation,
        (KERNEL_PROCESS, 1) => KernelProcessStart,
        (POWERSHELL_CLASSIC, 400 | 403 | 800) => PowerShellClassic,
        (POWERSHELL_CLASSIC, 600) => AttestOnly,
        (POWERSHELL, 4103 | 4104) => PowerShellOperational,
        (POWERSHELL_CORE, 4103 | 4104) => PowerShellCoreOperational,
        (REMOTE_CONNECTION_MANAGER, 1149) => RdpAuthenticated,
        (RDP_CORE, 131) => RdpAccepted,
        (NTLM, 8001..=8003) | (SECURITY_NETLOGON, 8004) => NtlmAudit,
        (SMB_SERVER, 3000) => Smb1Audit,
        (SMB_SERVER, id) if smb_server::decodes(id) => SmbServer,
        (SCHANNEL, 36880) => SchannelHandshake,
        _ => return None,
    })
}

/// True when Temper decodes this event (the `.evtx` reader's filter).
pub fn wants(provider: &str, id: u32) -> bool {
    decoder_for(provider, id).is_some()
}

/// The coverage categories an event attests by appearing: the audit
/// source that writes it was on. Only sources that see *every* use of a
/// category attest it: PowerShell 4104 is never written by the 2.0
/// engine, and an RDP-only source says nothing about other logons.
pub fn attests(decoder: Decoder) -> &'static [&'static str] {
    use Decoder::*;
    match decoder {
        Logon => &["logon", "protocol:ntlm"],
        ShareAccess => &["share"],
        FirewallConnection => &["connection"],
        SecurityProcessCreation | SysmonProcessCreation | KernelProcessStart => &["exec", "script"],
        PowerShellClassic | AttestOnly => &["script"],
        ServiceInstall | ServiceState => &["service"],
        SmbServer => &["protocol:smb"],
        SchannelHandshake => &["protocol:tls"],
        ShareChange
        | SpnCheck
        | PowerShellOperational
        | PowerShellCoreOperational
        | RdpAuthenticated
        | RdpAccepted
        | NtlmAudit
        | Smb1Audit
        | AuditLoss => &[],
    }
}

/// What every decoding function needs: whose observation it is and how
/// to name the event it came from.
#[derive(Debug, Clone)]
pub struct Context {
    pub host: String,
    pub source: &'static str,
    /// The RDP listener port (131 does not log it).
    pub rdp_port: u16,
}

impl Context {
    pub fn observation(&self, record: &EventRecord, event: Event) -> Observation {
        Observation::new(record.time, self.host.clone(), self.source, event)
    }

    /// `Provider/id`, kept in `detail.event` so evidence says where it came from.
    pub fn event_name(&self, record: &EventRecord) -> String {
        format!("{}/{}", record.provider, record.event_id)
    }
}

#[derive(Debug, Default)]
struct HostAttestation {
    categories: BTreeSet<&'static str>,
    /// Loss reports (1101, 1104): when, and how many (1 when unknown).
    losses: Vec<DateTime<Utc>>,
}

/// Decodes records into observations; keeps what they attest per host.
#[derive(Debug)]
pub struct WindowsDecoder {
    source: &'static str,
    fixed_host: Option<String>,
    rdp_port: u16,
    smb: smb_server::ConnectionJoin,
    hosts: BTreeMap<String, HostAttestation>,
    /// Records decoded per `Provider/id`.
    pub decoded: BTreeMap<String, u64>,
}

impl WindowsDecoder {
    /// `source` is the observation source: `evtx` for files, `etw` live.
    pub fn new(source: &'static str) -> Self {
        WindowsDecoder {
            source,
            fixed_host: None,
            rdp_port: 3389,
            smb: smb_server::ConnectionJoin::default(),
            hosts: BTreeMap::new(),
            decoded: BTreeMap::new(),
        }
    }

    /// Every observation belongs to `host` (default: the record's `Computer`, lower-cased).
    pub fn with_host(mut self, host: Option<String>) -> Self {
        self.fixed_host = host;
        self
    }

    pub fn with_rdp_port(mut self, port: u16) -> Self {
        self.rdp_port = port;
        self
    }

    fn host_of(&self, record: &EventRecord) -> String {
        if let Some(host) = &self.fixed_host {
            return host.clone();
        }
        let computer = record.computer.trim().to_ascii_lowercase();
        if computer.is_empty() {
            "unknown".into()
        } else {
            computer
        }
    }

    /// Decodes one record, appending its observations (normalised) to `out`.
    pub fn decode(&mut self, record: &EventRecord, out: &mut Vec<Observation>) {
        let Some(decoder) = decoder_for(&record.provider, record.event_id) else { return };
        let ctx = Context { host: self.host_of(record), source: self.source, rdp_port: self.rdp_port };
        *self.decoded.entry(ctx.event_name(record)).or_insert(0) += 1;
        let attestation = self.hosts.entry(ctx.host.clone()).or_default();
        attestation.categories.extend(attests(decoder));
        let start = out.len();
        use Decoder::*;
        match decoder {
            Logon => logon::decode(record, &ctx, out),
            ShareAccess => share_access::decode(record, &ctx, out),
            ShareChange => share_change::decode(record, &ctx, out),
            SpnCheck => spn_check::decode(record, &ctx, out),
            FirewallConnection => firewall_connection::decode(record, &ctx, out),
            SecurityProcessCreation => process_creation::decode_security(record, &ctx, out),
            SysmonProcessCreation => process_creation::decode_sysmon(record, &ctx, out),
            KernelProcessStart => process_creation::decode_kernel_process(record, &ctx, out),
            ServiceInstall => services::decode_install(record, &ctx, out),
            ServiceState => services::decode_state(record, &ctx, out),
            PowerShellClassic => powershell::decode_classic(record, &ctx, out),
            PowerShellOperational => powershell::decode_operational(record, &ctx, "powershell", out),
            PowerShellCoreOperational => powershell::decode_operational(record, &ctx, "pwsh", out),
            RdpAuthenticated => remote_desktop::decode_authenticated(record, &ctx, out),
            RdpAccepted => remote_desktop::decode_accepted(record, &ctx, out),
            NtlmAudit => ntlm_audit::decode(record, &ctx, out),
            Smb1Audit => smb_server::decode_smb1_audit(record, &ctx, out),
            SmbServer => self.smb.decode(record, &ctx, out),
            SchannelHandshake => schannel::decode(record, &ctx, out),
            AuditLoss => attestation.losses.push(record.time),
            AttestOnly => {}
        }
        for obs in &mut out[start..] {
            obs.normalize();
        }
        // Hostile field values can leave nothing to name (an empty service
        // name, say): such an observation is dropped, never stored.
        let mut index = start;
        while index < out.len() {
            match out[index].validate() {
                Ok(()) => index += 1,
                Err(reason) => {
                    tracing::debug!(event = %ctx.event_name(record), record = record.record_id, %reason, "dropped");
                    out.remove(index);
                }
            }
        }
    }

    /// Loss reports (Security 1101/1104) decoded since the last call: a live
    /// source adds them to its interval's loss; files use [`Self::take_coverage`].
    pub fn take_loss_reports(&mut self) -> u64 {
        self.hosts.values_mut().map(|h| std::mem::take(&mut h.losses).len() as u64).sum()
    }

    /// Coverage for what was decoded since the last call, over `from..=to`
    /// (a file's time range), with `damaged` unreadable records counted as
    /// lost at `damaged_at`. Hosts whose records attested nothing get none.
    pub fn take_coverage(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        damaged: u64,
        damaged_at: DateTime<Utc>,
    ) -> Vec<Observation> {
        let mut out = Vec::new();
        for (host, attestation) in std::mem::take(&mut self.hosts) {
            if attestation.categories.is_empty() {
                continue;
            }
            let categories: Vec<String> = attestation.categories.iter().map(|c| c.to_string()).collect();
            let coverage = |from, to, lost| {
                Observation::new(
                    to,
                    host.clone(),
                    self.source,
                    Event::Coverage(Coverage { categories: categories.clone(), from, to, lost }),
                )
            };
            out.push(coverage(from, to, 0));
            for at in attestation.losses {
                out.push(coverage(at, at, 1));
            }
            if damaged > 0 {
                out.push(coverage(damaged_at, damaged_at, damaged));
            }
        }
        self.smb.clear();
        out
    }
}
