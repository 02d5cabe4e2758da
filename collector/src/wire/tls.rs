//! TLS and SSL handshakes: the version and cipher the server chose, and the
//! SNI the client asked for.
//!
//! Records are framed and handshake messages defragmented here (a message
//! may span records, a record may hold several); the hello messages are
//! parsed by tls-parser. Extensions are walked by hand because tls-parser
//! reads `supported_versions` as a client's list, while a ServerHello carries
//! exactly one version (RFC 8446 §4.2.1).

use super::dissector::Dissector;
use super::{Direction, Finding};
use crate::versions::TlsVersion;
use tls_parser::{parse_tls_message_handshake, TlsCipherSuite, TlsMessage, TlsMessageHandshake};

/// Largest TLS record body (2^14 plus the expansion RFC 5246 allows).
const MAX_RECORD: usize = 16_384 + 2_048;
/// Largest handshake message we reassemble (certificates are skipped unparsed).
const MAX_HANDSHAKE_BUFFER: usize = 1 << 16;
/// SHA-256("HelloRetryRequest"): the ServerHello random of an HRR (RFC 8446 §4.1.3).
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11,
    0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

#[derive(Debug, Default)]
struct Side {
    /// Handshake bytes not yet forming a whole message.
    handshake: Vec<u8>,
    /// Skipping plaintext until a handshake record starts (STARTTLS).
    resync: bool,
}

#[derive(Debug, Default)]
pub struct TlsDissector {
    sides: [Side; 2],
    sni: Option<String>,
    /// A HelloRetryRequest's version and cipher, used if no second ServerHello follows.
    retry: Option<(TlsVersion, Option<String>)>,
    done: bool,
}

/// The canonical version of a TLS/SSL protocol number.
pub fn tls_version(number: u16) -> Option<TlsVersion> {
    Some(match number {
        0x0002 => TlsVersion::Ssl2,
        0x0300 => TlsVersion::Ssl3,
        0x0301 => TlsVersion::Tls10,
        0x0302 => TlsVersion::Tls11,
        0x0303 => TlsVersion::Tls12,
        0x0304 => TlsVersion::Tls13,
        // Drafts of TLS 1.3 (0x7fNN) negotiated before RFC 8446.
        0x7f00..=0x7fff => TlsVersion::Tls13,
        _ => return None,
    })
}

/// IANA name of a cipher suite, as Zeek logs it.
pub fn cipher_name(id: u16) -> String {
    TlsCipherSuite::from_id(id).map(|c| c.name.to_string()).unwrap_or_else(|| format!("unknown-{id}"))
}

/// A record header starting a handshake of the given message type:
/// content type 22, version 3.x, a plausible length, then the message type.
fn handshake_record_at(data: &[u8], message: u8) -> bool {
    data.len() >= 6
        && data[0] == 22
        && data[1] == 3
        && data[2] <= 4
        && (4..=MAX_RECORD).contains(&(u16::from_be_bytes([data[3], data[4]]) as usize))
        && data[5] == message
}

/// The first handshake record of `message` type in `data`, jumping between
/// 0x16 bytes (the content type) rather than testing every position.
fn find_handshake_record(data: &[u8], message: u8) -> Option<usize> {
    memchr::memchr_iter(22, data).find(|&at| handshake_record_at(&data[at..], message))
}

/// An SSLv2-format CLIENT-HELLO (also sent by clients offering SSL 3/TLS for compatibility).
fn sslv2_client_hello(data: &[u8]) -> bool {
    data.len() >= 5 && data[0] & 0x80 != 0 && data[2] == 1 && data[3] <= 3
}

