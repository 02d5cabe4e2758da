//! SSH handshakes: the protocol generation from the identification strings
//! (RFC 4253 §4.2, with the 1.99 compatibility version of §5.1) and the
//! algorithms negotiated from both KEXINIT messages (RFC 4253 §7.1: for each
//! list, the first algorithm of the client that the server also lists).

use super::dissector::Dissector;
use super::{Direction, Finding};
use crate::versions::SshVersion;

/// An identification line may be at most 255 bytes (RFC 4253 §4.2); servers
/// may send other lines first, so a little more is allowed before giving up.
const MAX_PRE_BANNER: usize = 8 * 1024;
/// Binary packets larger than this are not KEXINITs (RFC 4253 §6.1 requires support up to 35000).
const MAX_PACKET: usize = 35_000;
const SSH_MSG_KEXINIT: u8 = 20;

#[derive(Debug, Default)]
struct Side {
    banner: Option<String>,
    kexinit: Option<Vec<Vec<String>>>,
}

#[derive(Debug, Default)]
pub struct SshDissector {
    sides: [Side; 2],
    done: bool,
}

impl SshDissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a stream direction starts with an SSH identification string.
    pub fn detect(data: &[u8]) -> bool {
        data.starts_with(b"SSH-")
    }

    /// SSH-2 unless both sides announce only protocol 1 ("1.99" speaks both).
    fn version(&self) -> Option<SshVersion> {
        let generation = |banner: &Option<String>| {
            banner
                .as_deref()
                .and_then(|b| b.strip_prefix("SSH-"))
                .and_then(|b| b.split('-').next())
                .map(|v| v.to_string())
        };
        let client = generation(&self.sides[0].banner);
        let server = generation(&self.sides[1].banner);
        let only_v1 = |v: &Option<String>| v.as_deref().is_some_and(|v| v.starts_with("1.") && v != "1.99");
        match (&client, &server) {
            (None, None) => None,
            _ if only_v1(&client) || only_v1(&server) => Some(SshVersion::Ssh1),
            _ => Some(SshVersion::Ssh2),
        }
    }

    fn emit(&mut self, out: &mut Vec<Finding>) {
        self.done = true;
        let Some(version) = self.version() else { return };
        let negotiate = |index: usize| -> Option<String> {
            let client = self.sides[0].kexinit.as_ref()?.get(index)?;
            let server = self.sides[1].kexinit.as_ref()?.get(index)?;
            client.iter().find(|alg| server.contains(alg)).cloned()
        };
        out.push(Finding::Ssh {
            version,
            client_banner: self.sides[0].banner.clone(),
            server_banner: self.sides[1].banner.clone(),
            kex: negotiate(0),
            host_key: negotiate(1),
            cipher: negotiate(2),
            mac: negotiate(4),
        });
    }
}

impl Dissector for SshDissector {
    fn finished(&self) -> bool {
        self.done
    }

    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        let mut at = 0;
        while !self.done && at < data.len() {
            let rest = &data[at..];
            let s = dir.index();
            if self.sides[s].banner.is_none() {
                let Some(end) = rest.iter().position(|b| *b == b'\n') else {
                    if rest.len() > MAX_PRE_BANNER {
                        self.done = true;
                        return data.len();
                    }
                    return at;
                };
                let line = String::from_utf8_lossy(&rest[..end]).trim_end_matches('\r').to_string();
                at += end + 1;
                if line.starts_with("SSH-") {
                    self.sides[s].banner = Some(line);
                    // SSH-1 has no KEXINIT: with both banners known, stop.
                    if self.version() == Some(SshVersion::Ssh1) && self.sides.iter().all(|x| x.banner.is_some()) {
                        self.emit(out);
                    }
                } else if at > MAX_PRE_BANNER {
                    self.done = true;
                }
                continue;
            }
            if self.sides[s].kexinit.is_some() {
                // Everything after KEXINIT is key exchange and encrypted traffic.
                return data.len();
            }
            if rest.len() < 6 {
                return at;
            }
            let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if !(2..=MAX_PACKET).contains(&length) {
                self.done = true;
                return data.len();
            }
            if rest.len() < 4 + length {
                return at;
            }
            let padding = rest[4] as usize;
            let payload = rest.get(5..4 + length - padding.min(length - 1)).unwrap_or(&[]);
            at += 4 + length;
            if payload.first() == Some(&SSH_MSG_KEXINIT) {
                self.sides[s].kexinit = Some(parse_kexinit(payload).unwrap_or_default());
                if self.sides.iter().all(|x| x.kexinit.is_some()) {
                    self.emit(out);
                }
            }
        }
        at
    }

    /// End of flow: report the banners even without both KEXINITs.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        if !self.done && self.sides.iter().any(|x| x.banner.is_some()) {
            self.emit(out);
        }
        self.done = true;
    }
}

