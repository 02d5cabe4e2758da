//! The exec eBPF program on the real kernel: program starts become script
//! and exec observations with the right interpreter, parent and user, and
//! a storm of one program aggregates to one fact with the right count.
//! Needs root and kernel BTF; skips with a printed reason elsewhere, fails
//! instead when TEMPER_REQUIRE_LIVE=1.
#![cfg(target_os = "linux")]

mod common;

use common::{load_kernel_source, run_source};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;
use temper_collector::ebpf::live::{ExecSource, DEFAULT_RING_BYTES};
use temper_collector::{Event, Observation};
use temper_learner::{Aggregator, FactKey};

#[test]
fn program_starts_become_scripts_and_execs() {
    let Some(source) = load_kernel_source("exec", |btf| ExecSource::load(btf, "testhost", DEFAULT_RING_BYTES)) else {
        return;
    };
    let running = run_source(move |stop, sink| source.run(stop, sink));

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("nightly-report");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(Command::new("bash").args(["-c", "exit 0"]).status().unwrap().success());
    assert!(Command::new("python3").args(["-c", "pass"]).status().unwrap().success());
    assert!(Command::new(&script).status().unwrap().success());
    const STORM: usize = 300;
    for _ in 0..STORM {
        assert!(Command::new("/bin/true").status().unwrap().success());
    }
    std::thread::sleep(Duration::from_millis(500));
    let sink = running.stop();

    let me = std::process::id();
    let observations = sink.observations.lock().unwrap();
    let mine: Vec<&Observation> =
        observations.iter().filter(|o| o.process.as_ref().is_some_and(|_| parent_pid(o) == Some(me))).collect();
    let script_of = |interpreter: &str| {
        mine.iter().find(|o| matches!(&o.event, Event::Script(s) if s.interpreter == interpreter)).copied()
    };
    let bash = script_of("bash").expect("bash -c was seen");
    let Event::Script(run) = &bash.event else { unreachable!() };
    assert_eq!(run.command.as_deref(), Some("bash -c exit 0"));
    assert_eq!(bash.user.as_deref(), Some("root"));
    assert_eq!(bash.source, "ebpf");
    assert!(
        script_of("python3").is_some()
            || mine.iter().any(|o| matches!(&o.event, Event::Script(s) if s.interpreter.starts_with("python3"))),
        "python3 -c was seen"
    );
    let shebang = script_of("sh").expect("the shebang script ran as an sh script");
    assert_eq!(shebang.detail_str("script"), Some(script.to_str().unwrap()));

    // The storm is one fact, counted once per run.
    let mut aggregator = Aggregator::new(256);
    for obs in &mine {
        aggregator.ingest(obs);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut profile = temper_learner::Profile::create_or_open(&dir.path().join("p.db")).unwrap();
    aggregator.flush(&mut profile).unwrap();
    let facts = profile.facts(Some("testhost")).unwrap();
    let true_fact = facts
        .iter()
        .find(|f| matches!(&f.key, FactKey::Exec { image } if image == "/bin/true"))
        .expect("one fact for /bin/true");
    assert_eq!(true_fact.stats.count, STORM as u64);
    assert_eq!(sink.lost.load(Ordering::Relaxed), 0, "no event lost at this rate");
}

fn parent_pid(obs: &Observation) -> Option<u32> {
    match &obs.event {
        Event::Script(s) => s.parent.as_ref().and_then(|p| p.pid),
        Event::Exec(e) => e.parent.as_ref().and_then(|p| p.pid),
        _ => None,
    }
}
