//! The session state machine on messages built from the MS-CIFS and MS-SMB2
//! layouts: the edge cases no capture holds (AndX chains that loop, compounds,
//! oversized and encrypted messages, bounded state). The record parsers are
//! tested on real messages from Samba's captures in their own files.

use super::nbss::{
    KEEPALIVE as NBSS_KEEPALIVE, POSITIVE_RESPONSE as NBSS_POSITIVE_RESPONSE, SESSION_MESSAGE as NBSS_SESSION_MESSAGE,
    SESSION_REQUEST as NBSS_SESSION_REQUEST,
};
use super::session::{SmbDissector, DELETE, MAX_ENTRIES, MAX_INSPECTED};
use super::smb1_records::*;
use super::smb2_records::*;
use crate::versions::{NtlmVersion, SmbDialect};
use crate::wire::dissector::Dissector;
use crate::wire::ntlmssp::tests::{authenticate, ntlmv2_response, Auth};
use crate::wire::{Direction, Finding, SmbAccess};

const TO_SERVER: Direction = Direction::ToServer;
const TO_CLIENT: Direction = Direction::ToClient;

// ---- fixture builders, from the MS-CIFS / MS-SMB2 layouts ----

fn nbss(message: &[u8]) -> Vec<u8> {
    let len = message.len();
    let mut framed = vec![NBSS_SESSION_MESSAGE, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    framed.extend(message);
    framed
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// An SMB1 message: header (MS-CIFS 2.2.3.1), then WordCount/Words and ByteCount/Bytes.
struct Smb1 {
    command: u8,
    reply: bool,
    unicode: bool,
    status: u32,
    tid: u16,
    mid: u16,
}

impl Smb1 {
    fn request(command: u8, unicode: bool, tid: u16, mid: u16) -> Self {
        Self { command, reply: false, unicode, status: 0, tid, mid }
    }

    fn reply(command: u8, tid: u16, mid: u16) -> Self {
        Self { command, reply: true, unicode: true, status: 0, tid, mid }
    }

    fn build(&self, words: &[u8], bytes: &[u8]) -> Vec<u8> {
        assert_eq!(words.len() % 2, 0);
        let mut m = SMB1_MAGIC.to_vec();
        m.push(self.command);
        m.extend(self.status.to_le_bytes());
        m.push(if self.reply { 0x98 } else { 0x18 });
        let flags2: u16 = 0x4801 | if self.unicode { SMB1_FLAGS2_UNICODE } else { 0 };
        m.extend(flags2.to_le_bytes());
        m.extend([0; 2 + 8 + 2]); // PIDHigh, SecurityFeatures, Reserved
        m.extend(self.tid.to_le_bytes());
        m.extend(0xFEFFu16.to_le_bytes()); // PIDLow
        m.extend(0x0800u16.to_le_bytes()); // UID
        m.extend(self.mid.to_le_bytes());
        assert_eq!(m.len(), SMB1_HEADER_LEN);
        m.push((words.len() / 2) as u8);
        m.extend(words);
        m.extend((bytes.len() as u16).to_le_bytes());
        m.extend(bytes);
        m
    }
}

/// AndX link: no further command.
const NO_ANDX: [u8; 4] = [0xFF, 0, 0, 0];

fn smb1_negotiate_request(dialects: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for d in dialects {
        bytes.push(0x02);
        bytes.extend(d.as_bytes());
        bytes.push(0);
    }
    Smb1::request(SMB1_COM_NEGOTIATE, true, 0, 1).build(&[], &bytes)
}

/// The 17-word NT LM 0.12 NEGOTIATE response (MS-CIFS 2.2.4.52.2).
fn smb1_negotiate_response(index: u16, security_mode: u8) -> Vec<u8> {
    let mut words = index.to_le_bytes().to_vec();
    words.push(security_mode);
    words.extend(50u16.to_le_bytes()); // MaxMpxCount
    words.extend(1u16.to_le_bytes()); // MaxNumberVcs
    words.extend(16644u32.to_le_bytes()); // MaxBufferSize
    words.extend(65536u32.to_le_bytes()); // MaxRawSize
    words.extend(0u32.to_le_bytes()); // SessionKey
    words.extend(0x8000_e3fdu32.to_le_bytes()); // Capabilities
    words.extend([0; 8]); // SystemTime
    words.extend(0u16.to_le_bytes()); // ServerTimeZone
    words.push(8); // ChallengeLength
    assert_eq!(words.len(), 34);
    Smb1::reply(SMB1_COM_NEGOTIATE, 0, 1).build(&words, &[0x11; 8])
}

fn smb1_tree_connect(unicode: bool, password: &[u8], path: &str, mid: u16) -> Vec<u8> {
    let mut words = NO_ANDX.to_vec();
    words.extend(0x0008u16.to_le_bytes()); // Flags: extended response
    words.extend((password.len() as u16).to_le_bytes());
    let mut bytes = password.to_vec();
    let bytes_at = SMB1_HEADER_LEN + 1 + words.len() + 2;
    if unicode {
        if (bytes_at + bytes.len()) % 2 == 1 {
            bytes.push(0); // Pad
        }
        bytes.extend(utf16(path));
        bytes.extend([0, 0]);
    } else {
        bytes.extend(path.as_bytes());
        bytes.push(0);
    }
    bytes.extend(b"?????\0"); // Service
    Smb1::request(SMB1_COM_TREE_CONNECT_ANDX, unicode, 0, mid).build(&words, &bytes)
}

fn smb1_tree_connect_response(tid: u16, mid: u16) -> Vec<u8> {
    let mut words = NO_ANDX.to_vec();
    words.extend(1u16.to_le_bytes()); // OptionalSupport
    Smb1::reply(SMB1_COM_TREE_CONNECT_ANDX, tid, mid).build(&words, b"A:\0")
}

fn smb1_create(unicode: bool, tid: u16, name: &str, access: u32) -> Vec<u8> {
    let name_bytes = if unicode { utf16(name) } else { name.as_bytes().to_vec() };
    let mut words = NO_ANDX.to_vec();
    words.push(0); // Reserved
    words.extend((name_bytes.len() as u16).to_le_bytes());
    words.extend(0x16u32.to_le_bytes()); // Flags
    words.extend(0u32.to_le_bytes()); // RootDirectoryFID
    words.extend(access.to_le_bytes());
    words.extend([0; 8]); // AllocationSize
    words.extend(0x80u32.to_le_bytes()); // ExtFileAttributes
    words.extend(7u32.to_le_bytes()); // ShareAccess
    words.extend(1u32.to_le_bytes()); // CreateDisposition
    words.extend(0x40u32.to_le_bytes()); // CreateOptions
    words.extend(2u32.to_le_bytes()); // ImpersonationLevel
    words.push(0); // SecurityFlags
    assert_eq!(words.len(), 48);
    // 32 + 1 + 48 + 2 = 83 is odd: a Unicode name needs the pad byte.
    let mut bytes = if unicode { vec![0] } else { Vec::new() };
    bytes.extend(name_bytes);
    bytes.extend(if unicode { &[0, 0][..] } else { &[0][..] });
    Smb1::request(SMB1_COM_NT_CREATE_ANDX, unicode, tid, 9).build(&words, &bytes)
}

/// A 64-byte sync SMB2 header (MS-SMB2 2.2.1.2) and a body.
struct Smb2 {
    command: u16,
    flags: u32,
    status: u32,
    message_id: u64,
    tree_id: u32,
    session_id: u64,
}

impl Smb2 {
    fn request(command: u16, message_id: u64, tree_id: u32) -> Self {
        Self { command, flags: 0, status: 0, message_id, tree_id, session_id: 0x4400_0000_0001 }
    }

    fn response(command: u16, message_id: u64, tree_id: u32) -> Self {
        Self { flags: SMB2_FLAGS_SERVER_TO_REDIR, ..Self::request(command, message_id, tree_id) }
    }

    fn build(&self, body: &[u8]) -> Vec<u8> {
        let mut m = SMB2_MAGIC.to_vec();
        m.extend(64u16.to_le_bytes());
        m.extend(1u16.to_le_bytes()); // CreditCharge
        m.extend(self.status.to_le_bytes());
        m.extend(self.command.to_le_bytes());
        m.extend(1u16.to_le_bytes()); // CreditRequest
        m.extend(self.flags.to_le_bytes());
        m.extend(0u32.to_le_bytes()); // NextCommand
        m.extend(self.message_id.to_le_bytes());
        m.extend(0xFEFFu32.to_le_bytes()); // Reserved
        m.extend(self.tree_id.to_le_bytes());
        m.extend(self.session_id.to_le_bytes());
        m.extend([0; 16]); // Signature
        assert_eq!(m.len(), SMB2_HEADER_LEN);
        m.extend(body);
        m
    }
}

/// Chains PDUs into one compound: each but the last is padded to 8 bytes and points at the next.
fn compound(pdus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, pdu) in pdus.iter().enumerate() {
        let mut pdu = pdu.clone();
        if i + 1 < pdus.len() {
            pdu.resize(pdu.len().next_multiple_of(8), 0);
            let next = pdu.len() as u32;
            pdu[20..24].copy_from_slice(&next.to_le_bytes());
        }
        out.extend(pdu);
    }
    out
}

/// NEGOTIATE response body (MS-SMB2 2.2.4), 64 fixed bytes and an empty buffer.
fn smb2_negotiate_response(dialect: u16, security_mode: u16) -> Vec<u8> {
    let mut b = 65u16.to_le_bytes().to_vec();
    b.extend(security_mode.to_le_bytes());
    b.extend(dialect.to_le_bytes());
    b.extend(0u16.to_le_bytes()); // NegotiateContextCount
    b.extend([0x42; 16]); // ServerGuid
    b.extend(0x2fu32.to_le_bytes()); // Capabilities
    b.extend([0; 12]); // MaxTransactSize, MaxReadSize, MaxWriteSize
    b.extend([0; 16]); // SystemTime, ServerStartTime
    b.extend(128u16.to_le_bytes()); // SecurityBufferOffset
    b.extend(0u16.to_le_bytes()); // SecurityBufferLength
    b.extend(0u32.to_le_bytes()); // NegotiateContextOffset
    assert_eq!(b.len(), 64);
    b.push(0);
    Smb2::response(SMB2_NEGOTIATE, 0, 0).build(&b)
}

fn smb2_session_setup(blob: &[u8]) -> Vec<u8> {
    let mut b = 25u16.to_le_bytes().to_vec();
    b.push(0); // Flags
    b.push(1); // SecurityMode: signing enabled
    b.extend(1u32.to_le_bytes()); // Capabilities
    b.extend(0u32.to_le_bytes()); // Channel
    b.extend(88u16.to_le_bytes()); // SecurityBufferOffset = 64 + 24
    b.extend((blob.len() as u16).to_le_bytes());
    b.extend(0u64.to_le_bytes()); // PreviousSessionId
    b.extend(blob);
    Smb2::request(SMB2_SESSION_SETUP, 2, 0).build(&b)
}

/// TREE_CONNECT request body (MS-SMB2 2.2.9); with `extension`, a 3.1.1 request extension
/// (2.2.9.1) precedes the path and PathOffset points past it.
fn smb2_tree_connect_body(path: &str, extension: bool) -> Vec<u8> {
    let path = utf16(path);
    let path_offset: u16 = if extension { 64 + 8 + 16 } else { 64 + 8 };
    let mut b = 9u16.to_le_bytes().to_vec();
    b.extend((if extension { 0x0004u16 } else { 0 }).to_le_bytes());
    b.extend(path_offset.to_le_bytes());
    b.extend((path.len() as u16).to_le_bytes());
    if extension {
        b.extend((16 + path.len() as u32).to_le_bytes()); // TreeConnectContextOffset (from the extension)
        b.extend(0u16.to_le_bytes()); // TreeConnectContextCount
        b.extend([0; 10]);
    }
    b.extend(path);
    b
}

fn smb2_tree_connect_response(message_id: u64, tree_id: u32, status: u32) -> Vec<u8> {
    let mut b = 16u16.to_le_bytes().to_vec();
    b.push(1); // ShareType: disk
    b.push(0);
    b.extend(0u32.to_le_bytes()); // ShareFlags
    b.extend(0u32.to_le_bytes()); // Capabilities
    b.extend(0x001f_01ffu32.to_le_bytes()); // MaximalAccess
    Smb2 { status, ..Smb2::response(SMB2_TREE_CONNECT, message_id, tree_id) }.build(&b)
}

/// CREATE request body (MS-SMB2 2.2.13), the name right after the 56 fixed bytes.
fn smb2_create_body(name: &str, access: u32) -> Vec<u8> {
    let name = utf16(name);
    let mut b = 57u16.to_le_bytes().to_vec();
    b.push(0); // SecurityFlags
    b.push(0); // RequestedOplockLevel
    b.extend(2u32.to_le_bytes()); // ImpersonationLevel
    b.extend([0; 16]); // SmbCreateFlags, Reserved
    b.extend(access.to_le_bytes());
    b.extend(0x80u32.to_le_bytes()); // FileAttributes
    b.extend(7u32.to_le_bytes()); // ShareAccess
    b.extend(1u32.to_le_bytes()); // CreateDisposition
    b.extend(0x40u32.to_le_bytes()); // CreateOptions
    b.extend(120u16.to_le_bytes()); // NameOffset = 64 + 56
    b.extend((name.len() as u16).to_le_bytes());
    b.extend([0; 8]); // CreateContextsOffset, CreateContextsLength
    assert_eq!(b.len(), 56);
    if name.is_empty() {
        b.push(0); // Buffer is at least one byte
    }
    b.extend(name);
    b
}

fn smb2_create(tree_id: u32, name: &str, access: u32) -> Vec<u8> {
    Smb2::request(SMB2_CREATE, 7, tree_id).build(&smb2_create_body(name, access))
}

/// Feeds every message (each its own NBSS message) and returns the findings.
fn run(d: &mut SmbDissector, messages: &[(Direction, Vec<u8>)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (dir, message) in messages {
        let framed = nbss(message);
        assert_eq!(d.feed(*dir, &framed, &mut out), framed.len());
    }
    out
}

/// Findings of a flow the test starts after its NEGOTIATE: first, SMB 2 or
/// later with the dialect unknown; then the rest, returned.
fn after_negotiate(mut found: Vec<Finding>) -> Vec<Finding> {
    assert_eq!(found.first(), Some(&dialect(SmbDialect::Smb2Unknown, None)), "{found:?}");
    found.remove(0);
    found
}

fn dialect(dialect: SmbDialect, signing_required: Option<bool>) -> Finding {
    Finding::SmbDialect { dialect, signing_required, cipher: None }
}

fn create(tree_path: Option<&str>, file: &str, access: SmbAccess) -> Finding {
    Finding::SmbCreate { tree_path: tree_path.map(String::from), file: file.into(), access }
}

const READ: u32 = 0x0012_0089; // FILE_GENERIC_READ
const READ_WRITE: u32 = 0x0012_019F; // FILE_GENERIC_READ | FILE_GENERIC_WRITE

// ---- detection and framing ----

#[test]
fn detects_smb_and_port_139_session_setup() {
    assert!(SmbDissector::detect(&nbss(&smb2_create(1, "x", READ))));
    assert!(SmbDissector::detect(&nbss(&smb1_negotiate_request(&["NT LM 0.12"]))));
    let mut transform = SMB2_TRANSFORM_MAGIC.to_vec();
    transform.extend([0; 60]);
    assert!(SmbDissector::detect(&nbss(&transform)));
    // Port 139: session request with an encoded called name, positive response (alone or
    // followed by a keepalive and an SMB).
    let mut request = vec![NBSS_SESSION_REQUEST, 0, 0, 68, 0x20];
    request.extend([b'E'; 32]);
    assert!(SmbDissector::detect(&request));
    assert!(SmbDissector::detect(&[NBSS_POSITIVE_RESPONSE, 0, 0, 0]));
    assert!(SmbDissector::detect(&[NBSS_POSITIVE_RESPONSE, 0, 0, 0, 0]));
    assert!(!SmbDissector::detect(&[NBSS_POSITIVE_RESPONSE, 0, 0, 0, 0x17, 3, 3, 0]));
    let mut positive = vec![NBSS_POSITIVE_RESPONSE, 0, 0, 0, NBSS_KEEPALIVE, 0, 0, 0];
    positive.extend(nbss(&smb1_negotiate_response(0, 3)));
    assert!(SmbDissector::detect(&positive));

    assert!(!SmbDissector::detect(b""));
    assert!(!SmbDissector::detect(b"\x00\x00"));
    assert!(!SmbDissector::detect(b"GET / HTTP/1.1\r\n"));
    assert!(!SmbDissector::detect(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]));
    assert!(!SmbDissector::detect(&[NBSS_KEEPALIVE, 0, 0, 0]));
    assert!(!SmbDissector::detect(&[0, 0, 0, 8, 0xFE, b'S', b'M', b'B', 0, 0, 0, 0]), "too short for a header");
}

#[test]
fn partial_message_waits_for_the_rest() {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    let framed = nbss(&smb2_negotiate_response(0x0311, 1));
    for cut in [0, 3, 4, 50, framed.len() - 1] {
        assert_eq!(d.feed(TO_CLIENT, &framed[..cut], &mut out), 0, "cut at {cut}");
    }
    assert!(out.is_empty());
    // The whole message plus the start of the next: only the whole one is consumed.
    let mut more = framed.clone();
    more.extend(&framed[..10]);
    assert_eq!(d.feed(TO_CLIENT, &more, &mut out), framed.len());
    assert_eq!(out, vec![dialect(SmbDialect::Smb311, Some(false))]);
}

#[test]
fn session_service_control_messages_are_skipped() {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    let mut stream = vec![NBSS_SESSION_REQUEST, 0, 0, 4, 0x20, b'E', b'F', 0];
    stream.extend([NBSS_POSITIVE_RESPONSE, 0, 0, 0, NBSS_KEEPALIVE, 0, 0, 0]);
    stream.extend(nbss(&smb2_negotiate_response(0x0302, 3)));
    assert_eq!(d.feed(TO_CLIENT, &stream, &mut out), stream.len());
    assert_eq!(out, vec![dialect(SmbDialect::Smb302, Some(true))]);
    assert!(!d.finished());
}

#[test]
fn lost_framing_finishes_the_flow() {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    let garbage = b"\x17garbage that is not NBSS";
    assert_eq!(d.feed(TO_SERVER, garbage, &mut out), garbage.len());
    assert!(d.finished());
}

#[test]
fn transform_header_hides_only_its_own_message() {
    let mut d = SmbDissector::new();
    let mut transform = SMB2_TRANSFORM_MAGIC.to_vec();
    transform.extend([0xAA; 48]); // Signature, Nonce, OriginalMessageSize, Flags, SessionId
    transform.extend([0x5A; 100]); // ciphertext
    let mut stream = nbss(&transform);
    // A cleartext message after it (another, unencrypted share) is still read.
    stream.extend(nbss(&smb2_negotiate_response(0x0202, 0)));
    let mut out = Vec::new();
    assert_eq!(d.feed(TO_CLIENT, &stream, &mut out), stream.len());
    assert!(!d.finished());
    assert_eq!(
        out,
        vec![Finding::SmbDialect { dialect: SmbDialect::Smb202, signing_required: Some(false), cipher: None }]
    );

    let mut d = SmbDissector::new();
    let mut compressed = SMB2_COMPRESSION_MAGIC.to_vec();
    compressed.extend([0; 12]);
    run(&mut d, &[(TO_CLIENT, compressed)]);
    assert!(!d.finished());
}

#[test]
fn smb311_reports_the_encryption_cipher_from_negotiate_contexts() {
    let mut b = 65u16.to_le_bytes().to_vec();
    b.extend(1u16.to_le_bytes()); // SecurityMode: signing enabled, not required
    b.extend(0x0311u16.to_le_bytes());
    b.extend(2u16.to_le_bytes()); // NegotiateContextCount
    b.extend([0x42; 16]);
    b.extend(0x2fu32.to_le_bytes());
    b.extend([0; 12]);
    b.extend([0; 16]);
    b.extend(128u16.to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend(((SMB2_HEADER_LEN + 64) as u32).to_le_bytes()); // NegotiateContextOffset, from the header
    assert_eq!(b.len(), 64);
    // Preauth integrity context (6 data bytes, padded to 8), then encryption capabilities.
    b.extend(1u16.to_le_bytes());
    b.extend(6u16.to_le_bytes());
    b.extend([0; 4]);
    b.extend([1, 0, 0, 0, 1, 0, 0, 0]);
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend([0; 4]);
    b.extend(1u16.to_le_bytes()); // CipherCount
    b.extend(4u16.to_le_bytes()); // AES-256-GCM
    let message = Smb2::response(SMB2_NEGOTIATE, 0, 0).build(&b);
    let mut d = SmbDissector::new();
    let out = run(&mut d, &[(TO_CLIENT, message)]);
    assert_eq!(
        out,
        vec![Finding::SmbDialect {
            dialect: SmbDialect::Smb311,
            signing_required: Some(false),
            cipher: Some("AES-256-GCM".into())
        }]
    );
}

#[test]
fn oversized_messages_are_discarded_without_buffering() {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    let big = vec![0xFE; MAX_INSPECTED + 10];
    let mut stream = nbss(&big);
    stream.extend(nbss(&smb2_negotiate_response(0x0311, 0)));
    // The first chunk ends inside the big message: all of it is consumed.
    assert_eq!(d.feed(TO_CLIENT, &stream[..1000], &mut out), 1000);
    let mut at = 1000;
    while at < stream.len() {
        let end = (at + 50_000).min(stream.len());
        let n = d.feed(TO_CLIENT, &stream[at..end], &mut out);
        assert!(n > 0 || end == stream.len());
        at += n;
        if n == 0 {
            break;
        }
    }
    assert_eq!(
        out,
        vec![Finding::SmbDialect { dialect: SmbDialect::Smb311, signing_required: Some(false), cipher: None }]
    );
}

// ---- SMB1 ----

const CLASSIC_DIALECTS: [&str; 8] = [
    "PC NETWORK PROGRAM 1.0",
    "LANMAN1.0",
    "Windows for Workgroups 3.1a",
    "LM1.2X002",
    "LANMAN2.1",
    "NT LM 0.12",
    "SMB 2.002",
    "SMB 2.???",
];

#[test]
fn smb1_negotiate_with_signing_mode() {
    for (mode, required) in [(0x0F, true), (0x07, false), (0x03, false)] {
        let mut d = SmbDissector::new();
        let found = run(
            &mut d,
            &[(TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)), (TO_CLIENT, smb1_negotiate_response(5, mode))],
        );
        assert_eq!(found, vec![dialect(SmbDialect::Smb1, Some(required))]);
    }
    // Older dialects are SMB1 too, and so is a reply whose request was not seen.
    let mut d = SmbDissector::new();
    let found = run(
        &mut d,
        &[(TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)), (TO_CLIENT, smb1_negotiate_response(1, 3))],
    );
    assert_eq!(found, vec![dialect(SmbDialect::Smb1, Some(false))]);
    let found = run(&mut SmbDissector::new(), &[(TO_CLIENT, smb1_negotiate_response(5, 0x0F))]);
    assert_eq!(found, vec![dialect(SmbDialect::Smb1, Some(true))]);
}

