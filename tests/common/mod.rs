//! Running the real `temper` binary in a scratch directory.
#![allow(dead_code)]

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

/// The pcap corpus, or None (with a printed reason) when TEMPER_CORPUS is unset.
pub fn pcap_corpus() -> Option<std::path::PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join("pcap")),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}

/// The `.evtx` corpus, or None (with a printed reason) when TEMPER_CORPUS is unset.
pub fn evtx_corpus() -> Option<PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir).join("evtx")),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}
