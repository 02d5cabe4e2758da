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
        let mut args = vec![
            "--profile",
            "temper.db",
            "apply",
            "web.bundle",
            "--trusted-key",
            "release.pub",
            "--root",
            root,
            "--host",
            "web",
        ];
        args.extend_from_slice(extra);
        temper(self.path(), &args)
    }
}

/// Dry-run staging directories in the system's temporary directory.
fn scratch_dirs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("temper-dry-run-"))
        .collect();
    names.sort();
    names
}

/// The staged tree's /etc, as [`tree`] reads it.
fn snapshot(root: &Path) -> Vec<(String, Entry)> {
    tree(&root.join("etc"))
}

#[derive(Debug, PartialEq)]
enum Entry {
    File(Vec<u8>),
    Link(std::path::PathBuf),
}

/// Every file (by content) and link (by target) below `dir`, so two reads
/// compare equal only when nothing in it was added, removed or changed.
fn tree(dir: &Path) -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_symlink() {
                out.push((name, Entry::Link(std::fs::read_link(&path).unwrap())));
            } else if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((name, Entry::File(std::fs::read(&path).unwrap())));
            }
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
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
    let (whole_before, scratch_before) = (tree(&root), scratch_dirs());
    let dry = s.apply("r", &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(dry.stdout.contains("would install /etc/ssh/sshd_config.d/00-temper.conf"), "{}", dry.stdout);
    assert_eq!(snapshot(&root), before);
    assert_eq!(tree(&root), whole_before, "a dry run writes nothing under the root, its state directory included");
    assert_eq!(scratch_dirs(), scratch_before, "and leaves no staging directory behind");

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
        &[
            "--profile",
            "other.db",
            "apply",
            "web.bundle",
            "--trusted-key",
            "release.pub",
            "--root",
            "r",
            "--host",
            "web",
        ],
    );
    assert_eq!(misfit.code, 8, "{}\n{}", misfit.stdout, misfit.stderr);
    assert!(misfit.stdout.contains("would break on web: linux-nftables-inbound-allowlist"), "{}", misfit.stdout);
    assert_eq!(snapshot(&root), before, "nothing was changed");

    // The same use on a Windows host: another kind of host, whatever it uses.
    let windows = linux_web_observations().replace(r#""attrs":{"value":"linux"}"#, r#""attrs":{"value":"windows"}"#);
    assert_ne!(windows, linux_web_observations());
    std::fs::write(s.path().join("w.jsonl"), windows).unwrap();
    ok(s.path(), &["--profile", "windows.db", "import", "jsonl", "w.jsonl"]);
    let args = ["apply", "web.bundle", "--trusted-key", "release.pub", "--root", "r"];
    let other_kind = temper(s.path(), &[&["--profile", "windows.db"], &args[..], &["--host", "web"]].concat());
    assert_eq!(other_kind.code, 8, "{}\n{}", other_kind.stdout, other_kind.stderr);
    assert!(
        other_kind.stdout.contains("web is not the role's kind: os windows (the role: linux)"),
        "{}",
        other_kind.stdout
    );

    // Without --host the fit is this machine's, and the profile has no host of its name.
    let unnamed = temper(s.path(), &[&["--profile", "temper.db"], &args[..]].concat());
    assert_eq!(unnamed.code, 3, "{}\n{}", unnamed.stdout, unnamed.stderr);
    assert!(unnamed.stderr.contains("has no host"), "{}", unnamed.stderr);
    assert_eq!(snapshot(&root), before, "nothing was changed");
}

/// On the live system install.sh validates with the real tools before it
/// reloads anything. Here sshd -t rejects the configuration: every file
/// the apply had replaced or added is restored or removed, nothing was
/// reloaded, and apply exits 11. It runs in private mount and network
/// namespaces, over a copy of /etc, with systemd out of reach, so this
/// machine's own configuration is never touched.
#[test]
fn a_failed_validation_restores_every_file_and_refuses() {
    if !usable("unshare", true) || !usable(sshd_path().unwrap_or("sshd"), false) || !usable("nft", true) {
        return;
    }
    let s = Setup::new();
    let etc = s.path().join("etc");
    let copied = std::process::Command::new("cp").arg("-a").arg("/etc").arg(&etc).status().unwrap();
    assert!(copied.success());
    std::fs::create_dir_all(etc.join("ssh")).unwrap();
    // A directive sshd does not know: the configuration no longer validates.
    let mut config = std::fs::read_to_string(etc.join("ssh/sshd_config")).unwrap_or_default();
    config.push_str("\nNotAnOptionTemperKnows yes\n");
    std::fs::write(etc.join("ssh/sshd_config"), config).unwrap();
    let before = tree(&etc);
    let (backups, state, empty) = (s.path().join("backups"), s.path().join("state"), s.path().join("empty"));
    for dir in [&backups, &state, &empty] {
        std::fs::create_dir_all(dir).unwrap();
    }

    let script = r#"set -e
mount --bind "$1" /etc
mkdir -p /var/backups
mount --bind "$2" /var/backups
if [ -d /run/systemd ]; then mount --bind "$3" /run/systemd; fi
shift 3
exec "$@""#;
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--net", "sh", "-c", script, "sh"])
        .args([&etc, &backups, &empty])
        .arg(env!("CARGO_BIN_EXE_temper"))
        .args(["--profile", "temper.db", "apply", "web.bundle", "--trusted-key", "release.pub", "--host", "web"])
        .arg("--state-dir")
        .arg(&state)
        .current_dir(s.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(11), "{stdout}\n{stderr}");
    assert!(stderr.contains("sshd -t rejected the configuration"), "{stderr}");
    assert!(stdout.contains("installed /etc/ssh/sshd_config.d/00-temper.conf"), "it had installed: {stdout}");
    assert_eq!(tree(&etc), before, "every file is back as it was");
    assert!(!stdout.contains("rollback script:"), "a refused apply leaves no rollback to run");
}