#[test]
fn smb1_negotiate_choosing_smb2() {
    // "SMB 2.???" is the multi-protocol upgrade: the real answer comes as an SMB2 NEGOTIATE.
    let mut d = SmbDissector::new();
    let found = run(
        &mut d,
        &[(TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)), (TO_CLIENT, smb1_negotiate_response(7, 0x0F))],
    );
    assert_eq!(found, vec![]);
    let found = run(&mut d, &[(TO_CLIENT, smb2_negotiate_response(0x02FF, 1))]);
    assert_eq!(found, vec![]);
    let found = run(&mut d, &[(TO_CLIENT, smb2_negotiate_response(0x0311, 1))]);
    assert_eq!(found, vec![dialect(SmbDialect::Smb311, Some(false))]);

    let mut d = SmbDissector::new();
    let found = run(
        &mut d,
        &[(TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)), (TO_CLIENT, smb1_negotiate_response(6, 0x0F))],
    );
    assert_eq!(found, vec![dialect(SmbDialect::Smb202, Some(true))]);

    // No acceptable dialect.
    let mut d = SmbDissector::new();
    let found = run(
        &mut d,
        &[(TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)), (TO_CLIENT, smb1_negotiate_response(0xFFFF, 3))],
    );
    assert_eq!(found, vec![]);
}

