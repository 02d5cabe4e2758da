//! Floods stay bounded in a real profile: beyond a class's limit, facts are
//! folded into one counted fact, the same ones whatever the order, batching
//! or merging of the observations, and nothing but their identity is lost.

use std::collections::BTreeMap;
use std::path::Path;
use temper_collector::Observation;
use temper_learner::evidence::Distinct;
use temper_learner::{Aggregator, Dimension, Fact, FactKey, FoldClass, Profile};

fn failed_logon(user: &str, minute: u32) -> Observation {
    let (day, rest) = (minute / 1440 + 1, minute % 1440);
    serde_json::from_str(&format!(
        r#"{{"v":1,"time":"2026-11-{day:02}T{:02}:{:02}:00Z","host":"web01","source":"journal","kind":"logon","service":"sshd","method":"password","success":false,"user":{user:?},"peer":{{"ip":"203.0.113.7","port":40000}}}}"#,
        rest / 60,
        rest % 60
    ))
    .unwrap()
}

fn connection(port: u32, minute: u32) -> Observation {
    serde_json::from_str(&format!(
        r#"{{"v":1,"time":"2026-11-01T{:02}:{:02}:00Z","host":"web01","source":"ebpf","kind":"connection","transport":"tcp","role":"server","local":{{"port":{port}}},"peer":{{"ip":"198.51.100.{}"}}}}"#,
        minute / 60 % 24,
        minute % 60,
        port % 250
    ))
    .unwrap()
}

/// 1,500 failed logons with 700 user names (some repeated), alice among
/// them every day; 3,000 connections to 2,600 ports, 22 among them often.
fn flood() -> Vec<Observation> {
    let mut all = Vec::new();
    for i in 0..1_500u32 {
        all.push(failed_logon(&format!("user{}", i % 700), i * 7));
    }
    for day in 0..5 {
        all.push(failed_logon("alice", day * 1440 + 600));
    }
    for i in 0..3_000u32 {
        all.push(connection(1024 + i % 2_600, i));
        if i % 10 == 0 {
            all.push(connection(22, i));
        }
    }
    all
}

fn build(path: &Path, observations: &[Observation], flush_every: usize) -> Profile {
    let mut profile = Profile::create_or_open(path).unwrap();
    let mut agg = Aggregator::for_profile(&profile);
    for (n, obs) in observations.iter().enumerate() {
        agg.ingest(obs);
        if flush_every > 0 && n % flush_every == 0 {
            agg.flush(&mut profile).unwrap();
        }
    }
    agg.finish_stream();
    agg.flush(&mut profile).unwrap();
    profile
}

/// Everything a fact holds but the evidence values a Misra–Gries summary
/// lists once it overflowed, which depend on the order of merges (within
/// their bound; see `evidence`).
type Exact = (u64, i64, i64, BTreeMap<i64, u64>, Vec<u64>, Vec<(Dimension, u64, Option<Distinct>)>);

fn exact(facts: &[Fact]) -> BTreeMap<String, Exact> {
    facts
        .iter()
        .map(|f| {
            let s = &f.stats;
            let evidence =
                s.evidence.iter().map(|(d, e)| (*d, e.total, e.sketch.is_some().then(|| e.distinct()))).collect();
            (f.key.to_text(), (s.count, s.first_seen, s.last_seen, s.days.clone(), s.hours.clone(), evidence))
        })
        .collect()
}

fn folded<'a>(facts: &'a [Fact], class: &FoldClass) -> &'a Fact {
    facts.iter().find(|f| f.key == FactKey::Folded { class: class.clone() }).expect("a folded fact")
}

