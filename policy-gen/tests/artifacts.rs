//! Artifacts from real policies: hostile observed strings never escape their
//! quoting, install.sh installs and rolls back byte for byte, and the
//! generated configs pass the real validators (`nft -c`, `sshd -t`).

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use temper_collector::*;
use temper_policy::{report, Policy, State};

const MARKER: &str = "/tmp/temper-pwned-marker";

fn hostile() -> Vec<String> {
    vec![
        "x'; Remove-Item C:\\ -Recurse; Write-Host owned; '".into(),
        "a\u{2019}; Write-Host owned; \u{2018}".into(),
        "#> Write-Host owned <#".into(),
        "line1\nWrite-Host owned".into(),
        format!("$(touch {MARKER})"),
        format!("`touch {MARKER}`"),
        "semi;colon | pipe <script>alert(1)</script>".into(),
    ]
}

/// PowerShell source outside single-quoted strings and comments: the only
/// places observed strings may sit are inside single-quoted literals.
fn powershell_code(script: &str) -> String {
    let is_quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let chars: Vec<char> = script.chars().collect();
    let mut code = String::new();
    let mut i = 0;
    let mut in_double = false;
    while i < chars.len() {
        let c = chars[i];
        if in_double {
            code.push(c);
            if c == '`' && i + 1 < chars.len() {
                code.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == '"' {
                in_double = false;
            }
            i += 1;
        } else if c == '"' {
            in_double = true;
            code.push(c);
            i += 1;
        } else if is_quote(c) {
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated single-quoted string");
                if is_quote(chars[i]) {
                    if i + 1 < chars.len() && is_quote(chars[i + 1]) {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            code.push_str("''");
        } else if c == '<' && chars.get(i + 1) == Some(&'#') {
            let rest: String = chars[i..].iter().collect();
            let end = rest.find("#>").expect("block comment closes");
            i += rest[..end + 2].chars().count();
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else {
            code.push(c);
            i += 1;
        }
    }
    code
}

#[test]
fn hostile_share_and_host_names_stay_inside_powershell_literals() {
    let names = hostile();
    let host = "fs01\nWrite-Host owned";
    let mut obs = windows_host(host, 30, "standalone");
    obs.push(inventory(
        host,
        0,
        names.iter().map(|n| InventoryItem::new(InventoryCategory::Share, n.as_str())).collect(),
    ));
    let policy = policy_of(&obs);
    let removals =
        policy.decisions.iter().filter(|d| d.rule == "win-unused-shares" && d.state == State::Enforce).count();
    assert_eq!(removals, names.len(), "every hostile share is unused, so proposed for removal");

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    // Host names are stored lower-cased, as every host name is.
    let host_dir = dir.path().join("fs01_write-host_owned");
    let script = std::fs::read_to_string(host_dir.join("apply.ps1")).unwrap();
    for name in &names {
        assert!(script.contains(&temper_policy::escape::powershell_literal(name)), "{name:?} is rendered as a literal");
    }
    let code = powershell_code(&script);
    for marker in ["owned", "Remove-Item C:", "touch", "alert"] {
        assert!(!code.contains(marker), "`{marker}` reached PowerShell code:\n{code}");
    }
}

#[test]
fn hostile_strings_never_break_the_report() {
    let names = hostile();
    let mut obs = windows_host("fs", 30, "standalone");
    obs.push(inventory(
        "fs",
        0,
        names.iter().map(|n| InventoryItem::new(InventoryCategory::Share, n.as_str())).collect(),
    ));
    for (i, name) in names.iter().enumerate() {
        for d in [1, 5] {
            let mut used = share_use("fs", at(d, 9), name, Access::Write, i as u8).with_user(name.as_str());
            if let Event::Share(share) = &mut used.event {
                share.path = Some(format!("dir\\{name}"));
            }
            obs.push(used);
        }
    }
    let policy = policy_of(&obs);
    let text = report::markdown(&policy);
    assert!(text.contains("dir\\\\"), "hostile paths are in the report as evidence");
    assert!(!text.contains("<script>"), "raw HTML in the report");
    // Every row of a table has its header's number of cells.
    let mut header_cells = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            header_cells = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        let expected = *header_cells.get_or_insert(cells);
        assert_eq!(cells, expected, "a row with a broken cell count: {line}");
    }
    assert!(!text.lines().any(|l| l.starts_with("Write-Host owned")), "an observed newline started a new line");
}

#[test]
fn hostile_user_names_are_refused_for_sshd_and_quoted_for_the_shell() {
    let evil = format!("$(touch {MARKER})");
    let mut obs = linux_host("web", 30);
    for d in [1, 6, 11] {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("web", at(d, 10), &evil, "publickey", true, 6));
        obs.push(logon("web", at(d, 11), "*", "publickey", true, 7));
    }
    obs.push(inventory(
        "web",
        0,
        vec![InventoryItem::new(InventoryCategory::Listener, "x:443")
            .with_attr("port", 443)
            .with_attr("tls", true)
            .with_attr("process", format!("weird'\n$(touch {MARKER})"))],
    ));
    let policy = policy_of(&obs);
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("web");
    let sshd = std::fs::read_to_string(host.join("files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    assert!(!sshd.contains("AllowUsers"), "AllowUsers with a wildcard or shell syntax is held back:\n{sshd}");
    assert!(sshd.contains("PermitRootLogin no"));

    let root = tempfile::tempdir().unwrap();
    let _ = std::fs::remove_file(MARKER);
    let out = run_install(&host, root.path(), &["--dry-run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("not applied: linux-sshd-allow-users"), "{stdout}");
    assert!(stdout.contains(&format!("{evil:?}")), "the refused name is printed literally: {stdout}");
    assert!(!Path::new(MARKER).exists(), "an observed string was executed");
    assert!(std::fs::read_dir(root.path()).unwrap().next().is_none(), "--dry-run wrote nothing");
}

#[test]
fn install_into_a_root_then_rollback_restores_byte_identical_files() {
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 22, 5));
    }
    let policy = policy_of(&obs);
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("web");

    let root = tempfile::tempdir().unwrap();
    let existing = root.path().join("etc/ssh/sshd_config.d/00-temper.conf");
    std::fs::create_dir_all(existing.parent().unwrap()).unwrap();
    std::fs::write(&existing, "# an older drop-in\nPermitRootLogin yes\n").unwrap();
    let sshd_config = root.path().join("etc/ssh/sshd_config");
    std::fs::write(&sshd_config, "Port 22\n").unwrap();
    let before_sshd_config = std::fs::read(&sshd_config).unwrap();
    let nft_conf = root.path().join("etc/nftables.conf");
    std::fs::write(&nft_conf, "#!/usr/sbin/nft -f\nflush ruleset\n").unwrap();
    let before_drop_in = std::fs::read(&existing).unwrap();
    let before_nft = std::fs::read(&nft_conf).unwrap();

    let out = run_install(&host, root.path(), &[]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let installed = std::fs::read_to_string(&existing).unwrap();
    assert!(installed.contains("PermitRootLogin no") && installed.contains("AllowUsers alice"));
    assert!(root.path().join("etc/temper/nftables.nft").exists());
    assert!(root.path().join("etc/modprobe.d/temper-blacklist.conf").exists());
    assert!(std::fs::read_to_string(&nft_conf).unwrap().contains("include \"/etc/temper/nftables.nft\""));
    assert!(std::fs::read_to_string(&sshd_config).unwrap().starts_with("Include /etc/ssh/sshd_config.d/*.conf\n"));

    let out = run_rollback(root.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&existing).unwrap(), before_drop_in);
    assert_eq!(std::fs::read(&nft_conf).unwrap(), before_nft);
    assert_eq!(std::fs::read(&sshd_config).unwrap(), before_sshd_config);
    assert!(!root.path().join("etc/temper/nftables.nft").exists(), "new files are removed again");
    assert!(!root.path().join("etc/modprobe.d/temper-blacklist.conf").exists());
}

fn firewall_and_sshd_policy() -> Policy {
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("web", at(d, 10), "CORP\\svc-deploy$", "publickey", true, 6));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 22, 5));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 443, 5));
        obs.push(connection("web", at(d, 9), Transport::Udp, 161, 3));
    }
    policy_of(&obs)
}

