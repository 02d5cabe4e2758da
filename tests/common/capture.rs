//! Live captures for tests: whether they can run here (root, tools), tcpdump
//! on an interface into a pcap file, `temper decode` of it, and reading and
//! rewriting pcap files frame by frame (to cut a capture as if it had
//! started later, or to lose segments as a busy capture does).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether live tests can run: root and `tools` on PATH. Skips with a printed
/// reason otherwise, and fails instead under TEMPER_REQUIRE_LIVE=1.
pub fn live(tools: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("sh").arg("-c").arg(format!("command -v {t}")).output().is_ok_and(|o| o.status.success())
        })
        .collect();
    let reason = if !root {
        Some("capturing packets needs root".to_string())
    } else if !missing.is_empty() {
        Some(format!("missing tools: {}", missing.join(", ")))
    } else {
        None
    };
    match reason {
        None => true,
        Some(r) if std::env::var("TEMPER_REQUIRE_LIVE").as_deref() == Ok("1") => {
            panic!("TEMPER_REQUIRE_LIVE=1 but {r}")
        }
        Some(r) => {
            eprintln!("skipped: {r}");
            false
        }
    }
}

/// tcpdump on an interface, into a pcap file.
pub struct Capture {
    child: Child,
    path: PathBuf,
}

impl Capture {
    /// On loopback, for some TCP ports.
    pub fn start(dir: &Path, ports: &[u16]) -> Capture {
        let filter = ports.iter().map(|p| format!("tcp port {p}")).collect::<Vec<_>>().join(" or ");
        Capture::on(dir, "lo", &filter)
    }

    /// On `interface`, for a tcpdump `filter`.
    pub fn on(dir: &Path, interface: &str, filter: &str) -> Capture {
        let path = dir.join("capture.pcap");
        let mut child = Command::new("tcpdump")
            // Immediate mode: libpcap's TPACKET_V3 ring hands packets over in blocks,
            // and a block not yet handed over when tcpdump is stopped is lost.
            .args(["-i", interface, "-U", "--immediate-mode", "-n", "-s", "0", "-w"])
            .arg(&path)
            .arg(filter)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("tcpdump starts");
        // tcpdump says "listening on" once the capture is armed.
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
            line.clear();
        }
        assert!(line.contains("listening on"), "tcpdump did not start: {line}");
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Capture { child, path }
    }

    pub fn stop(mut self) -> PathBuf {
        std::thread::sleep(Duration::from_millis(300));
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        self.path.clone()
    }
}

/// `temper decode` of a capture, as observations.
pub fn decode(capture: &Path) -> Vec<Value> {
    let dir = capture.parent().unwrap();
    let out = super::ok(dir, &["decode", capture.to_str().unwrap()]);
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A classic pcap file (as tcpdump writes it): its global header and frames.
pub struct PcapFile {
    pub header: Vec<u8>,
    /// Each frame's 16-byte record header and bytes.
    pub frames: Vec<(Vec<u8>, Vec<u8>)>,
}

impl PcapFile {
    pub fn read(path: &Path) -> PcapFile {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "a little-endian microsecond pcap");
        let mut frames = Vec::new();
        let mut at = 24;
        while at + 16 <= bytes.len() {
            let captured = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            frames.push((bytes[at..at + 16].to_vec(), bytes[at + 16..at + 16 + captured].to_vec()));
            at += 16 + captured;
        }
        PcapFile { header: bytes[..24].to_vec(), frames }
    }

    pub fn write(&self, path: &Path) {
        let mut out = self.header.clone();
        for (record, frame) in &self.frames {
            out.extend_from_slice(record);
            out.extend_from_slice(frame);
        }
        std::fs::write(path, out).unwrap();
    }

    /// The link type (1: Ethernet).
    pub fn link_type(&self) -> u32 {
        u32::from_le_bytes(self.header[20..24].try_into().unwrap())
    }
}

/// An Ethernet frame's IPv4 packet: (total length field, TCP ports, TCP payload).
pub fn ipv4_tcp(frame: &[u8]) -> Option<(u16, u16, u16, &[u8])> {
    let ip = frame.get(14..)?;
    if frame.get(12..14)? != [0x08, 0x00] || ip[0] >> 4 != 4 || ip[9] != 6 {
        return None;
    }
    let header = usize::from(ip[0] & 0x0f) * 4;
    let total = u16::from_be_bytes([ip[2], ip[3]]);
    let tcp = ip.get(header..)?;
    let (source, destination) = (u16::from_be_bytes([tcp[0], tcp[1]]), u16::from_be_bytes([tcp[2], tcp[3]]));
    let payload = tcp.get(usize::from(tcp[12] >> 4) * 4..)?;
    Some((total, source, destination, payload))
}