#[test]
fn smb1_tree_connect_then_create() {
    for (unicode, password) in [(true, &[0u8][..]), (true, &[][..]), (false, &[0u8][..])] {
        let mut d = SmbDissector::new();
        let found = run(
            &mut d,
            &[
                (TO_SERVER, smb1_tree_connect(unicode, password, r"\\FS01\SCANS", 4)),
                (TO_CLIENT, smb1_tree_connect_response(0x0801, 4)),
                (TO_SERVER, smb1_create(unicode, 0x0801, r"\inbox\scan001.pdf", 0x0002_019F)),
                (TO_SERVER, smb1_create(unicode, 0x0999, r"\x", READ)),
            ],
        );
        assert_eq!(
            found,
            vec![
                Finding::SmbTreeConnect { path: r"\\FS01\SCANS".into() },
                create(Some(r"\\FS01\SCANS"), r"\inbox\scan001.pdf", SmbAccess::Write),
                create(None, r"\x", SmbAccess::Read),
            ],
            "unicode {unicode}, password {password:?}"
        );
    }
}

#[test]
fn smb1_failed_tree_connect_maps_nothing() {
    let mut d = SmbDissector::new();
    let mut failed = smb1_tree_connect_response(0x0801, 4);
    failed[5..9].copy_from_slice(&0xC000_00CCu32.to_le_bytes()); // STATUS_BAD_NETWORK_NAME
    let found = run(
        &mut d,
        &[
            (TO_SERVER, smb1_tree_connect(true, &[0], r"\\FS01\NOPE", 4)),
            (TO_CLIENT, failed),
            (TO_SERVER, smb1_create(true, 0x0801, r"\a", DELETE)),
        ],
    );
    assert_eq!(found[1], create(None, r"\a", SmbAccess::Delete));
}

