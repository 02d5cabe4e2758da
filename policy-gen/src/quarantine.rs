//! Quarantine: uses that look like a need by count but not by shape go to
//! `review` with the reason, so an attacker's or a one-off's behaviour is
//! never silently learned as a need.
//!
//! - Known-suspicious patterns, however often seen: the PowerShell 2.0
//!   engine run with an encoded command; SMB1 or NTLMv1 from a peer that
//!   otherwise speaks SMB 2+ or NTLMv2 to this host (a downgrade).
//! - Rare uses (three days or fewer, not periodic) first seen late in the
//!   window, or seen only outside the host's usual hours.
//!
//! Periodic uses (weekly, monthly) are needs however few their days.

use crate::document::{State, Usage};
use crate::host_view::HostView;
use std::collections::BTreeSet;
use temper_learner::{Dimension, FactKey};
use temper_observation::{Negotiated, NtlmVersion, SmbDialect};

use crate::rarity::RARE_DAYS;

const MS_PER_DAY: i64 = 86_400_000;

/// Peers that used `modern` versions of a protocol with this host.
fn peers_of(host: &HostView, modern: impl Fn(&Negotiated) -> bool) -> BTreeSet<String> {
    host.facts
        .iter()
        .filter(|f| matches!(&f.key, FactKey::Protocol { negotiated, anonymous: false, .. } if modern(negotiated)))
        .filter_map(|f| f.stats.evidence(Dimension::Peer))
        .flat_map(|e| e.values.keys().cloned())
        .collect()
}

/// Hours of the day (UTC) in which the host is usually active: at least a
/// tenth of its busiest hour's activity.
fn usual_hours(host: &HostView) -> [bool; 24] {
    let mut by_hour = [0u64; 24];
    for fact in &host.facts {
        for (i, n) in fact.stats.hours.iter().enumerate() {
            by_hour[i % 24] += n;
        }
    }
    let busiest = by_hour.iter().copied().max().unwrap_or(0);
    std::array::from_fn(|h| busiest > 0 && by_hour[h] * 10 >= busiest)
}

fn suspicious(usage: &Usage, host: &str, modern_smb: &BTreeSet<String>, ntlmv2: &BTreeSet<String>) -> Option<String> {
    match usage.key.as_ref()? {
        FactKey::Script { interpreter, engine_version: Some(v) }
            if interpreter == "powershell" && v.starts_with("2.") =>
        {
            let encoded = usage.objects.iter().any(|o| {
                let command = o.value.to_ascii_lowercase();
                command
                    .split_whitespace()
                    .any(|w| matches!(w, "-enc" | "-encodedcommand" | "-ec" | "-e" | "-en" | "-encod"))
            });
            encoded.then(|| {
                "the PowerShell 2.0 engine ran an encoded command (a classic way around script block logging)"
                    .to_string()
            })
        }
        FactKey::Protocol { negotiated: Negotiated::Smb(SmbDialect::Smb1), .. } => {
            let downgraded: Vec<&str> =
                usage.peers.iter().map(|p| p.value.as_str()).filter(|p| modern_smb.contains(*p)).collect();
            (!downgraded.is_empty()).then(|| {
                format!("SMB1 from peer(s) that otherwise speak SMB 2 or 3 to {}: {}", host, downgraded.join(", "))
            })
        }
        FactKey::Protocol { negotiated: Negotiated::Ntlm(NtlmVersion::NtlmV1 | NtlmVersion::Lm), .. } => {
            let downgraded: Vec<&str> =
                usage.peers.iter().map(|p| p.value.as_str()).filter(|p| ntlmv2.contains(*p)).collect();
            (!downgraded.is_empty()).then(|| {
                format!("LM or NTLMv1 from peer(s) that otherwise answer with NTLMv2: {}", downgraded.join(", "))
            })
        }
        _ => None,
    }
}

/// What quarantine needs to know about one host, read from its facts once
/// per host rather than once per decision.
pub struct Quarantine {
    host: String,
    modern_smb: BTreeSet<String>,
    ntlmv2: BTreeSet<String>,
    usual: [bool; 24],
    window_days: i64,
    late_from: i64,
}

impl Quarantine {
    pub fn for_host(host: &HostView) -> Quarantine {
        let (start, end) = (host.record.first_seen, host.record.last_seen);
        let window_days = (end - start) / MS_PER_DAY;
        Quarantine {
            host: host.name().to_string(),
            modern_smb: peers_of(host, |n| matches!(n, Negotiated::Smb(d) if *d != SmbDialect::Smb1)),
            ntlmv2: peers_of(host, |n| *n == Negotiated::Ntlm(NtlmVersion::NtlmV2)),
            usual: usual_hours(host),
            window_days,
            late_from: end - (window_days / 10).max(3) * MS_PER_DAY,
        }
    }

    /// Moves uses that should not be learned silently to `review`, with the reason.
    pub fn apply(&self, usages: &mut [Usage]) {
        for usage in usages.iter_mut() {
            if let Some(why) = suspicious(usage, &self.host, &self.modern_smb, &self.ntlmv2) {
                usage.state = State::Review;
                usage.note = Some(format!("suspicious: {why}"));
                continue;
            }
            if usage.state != State::Exception || usage.days > RARE_DAYS || usage.period.is_some() {
                continue;
            }
            if self.window_days >= 14 && usage.first_seen.timestamp_millis() >= self.late_from {
                usage.state = State::Review;
                usage.note = Some(format!(
                    "first seen late in the window ({}), on {} day(s): too new to tell a need from a one-off",
                    usage.first_seen.format("%Y-%m-%d"),
                    usage.days
                ));
                continue;
            }
            let active: Vec<usize> = (0..usage.hours.len()).filter(|i| usage.hours[*i] > 0).map(|i| i % 24).collect();
            if !active.is_empty() && self.usual.iter().any(|u| *u) && active.iter().all(|h| !self.usual[*h]) {
                usage.state = State::Review;
                usage.note = Some(format!("seen only outside the host's usual hours, on {} day(s)", usage.days));
            }
        }
    }
}