#[test]
fn a_flood_folds_beyond_the_limit_whatever_the_order_and_batching() {
    let dir = tempfile::tempdir().unwrap();
    let observations = flood();
    let whole = build(&dir.path().join("whole.db"), &observations, 0);
    let mut reversed = observations.clone();
    reversed.reverse();
    let batched = build(&dir.path().join("batched.db"), &reversed, 137);
    // Interleaved: every other observation first, then the rest.
    let interleaved: Vec<Observation> =
        observations.iter().step_by(2).chain(observations.iter().skip(1).step_by(2)).cloned().collect();
    let small_batches = build(&dir.path().join("small.db"), &interleaved, 11);

    let facts = whole.facts(None).unwrap();
    assert_eq!(exact(&facts), exact(&batched.facts(None).unwrap()));
    assert_eq!(exact(&facts), exact(&small_batches.facts(None).unwrap()));

    let logons = FoldClass::FailedLogons { service: "sshd".into(), method: "password".into() };
    let named = facts.iter().filter(|f| matches!(&f.key, FactKey::Logon { success: false, .. })).count();
    assert_eq!(named, logons.limit(), "at most the limit of user names keep their fact");
    let fold = folded(&facts, &logons);
    let kept: u64 = facts.iter().filter(|f| matches!(&f.key, FactKey::Logon { .. })).map(|f| f.stats.count).sum();
    assert_eq!(kept + fold.stats.count, 1_505, "every failed logon is counted, folded or not");
    let members = fold.stats.evidence(Dimension::Member).unwrap();
    assert_eq!(members.total, fold.stats.count);
    let folded_names = 701 - logons.limit() as u64;
    match members.distinct() {
        Distinct::About(n) => assert!(n.abs_diff(folded_names) * 10 < folded_names, "{n} vs {folded_names}"),
        other => panic!("a flood's distinct count is estimated: {other:?}"),
    }
    // Per-day counts of the class, kept and folded, are exact.
    let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
    for fact in facts.iter().filter(|f| matches!(&f.key, FactKey::Logon { .. }) || f.key == fold.key) {
        for (day, n) in &fact.stats.days {
            *per_day.entry(*day).or_default() += n;
        }
    }
    let mut truth: BTreeMap<i64, u64> = BTreeMap::new();
    for obs in observations.iter().filter(|o| o.kind() == temper_collector::Kind::Logon) {
        *truth
            .entry(temper_learner::time_buckets::day_of(temper_learner::time_buckets::millis(obs.time)))
            .or_default() += 1;
    }
    assert_eq!(per_day, truth);

    let ports =
        FoldClass::Ports { transport: temper_collector::Transport::Tcp, role: Some(temper_collector::Role::Server) };
    let port_facts: Vec<&Fact> = facts.iter().filter(|f| matches!(&f.key, FactKey::Connection { .. })).collect();
    assert_eq!(port_facts.len(), ports.limit());
    let busy = facts.iter().find(|f| matches!(f.key, FactKey::Connection { port: Some(22), .. }));
    let fold = folded(&facts, &ports);
    let all_ports: u64 = port_facts.iter().map(|f| f.stats.count).sum::<u64>() + fold.stats.count;
    assert_eq!(all_ports, 3_300);
    // Port 22 keeps its fact or is folded by its rank, never by arrival.
    match busy {
        Some(fact) => assert_eq!(fact.stats.count, 300),
        None => assert!(fold.stats.evidence(Dimension::Member).unwrap().values["22"].count > 0),
    }
}

#[test]
fn merged_profiles_fold_as_one_profile_would() {
    let dir = tempfile::tempdir().unwrap();
    let observations = flood();
    let (left, right) = observations.split_at(observations.len() / 3);
    let a = build(&dir.path().join("a.db"), left, 0);
    let b = build(&dir.path().join("b.db"), right, 0);
    let mut merged = Profile::create_or_open(&dir.path().join("merged.db")).unwrap();
    merged.merge_from(&b).unwrap();
    merged.merge_from(&a).unwrap();
    let direct = build(&dir.path().join("direct.db"), &observations, 0);
    assert_eq!(exact(&merged.facts(None).unwrap()), exact(&direct.facts(None).unwrap()));
}

#[test]
fn a_server_below_the_limits_folds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let observations: Vec<Observation> = (0..200)
        .map(|i| failed_logon(&format!("user{i}"), i))
        .chain((0..500).map(|i| connection(1024 + i, i)))
        .collect();
    let profile = build(&dir.path().join("p.db"), &observations, 50);
    let facts = profile.facts(None).unwrap();
    assert!(facts.iter().all(|f| !matches!(f.key, FactKey::Folded { .. })));
    assert_eq!(facts.len(), 700);
}
