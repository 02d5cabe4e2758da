//! Aggregation into a real SQLite profile: any order and any batching of the
//! same observations give the same profile, and merging is associative and
//! commutative (docs/design-notes.md, "The profile").

mod common;

use common::observation;
use proptest::prelude::*;
use std::path::Path;
use temper_collector::Observation;
use temper_learner::{Aggregator, Dimension, FactKey, Profile};

/// Ingests `streams` (each ended with `finish_stream`), flushing after the
/// observation indices in `flush_after`.
fn build(path: &Path, streams: &[Vec<Observation>], flush_after: &[usize]) -> Profile {
    let mut profile = Profile::create_or_open(path).unwrap();
    let mut agg = Aggregator::for_profile(&profile);
    let mut n = 0;
    for stream in streams {
        for obs in stream {
            agg.ingest(obs);
            if flush_after.contains(&n) {
                agg.flush(&mut profile).unwrap();
            }
            n += 1;
        }
        agg.finish_stream();
    }
    agg.flush(&mut profile).unwrap();
    profile
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_order_and_batching_gives_the_same_profile(
        observations in prop::collection::vec(observation(), 1..120),
        seed in any::<u64>(),
        flushes in prop::collection::vec(0usize..120, 0..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let reference = build(&dir.path().join("a.db"), std::slice::from_ref(&observations), &[]);

        // A deterministic shuffle driven by the generated seed.
        let mut shuffled = observations.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let other = build(&dir.path().join("b.db"), &[shuffled], &flushes);

        prop_assert_eq!(reference.facts(None).unwrap(), other.facts(None).unwrap());
        prop_assert_eq!(reference.coverage_windows(None).unwrap(), other.coverage_windows(None).unwrap());
        prop_assert_eq!(reference.losses(None).unwrap(), other.losses(None).unwrap());
        prop_assert_eq!(reference.inventory(None).unwrap(), other.inventory(None).unwrap());
        prop_assert_eq!(reference.digest().unwrap(), other.digest().unwrap());
        let total: u64 = reference.facts(None).unwrap().iter().map(|f| f.stats.count).sum();
        prop_assert!(total >= observations.iter().filter(|o| !matches!(o.kind(), temper_collector::Kind::Coverage | temper_collector::Kind::Inventory)).count() as u64);
    }

    #[test]
    fn merge_is_associative_and_commutative(
        a in prop::collection::vec(observation(), 0..60),
        b in prop::collection::vec(observation(), 0..60),
        c in prop::collection::vec(observation(), 0..60),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let pa = build(&dir.path().join("a.db"), std::slice::from_ref(&a), &[]);
        let pb = build(&dir.path().join("b.db"), std::slice::from_ref(&b), &[]);
        let pc = build(&dir.path().join("c.db"), std::slice::from_ref(&c), &[]);

        // (A + B) + C
        let mut left = Profile::create_or_open(&dir.path().join("left.db")).unwrap();
        left.merge_from(&pa).unwrap();
        left.merge_from(&pb).unwrap();
        left.merge_from(&pc).unwrap();
        // A + (B + C), built as C + B first, then A.
        let mut bc = Profile::create_or_open(&dir.path().join("bc.db")).unwrap();
        bc.merge_from(&pc).unwrap();
        bc.merge_from(&pb).unwrap();
        let mut right = Profile::create_or_open(&dir.path().join("right.db")).unwrap();
        right.merge_from(&bc).unwrap();
        right.merge_from(&pa).unwrap();
        // The three streams ingested straight into one profile.
        let direct = build(&dir.path().join("direct.db"), &[a, b, c], &[]);

        prop_assert_eq!(left.digest().unwrap(), right.digest().unwrap());
        prop_assert_eq!(left.digest().unwrap(), direct.digest().unwrap());
    }
}

#[test]
fn merged_profile_keeps_hosts_apart() {
    let dir = tempfile::tempdir().unwrap();
    let line = |host: &str| -> Observation {
        serde_json::from_str(&format!(
            r#"{{"v":1,"time":"2026-11-02T10:00:00Z","host":"{host}","source":"wire","kind":"protocol","protocol":"smb","version":"smb1","role":"server","local":{{"ip":"10.0.0.5","port":445}},"peer":{{"ip":"10.0.4.9"}}}}"#
        ))
        .unwrap()
    };
    let fs01 = build(&dir.path().join("fs01.db"), &[vec![line("fs01"), line("fs01")]], &[]);
    let fs02 = build(&dir.path().join("fs02.db"), &[vec![line("fs02")]], &[]);
    let mut group = Profile::create_or_open(&dir.path().join("group.db")).unwrap();
    group.merge_from(&fs01).unwrap();
    group.merge_from(&fs02).unwrap();
    group.merge_from(&fs01).unwrap();
    let facts = group.facts(None).unwrap();
    assert_eq!(facts.len(), 2, "one fact per host");
    assert_eq!((facts[0].host.as_str(), facts[0].stats.count), ("fs01", 4));
    assert_eq!((facts[1].host.as_str(), facts[1].stats.count), ("fs02", 1));
    let peers = facts[0].stats.evidence(Dimension::Peer).unwrap();
    assert_eq!(peers.values["10.0.4.9"].count, 4);
    assert_eq!(group.hosts().unwrap().len(), 2);
}

#[test]
fn evidence_beyond_the_cap_stays_within_its_bound_across_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 8;
    let mut profile = Profile::create_with_cap(&dir.path().join("p.db"), cap).unwrap();
    let mut agg = Aggregator::for_profile(&profile);
    let mut truth = std::collections::HashMap::new();
    for i in 0..2_000u32 {
        // One heavy peer, and a long tail of one-off peers.
        let peer = if i % 3 == 0 { "10.9.9.9".to_string() } else { format!("10.1.{}.{}", i / 250, i % 250) };
        *truth.entry(peer.clone()).or_insert(0u64) += 1;
        let obs: Observation = serde_json::from_str(&format!(
            r#"{{"v":1,"time":"2026-11-02T10:00:00Z","host":"h","source":"ebpf","kind":"connection","transport":"tcp","role":"server","local":{{"port":22}},"peer":{{"ip":"{peer}"}}}}"#
        ))
        .unwrap();
        agg.ingest(&obs);
        if i % 97 == 0 {
            agg.flush(&mut profile).unwrap();
        }
    }
    agg.flush(&mut profile).unwrap();
    let facts = profile.facts(None).unwrap();
    let peers = facts[0].stats.evidence(Dimension::Peer).unwrap();
    assert_eq!(peers.total, 2_000);
    assert!(!peers.is_exact());
    assert!(peers.values.len() <= cap);
    assert!(peers.undercount * (cap as u64 + 1) <= peers.total, "bound total/(cap+1) holds");
    for (peer, true_count) in &truth {
        let listed = peers.values.get(peer).map_or(0, |t| t.count);
        assert!(listed <= *true_count && listed + peers.undercount >= *true_count, "{peer}");
    }
    assert!(peers.values.contains_key("10.9.9.9"), "the heavy hitter is kept");
    assert_eq!(facts[0].stats.count, 2_000, "the fact's own count is exact");
    assert!(matches!(facts[0].key, FactKey::Connection { port: Some(22), .. }));
}