impl TlsDissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// After a plaintext exchange (STARTTLS): skip bytes until a handshake record starts.
    pub fn resyncing() -> Self {
        let mut d = Self::default();
        d.sides[0].resync = true;
        d.sides[1].resync = true;
        d
    }

    /// Whether a stream direction starts with a ClientHello (TLS or SSLv2 format).
    pub fn detect(data: &[u8]) -> bool {
        handshake_record_at(data, 1) || sslv2_client_hello(data)
    }

    /// Where a ClientHello record starts within plaintext, if anywhere (STARTTLS on any protocol).
    pub fn find_client_hello(data: &[u8]) -> Option<usize> {
        find_handshake_record(data, 1)
    }

    fn sslv2(&mut self, dir: Direction, message: &[u8], out: &mut Vec<Finding>) {
        // SSLv2 SERVER-HELLO (type 4): the server speaks SSL 2.0.
        if dir == Direction::ToClient && message.first() == Some(&4) {
            out.push(Finding::Tls { version: TlsVersion::Ssl2, cipher: None, sni: None });
            self.done = true;
        }
    }

    fn handshake_bytes(&mut self, dir: Direction, body: &[u8], out: &mut Vec<Finding>) {
        let buffer = &mut self.sides[dir.index()].handshake;
        if buffer.len() + body.len() > MAX_HANDSHAKE_BUFFER {
            self.done = true;
            return;
        }
        buffer.extend_from_slice(body);
        loop {
            let buffer = &self.sides[dir.index()].handshake;
            if buffer.len() < 4 {
                return;
            }
            let len = u32::from_be_bytes([0, buffer[1], buffer[2], buffer[3]]) as usize;
            if len > MAX_HANDSHAKE_BUFFER {
                self.done = true;
                return;
            }
            if buffer.len() < 4 + len {
                return;
            }
            let message: Vec<u8> = self.sides[dir.index()].handshake.drain(..4 + len).collect();
            self.handshake_message(&message, out);
            if self.done {
                return;
            }
        }
    }

    fn handshake_message(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let Ok((_, TlsMessage::Handshake(handshake))) = parse_tls_message_handshake(message) else {
            return;
        };
        match handshake {
            TlsMessageHandshake::ClientHello(hello) => {
                if let Some(ext) = hello.ext {
                    self.sni = extension(ext, 0).and_then(sni_host_name);
                }
            }
            TlsMessageHandshake::ServerHello(hello) => {
                let selected = hello
                    .ext
                    .and_then(|ext| extension(ext, 43))
                    .and_then(|v| v.get(..2))
                    .map(|v| u16::from_be_bytes([v[0], v[1]]));
                let Some(version) = tls_version(selected.unwrap_or(hello.version.0)) else {
                    self.done = true;
                    return;
                };
                let cipher = Some(cipher_name(hello.cipher.0));
                if hello.random == HELLO_RETRY_RANDOM {
                    self.retry = Some((version, cipher));
                    return;
                }
                out.push(Finding::Tls { version, cipher, sni: self.sni.clone() });
                self.done = true;
            }
            TlsMessageHandshake::ServerHelloV13Draft18(hello) => {
                out.push(Finding::Tls {
                    version: TlsVersion::Tls13,
                    cipher: Some(cipher_name(hello.cipher.0)),
                    sni: self.sni.clone(),
                });
                self.done = true;
            }
            TlsMessageHandshake::HelloRetryRequest(hrr) => {
                self.retry = Some((TlsVersion::Tls13, Some(cipher_name(hrr.cipher.0))));
            }
            _ => {}
        }
    }
}

impl Dissector for TlsDissector {
    fn finished(&self) -> bool {
        self.done
    }

