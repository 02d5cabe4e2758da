//! A real Active Directory domain controller for live tests: Samba's, with
//! its own KDC, provisioned into a scratch directory (the system's smb.conf
//! stays untouched) and run in a network namespace with its own address (the
//! other tests' smbd holds port 445 on the host). The host side of its veth
//! pair is where a test captures; both ends allow Linux BIG TCP, so bulk
//! transfers cross it as super-packets of up to 180 KiB whose IPv4 total
//! length is 0, as segmentation offload writes them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "TEMPER.TEST";
pub const DC_NAME: &str = "dc1.temper.test";
const PASSWORD: &str = "Temper-Test-2026!";

/// The tools a domain controller test needs.
pub const TOOLS: &[&str] = &["samba", "samba-tool", "kinit", "smbclient", "tcpdump", "ip", "python3"];

pub struct DomainController {
    namespace: String,
    /// The host end of the veth pair: capture here.
    pub interface: String,
    /// The client's address (the host end) and the DC's.
    pub client_ip: String,
    pub dc_ip: String,
    dir: PathBuf,
    samba: Option<Child>,
}

fn run(command: &mut Command) {
    let out = command.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Lets a link carry IPv4 BIG TCP super-packets: rtnetlink's
/// IFLA_GSO_IPV4_MAX_SIZE and IFLA_GRO_IPV4_MAX_SIZE (Linux 6.3), which the
/// iproute2 of Debian 12 cannot set.
const BIG_TCP: &str = r#"
import socket, struct, sys
index = socket.if_nametoindex(sys.argv[1])
attrs = b"".join(struct.pack("=HHI", 8, kind, 180000) for kind in (63, 64))
body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0) + attrs
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(struct.pack("=IHHII", 16 + len(body), 16, 1 | 4, 1, 0) + body)
error = struct.unpack("=i", s.recv(4096)[16:20])[0]
sys.exit(f"{sys.argv[1]}: {error}" if error else 0)
"#;

impl DomainController {
    /// Provisions and starts a DC on subnet 10.213.`subnet`.0/24 (one per concurrent test).
    pub fn start(dir: &Path, subnet: u8) -> DomainController {
        let namespace = format!("temper-dc{}-{subnet}", std::process::id());
        let interface = format!("tdc{subnet}h");
        let inner = format!("tdc{subnet}d");
        let (client_ip, dc_ip) = (format!("10.213.{subnet}.1"), format!("10.213.{subnet}.2"));
        // A namespace left by an interrupted run of this test.
        let _ = Command::new("ip").args(["link", "del", &interface]).output();
        run(Command::new("ip").args(["netns", "add", &namespace]));
        let mut dc = DomainController {
            namespace: namespace.clone(),
            interface: interface.clone(),
            client_ip: client_ip.clone(),
            dc_ip: dc_ip.clone(),
            dir: dir.to_path_buf(),
            samba: None,
        };
        let in_ns = |args: &[&str]| {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", &namespace]).args(args);
            command
        };
        run(Command::new("ip").args(["link", "add", &interface, "type", "veth", "peer", "name", &inner]));
        run(Command::new("ip").args(["link", "set", &inner, "netns", &namespace]));
        run(Command::new("ip").args(["addr", "add", &format!("{client_ip}/24"), "dev", &interface]));
        run(Command::new("ip").args(["link", "set", &interface, "up"]));
        run(&mut in_ns(&["ip", "addr", "add", &format!("{dc_ip}/24"), "dev", &inner]));
        run(&mut in_ns(&["ip", "link", "set", &inner, "up"]));
        run(&mut in_ns(&["ip", "link", "set", "lo", "up"]));
        run(Command::new("ip").args(["link", "set", &interface, "gso_max_size", "180000"]));
        run(Command::new("python3").args(["-c", BIG_TCP, &interface]));
        run(&mut in_ns(&["python3", "-c", BIG_TCP, &inner]));

        let target = dir.join("dc");
        run(Command::new("samba-tool")
            .args(["domain", "provision", "--targetdir"])
            .arg(&target)
            .args(["--realm", REALM, "--domain", "TEMPER", "--server-role", "dc", "--dns-backend", "SAMBA_INTERNAL"])
            .args(["--adminpass", PASSWORD, "--host-name", "dc1", "--host-ip", &dc_ip])
            .arg(format!("--option=interfaces={dc_ip}"))
            .arg("--option=bind interfaces only=yes")
            .arg(format!("--option=log file={}", dir.join("samba.%m.log").display()))
            // Its own pid file: another samba on the machine must not stop this one.
            .arg(format!("--option=pid directory={}", dir.display())));
        std::fs::write(
            dir.join("krb5.conf"),
            format!(
                "[libdefaults]\n default_realm = {REALM}\n dns_lookup_kdc = false\n dns_lookup_realm = false\n rdns = false\n\
                 [realms]\n {REALM} = {{\n  kdc = {dc_ip}\n }}\n[domain_realm]\n .temper.test = {REALM}\n"
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.join("samba.log")).unwrap();
        dc.samba = Some(
            in_ns(&["samba", "--foreground", "--no-process-group", "--debug-stdout", "-d1", "-s"])
                .arg(target.join("etc/smb.conf"))
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("samba starts"),
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        for port in [88, 445] {
            while std::net::TcpStream::connect_timeout(
                &format!("{dc_ip}:{port}").parse().unwrap(),
                Duration::from_secs(1),
            )
            .is_err()
            {
                assert!(
                    Instant::now() < deadline,
                    "the DC does not listen on {port}: {}",
                    std::fs::read_to_string(dir.join("samba.log")).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        // A ticket-granting ticket for the administrator, in a cache of this test's own.
        let mut kinit = Command::new("kinit");
        let mut kinit =
            dc.kerberos(&mut kinit).arg(format!("administrator@{REALM}")).stdin(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        writeln!(kinit.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(kinit.wait().unwrap().success(), "kinit failed");
        dc
    }

    /// `command` with this DC's Kerberos configuration and ticket cache.
    pub fn kerberos<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command
            .env("KRB5_CONFIG", self.dir.join("krb5.conf"))
            .env("KRB5CCNAME", format!("FILE:{}", self.dir.join("ccache").display()))
    }

    /// smbclient over SMB3 with Kerberos only, by the DC's name, on `share`: `commands` in `cwd`.
    pub fn smbclient(&self, cwd: &Path, share: &str, commands: &str) {
        let mut command = Command::new("smbclient");
        self.kerberos(&mut command)
            .current_dir(cwd)
            .args(["--use-kerberos=required", "-N", "-m", "SMB3", "-I", &self.dc_ip])
            .arg(format!("//{DC_NAME}/{share}"))
            .args(["-c", commands])
            .stdin(Stdio::null());
        run(&mut command);
    }
}

impl Drop for DomainController {
    fn drop(&mut self) {
        if let Some(mut samba) = self.samba.take() {
            let _ = samba.kill();
            let _ = samba.wait();
        }
        // samba's own children, and anything else left in the namespace.
        if let Ok(out) = Command::new("ip").args(["netns", "pids", &self.namespace]).output() {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).stderr(Stdio::null()).status();
            }
        }
        let _ = Command::new("ip").args(["netns", "del", &self.namespace]).status();
        let _ = Command::new("ip").args(["link", "del", &self.interface]).output();
    }
}
