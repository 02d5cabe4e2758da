//! The `review` rule: which observed uses are too rare to trust as a need.
//!
//! The first pass (`quarantine` then moves suspicious and odd uses to
//! review): a peer whose use falls on a single day is `review`; a use with
//! no peer evidence seen on a single day is `review`. Everything else is a need
//! (`exception`). Rarity is judged across all the facts one decision is
//! about: a user's password logon on day 2 and keyboard-interactive logon
//! on day 8 are two facts but one week of use. So a scanner on most days
//! next to a one-off peer trying SMB1 once gives an exception naming the
//! scanner, with the one-off peer flagged.
//!
//! A use seen on more than `RARE_DAYS` days is a need however many distinct
//! peers make it: the visitors of a public site each come once, and the
//! site is used every day. A scan (one peer, one day) stays `review`.

use crate::document::{State, Usage, Witness};
use std::collections::{BTreeMap, BTreeSet};
use temper_learner::time_buckets::{day_of, utc};
use temper_learner::{Dimension, EvidenceSummary, Fact};

/// At most this many days of use count as rare.
pub const RARE_DAYS: usize = 3;

/// How many one-off peers a note names before it counts the rest.
const NAMED_PEERS: usize = 10;

/// `a, b, c and 4 more`
fn some_of(names: &[&str]) -> String {
    match names.len().checked_sub(NAMED_PEERS) {
        Some(rest) if rest > 0 => format!("{} and {rest} more", names[..NAMED_PEERS].join(", ")),
        _ => names.join(", "),
    }
}

/// Assesses the facts one decision is about, together.
pub fn assess_usages(facts: &[&Fact]) -> Vec<Usage> {
    // Each peer's span of days across all the facts.
    let mut peer_span: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    // Days of the facts that carry no peer evidence.
    let mut peerless_days: BTreeSet<i64> = BTreeSet::new();
    for fact in facts {
        match fact.stats.evidence(Dimension::Peer).filter(|s| !s.values.is_empty()) {
            Some(peers) => {
                for (peer, tally) in &peers.values {
                    let span = peer_span.entry(peer.as_str()).or_insert((tally.first_seen, tally.last_seen));
                    *span = (span.0.min(tally.first_seen), span.1.max(tally.last_seen));
                }
            }
            None => peerless_days.extend(fact.stats.days.keys().copied()),
        }
    }
    let peer_state = |peer: &str| {
        let (first, last) = peer_span[peer];
        if day_of(first) == day_of(last) {
            State::Review
        } else {
            State::Exception
        }
    };
    facts.iter().map(|fact| assess(fact, &peer_state, peerless_days.len())).collect()
}

fn witnesses(summary: Option<&EvidenceSummary>, state_of: Option<&dyn Fn(&str) -> State>) -> Vec<Witness> {
    summary
        .map(|s| {
            s.ranked()
                .into_iter()
                .map(|(value, tally)| Witness {
                    value: value.to_string(),
                    count: tally.count,
                    first_seen: utc(tally.first_seen),
                    last_seen: utc(tally.last_seen),
                    state: state_of.map(|f| f(value)),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assess(fact: &Fact, peer_state: &dyn Fn(&str) -> State, peerless_days: usize) -> Usage {
    let stats = &fact.stats;
    let peers = witnesses(stats.evidence(Dimension::Peer), Some(peer_state));
    let (state, note) = if peers.is_empty() {
        if peerless_days <= 1 {
            (State::Review, Some("seen on a single day only".to_string()))
        } else {
            (State::Exception, None)
        }
    } else if peers.iter().any(|p| p.state == Some(State::Exception)) {
        let rare: Vec<&str> =
            peers.iter().filter(|p| p.state == Some(State::Review)).map(|p| p.value.as_str()).collect();
        let note =
            (!rare.is_empty()).then(|| format!("also used by peer(s) seen on a single day only: {}", some_of(&rare)));
        (State::Exception, note)
    } else if stats.days.len() > RARE_DAYS {
        let distinct = stats.evidence(Dimension::Peer).map(EvidenceSummary::distinct);
        let seen = format!("{} distinct peers", distinct.map_or(peers.len().to_string(), |d| d.to_string()));
        let note = format!("a public service: {seen}, each on a single day, used it on {} days", stats.days.len());
        (State::Exception, Some(note))
    } else {
        let who = if peers.len() == 1 { "a single peer" } else { "peers" };
        (State::Review, Some(format!("used only by {who} on a single day each")))
    };
    let summaries = Dimension::ALL.iter().filter_map(|d| stats.evidence(*d));
    let days: Vec<i64> = stats.days.keys().copied().collect();
    Usage {
        period: temper_learner::calendar::period_of(&days).map(Into::into),
        fact: fact.key.describe(),
        state,
        note,
        count: stats.count,
        first_seen: stats.first_seen_utc(),
        last_seen: stats.last_seen_utc(),
        days: stats.days.len(),
        peers,
        processes: witnesses(stats.evidence(Dimension::Process), None),
        users: witnesses(stats.evidence(Dimension::User), None),
        objects: witnesses(stats.evidence(Dimension::Object), None),
        members: witnesses(stats.evidence(Dimension::Member), None),
        evidence_exact: summaries.clone().all(EvidenceSummary::is_exact),
        undercount: summaries.map(|s| s.undercount).max().unwrap_or(0),
        key: Some(fact.key.clone()),
        hours: stats.hours.clone(),
    }
}