    /// Consumes whole records of one direction; returns bytes consumed.
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        let mut at = 0;
        while !self.done && at < data.len() {
            let rest = &data[at..];
            if self.sides[dir.index()].resync {
                let wanted = if dir == Direction::ToServer { 1 } else { 2 };
                match find_handshake_record(rest, wanted) {
                    Some(p) => {
                        at += p;
                        self.sides[dir.index()].resync = false;
                        continue;
                    }
                    // Keep the last bytes: a header may be split across segments.
                    None => return at + rest.len().saturating_sub(5),
                }
            }
            if rest[0] & 0x80 != 0 {
                // SSLv2 record: 2-byte header, length in the low 15 bits.
                if rest.len() < 3 {
                    return at;
                }
                let len = (((rest[0] & 0x7f) as usize) << 8) | rest[1] as usize;
                if rest.len() < 2 + len {
                    return at;
                }
                self.sslv2(dir, &rest[2..2 + len], out);
                at += 2 + len;
                continue;
            }
            if rest.len() < 5 {
                return at;
            }
            let (content, len) = (rest[0], u16::from_be_bytes([rest[3], rest[4]]) as usize);
            if !(20..=24).contains(&content) || rest[1] != 3 || len > MAX_RECORD {
                // Not TLS (or lost bytes): nothing more can be learned here.
                self.done = true;
                return data.len();
            }
            if rest.len() < 5 + len {
                return at;
            }
            let body = &rest[5..5 + len];
            at += 5 + len;
            match content {
                22 => self.handshake_bytes(dir, body, out),
                // Application data before any ServerHello: the handshake is not visible.
                23 => self.done = true,
                _ => {}
            }
        }
        at
    }

    /// End of flow: a HelloRetryRequest with no second ServerHello still tells the version.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        if !self.done {
            if let Some((version, cipher)) = self.retry.take() {
                out.push(Finding::Tls { version, cipher, sni: self.sni.clone() });
            }
            self.done = true;
        }
    }
}

/// The data of the first extension of `kind` in an extensions block.
fn extension(mut block: &[u8], kind: u16) -> Option<&[u8]> {
    while block.len() >= 4 {
        let ty = u16::from_be_bytes([block[0], block[1]]);
        let len = u16::from_be_bytes([block[2], block[3]]) as usize;
        let data = block.get(4..4 + len)?;
        if ty == kind {
            return Some(data);
        }
        block = &block[4 + len..];
    }
    None
}