#[test]
fn coverage_inferred_only_without_coverage_records() {
    let dir = tempfile::tempdir().unwrap();
    let obs = |source: &str, kind: &str, time: &str| -> Observation {
        let body = match kind {
            "coverage" => r#""kind":"coverage","categories":["share"],"from":"2026-11-01T00:00:00Z","to":"2026-11-03T00:00:00Z","lost":5"#.to_string(),
            _ => r#""kind":"share","share":"scans","access":"read","protocol":"smb""#.to_string(),
        };
        serde_json::from_str(&format!(r#"{{"v":1,"time":"{time}","host":"fs01","source":"{source}",{body}}}"#)).unwrap()
    };
    let profile = build(
        &dir.path().join("p.db"),
        &[vec![
            obs("evtx", "share", "2026-11-01T08:00:00Z"),
            obs("evtx", "share", "2026-11-02T09:00:00Z"),
            obs("etw", "coverage", "2026-11-03T00:00:00Z"),
            obs("etw", "share", "2026-11-02T10:00:00Z"),
        ]],
        &[],
    );
    let windows = profile.coverage_windows(Some("fs01")).unwrap();
    assert_eq!(windows.len(), 2, "{windows:?}");
    let inferred = windows.iter().find(|w| w.source == "evtx").unwrap();
    assert!(inferred.inferred && inferred.category == "share");
    assert_eq!(inferred.to - inferred.from, 25 * 3_600_000, "first to last observation");
    let declared = windows.iter().find(|w| w.source == "etw").unwrap();
    assert!(!declared.inferred);
    let losses = profile.losses(Some("fs01")).unwrap();
    assert_eq!(losses.len(), 1);
    assert_eq!(losses[0].lost, 5);
    let assessed = temper_learner::assess_category(&windows, &losses, "share");
    assert!(!assessed.inferred);
    assert!((assessed.days_covered - 2.0).abs() < 1e-9);
}

#[test]
fn profiles_with_different_evidence_caps_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    let small = Profile::create_with_cap(&dir.path().join("small.db"), 16).unwrap();
    let mut default = Profile::create_or_open(&dir.path().join("default.db")).unwrap();
    let err = default.merge_from(&small).unwrap_err();
    assert!(err.to_string().contains("keeps 16 evidence values per fact"), "{err}");
    let mut same = Profile::create_with_cap(&dir.path().join("same.db"), 16).unwrap();
    same.merge_from(&small).unwrap();
}