#[test]
fn nftables_ruleset_passes_nft_check() {
    if !live_tool("nft", true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    render_to(&firewall_and_sshd_policy(), dir.path());
    let ruleset = dir.path().join("web/files/etc/temper/nftables.nft");
    let out = Command::new("nft").arg("-c").arg("-f").arg(&ruleset).output().unwrap();
    assert!(out.status.success(), "nft -c rejected the ruleset: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&ruleset).unwrap();
    assert!(!text.contains("flush ruleset"), "never flushes other tables");
    assert!(text.contains("tcp dport { 22, 443 }") && text.contains("udp dport { 161 }"));
}

#[test]
fn sshd_drop_in_passes_sshd_test_mode() {
    let sshd = sshd_path();
    if !live_tool(sshd.unwrap_or("sshd"), false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    render_to(&firewall_and_sshd_policy(), dir.path());
    let drop_in = std::fs::read_to_string(dir.path().join("web/files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    assert!(drop_in.contains("AllowUsers CORP\\svc-deploy$ alice"), "{drop_in}");
    let config = sshd_config_with_host_key(dir.path(), &drop_in);
    let out = Command::new(sshd.unwrap()).arg("-t").arg("-f").arg(&config).output().unwrap();
    assert!(out.status.success(), "sshd -t rejected the drop-in: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn samba_fragment_passes_testparm() {
    let mut obs = linux_host("nas", 30);
    obs.push(inventory("nas", 0, vec![InventoryItem::new(InventoryCategory::Service, "smbd")]));
    for d in 0..30 {
        obs.push(protocol("nas", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 1));
        obs.push(protocol("nas", at(d, 10), Negotiated::Smb(SmbDialect::Smb302), 445, 2));
    }
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-samba-min-protocol", None);
    assert_eq!((d.state, d.value.clone()), (State::Enforce, serde_json::json!("smb3.0.2")));
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let fragment = std::fs::read_to_string(dir.path().join("nas/files/etc/samba/temper.conf")).unwrap();
    assert!(fragment.contains("server min protocol = SMB3_02"), "{fragment}");
    let install = std::fs::read_to_string(dir.path().join("nas/install.sh")).unwrap();
    assert!(install.contains("ensure_line etc/samba/smb.conf 'include = /etc/samba/temper.conf'"));

    // The include lands in [global] of a real smb.conf, and testparm accepts the result.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/samba")).unwrap();
    let smb_conf = root.path().join("etc/samba/smb.conf");
    // A share section whose name starts with letters of "global" must not fool the match.
    std::fs::write(
        &smb_conf,
        "[lab]\n   path = /srv/lab\n[Global]\n   workgroup = WORKGROUP\n\n[scans]\n   path = /srv/scans\n",
    )
    .unwrap();
    let out = run_install(&dir.path().join("nas"), root.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let conf = std::fs::read_to_string(&smb_conf).unwrap();
    assert!(conf.contains("[Global]\ninclude = /etc/samba/temper.conf\n"), "{conf}");
    assert_eq!(conf.matches("include =").count(), 1);
    if !live_tool("testparm", false) {
        return;
    }
    // testparm resolves the include's absolute path, so point it at the staged fragment.
    let staged =
        conf.replace("/etc/samba/temper.conf", &root.path().join("etc/samba/temper.conf").display().to_string());
    std::fs::write(&smb_conf, staged).unwrap();
    let out = Command::new("testparm")
        .args(["-s", "--parameter-name", "server min protocol"])
        .arg(&smb_conf)
        .output()
        .unwrap();
    assert!(out.status.success(), "testparm rejected smb.conf: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "SMB3_02");
}

/// The tool, where it is installed: /usr/sbin is not on a normal user's PATH.
fn installed(tool: &str) -> String {
    ["/usr/sbin/", "/usr/bin/"]
        .iter()
        .map(|d| format!("{d}{tool}"))
        .find(|p| Path::new(p).exists())
        .unwrap_or(tool.into())
}

#[test]
fn tls_snippets_pass_nginx_and_apache_and_nginx_refuses_tls_1_1_with_them() {
    let (nginx, apache) = (installed("nginx"), installed("apache2"));
    if !live_tool(&nginx, false) || !live_tool(&apache, false) || !live_tool("openssl", false) {
        return;
    }
    let mut obs = linux_host("web", 20);
    let listener = |program: &str, port: u16| {
        InventoryItem::new(InventoryCategory::Listener, format!("{program}:{port}"))
            .with_attr("port", port)
            .with_attr("process", program)
            .with_attr("tls", true)
    };
    obs.push(inventory("web", 0, vec![listener("nginx", 18443), listener("apache2", 19443)]));
    let policy = policy_of(&obs);
    for port in [18443, 19443] {
        assert_eq!(state(&policy, "linux-tls-min-version", Some(&format!("port {port}"))), State::Enforce);
    }
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let files = dir.path().join("web/files");
    let (nginx_snippet, apache_snippet) =
        (files.join("etc/nginx/snippets/temper-tls-18443.conf"), files.join("etc/temper/apache/temper-tls-19443.conf"));
    let d = dir.path();
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=web"])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // nginx: the snippet inside the server block, as the manual step says.
    let conf = d.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "pid {pid};\nevents {{}}\nhttp {{\n  server {{\n    listen 127.0.0.1:18443 ssl;\n    ssl_certificate {d}/cert.pem;\n    ssl_certificate_key {d}/key.pem;\n    include {snippet};\n  }}\n}}\n",
            pid = d.join("nginx.pid").display(),
            d = d.display(),
            snippet = nginx_snippet.display()
        ),
    )
    .unwrap();
    let nginx_args = |extra: &[&str]| {
        let mut c = Command::new(&nginx);
        c.args(["-e", "stderr", "-p"]).arg(d).arg("-c").arg(&conf).args(extra);
        c
    };
    let out = nginx_args(&["-t"]).output().unwrap();
    assert!(out.status.success(), "nginx -t: {}", String::from_utf8_lossy(&out.stderr));

    // Apache: the snippet inside the VirtualHost.
    let conf = d.join("apache.conf");
    let module = |name: &str| format!("LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so\n");
    std::fs::write(
        &conf,
        format!(
            "ServerRoot {d}\nServerName web\nDefaultRuntimeDir {d}\nPidFile {d}/apache.pid\nErrorLog {d}/apache-error.log\n{modules}Listen 127.0.0.1:19443\n<VirtualHost 127.0.0.1:19443>\n  SSLEngine on\n  SSLCertificateFile {d}/cert.pem\n  SSLCertificateKeyFile {d}/key.pem\n  Include {snippet}\n</VirtualHost>\n",
            d = d.display(),
            modules = ["mpm_event", "authz_core", "socache_shmcb", "ssl"].map(module).concat(),
            snippet = apache_snippet.display()
        ),
    )
    .unwrap();
    let out = Command::new(&apache).arg("-t").arg("-f").arg(&conf).output().unwrap();
    assert!(out.status.success(), "apache2 -t: {}", String::from_utf8_lossy(&out.stderr));

    // And nginx with the snippet refuses a TLS 1.1 client, but not TLS 1.2.
    // One process, so killing it leaves no worker behind.
    let mut server = nginx_args(&["-g", "daemon off; master_process off;"]).spawn().unwrap();
    let handshake = |version: &str| {
        for _ in 0..50 {
            let out = Command::new("openssl")
                .args(["s_client", "-connect", "127.0.0.1:18443", version, "-cipher", "DEFAULT@SECLEVEL=0"])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
            if !text.contains("Connection refused") {
                // A refused handshake still prints its session, with no cipher.
                return out.status.success() && text.contains("Cipher is ") && !text.contains("Cipher is (NONE)");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("nginx never listened on 18443");
    };
    let (tls12, tls11) = (handshake("-tls1_2"), handshake("-tls1_1"));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(tls12, "a TLS 1.2 client is served");
    assert!(!tls11, "a TLS 1.1 client is refused");
}

#[test]
fn hosts_whose_names_make_the_same_directory_each_get_their_own() {
    let mut obs = linux_host("a/b", 30);
    obs.extend(linux_host("a_b", 30));
    for d in 0..30 {
        obs.push(logon("a/b", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("a_b", at(d, 9), "bob", "publickey", true, 6));
    }
    let policy = policy_of(&obs);
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let mut dirs: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    dirs.sort();
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    assert!(dirs.iter().all(|d| d.starts_with("a_b-")), "both suffixed, neither overwritten: {dirs:?}");
    let readmes: Vec<String> =
        dirs.iter().map(|d| std::fs::read_to_string(dir.path().join(d).join("README.md")).unwrap()).collect();
    assert!(readmes.iter().any(|r| r.starts_with("# Temper artifacts for a/b")), "{readmes:?}");
    assert!(readmes.iter().any(|r| r.starts_with(r"# Temper artifacts for a\_b")), "{readmes:?}");
    let drop_ins: Vec<String> = dirs
        .iter()
        .map(|d| {
            std::fs::read_to_string(dir.path().join(d).join("files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap()
        })
        .collect();
    assert!(
        drop_ins.iter().any(|t| t.contains("AllowUsers alice"))
            && drop_ins.iter().any(|t| t.contains("AllowUsers bob"))
    );
}