#[test]
fn smb1_chained_tree_connect_and_create() {
    // TREE_CONNECT_ANDX with an NT_CREATE_ANDX chained after it: the create is on the new tree.
    let tree = smb1_tree_connect(false, &[0], r"\\FS01\IPC$", 4);
    let create_message = smb1_create(false, 0, r"\spoolss", 0x0002_019F);
    let next_at = tree.len();
    let mut chained = tree;
    chained[SMB1_HEADER_LEN + 1] = SMB1_COM_NT_CREATE_ANDX;
    chained[SMB1_HEADER_LEN + 3..SMB1_HEADER_LEN + 5].copy_from_slice(&(next_at as u16).to_le_bytes());
    chained.extend(&create_message[SMB1_HEADER_LEN..]);
    let found = run(&mut SmbDissector::new(), &[(TO_SERVER, chained.clone())]);
    assert_eq!(
        found,
        vec![
            Finding::SmbTreeConnect { path: r"\\FS01\IPC$".into() },
            create(Some(r"\\FS01\IPC$"), r"\spoolss", SmbAccess::Write),
        ]
    );
    // A chain that points back at itself ends instead of looping.
    chained[SMB1_HEADER_LEN + 3..SMB1_HEADER_LEN + 5].copy_from_slice(&(SMB1_HEADER_LEN as u16).to_le_bytes());
    assert_eq!(run(&mut SmbDissector::new(), &[(TO_SERVER, chained)]).len(), 1);
}

