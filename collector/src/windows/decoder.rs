//! The Windows decoder: each record through its row of [`EVENTS`] (one
//! decoding function per provider and event id, never per id alone), over
//! the neutral [`EventRecord`]; plus what a set of records attests
//! (coverage) and what it lost.

use super::context::Context;
use super::event_record::EventRecord;
use super::event_table::{event_kind, DecoderState};
use crate::observation::{Coverage, Event, Observation};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

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
    state: DecoderState,
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
            state: DecoderState::default(),
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
        crate::host_name::machine_host_name(&record.computer)
    }

    /// Decodes one record, appending its observations (normalised) to `out`.
    pub fn decode(&mut self, record: &EventRecord, out: &mut Vec<Observation>) {
        let Some(kind) = event_kind(&record.provider, record.event_id) else { return };
        let ctx = Context { host: self.host_of(record), source: self.source, rdp_port: self.rdp_port };
        *self.decoded.entry(ctx.event_name(record)).or_insert(0) += 1;
        let start = out.len();
        (kind.decode)(&mut self.state, record, &ctx, out);
        let attestation = self.hosts.entry(ctx.host.clone()).or_default();
        attestation.categories.extend(kind.attests);
        attestation.losses.append(&mut self.state.losses);
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
        self.state.smb.clear();
        out
    }
}
