//! Running `temper observe` in live tests: whether this host can (root,
//! kernel BTF, the tools), a running observer killed when dropped, and the
//! facts it learned.

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn required() -> bool {
    std::env::var("TEMPER_REQUIRE_LIVE").is_ok_and(|v| v == "1")
}

/// Why this host cannot run a live observe test, if it cannot.
pub fn cannot_observe(tools: &[&str]) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("observing needs root (eBPF)".into());
    }
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("no kernel BTF".into());
    }
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !Path::new(t).exists()).collect();
    (!missing.is_empty()).then(|| format!("missing: {}", missing.join(", ")))
}

/// Skips with the reason, or fails when TEMPER_REQUIRE_LIVE=1.
pub fn skip(reason: String) {
    assert!(!required(), "TEMPER_REQUIRE_LIVE=1 but {reason}");
    eprintln!("skipped: {reason}");
}

/// A running `temper observe`, killed (-9) when dropped.
pub struct Observer(pub Child);

impl Drop for Observer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Observer {
    /// SIGTERM, then the exit: the observer flushes what it saw.
    pub fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child, which has not been reaped.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        self.0.wait().unwrap()
    }
}

/// `temper observe --profile p.db --flush 1s EXTRA...` in `dir`.
pub fn start_observe(dir: &Path, extra: &[&str]) -> Observer {
    Observer(
        Command::new(env!("CARGO_BIN_EXE_temper"))
            .args(["observe", "--profile", "p.db", "--flush", "1s"])
            .args(extra)
            .current_dir(dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Starts an observer and waits for its first flush (its sources are running by then).
pub fn start_observe_ready(dir: &Path, extra: &[&str]) -> Observer {
    let observer = start_observe(dir, extra);
    wait_for("the first flush", || dir.join("p.db.status.json").exists());
    observer
}

pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `temper profile show --json --facts` of `dir/p.db`.
pub fn facts(dir: &Path) -> Value {
    let run = super::ok(dir, &["profile", "show", "--json", "--facts", "--profile", "p.db"]);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Every fact of every host.
pub fn fact_list(facts: &Value) -> Vec<Value> {
    facts["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|h| h["fact_list"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The summed count of the facts whose JSON contains `needle`.
pub fn count_of(facts: &Value, needle: &str) -> u64 {
    fact_list(facts).iter().filter(|f| f.to_string().contains(needle)).map(|f| f["count"].as_u64().unwrap_or(0)).sum()
}