/// The host_name entry of a server_name extension (RFC 6066 §3).
fn sni_host_name(data: &[u8]) -> Option<String> {
    let list_len = u16::from_be_bytes([*data.first()?, *data.get(1)?]) as usize;
    let mut list = data.get(2..2 + list_len)?;
    while list.len() >= 3 {
        let len = u16::from_be_bytes([list[1], list[2]]) as usize;
        let name = list.get(3..3 + len)?;
        if list[0] == 0 {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        list = &list[3 + len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content: u8, version: u16, body: &[u8]) -> Vec<u8> {
        let mut r = vec![content];
        r.extend_from_slice(&version.to_be_bytes());
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![kind];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut e = kind.to_be_bytes().to_vec();
        e.extend_from_slice(&(data.len() as u16).to_be_bytes());
        e.extend_from_slice(data);
        e
    }

    fn client_hello(sni: &str) -> Vec<u8> {
        let mut name = vec![0];
        name.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        name.extend_from_slice(sni.as_bytes());
        let mut list = (name.len() as u16).to_be_bytes().to_vec();
        list.extend_from_slice(&name);
        let exts = ext(0, &list);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 4, 0x13, 0x01, 0xc0, 0x2f]);
        body.extend_from_slice(&[1, 0]);
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        handshake(1, &body)
    }

    fn server_hello(legacy: u16, random: [u8; 32], cipher: u16, selected: Option<u16>) -> Vec<u8> {
        let mut body = legacy.to_be_bytes().to_vec();
        body.extend_from_slice(&random);
        body.push(0);
        body.extend_from_slice(&cipher.to_be_bytes());
        body.push(0);
        if let Some(v) = selected {
            let exts = ext(43, &v.to_be_bytes());
            body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
            body.extend_from_slice(&exts);
        }
        handshake(2, &body)
    }

    #[test]
    fn tls12_handshake_split_across_segments() {
        let mut d = TlsDissector::new();
        let mut out = Vec::new();
        let ch = record(22, 0x0301, &client_hello("fs01.corp"));
        assert!(TlsDissector::detect(&ch));
        assert_eq!(d.feed(Direction::ToServer, &ch[..7], &mut out), 0, "partial record waits");
        assert_eq!(d.feed(Direction::ToServer, &ch, &mut out), ch.len());
        let sh = record(22, 0x0303, &server_hello(0x0303, [1; 32], 0xc02f, None));
        d.feed(Direction::ToClient, &sh, &mut out);
        assert_eq!(
            out,
            vec![Finding::Tls {
                version: TlsVersion::Tls12,
                cipher: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
                sni: Some("fs01.corp".into())
            }]
        );
        assert!(d.finished());
    }

    #[test]
    fn tls13_from_supported_versions_after_a_retry() {
        let mut d = TlsDissector::new();
        let mut out = Vec::new();
        d.feed(Direction::ToServer, &record(22, 0x0301, &client_hello("x")), &mut out);
        let hrr = record(22, 0x0303, &server_hello(0x0303, HELLO_RETRY_RANDOM, 0x1302, Some(0x0304)));
        d.feed(Direction::ToClient, &hrr, &mut out);
        assert!(out.is_empty(), "an HRR is not the final ServerHello");
        // A ServerHello split over two records.
        let sh = server_hello(0x0303, [2; 32], 0x1302, Some(0x0304));
        let mut both = record(22, 0x0303, &sh[..10]);
        both.extend(record(22, 0x0303, &sh[10..]));
        d.feed(Direction::ToClient, &both, &mut out);
        assert_eq!(out.len(), 1);
        assert!(
            matches!(&out[0], Finding::Tls { version: TlsVersion::Tls13, cipher: Some(c), .. } if c == "TLS_AES_256_GCM_SHA384")
        );
    }

    #[test]
    fn retry_alone_still_reports_at_the_end() {
        let mut d = TlsDissector::new();
        let mut out = Vec::new();
        d.feed(
            Direction::ToClient,
            &record(22, 0x0303, &server_hello(0x0303, HELLO_RETRY_RANDOM, 0x1301, Some(0x0304))),
            &mut out,
        );
        d.finish(&mut out);
        assert!(matches!(out[0], Finding::Tls { version: TlsVersion::Tls13, .. }));
    }

    #[test]
    fn starttls_resync_finds_the_hello_after_plaintext() {
        let mut client = b"EHLO x\r\nSTARTTLS\r\n".to_vec();
        client.extend(record(22, 0x0301, &client_hello("mail.example")));
        assert_eq!(TlsDissector::find_client_hello(&client), Some(18));
        let mut d = TlsDissector::resyncing();
        let mut out = Vec::new();
        assert_eq!(d.feed(Direction::ToServer, &client, &mut out), client.len());
        let mut server = b"220 2.0.0 Ready to start TLS\r\n".to_vec();
        server.extend(record(22, 0x0301, &server_hello(0x0301, [3; 32], 0x0035, None)));
        d.feed(Direction::ToClient, &server, &mut out);
        assert!(
            matches!(&out[0], Finding::Tls { version: TlsVersion::Tls10, sni: Some(s), .. } if s == "mail.example")
        );
    }

    #[test]
    fn ssl2_server_hello() {
        let mut d = TlsDissector::new();
        let mut out = Vec::new();
        let client = [0x80, 0x04, 0x01, 0x00, 0x02, 0x00];
        assert!(TlsDissector::detect(&client));
        d.feed(Direction::ToServer, &client, &mut out);
        d.feed(Direction::ToClient, &[0x80, 0x03, 0x04, 0x00, 0x01], &mut out);
        assert_eq!(out, vec![Finding::Tls { version: TlsVersion::Ssl2, cipher: None, sni: None }]);
    }

    #[test]
    fn non_tls_bytes_end_the_dissection_without_panic() {
        let mut d = TlsDissector::new();
        let mut out = Vec::new();
        assert_eq!(d.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n", &mut out), 16);
        assert!(d.finished() && out.is_empty());
    }
}