/// SESSION_SETUP_ANDX with the LM and NT responses in the words/bytes (MS-CIFS 2.2.4.53.1).
fn smb1_session_setup_nt_lm(lm: &[u8], nt: &[u8], user: &str, domain: &str) -> Vec<u8> {
    let mut words = NO_ANDX.to_vec();
    words.extend(16644u16.to_le_bytes()); // MaxBufferSize
    words.extend(50u16.to_le_bytes()); // MaxMpxCount
    words.extend(0u16.to_le_bytes()); // VcNumber
    words.extend(0u32.to_le_bytes()); // SessionKey
    words.extend((lm.len() as u16).to_le_bytes());
    words.extend((nt.len() as u16).to_le_bytes());
    words.extend(0u32.to_le_bytes()); // Reserved
    words.extend(0xd4u32.to_le_bytes()); // Capabilities
    let mut bytes = lm.to_vec();
    bytes.extend(nt);
    if (SMB1_HEADER_LEN + 1 + words.len() + 2 + bytes.len()) % 2 == 1 {
        bytes.push(0);
    }
    for s in [user, domain, "Unix", "Samba"] {
        bytes.extend(utf16(s));
        bytes.extend([0, 0]);
    }
    Smb1::request(SMB1_COM_SESSION_SETUP_ANDX, true, 0, 3).build(&words, &bytes)
}

