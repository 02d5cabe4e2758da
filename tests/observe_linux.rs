//! `temper observe` on Linux, end to end on the real kernel: it learns
//! program starts, TCP accepts and sshd logons (from a real sshd's log)
//! into the profile; kill -9 loses at most the last flush interval and the
//! profile opens cleanly; a restart continues the same profile. Needs root
//! and kernel BTF; skips with a printed reason elsewhere, fails instead when
//! TEMPER_REQUIRE_LIVE=1. Also checks the systemd unit with systemd-analyze.
#![cfg(target_os = "linux")]

mod common;

use common::observing::{cannot_observe, count_of, facts, required, skip, start_observe, wait_for, Observer};
use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The fact key of a dash script.
const DASH: &str = r#""interpreter":"dash""#;

#[test]
fn observe_learns_survives_kill_9_and_resumes() {
    if let Some(reason) = cannot_observe(&[]) {
        return skip(reason);
    }
    let dir = tempfile::tempdir().unwrap();
    // Run through dash by its shebang: an interpreter nothing else here names explicitly.
    let marker = dir.path().join("temper-marker-script");
    std::fs::write(&marker, "#!/bin/dash\nexit 0\n").unwrap();
    std::fs::set_permissions(&marker, std::fs::Permissions::from_mode(0o755)).unwrap();

    let observer = start_observe(dir.path(), &[]);
    wait_for("the first flush", || dir.path().join("p.db.status.json").exists());
    assert!(Command::new(&marker).status().unwrap().success());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let _accepted = listener.accept().unwrap();
    // Two flush intervals, then no chance to flush again.
    std::thread::sleep(Duration::from_millis(2500));
    let mut observer = observer;
    observer.0.kill().unwrap();
    observer.0.wait().unwrap();

    let learned = facts(dir.path());
    assert!(count_of(&learned, DASH) >= 1, "the shebang script was learned as a dash script: {learned}");
    assert!(learned.to_string().contains(&format!("\"port\":{port}")), "the accept on {port} was learned: {learned}");
    let before = count_of(&learned, DASH);

    // A restart continues the same profile and stops cleanly at the end of --duration.
    let restarted = start_observe(dir.path(), &["--duration", "4s"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(Command::new(&marker).status().unwrap().success());
    let mut restarted = restarted;
    let status = restarted.0.wait().unwrap();
    assert!(status.success(), "observe --duration exits 0: {status}");
    assert!(count_of(&facts(dir.path()), DASH) > before, "the restart added to the same profile");
    let status = common::ok(dir.path(), &["observe", "--status", "--json", "--profile", "p.db"]);
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(status["flushes"].as_u64().unwrap() >= 2);
}

#[test]
fn sshd_logons_are_learned_with_their_methods() {
    let sshd = "/usr/sbin/sshd";
    if let Some(reason) = cannot_observe(&[sshd, "/usr/bin/ssh", "/usr/bin/ssh-keygen"]) {
        return skip(reason);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let keygen = |file: &Path| {
        assert!(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(file)
            .status()
            .unwrap()
            .success())
    };
    keygen(&path("host_key"));
    keygen(&path("client_key"));
    std::fs::copy(path("client_key.pub"), path("authorized_keys")).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(
        path("sshd_config"),
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile none\nUsePAM no\nStrictModes no\nPermitRootLogin yes\nPasswordAuthentication yes\nAuthorizedKeysFile {}\n",
            path("host_key").display(),
            path("authorized_keys").display()
        ),
    )
    .unwrap();
    std::fs::write(path("sshd.log"), "").unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let observer = start_observe(dir.path(), &["--auth-log", path("sshd.log").to_str().unwrap()]);
    wait_for("the first flush", || path("p.db.status.json").exists());
    let _sshd = Observer(
        Command::new(sshd)
            .arg("-D")
            .arg("-f")
            .arg(path("sshd_config"))
            .arg("-E")
            .arg(path("sshd.log"))
            .spawn()
            .unwrap(),
    );
    wait_for("sshd", || TcpStream::connect(("127.0.0.1", port)).is_ok());
    let ssh = |extra: &[&str]| {
        Command::new("ssh")
            .args(["-p", &port.to_string(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
            .args(extra)
            .args(["root@127.0.0.1", "true"])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let key_login = ssh(&["-o", "BatchMode=yes", "-i", path("client_key").to_str().unwrap()]);
    assert!(key_login.status.success(), "key login: {}", String::from_utf8_lossy(&key_login.stderr));
    // A password login, answered (wrongly) by an askpass program: sshd logs "Failed password".
    let askpass = path("askpass");
    std::fs::write(&askpass, "#!/bin/sh\necho not-the-password\n").unwrap();
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    let password = Command::new("ssh")
        .args(["-p", &port.to_string(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
        .args([
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "NumberOfPasswordPrompts=1",
        ])
        .args(["root@127.0.0.1", "true"])
        .env("SSH_ASKPASS", &askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", ":0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!password.status.success());
    wait_for("both logons in the log", || {
        let log = std::fs::read_to_string(path("sshd.log")).unwrap_or_default();
        log.contains("Accepted publickey") && log.contains("Failed password")
    });
    std::thread::sleep(Duration::from_millis(2500));
    drop(observer);
    let learned = facts(dir.path()).to_string();
    assert!(learned.contains(r#""method":"publickey""#) && learned.contains(r#""service":"sshd""#), "{learned}");
    assert!(learned.contains(r#""method":"password""#), "the password attempt: {learned}");
    // The handshakes themselves, from the TC classifier's excerpts of the banners and KEXINITs.
    let ssh2 = format!(r#""negotiated":{{"protocol":"ssh","version":"ssh2"}},"role":"server","port":{port}"#);
    assert!(learned.contains(&ssh2), "the SSH version on {port}: {learned}");
    assert!(learned.contains(r#""kind":"algorithm","protocol":"ssh","slot":"kex""#), "{learned}");
}

#[test]
fn the_systemd_unit_verifies() {
    let analyze = "/usr/bin/systemd-analyze";
    if !Path::new(analyze).exists() {
        assert!(!required(), "TEMPER_REQUIRE_LIVE=1 but systemd-analyze is missing");
        eprintln!("skipped: systemd-analyze is missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/temper-observe.service")).unwrap();
    let unit = unit.replace("/usr/local/bin/temper", env!("CARGO_BIN_EXE_temper"));
    let path = dir.path().join("temper-observe.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new(analyze).arg("verify").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !stderr.contains("temper-observe.service"), "{stderr}");
}

#[test]
fn samba_share_use_is_learned_from_full_audit() {
    let modules = "/usr/lib/x86_64-linux-gnu/samba/vfs/full_audit.so";
    if let Some(reason) = cannot_observe(&["/usr/sbin/smbd", "/usr/bin/smbclient", modules]) {
        return skip(reason);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    for sub in ["share", "state"] {
        std::fs::create_dir_all(path(sub)).unwrap();
    }
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let state = path("state");
    let state = state.display();
    // Temper's full_audit lines, written to Samba's own log instead of syslog.
    let audit = temper_collector::linux::samba_audit::SMB_CONF_LINES.replace('\n', "\n  ");
    std::fs::write(
        path("smb.conf"),
        format!(
            "[global]\n  server role = standalone server\n  smb ports = {port}\n  interfaces = lo\n  bind interfaces only = yes\n  \
             log file = {log}\n  log level = 1\n  lock directory = {state}\n  state directory = {state}\n  cache directory = {state}\n  \
             pid directory = {state}\n  private dir = {state}\n  ncalrpc dir = {state}\n  map to guest = Bad User\n  \
             {audit}\n  full_audit:syslog = no\n[docs]\n  path = {share}\n  read only = no\n  guest ok = yes\n  force user = root\n",
            log = path("smbd.log").display(),
            share = path("share").display(),
        ),
    )
    .unwrap();
    std::fs::write(path("smbd.log"), "").unwrap();
    std::fs::write(path("upload.txt"), "scanned page").unwrap();
    let observer = start_observe(dir.path(), &["--samba-audit-log", path("smbd.log").to_str().unwrap()]);
    wait_for("the first flush", || path("p.db.status.json").exists());
    let _smbd = Observer(
        Command::new("/usr/sbin/smbd")
            .args(["-F", "--no-process-group", "-s"])
            .arg(path("smb.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("smbd", || TcpStream::connect(("127.0.0.1", port)).is_ok());
    let commands = format!("put {} up.txt; get up.txt {}", path("upload.txt").display(), path("down.txt").display());
    let client = Command::new("smbclient")
        .args(["-p", &port.to_string(), "-N", "//127.0.0.1/docs", "-c", &commands])
        .output()
        .unwrap();
    assert!(client.status.success(), "smbclient: {}", String::from_utf8_lossy(&client.stderr));
    wait_for("the audit lines", || {
        std::fs::read_to_string(path("smbd.log")).unwrap_or_default().contains("create_file|ok")
    });
    std::thread::sleep(Duration::from_millis(2500));
    drop(observer);
    let learned = facts(dir.path()).to_string();
    for access in ["write", "read"] {
        let key = format!(r#""kind":"share","protocol":"smb","share":"docs","access":"{access}""#);
        assert!(learned.contains(&key), "{access} on docs: {learned}");
    }
}