/// The ten name-lists of a KEXINIT payload (RFC 4253 §7.1).
fn parse_kexinit(payload: &[u8]) -> Option<Vec<Vec<String>>> {
    let mut rest = payload.get(17..)?; // message type + 16-byte cookie
    let mut lists = Vec::with_capacity(10);
    for _ in 0..10 {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let list = rest.get(4..4 + len)?;
        lists.push(String::from_utf8_lossy(list).split(',').filter(|s| !s.is_empty()).map(str::to_string).collect());
        rest = &rest[4 + len..];
    }
    Some(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut payload = vec![SSH_MSG_KEXINIT];
        payload.extend_from_slice(&[0xAB; 16]);
        for list in lists {
            payload.extend_from_slice(&(list.len() as u32).to_be_bytes());
            payload.extend_from_slice(list.as_bytes());
        }
        payload.extend_from_slice(&[0, 0, 0, 0, 0]);
        let padding = 8 - (payload.len() + 5) % 8 + 4;
        let mut packet = ((payload.len() + padding + 1) as u32).to_be_bytes().to_vec();
        packet.push(padding as u8);
        packet.extend_from_slice(&payload);
        packet.extend(std::iter::repeat_n(0, padding));
        packet
    }

    #[test]
    fn negotiates_the_first_client_algorithm_the_server_also_lists() {
        let mut d = SshDissector::new();
        let mut out = Vec::new();
        let mut client = b"SSH-2.0-OpenSSH_9.2\r\n".to_vec();
        client.extend(kexinit([
            "curve25519-sha256,ecdh-sha2-nistp256",
            "ssh-ed25519,rsa-sha2-512",
            "chacha20-poly1305@openssh.com,aes128-ctr",
            "aes128-ctr",
            "umac-64-etm@openssh.com,hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
            "",
            "",
        ]));
        let mut server = b"a pre-banner line\r\nSSH-2.0-OpenSSH_8.4p1\r\n".to_vec();
        server.extend(kexinit([
            "ecdh-sha2-nistp256,curve25519-sha256",
            "rsa-sha2-512",
            "aes128-ctr,chacha20-poly1305@openssh.com",
            "aes128-ctr",
            "hmac-sha2-256,umac-64-etm@openssh.com",
            "hmac-sha2-256",
            "none",
            "none",
            "",
            "",
        ]));
        assert!(SshDissector::detect(&client));
        // Byte by byte in one direction: framing must hold.
        let mut consumed = 0;
        for end in 1..=client.len() {
            consumed += d.feed(Direction::ToServer, &client[consumed..end], &mut out);
        }
        assert_eq!(consumed, client.len());
        d.feed(Direction::ToClient, &server, &mut out);
        assert_eq!(
            out,
            vec![Finding::Ssh {
                version: SshVersion::Ssh2,
                client_banner: Some("SSH-2.0-OpenSSH_9.2".into()),
                server_banner: Some("SSH-2.0-OpenSSH_8.4p1".into()),
                kex: Some("curve25519-sha256".into()),
                host_key: Some("rsa-sha2-512".into()),
                cipher: Some("chacha20-poly1305@openssh.com".into()),
                mac: Some("umac-64-etm@openssh.com".into()),
            }]
        );
    }

    #[test]
    fn generations() {
        let banners = |c: &str, s: &str| {
            let mut d = SshDissector::new();
            let mut out = Vec::new();
            d.feed(Direction::ToServer, format!("{c}\r\n").as_bytes(), &mut out);
            d.feed(Direction::ToClient, format!("{s}\r\n").as_bytes(), &mut out);
            d.finish(&mut out);
            match &out[0] {
                Finding::Ssh { version, .. } => *version,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(banners("SSH-1.99-Cisco-1.25", "SSH-2.0-Cisco-1.25"), SshVersion::Ssh2);
        assert_eq!(banners("SSH-1.5-old", "SSH-1.99-srv"), SshVersion::Ssh1);
        assert_eq!(banners("SSH-2.0-x", "SSH-2.0-y"), SshVersion::Ssh2);
    }
}