#[test]
fn smb1_session_setup_without_extended_security() {
    let found = run(
        &mut SmbDissector::new(),
        &[
            (TO_CLIENT, smb1_negotiate_response(0, 0x03)),
            (TO_SERVER, smb1_session_setup_nt_lm(&[0x11; 24], &[0x22; 24], "scanner", "CORP")),
            (TO_SERVER, smb1_session_setup_nt_lm(&[0], &[], "", "")),
        ],
    );
    assert_eq!(
        found[1..],
        [
            Finding::Ntlm {
                version: NtlmVersion::NtlmV1,
                user: Some("scanner".into()),
                domain: Some("CORP".into()),
                workstation: None,
                anonymous: false,
            },
            Finding::Ntlm {
                version: NtlmVersion::NtlmV1,
                user: None,
                domain: None,
                workstation: None,
                anonymous: true
            },
        ]
    );
    // Plaintext passwords (the server did not ask for encryption) are not NTLM at all.
    let found = run(
        &mut SmbDissector::new(),
        &[
            (TO_CLIENT, smb1_negotiate_response(0, 0x01)),
            (TO_SERVER, smb1_session_setup_nt_lm(b"hunter2hunter2hunter2xyz", &[], "bob", "")),
        ],
    );
    assert_eq!(found.len(), 1);
}

#[test]
fn smb1_session_setup_with_extended_security() {
    let nt = ntlmv2_response();
    let blob = authenticate(&Auth { nt: &nt, user: "alice", domain: "CORP", flags: 1, ..Auth::default() });
    let mut words = NO_ANDX.to_vec();
    words.extend([0; 10]); // MaxBufferSize, MaxMpxCount, VcNumber, SessionKey
    words.extend((blob.len() as u16).to_le_bytes());
    words.extend([0; 8]); // Reserved, Capabilities
    let message = Smb1::request(SMB1_COM_SESSION_SETUP_ANDX, true, 0, 3).build(&words, &blob);
    let found = run(&mut SmbDissector::new(), &[(TO_SERVER, message)]);
    assert!(
        matches!(&found[..], [Finding::Ntlm { version: NtlmVersion::NtlmV2, user: Some(u), .. }] if u == "alice"),
        "{found:?}"
    );
}

// ---- SMB2/3 ----

#[test]
fn smb2_negotiate_each_dialect() {
    for (revision, expected) in [
        (0x0202, Some(SmbDialect::Smb202)),
        (0x0210, Some(SmbDialect::Smb21)),
        (0x0300, Some(SmbDialect::Smb30)),
        (0x0302, Some(SmbDialect::Smb302)),
        (0x0311, Some(SmbDialect::Smb311)),
        (0x02FF, None),
        (0x0312, None),
    ] {
        for (mode, required) in [(0x01, false), (0x03, true)] {
            let found = run(&mut SmbDissector::new(), &[(TO_CLIENT, smb2_negotiate_response(revision, mode))]);
            let want: Vec<_> = expected.into_iter().map(|d| dialect(d, Some(required))).collect();
            assert_eq!(found, want, "revision {revision:#06x}");
        }
    }
    // An error response, and the request form, say nothing.
    let mut error = smb2_negotiate_response(0x0311, 1);
    error[8..12].copy_from_slice(&0xC000_0022u32.to_le_bytes());
    let mut request = smb2_negotiate_response(0x0311, 1);
    request[16] = 0;
    assert_eq!(run(&mut SmbDissector::new(), &[(TO_CLIENT, error), (TO_SERVER, request)]), vec![]);
}

#[test]
fn smb2_session_setup_with_ntlmssp() {
    let nt = ntlmv2_response();
    let message = authenticate(&Auth {
        lm: &[0; 24],
        nt: &nt,
        domain: "CORP",
        user: "alice",
        workstation: "WS1",
        flags: 0x6288_8215,
    });
    // Wrapped as SPNEGO negTokenResp responseToken (RFC 4178 4.2.2); lengths are only decoration here.
    let mut blob = vec![0xa1, 0x82, 0x01, 0x90, 0x30, 0x82, 0x01, 0x8c, 0xa2, 0x82, 0x01, 0x88, 0x04, 0x82, 0x01, 0x84];
    blob.extend(message);
    let found = after_negotiate(run(&mut SmbDissector::new(), &[(TO_SERVER, smb2_session_setup(&blob))]));
    assert_eq!(
        found,
        vec![Finding::Ntlm {
            version: NtlmVersion::NtlmV2,
            user: Some("alice".into()),
            domain: Some("CORP".into()),
            workstation: Some("WS1".into()),
            anonymous: false,
        }]
    );
    // A security buffer pointing past the message yields nothing.
    let mut bad = smb2_session_setup(&blob);
    bad[64 + 14..64 + 16].copy_from_slice(&0xFFFFu16.to_le_bytes());
    assert_eq!(after_negotiate(run(&mut SmbDissector::new(), &[(TO_SERVER, bad)])), vec![]);
}

