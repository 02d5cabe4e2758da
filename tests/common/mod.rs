//! Running the real `temper` binary in a scratch directory.
#![allow(dead_code)]

#[cfg(target_os = "linux")]
pub mod ad_dc;
pub mod capture;
#[cfg(target_os = "linux")]
pub mod observing;
pub mod peers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn temper(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_temper"))
        .args(args)
        .current_dir(dir)
        .env_remove("TEMPER_PROFILE")
        .env("RUST_LOG", "warn")
        .output()
        .expect("temper runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn ok(dir: &Path, args: &[&str]) -> Run {
    let run = temper(dir, args);
    assert_eq!(run.code, 0, "temper {args:?} failed:\n{}\n{}", run.stdout, run.stderr);
    run
}

/// The demo output, generated once per test binary.
pub fn demo_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        ok(dir.path(), &["demo", "--out", "out"]);
        dir
    })
    .path()
    .join("out")
}

/// A part of the shared corpus (`pcap`, `evtx`), or None (with a printed
/// reason) when TEMPER_CORPUS is unset.
pub fn corpus(part: &str) -> Option<PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir).join(part)),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}

pub fn pcap_corpus() -> Option<PathBuf> {
    corpus("pcap")
}

pub fn evtx_corpus() -> Option<PathBuf> {
    corpus("evtx")
}

/// A live source's outlet that keeps everything, for tests of the sources.
#[derive(Default)]
pub struct Collected {
    pub observations: std::sync::Mutex<Vec<temper_collector::Observation>>,
    pub lost: std::sync::atomic::AtomicU64,
}

impl temper_collector::sink::Sink for Collected {
    fn send(&self, observation: temper_collector::Observation) {
        self.observations.lock().unwrap().push(observation);
    }
    fn lost(&self, n: u64) {
        self.lost.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A kernel source loaded with the kernel's BTF, or None with the printed
/// reason it cannot load here (no root, no BTF); that is a failure instead
/// when TEMPER_REQUIRE_LIVE=1.
#[cfg(target_os = "linux")]
pub fn load_kernel_source<T>(
    what: &str,
    load: impl FnOnce(&temper_collector::ebpf::live::Btf) -> Result<T, temper_collector::ebpf::live::EbpfError>,
) -> Option<T> {
    use temper_collector::ebpf::live::{kernel_btf, EbpfError};
    let required = std::env::var("TEMPER_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    match kernel_btf().and_then(|btf| load(&btf)) {
        Ok(source) => Some(source),
        Err(error @ (EbpfError::NotPermitted(_) | EbpfError::NoBtf(_))) if !required => {
            eprintln!("skipped: {error}");
            None
        }
        Err(error) => panic!("the {what} program must load here: {error}"),
    }
}

/// A live source reading on its own thread into a [`Collected`] sink.
pub struct Running {
    sink: std::sync::Arc<Collected>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    reader: std::thread::JoinHandle<()>,
}

/// Starts `run` (a source's `run`) on a thread, reading until [`Running::stop`].
pub fn run_source(
    run: impl FnOnce(&std::sync::atomic::AtomicBool, &dyn temper_collector::sink::Sink) + Send + 'static,
) -> Running {
    let sink = std::sync::Arc::new(Collected::default());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (sink, stop) = (sink.clone(), stop.clone());
        std::thread::spawn(move || run(&stop, &*sink))
    };
    Running { sink, stop, reader }
}

impl Running {
    /// Stops the source once it has read what arrived, and returns what it collected.
    pub fn stop(self) -> std::sync::Arc<Collected> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.reader.join().unwrap();
        self.sink
    }
}

/// JSONL of a Linux web server watched for 20 days: alice logs in over SSH with a key
/// every day, nothing else is used; the eBPF source and the journal covered everything.
pub fn linux_web_observations() -> String {
    let mut lines = vec![
        r#"{"v":1,"time":"2026-11-01T00:00:00Z","host":"web","source":"inventory","kind":"inventory","items":[{"category":"setting","name":"os","attrs":{"value":"linux"}},{"category":"listener","name":"sshd:22","attrs":{"port":22,"process":"sshd"}}]}"#.to_string(),
    ];
    for d in 1..=20 {
        // The eBPF source watched everything, every day: absences count.
        lines.push(format!(r#"{{"v":1,"time":"2026-11-{:02}T00:00:00Z","host":"web","source":"ebpf","kind":"coverage","categories":["*"],"from":"2026-11-{d:02}T00:00:00Z","to":"2026-11-{:02}T00:00:00Z","lost":0}}"#, d + 1, d + 1));
        lines.push(format!(r#"{{"v":1,"time":"2026-11-{:02}T00:00:00Z","host":"web","source":"journal","kind":"coverage","categories":["logon"],"from":"2026-11-{d:02}T00:00:00Z","to":"2026-11-{:02}T00:00:00Z","lost":0}}"#, d + 1, d + 1));
        lines.push(format!(r#"{{"v":1,"time":"2026-11-{d:02}T09:00:00Z","host":"web","source":"journal","kind":"logon","service":"sshd","method":"publickey","success":true,"user":"alice","peer":{{"ip":"10.0.0.5"}}}}"#));
        lines.push(format!(r#"{{"v":1,"time":"2026-11-{d:02}T09:00:00Z","host":"web","source":"ebpf","kind":"connection","transport":"tcp","role":"server","local":{{"port":22}},"peer":{{"ip":"10.0.0.5"}}}}"#));
    }
    lines.join("\n") + "\n"
}

/// Whether `tool` is installed (and this runs as root, when it must): skips
/// with the reason, or fails under TEMPER_REQUIRE_LIVE=1.
pub fn usable(tool: &str, needs_root: bool) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success());
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let reason = if !found {
        format!("{tool} is not installed")
    } else if needs_root && !root {
        format!("{tool} needs root")
    } else {
        return true;
    };
    assert!(std::env::var("TEMPER_REQUIRE_LIVE").as_deref() != Ok("1"), "TEMPER_REQUIRE_LIVE=1 but {reason}");
    eprintln!("skipped: {reason}");
    false
}

/// Where sshd is installed (it is not on a normal user's PATH), if it is.
pub fn sshd_path() -> Option<&'static str> {
    ["/usr/sbin/sshd", "/usr/bin/sshd"].into_iter().find(|p| Path::new(p).exists())
}
