//! The `review` rule: which observed uses are too rare to trust as a need.
//!
//! Today's rule (the learning-intelligence work refines it here): a peer
//! whose use of a fact falls on a single day is `review`, and a fact with no
//! peer evidence that was seen on a single day is `review`. A fact is a need
//! (`exception`) as soon as one of its peers used it on more than one day.
//! A scanner on most days next to a one-off peer trying SMB1 once therefore
//! gives an exception naming the scanner, with the one-off peer flagged.

use crate::decision::{State, Usage, Witness};
use temper_learner::{time_buckets::day_of, Dimension, EvidenceSummary, Fact, Tally};

fn single_day(tally: &Tally) -> bool {
    day_of(tally.first_seen) == day_of(tally.last_seen)
}

fn witnesses(summary: Option<&EvidenceSummary>, with_state: bool) -> Vec<Witness> {
    summary
        .map(|s| {
            s.ranked()
                .into_iter()
                .map(|(value, tally)| Witness {
                    value: value.to_string(),
                    count: tally.count,
                    first_seen: temper_learner::time_buckets::utc(tally.first_seen),
                    last_seen: temper_learner::time_buckets::utc(tally.last_seen),
                    state: with_state.then(|| if single_day(tally) { State::Review } else { State::Exception }),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The evidence of one fact, with its `exception`/`review` assessment.
pub fn assess_usage(fact: &Fact) -> Usage {
    let stats = &fact.stats;
    let peers = witnesses(stats.evidence(Dimension::Peer), true);
    let (state, note) = if peers.is_empty() {
        if stats.days.len() <= 1 {
            (State::Review, Some("seen on a single day only".to_string()))
        } else {
            (State::Exception, None)
        }
    } else if peers.iter().any(|p| p.state == Some(State::Exception)) {
        let rare: Vec<&str> = peers.iter().filter(|p| p.state == Some(State::Review)).map(|p| p.value.as_str()).collect();
        let note = (!rare.is_empty()).then(|| format!("also used by peer(s) seen on a single day only: {}", rare.join(", ")));
        (State::Exception, note)
    } else {
        let who = if peers.len() == 1 { "a single peer" } else { "peers" };
        (State::Review, Some(format!("used only by {who} on a single day each")))
    };
    let summaries = Dimension::ALL.iter().filter_map(|d| stats.evidence(*d));
    let evidence_exact = summaries.clone().all(EvidenceSummary::is_exact);
    let undercount = summaries.map(|s| s.undercount).max().unwrap_or(0);
    Usage {
        fact: fact.key.describe(),
        state,
        note,
        count: stats.count,
        first_seen: stats.first_seen_utc(),
        last_seen: stats.last_seen_utc(),
        days: stats.days.len(),
        peers,
        processes: witnesses(stats.evidence(Dimension::Process), false),
        users: witnesses(stats.evidence(Dimension::User), false),
        objects: witnesses(stats.evidence(Dimension::Object), false),
        evidence_exact,
        undercount,
    }
}