#[test]
fn smb2_tree_connect_then_creates() {
    for extension in [false, true] {
        let mut d = SmbDissector::new();
        let found = after_negotiate(run(
            &mut d,
            &[
                (
                    TO_SERVER,
                    Smb2::request(SMB2_TREE_CONNECT, 5, 0).build(&smb2_tree_connect_body(r"\\fs01\IPC$", extension)),
                ),
                (
                    TO_SERVER,
                    Smb2::request(SMB2_TREE_CONNECT, 6, 0).build(&smb2_tree_connect_body(r"\\fs01\data", extension)),
                ),
                (TO_CLIENT, smb2_tree_connect_response(6, 9, STATUS_SUCCESS)),
                (TO_CLIENT, smb2_tree_connect_response(5, 1, STATUS_PENDING)),
                (TO_CLIENT, smb2_tree_connect_response(5, 1, STATUS_SUCCESS)),
                (TO_SERVER, smb2_create(1, "spoolss", 0x0012_019F)),
                (TO_SERVER, smb2_create(1, "winreg", 0x0002_0000 | 0x1)),
                (TO_SERVER, smb2_create(9, r"reports\q3.xlsx", READ)),
                (TO_SERVER, smb2_create(9, r"reports\old.txt", DELETE | 0x80)),
                (TO_SERVER, smb2_create(9, "", 0x0010_0081)),
                (TO_SERVER, smb2_create(9, "a", 0x1000_0000)), // GENERIC_ALL
                (TO_SERVER, smb2_create(9, "b", 0x0200_0000)), // MAXIMUM_ALLOWED
                (TO_SERVER, smb2_create(9, "c", 0x0000_0100)), // FILE_WRITE_ATTRIBUTES
                (TO_SERVER, smb2_create(9, "d", 0x8000_0000)), // GENERIC_READ
                (TO_SERVER, smb2_create(77, "e", READ)),
            ],
        ));
        let ipc = Some(r"\\fs01\IPC$");
        let data = Some(r"\\fs01\data");
        assert_eq!(
            found,
            vec![
                Finding::SmbTreeConnect { path: r"\\fs01\IPC$".into() },
                Finding::SmbTreeConnect { path: r"\\fs01\data".into() },
                create(ipc, "spoolss", SmbAccess::Write),
                create(ipc, "winreg", SmbAccess::Read),
                create(data, r"reports\q3.xlsx", SmbAccess::Read),
                create(data, r"reports\old.txt", SmbAccess::Delete),
                create(data, "", SmbAccess::Read),
                create(data, "a", SmbAccess::Write),
                create(data, "b", SmbAccess::Write),
                create(data, "c", SmbAccess::Write),
                create(data, "d", SmbAccess::Read),
                create(None, "e", SmbAccess::Read),
            ],
            "extension {extension}"
        );
    }
}

#[test]
fn smb2_failed_and_disconnected_trees_are_forgotten() {
    let mut d = SmbDissector::new();
    let mut disconnect = Smb2::response(SMB2_TREE_DISCONNECT, 8, 3).build(&[4, 0, 0, 0]);
    disconnect[8..12].copy_from_slice(&[0; 4]);
    let found = run(
        &mut d,
        &[
            (TO_SERVER, Smb2::request(SMB2_TREE_CONNECT, 5, 0).build(&smb2_tree_connect_body(r"\\fs\nope", false))),
            (TO_CLIENT, smb2_tree_connect_response(5, 2, 0xC000_00CC)),
            (TO_SERVER, Smb2::request(SMB2_TREE_CONNECT, 6, 0).build(&smb2_tree_connect_body(r"\\fs\gone", false))),
            (TO_CLIENT, smb2_tree_connect_response(6, 3, STATUS_SUCCESS)),
            (TO_CLIENT, disconnect),
            (TO_SERVER, smb2_create(2, "x", READ)),
            (TO_SERVER, smb2_create(3, "y", READ)),
        ],
    );
    assert_eq!(after_negotiate(found)[2..], [create(None, "x", SmbAccess::Read), create(None, "y", SmbAccess::Read)]);
}

