//! `temper apply` of a signed bundle into a staged tree: it refuses
//! untrusted or modified bundles and hosts that do not fit, installs with
//! backups, and an unconfirmed apply rolls back by itself to byte-identical
//! files while a confirmed one stays.
#![cfg(unix)]

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.jsonl"), linux_web_observations()).unwrap();
        ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
        ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
        ok(dir.path(), &["keygen", "--out", "release"]);
        ok(dir.path(), &["policy", "bundle", "p.json", "--key", "release", "-o", "web.bundle"]);
        Setup { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A tree with an older drop-in and an sshd_config, as a server has them.
    fn root(&self, name: &str) -> std::path::PathBuf {
        let root = self.path().join(name);
        std::fs::create_dir_all(root.join("etc/ssh/sshd_config.d")).unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config.d/00-temper.conf"), "# older\nPermitRootLogin yes\n").unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config"), "Port 22\n").unwrap();
        root
    }

    fn apply(&self, root: &str, extra: &[&str]) -> Run {
        // The profile this host was observed into (apply's default is the observer's).
        let mut args =
            vec!["--profile", "temper.db", "apply", "web.bundle", "--trusted-key", "release.pub", "--root", root];
        args.extend_from_slice(extra);
        temper(self.path(), &args)
    }
}

fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in walk(&root.join("etc")) {
        files.push((entry.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&entry).unwrap()));
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn wait_for(what: &str, timeout: Duration, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_unconfirmed_apply_rolls_back_by_itself_and_a_confirmed_one_stays() {
    let s = Setup::new();
    let root = s.root("r1");
    let before = snapshot(&root);
    let run = s.apply("r1", &["--confirm-within", "2s"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("fits the role"), "{}", run.stdout);
    assert!(run.stdout.contains("confirm with `temper apply --confirm"), "{}", run.stdout);
    let drop_in = root.join("etc/ssh/sshd_config.d/00-temper.conf");
    assert!(std::fs::read_to_string(&drop_in).unwrap().contains("PermitRootLogin no"));
    assert!(root.join("etc/temper/nftables.nft").exists());
    // Nobody confirms: the watchdog restores every file, byte for byte.
    wait_for("the rollback", Duration::from_secs(20), || snapshot(&root) == before);
    let log = root.join("var/lib/temper/apply.log");
    wait_for("the watchdog's log", Duration::from_secs(5), || log.exists());
    assert!(std::fs::read_to_string(&log).unwrap().contains("not confirmed"));

    let root = s.root("r2");
    let run = s.apply("r2", &["--confirm-within", "3s"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let state = root.join("var/lib/temper");
    let confirmed = temper(s.path(), &["apply", "--confirm", "--state-dir", state.to_str().unwrap()]);
    assert_eq!(confirmed.code, 0, "{}", confirmed.stderr);
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        std::fs::read_to_string(root.join("etc/ssh/sshd_config.d/00-temper.conf"))
            .unwrap()
            .contains("PermitRootLogin no"),
        "a confirmed apply stays"
    );
    assert!(!state.join("apply.log").exists(), "the watchdog did nothing");
    assert_eq!(
        temper(s.path(), &["apply", "--confirm", "--state-dir", state.to_str().unwrap()]).code,
        3,
        "nothing left to confirm"
    );
}

#[test]
fn apply_refuses_modified_bundles_and_hosts_that_do_not_fit_and_dry_run_changes_nothing() {
    let s = Setup::new();
    let root = s.root("r");
    let before = snapshot(&root);
    let dry = s.apply("r", &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("would install /etc/ssh/sshd_config.d/00-temper.conf"), "{}", dry.stdout);
    assert_eq!(snapshot(&root), before);

    let mut bytes = std::fs::read(s.path().join("web.bundle")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x04;
    std::fs::write(s.path().join("web.bundle"), &bytes).unwrap();
    let refused = s.apply("r", &[]);
    assert_eq!(refused.code, 9, "{}", refused.stdout);
    assert_eq!(snapshot(&root), before);
    bytes[at] ^= 0x04;
    std::fs::write(s.path().join("web.bundle"), &bytes).unwrap();

    // Another server that serves port 8080 every day: the bundle's firewall would cut it off.
    let other: String = (1..=20)
        .map(|d| format!("{{\"v\":1,\"time\":\"2026-11-{d:02}T10:00:00Z\",\"host\":\"web\",\"source\":\"ebpf\",\"kind\":\"connection\",\"transport\":\"tcp\",\"role\":\"server\",\"local\":{{\"port\":8080}},\"peer\":{{\"ip\":\"10.0.0.9\"}}}}\n"))
        .collect();
    std::fs::write(s.path().join("b.jsonl"), format!("{}{other}", linux_web_observations())).unwrap();
    ok(s.path(), &["--profile", "other.db", "import", "jsonl", "b.jsonl"]);
    let misfit = temper(
        s.path(),
        &["--profile", "other.db", "apply", "web.bundle", "--trusted-key", "release.pub", "--root", "r"],
    );
    assert_eq!(misfit.code, 8, "{}\n{}", misfit.stdout, misfit.stderr);
    assert!(misfit.stdout.contains("would break on web: linux-nftables-inbound-allowlist"), "{}", misfit.stdout);
    assert_eq!(snapshot(&root), before, "nothing was changed");
}