#[test]
fn smb2_compounds() {
    let mut d = SmbDissector::new();
    run(
        &mut d,
        &[
            (TO_SERVER, Smb2::request(SMB2_TREE_CONNECT, 5, 0).build(&smb2_tree_connect_body(r"\\fs\home", false))),
            (TO_CLIENT, smb2_tree_connect_response(5, 4, STATUS_SUCCESS)),
        ],
    );
    // CREATE + related CREATE (ids 0xFF.. inherit the first's tree) + unrelated CREATE on an unknown tree.
    let related =
        Smb2 { flags: SMB2_FLAGS_RELATED_OPERATIONS, session_id: u64::MAX, ..Smb2::request(SMB2_CREATE, 11, u32::MAX) };
    let message = compound(&[
        smb2_create(4, "one.txt", READ),
        related.build(&smb2_create_body("two.txt", READ_WRITE)),
        smb2_create(55, "three.txt", READ),
    ]);
    let found = run(&mut d, &[(TO_SERVER, message)]);
    assert_eq!(
        found,
        vec![
            create(Some(r"\\fs\home"), "one.txt", SmbAccess::Read),
            create(Some(r"\\fs\home"), "two.txt", SmbAccess::Write),
            create(None, "three.txt", SmbAccess::Read),
        ]
    );

    // TREE_CONNECT + related CREATE: the create is on the tree being connected.
    let message = compound(&[
        Smb2::request(SMB2_TREE_CONNECT, 20, 0).build(&smb2_tree_connect_body(r"\\fs\IPC$", false)),
        related.build(&smb2_create_body("srvsvc", READ_WRITE)),
    ]);
    let found = run(&mut d, &[(TO_SERVER, message)]);
    assert_eq!(
        found,
        vec![
            Finding::SmbTreeConnect { path: r"\\fs\IPC$".into() },
            create(Some(r"\\fs\IPC$"), "srvsvc", SmbAccess::Write)
        ]
    );

    // A compound response carrying the NEGOTIATE is read too; a NextCommand past the end stops the walk.
    let mut message = compound(&[smb2_negotiate_response(0x0210, 1), smb2_negotiate_response(0x0300, 3)]);
    let found = run(&mut SmbDissector::new(), &[(TO_CLIENT, message.clone())]);
    assert_eq!(found, vec![dialect(SmbDialect::Smb21, Some(false)), dialect(SmbDialect::Smb30, Some(true))]);
    message[20..24].copy_from_slice(&0xFFFF_FFF8u32.to_le_bytes());
    let found = run(&mut SmbDissector::new(), &[(TO_CLIENT, message)]);
    assert_eq!(found, vec![dialect(SmbDialect::Smb21, Some(false))]);
}

#[test]
fn per_flow_state_is_bounded() {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    for i in 0..3000u64 {
        let path = format!(r"\\fs\share{i}");
        let request = Smb2::request(SMB2_TREE_CONNECT, i, 0).build(&smb2_tree_connect_body(&path, false));
        d.feed(TO_SERVER, &nbss(&request), &mut out);
        if i % 2 == 0 {
            d.feed(TO_CLIENT, &nbss(&smb2_tree_connect_response(i, i as u32, STATUS_SUCCESS)), &mut out);
        }
    }
    assert!(d.pending_trees.len() <= MAX_ENTRIES);
    assert!(d.trees.len() <= MAX_ENTRIES);
    // The newest tree is still known; the oldest was forgotten.
    let found = run(&mut d, &[(TO_SERVER, smb2_create(2998, "new", READ)), (TO_SERVER, smb2_create(0, "old", READ))]);
    assert_eq!(
        found,
        vec![create(Some(r"\\fs\share2998"), "new", SmbAccess::Read), create(None, "old", SmbAccess::Read)]
    );
}

#[test]
fn truncated_messages_do_not_panic() {
    let messages = fixture_stream();
    for message in &messages {
        for cut in 0..message.len() {
            let mut d = SmbDissector::new();
            let mut out = Vec::new();
            let framed = nbss(&message[..cut]);
            assert_eq!(d.feed(TO_SERVER, &framed, &mut out), framed.len());
        }
    }
}

/// One of every message the tests build: cut at every byte, and mutated by
/// the dissector contract's tests (`samples`).
fn fixture_stream() -> Vec<Vec<u8>> {
    let nt = ntlmv2_response();
    let auth = authenticate(&Auth { nt: &nt, user: "u", domain: "d", flags: 1, ..Auth::default() });
    vec![
        smb1_negotiate_request(&CLASSIC_DIALECTS),
        smb1_negotiate_response(5, 0x0F),
        smb1_session_setup_nt_lm(&[1; 24], &[2; 24], "user", "DOM"),
        smb1_tree_connect(true, &[], r"\\S\T", 4),
        smb1_tree_connect_response(0x0801, 4),
        smb1_create(true, 0x0801, r"\f", READ),
        smb2_negotiate_response(0x0311, 3),
        smb2_session_setup(&auth),
        Smb2::request(SMB2_TREE_CONNECT, 5, 0).build(&smb2_tree_connect_body(r"\\S\T", true)),
        smb2_tree_connect_response(5, 1, STATUS_SUCCESS),
        compound(&[smb2_create(1, "a", READ), smb2_create(1, "b", DELETE)]),
    ]
}

/// Built messages for the dissector contract's tests (`registry`), beside
/// the real sessions there: requests from the client, responses from the server.
pub(crate) fn samples() -> Vec<crate::wire::feeding::Transcript> {
    let from = |message: &Vec<u8>| {
        let reply = match &message[..4] {
            m if m == SMB1_MAGIC => message[9] & SMB1_FLAGS_REPLY != 0,
            _ => message.get(16).is_some_and(|flags| u32::from(*flags) & SMB2_FLAGS_SERVER_TO_REDIR != 0),
        };
        if reply {
            Direction::ToClient
        } else {
            Direction::ToServer
        }
    };
    vec![fixture_stream().iter().map(|m| (from(m), nbss(m))).collect()]
}

#[test]
fn an_oversized_message_is_discarded_in_its_own_direction_only() {
    // A client's 100 KiB WRITE arrives in pieces; between them the server's
    // NEGOTIATE response arrives on the other direction and is still read.
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    let write = nbss(&vec![0xFE; 100 * 1024]);
    assert_eq!(d.feed(TO_SERVER, &write[..30_000], &mut out), 30_000);
    let response = nbss(&smb2_negotiate_response(0x0311, 1));
    assert_eq!(d.feed(TO_CLIENT, &response, &mut out), response.len());
    assert_eq!(d.feed(TO_SERVER, &write[30_000..], &mut out), write.len() - 30_000);
    assert_eq!(out, vec![dialect(SmbDialect::Smb311, Some(false))]);
}
