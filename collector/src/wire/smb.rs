//! SMB over direct TCP (port 445, MS-SMB2 2.1) and the NetBIOS session service (port 139,
//! RFC 1002 4.3): control messages only.
//!
//! From each flow we learn the dialect the server chose and whether it requires signing, the
//! authentication carried by SESSION_SETUP (handed to the NTLMSSP and Kerberos dissectors), the
//! shares clients connect to, and the files and named pipes they open with which access. File
//! data (READ/WRITE) is never parsed: messages larger than `MAX_INSPECTED` (64 KiB) are discarded as they
//! stream past, without being buffered. A transform header hides only its own message:
//! encryption can be required per share (MS-SMB2 3.3.5.2.11, Share.EncryptData), so other trees'
//! messages on the same connection stay in the clear and are still read.

use std::collections::HashMap;
use std::hash::Hash;

use super::{kerberos, ntlmssp, Direction, Finding, SmbAccess};
use crate::versions::SmbDialect;

// NetBIOS session service packet types (RFC 1002 4.3.1).
const NBSS_HEADER_LEN: usize = 4;
const NBSS_SESSION_MESSAGE: u8 = 0x00;
const NBSS_SESSION_REQUEST: u8 = 0x81;
const NBSS_POSITIVE_RESPONSE: u8 = 0x82;
const NBSS_NEGATIVE_RESPONSE: u8 = 0x83;
const NBSS_KEEPALIVE: u8 = 0x85;

// Protocol identifiers at the start of each message.
const SMB1_MAGIC: [u8; 4] = [0xFF, b'S', b'M', b'B'];
const SMB2_MAGIC: [u8; 4] = [0xFE, b'S', b'M', b'B'];
/// SMB2 TRANSFORM_HEADER: everything inside is encrypted (MS-SMB2 2.2.41).
const SMB2_TRANSFORM_MAGIC: [u8; 4] = [0xFD, b'S', b'M', b'B'];
/// SMB2 COMPRESSION_TRANSFORM_HEADER (MS-SMB2 2.2.42).
const SMB2_COMPRESSION_MAGIC: [u8; 4] = [0xFC, b'S', b'M', b'B'];
/// Larger messages are file data (READ/WRITE) or directory listings: skipped unread. Control
/// messages are far smaller; the largest, a SESSION_SETUP carrying a Kerberos ticket with a big
/// PAC, stays under Windows' default MaxTokenSize of 48,000 bytes.
const MAX_INSPECTED: usize = 64 * 1024;
/// Negotiate context type of the encryption capabilities (MS-SMB2 2.2.3.1).
const SMB2_ENCRYPTION_CAPABILITIES: u16 = 0x0002;

// SMB1 (MS-CIFS 2.2.3.1 header, 2.2.4 commands).
const SMB1_HEADER_LEN: usize = 32;
const SMB1_COM_LOCKING_ANDX: u8 = 0x24;
const SMB1_COM_OPEN_ANDX: u8 = 0x2D;
const SMB1_COM_READ_ANDX: u8 = 0x2E;
const SMB1_COM_WRITE_ANDX: u8 = 0x2F;
const SMB1_COM_NEGOTIATE: u8 = 0x72;
const SMB1_COM_SESSION_SETUP_ANDX: u8 = 0x73;
const SMB1_COM_LOGOFF_ANDX: u8 = 0x74;
const SMB1_COM_TREE_CONNECT_ANDX: u8 = 0x75;
const SMB1_COM_NT_CREATE_ANDX: u8 = 0xA2;
/// AndXCommand value that ends a chain (MS-CIFS 2.2.3.4).
const SMB1_COM_NO_ANDX_COMMAND: u8 = 0xFF;
/// Commands whose parameter block starts with an AndX link (MS-CIFS 2.2.3.4).
const SMB1_ANDX_COMMANDS: [u8; 8] = [
    SMB1_COM_LOCKING_ANDX,
    SMB1_COM_OPEN_ANDX,
    SMB1_COM_READ_ANDX,
    SMB1_COM_WRITE_ANDX,
    SMB1_COM_SESSION_SETUP_ANDX,
    SMB1_COM_LOGOFF_ANDX,
    SMB1_COM_TREE_CONNECT_ANDX,
    SMB1_COM_NT_CREATE_ANDX,
];
const SMB1_FLAGS_REPLY: u8 = 0x80;
const SMB1_FLAGS2_UNICODE: u16 = 0x8000;
/// DialectIndex when the server accepts none of the client's dialects (MS-CIFS 2.2.4.52.2).
const SMB1_NO_DIALECT: u16 = 0xFFFF;
/// SecurityMode bits of the NEGOTIATE response (MS-CIFS 2.2.4.52.2).
const SMB1_NEGOTIATE_ENCRYPT_PASSWORDS: u8 = 0x02;
const SMB1_NEGOTIATE_SECURITY_SIGNATURES_REQUIRED: u8 = 0x08;
/// Word counts of the NT LM 0.12 (17) and LANMAN (13) NEGOTIATE responses (MS-CIFS 2.2.4.52.2).
const SMB1_NT_LM_NEGOTIATE_WORDS: usize = 17;
const SMB1_LANMAN_NEGOTIATE_WORDS: usize = 13;
/// SESSION_SETUP_ANDX word counts: extended security (MS-SMB 2.2.4.6.1) and NT LM 0.12 with
/// LM/NT responses in the clear (MS-CIFS 2.2.4.53.1).
const SMB1_SESSION_SETUP_EXTENDED_WORDS: usize = 12;
const SMB1_SESSION_SETUP_NT_LM_WORDS: usize = 13;

// SMB2/3 (MS-SMB2 2.2.1 header, 2.2.3 onwards commands).
const SMB2_HEADER_LEN: usize = 64;
const SMB2_NEGOTIATE: u16 = 0x0000;
const SMB2_SESSION_SETUP: u16 = 0x0001;
const SMB2_TREE_CONNECT: u16 = 0x0003;
const SMB2_TREE_DISCONNECT: u16 = 0x0004;
const SMB2_CREATE: u16 = 0x0005;
const SMB2_FLAGS_SERVER_TO_REDIR: u32 = 0x0000_0001;
const SMB2_FLAGS_ASYNC_COMMAND: u32 = 0x0000_0002;
const SMB2_FLAGS_RELATED_OPERATIONS: u32 = 0x0000_0004;
/// SecurityMode bit of the NEGOTIATE response (MS-SMB2 2.2.4).
const SMB2_NEGOTIATE_SIGNING_REQUIRED: u16 = 0x0002;
const STATUS_SUCCESS: u32 = 0x0000_0000;
/// An interim response; the final one follows with the same MessageId (MS-SMB2 3.3.4.2).
const STATUS_PENDING: u32 = 0x0000_0103;

// Access mask bits (MS-SMB2 2.2.13.1.1, MS-DTYP 2.4.3).
const DELETE: u32 = 0x0001_0000;
const WRITE_ACCESS: u32 = 0x0000_0002 // FILE_WRITE_DATA
    | 0x0000_0004 // FILE_APPEND_DATA
    | 0x0000_0010 // FILE_WRITE_EA
    | 0x0000_0100 // FILE_WRITE_ATTRIBUTES
    | 0x0004_0000 // WRITE_DAC
    | 0x0008_0000 // WRITE_OWNER
    | 0x4000_0000 // GENERIC_WRITE
    | 0x1000_0000 // GENERIC_ALL
    | 0x0200_0000; // MAXIMUM_ALLOWED: may grant write, so count it as such

// Bounds on per-flow state, so that neither a long flow nor a hostile one grows it without limit.
/// Pending tree connects and known trees, each.
const MAX_ENTRIES: usize = 1024;
/// MS-SMB2 2.2.9 allows server names under 256 and share names up to 80 characters; longer
/// paths are not real tree connects and are neither reported nor remembered.
const MAX_TREE_PATH_CHARS: usize = 400;
/// Dialects remembered from one SMB1 NEGOTIATE request, and characters kept of each.
const MAX_SMB1_DIALECTS: usize = 64;
const MAX_SMB1_DIALECT_CHARS: usize = 64;
/// Commands followed in one AndX chain or one SMB2 compound; real ones are a handful.
const MAX_ANDX_CHAIN: usize = 16;
const MAX_COMPOUND: usize = 256;

/// Per-TCP-flow SMB state.
#[derive(Default)]
pub struct SmbDissector {
    /// Dialect strings of the last SMB1 NEGOTIATE request, in order: the response picks one by index.
    smb1_dialects: Option<Vec<String>>,
    /// Whether the SMB1 server asked for challenge/response passwords; plaintext ones are not NTLM.
    smb1_encrypt_passwords: Option<bool>,
    /// Tree connects awaiting their response: request → share path.
    pending_trees: BoundedMap<RequestKey, String>,
    /// Connected trees: tree id → share path.
    trees: BoundedMap<TreeKey, String>,
    finished: bool,
    /// Bytes of an oversized message still to drop.
    discard: usize,
    /// The server answered in SMB1 format.
    smb1_replies: bool,
    /// A dialect finding was reported for this flow.
    dialect_reported: bool,
}

impl SmbDissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the first bytes of a stream direction look like SMB over TCP 445 / NetBIOS 139
    /// (NBSS session message type 0x00 + 24-bit length, then 0xFF'SMB', 0xFE'SMB' or 0xFD'SMB').
    ///
    /// On port 139 a flow starts with a session request (client) or positive response (server)
    /// before any SMB (RFC 1002 4.3.2); those count too.
    pub fn detect(data: &[u8]) -> bool {
        let mut at = 0;
        // A lone keepalive says little; a positive response is the server side of port 139.
        let mut positive_response = false;
        // A few leading control messages (positive response, keepalives) may precede the first SMB.
        for _ in 0..4 {
            let Some(header) = data.get(at..at + NBSS_HEADER_LEN) else { return positive_response };
            let length = nbss_length(header);
            match header[0] {
                NBSS_SESSION_MESSAGE => {
                    let magic = data.get(at + NBSS_HEADER_LEN..at + NBSS_HEADER_LEN + 4);
                    let is_smb = [SMB1_MAGIC, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC, SMB2_COMPRESSION_MAGIC]
                        .iter()
                        .any(|m| magic == Some(&m[..]));
                    return is_smb && length >= SMB1_HEADER_LEN;
                }
                // The called name is first-level encoded: a length byte of 32, then 32 letters (RFC 1002 4.1.1, 4.3.2).
                NBSS_SESSION_REQUEST => return data.get(at + NBSS_HEADER_LEN) == Some(&0x20),
                // Error codes 0x80..=0x8F (RFC 1002 4.3.4).
                NBSS_NEGATIVE_RESPONSE => {
                    return length == 1 && data.get(at + NBSS_HEADER_LEN).is_some_and(|code| code & 0xF0 == 0x80)
                }
                NBSS_POSITIVE_RESPONSE | NBSS_KEEPALIVE if length == 0 => {
                    positive_response |= header[0] == NBSS_POSITIVE_RESPONSE;
                    at += NBSS_HEADER_LEN;
                }
                _ => return false,
            }
        }
        positive_response
    }

    /// Feeds reassembled, in-order stream bytes of one direction, starting at an NBSS message boundary.
    /// Returns how many bytes were consumed (whole NBSS messages only); the caller keeps the rest and
    /// calls again with more bytes appended. Pushes what it learns to `out`.
    ///
    /// Once [`finished`](Self::finished) is true every byte offered is consumed (and discarded), so
    /// a caller that keeps feeding never buffers for nothing.
    ///
    /// Both directions share the state; which one a message came from is read from its own header
    /// (SMB1 reply flag, SMB2 SERVER_TO_REDIR), so `_dir` is not needed.
    pub fn feed(&mut self, _dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        // The rest of an oversized message seen earlier: drop it as it arrives.
        let mut consumed = self.discard.min(data.len());
        self.discard -= consumed;
        if self.discard > 0 {
            return consumed;
        }
        while !self.finished {
            let Some(header) = data.get(consumed..consumed + NBSS_HEADER_LEN) else { break };
            let kind = header[0];
            // Not NBSS framing: the message boundaries are lost and cannot be found again.
            if kind != NBSS_SESSION_MESSAGE && !(NBSS_SESSION_REQUEST..=NBSS_KEEPALIVE).contains(&kind) {
                self.finished = true;
                break;
            }
            let end = consumed + NBSS_HEADER_LEN + nbss_length(header);
            if nbss_length(header) > MAX_INSPECTED {
                // Bulk data: consume what is here, discard the rest when it comes.
                self.discard = end.saturating_sub(data.len());
                consumed = end.min(data.len());
                if self.discard > 0 {
                    break;
                }
                continue;
            }
            let Some(message) = data.get(consumed + NBSS_HEADER_LEN..end) else { break };
            // Session setup on port 139 and keepalives carry no SMB (RFC 1002 4.3.2–4.3.7).
            if kind == NBSS_SESSION_MESSAGE {
                self.message(message, out);
            }
            consumed = end;
        }
        if self.finished {
            data.len()
        } else {
            consumed
        }
    }

    /// True once nothing more can be learned (e.g. after an encrypted transform header 0xFD'SMB'),
    /// so the caller can stop buffering this flow.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// End of flow: a server that answered in SMB1 speaks SMB1 with this client, even when the
    /// capture began after the NEGOTIATE that would have said so.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        if self.smb1_replies && !self.dialect_reported {
            out.push(Finding::SmbDialect { dialect: SmbDialect::Smb1, signing_required: None, cipher: None });
            self.dialect_reported = true;
        }
    }

    /// One NBSS session message: an SMB1 message, an SMB2 message or compound, or a transform.
    fn message(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let before = out.len();
        self.message_inner(message, out);
        if out[before..].iter().any(|f| matches!(f, Finding::SmbDialect { .. })) {
            self.dialect_reported = true;
        }
    }

    fn message_inner(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let magic = message.get(..4);
        if magic == Some(&SMB1_MAGIC[..]) {
            if Smb1Header::parse(message).is_some_and(|h| h.reply) {
                self.smb1_replies = true;
            }
            self.smb1(message, out);
        } else if magic == Some(&SMB2_MAGIC[..]) {
            self.smb2(message, out);
        } else if magic == Some(&SMB2_TRANSFORM_MAGIC[..]) || magic == Some(&SMB2_COMPRESSION_MAGIC[..]) {
            // This message is encrypted (or compressed, which would need MS-XCA for little gain);
            // later messages to unencrypted shares remain readable.
        }
        // Anything else is not SMB; skip that message but keep the framing.
    }

    // ---- SMB1 (MS-CIFS) ----

    fn smb1(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let Some(header) = Smb1Header::parse(message) else { return };
        let mut command = header.command;
        let mut at = SMB1_HEADER_LEN;
        // A tree connected earlier in this chain: a chained NT_CREATE_ANDX opens its file there.
        let mut chained_tree: Option<String> = None;
        for _ in 0..MAX_ANDX_CHAIN {
            let Some(block) = Smb1Block::parse(message, at) else { return };
            match (command, header.reply) {
                (SMB1_COM_NEGOTIATE, false) => self.smb1_negotiate_request(&block),
                (SMB1_COM_NEGOTIATE, true) => out.extend(self.smb1_negotiate_response(&block)),
                (SMB1_COM_SESSION_SETUP_ANDX, false) => self.smb1_session_setup(&header, &block, out),
                (SMB1_COM_TREE_CONNECT_ANDX, false) => {
                    if let Some(path) = self.smb1_tree_connect(&header, &block) {
                        out.push(Finding::SmbTreeConnect { path: path.clone() });
                        chained_tree = Some(path);
                    }
                }
                (SMB1_COM_TREE_CONNECT_ANDX, true) => self.smb1_tree_connect_response(&header),
                (SMB1_COM_NT_CREATE_ANDX, false) => {
                    out.extend(self.smb1_create(&header, &block, chained_tree.as_ref()));
                }
                _ => {}
            }
            // Follow the AndX link (MS-CIFS 2.2.3.4). Each block must start after the previous
            // one, so a hostile chain cannot loop.
            if !SMB1_ANDX_COMMANDS.contains(&command) {
                return;
            }
            let (Some(&next), Some(next_at)) = (block.words.first(), le16(block.words, 2)) else { return };
            let next_at = usize::from(next_at);
            if next == SMB1_COM_NO_ANDX_COMMAND || next_at <= at {
                return;
            }
            command = next;
            at = next_at;
        }
    }

    /// NEGOTIATE request (MS-CIFS 2.2.4.52.1): a run of 0x02-prefixed, NUL-terminated dialect strings.
    fn smb1_negotiate_request(&mut self, block: &Smb1Block) {
        let mut dialects = Vec::new();
        let mut rest = block.bytes;
        while let Some((&0x02, tail)) = rest.split_first() {
            if dialects.len() == MAX_SMB1_DIALECTS {
                break;
            }
            let len = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
            dialects.push(tail[..len.min(MAX_SMB1_DIALECT_CHARS)].iter().map(|&b| char::from(b)).collect());
            rest = tail.get(len + 1..).unwrap_or_default();
        }
        self.smb1_dialects = Some(dialects);
    }

    /// NEGOTIATE response (MS-CIFS 2.2.4.52.2): DialectIndex picks one of the request's dialects.
    fn smb1_negotiate_response(&mut self, block: &Smb1Block) -> Option<Finding> {
        let index = le16(block.words, 0)?;
        let dialects = self.smb1_dialects.take();
        if index == SMB1_NO_DIALECT {
            return None;
        }
        let word_count = block.words.len() / 2;
        // Only the NT LM 0.12 form has the signing bits; LANMAN's 16-bit SecurityMode shares the
        // password-encryption bit in its low byte.
        let security_mode = match word_count {
            SMB1_NT_LM_NEGOTIATE_WORDS | SMB1_LANMAN_NEGOTIATE_WORDS => block.words.get(2).copied(),
            _ => None,
        };
        if let Some(mode) = security_mode {
            self.smb1_encrypt_passwords = Some(mode & SMB1_NEGOTIATE_ENCRYPT_PASSWORDS != 0);
        }
        let chosen = dialects.and_then(|d| d.into_iter().nth(usize::from(index)));
        let dialect = match chosen.as_deref() {
            Some("SMB 2.002") => SmbDialect::Smb202,
            // "SMB 2.???": the multi-protocol negotiate; an SMB2 NEGOTIATE follows (MS-SMB2 3.3.5.3.1).
            Some(name) if name.starts_with("SMB 2.") => return None,
            // "NT LM 0.12" and the classic dialects before it.
            Some(_) => SmbDialect::Smb1,
            // The request was not seen: a reply in SMB1 format still means the server spoke SMB1.
            None => SmbDialect::Smb1,
        };
        let signing_required = security_mode
            .filter(|_| word_count == SMB1_NT_LM_NEGOTIATE_WORDS)
            .map(|mode| mode & SMB1_NEGOTIATE_SECURITY_SIGNATURES_REQUIRED != 0);
        Some(Finding::SmbDialect { dialect, signing_required, cipher: None })
    }

    /// SESSION_SETUP_ANDX request: either a security blob (extended security, MS-SMB 2.2.4.6.1)
    /// or the LM and NT responses themselves (MS-CIFS 2.2.4.53.1) — the classic NTLMv1 path.
    fn smb1_session_setup(&self, header: &Smb1Header, block: &Smb1Block, out: &mut Vec<Finding>) {
        match block.words.len() / 2 {
            SMB1_SESSION_SETUP_EXTENDED_WORDS => {
                let Some(blob_len) = le16(block.words, 14) else { return };
                if let Some(blob) = block.bytes.get(..usize::from(blob_len)) {
                    authentication(blob, out);
                }
            }
            SMB1_SESSION_SETUP_NT_LM_WORDS => {
                // Without a challenge the "passwords" are plaintext, not LM/NTLM responses.
                if self.smb1_encrypt_passwords == Some(false) {
                    return;
                }
                let (Some(oem_len), Some(unicode_len)) = (le16(block.words, 14), le16(block.words, 16)) else {
                    return;
                };
                let (oem_len, unicode_len) = (usize::from(oem_len), usize::from(unicode_len));
                let Some(lm) = block.bytes.get(..oem_len) else { return };
                let Some(nt) = block.bytes.get(oem_len..oem_len + unicode_len) else { return };
                // AccountName then PrimaryDomain follow, after a Unicode alignment pad.
                let names_at = block.bytes_at + oem_len + unicode_len;
                let (user, next) = block.string_at(names_at, header.unicode).unwrap_or_default();
                let domain = block.string_at(next, header.unicode).map(|(domain, _)| domain).unwrap_or_default();
                if let Some((version, anonymous)) = ntlmssp::classify(lm, nt, user.is_empty()) {
                    out.push(Finding::Ntlm {
                        version,
                        user: non_empty(user),
                        domain: non_empty(domain),
                        workstation: None,
                        anonymous,
                    });
                }
            }
            _ => {}
        }
    }

    /// TREE_CONNECT_ANDX request (MS-CIFS 2.2.4.55.1): Password, a pad if Unicode, then Path.
    /// Returns the path, remembered until the response tells its TID.
    fn smb1_tree_connect(&mut self, header: &Smb1Header, block: &Smb1Block) -> Option<String> {
        let password_len = usize::from(le16(block.words, 6)?);
        let (path, _) = block.string_at(block.bytes_at + password_len, header.unicode)?;
        let path = valid_tree_path(path)?;
        self.pending_trees.insert(RequestKey::Smb1 { mid: header.mid }, path.clone());
        Some(path)
    }

    /// TREE_CONNECT_ANDX response: the header's TID now names the requested share (MS-CIFS 2.2.4.55.2).
    fn smb1_tree_connect_response(&mut self, header: &Smb1Header) {
        if let Some(path) = self.pending_trees.remove(&RequestKey::Smb1 { mid: header.mid }) {
            if header.status == STATUS_SUCCESS {
                self.trees.insert(TreeKey::Smb1 { tid: header.tid }, path);
            }
        }
    }

    /// NT_CREATE_ANDX request (MS-CIFS 2.2.4.64.1): NameLength and DesiredAccess in the words,
    /// the (aligned) FileName in the bytes.
    fn smb1_create(&self, header: &Smb1Header, block: &Smb1Block, chained_tree: Option<&String>) -> Option<Finding> {
        let name_len = usize::from(le16(block.words, 5)?);
        let desired_access = le32(block.words, 15)?;
        let name_at = align_unicode(block.bytes_at, header.unicode) - block.bytes_at;
        let name = block.bytes.get(name_at..)?;
        let name = &name[..name_len.min(name.len())];
        let file = if header.unicode { utf16le(name) } else { name.iter().map(|&b| char::from(b)).collect() };
        let file = match file.find('\0') {
            Some(nul) => file[..nul].to_string(),
            None => file,
        };
        let tree_path = chained_tree.or_else(|| self.trees.get(&TreeKey::Smb1 { tid: header.tid })).cloned();
        Some(Finding::SmbCreate { tree_path, file, access: access_from_mask(desired_access) })
    }

    // ---- SMB2/3 (MS-SMB2) ----

    /// An SMB2 message, possibly a compound of several (MS-SMB2 3.2.4.1.4): each starts with its
    /// own header, and NextCommand gives the offset of the next one.
    fn smb2(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let mut at = 0;
        let mut previous = Tree::Unknown;
        for _ in 0..MAX_COMPOUND {
            let Some(rest) = message.get(at..) else { return };
            let Some(header) = Smb2Header::parse(rest) else { return };
            // A NextCommand that is not a whole header further on ends the walk after this PDU.
            let next = header.next_command.filter(|&n| n >= SMB2_HEADER_LEN && n <= rest.len());
            let pdu = &rest[..next.unwrap_or(rest.len())];
            // Related operations use the previous operation's session and tree (MS-SMB2 3.3.5.2.7.2).
            let tree = if header.flags & SMB2_FLAGS_RELATED_OPERATIONS != 0 && at > 0 {
                previous
            } else {
                header.tree_id.map_or(Tree::Unknown, |tree_id| Tree::Id(header.session_id, tree_id))
            };
            previous = self.smb2_command(&header, pdu, tree, out);
            match next {
                Some(n) => at += n,
                None => return,
            }
        }
    }

    /// One SMB2 command; returns the tree a related operation after it would use.
    fn smb2_command(&mut self, header: &Smb2Header, pdu: &[u8], tree: Tree, out: &mut Vec<Finding>) -> Tree {
        let body = &pdu[SMB2_HEADER_LEN..];
        let response = header.flags & SMB2_FLAGS_SERVER_TO_REDIR != 0;
        match (header.command, response) {
            (SMB2_NEGOTIATE, true) => out.extend(smb2_negotiate_response(header, pdu)),
            (SMB2_SESSION_SETUP, false) => {
                // SESSION_SETUP request (MS-SMB2 2.2.5): SecurityBufferOffset from the header start.
                if let Some(blob) = slice_at(pdu, le16(body, 12), le16(body, 14)) {
                    authentication(blob, out);
                }
            }
            (SMB2_TREE_CONNECT, false) => {
                if let Some(path) = self.smb2_tree_connect(header, pdu, body) {
                    out.push(Finding::SmbTreeConnect { path: path.clone() });
                    return Tree::Connecting(path);
                }
            }
            (SMB2_TREE_CONNECT, true) => self.smb2_tree_connect_response(header),
            (SMB2_TREE_DISCONNECT, true) => {
                if let (STATUS_SUCCESS, Some(tree_id)) = (header.status, header.tree_id) {
                    self.trees.remove(&TreeKey::Smb2 { session_id: header.session_id, tree_id });
                }
            }
            (SMB2_CREATE, false) => out.extend(self.smb2_create(pdu, body, &tree)),
            _ => {}
        }
        tree
    }

    /// TREE_CONNECT request (MS-SMB2 2.2.9): PathOffset/PathLength locate the UTF-16LE path, also
    /// when a 3.1.1 tree connect extension (2.2.9.1) moves it further into the buffer.
    fn smb2_tree_connect(&mut self, header: &Smb2Header, pdu: &[u8], body: &[u8]) -> Option<String> {
        let path = valid_tree_path(utf16le(slice_at(pdu, le16(body, 4), le16(body, 6))?))?;
        self.pending_trees.insert(RequestKey::Smb2 { message_id: header.message_id }, path.clone());
        Some(path)
    }

    /// TREE_CONNECT response (MS-SMB2 2.2.10): the header's TreeId now names the requested share.
    fn smb2_tree_connect_response(&mut self, header: &Smb2Header) {
        if header.status == STATUS_PENDING {
            return;
        }
        let Some(path) = self.pending_trees.remove(&RequestKey::Smb2 { message_id: header.message_id }) else {
            return;
        };
        if let (STATUS_SUCCESS, Some(tree_id)) = (header.status, header.tree_id) {
            self.trees.insert(TreeKey::Smb2 { session_id: header.session_id, tree_id }, path);
        }
    }

    /// CREATE request (MS-SMB2 2.2.13): DesiredAccess, and the UTF-16LE name relative to the
    /// share (empty for the share root). Named pipes on IPC$ ("spoolss", "winreg", ...) too.
    fn smb2_create(&self, pdu: &[u8], body: &[u8], tree: &Tree) -> Option<Finding> {
        let desired_access = le32(body, 24)?;
        let (name_offset, name_len) = (le16(body, 44)?, le16(body, 46)?);
        let file =
            if name_len == 0 { String::new() } else { utf16le(slice_at(pdu, Some(name_offset), Some(name_len))?) };
        let tree_path = match tree {
            Tree::Id(session_id, tree_id) => {
                self.trees.get(&TreeKey::Smb2 { session_id: *session_id, tree_id: *tree_id }).cloned()
            }
            Tree::Connecting(path) => Some(path.clone()),
            Tree::Unknown => None,
        };
        Some(Finding::SmbCreate { tree_path, file, access: access_from_mask(desired_access) })
    }
}

/// NEGOTIATE response (MS-SMB2 2.2.4): SecurityMode and DialectRevision.
/// SMB2 NEGOTIATE response (MS-SMB2 2.2.4); `pdu` starts at the SMB2 header, which is
/// where NegotiateContextOffset counts from.
fn smb2_negotiate_response(header: &Smb2Header, pdu: &[u8]) -> Option<Finding> {
    if header.status != STATUS_SUCCESS {
        return None;
    }
    let body = pdu.get(SMB2_HEADER_LEN..)?;
    let security_mode = le16(body, 2)?;
    let dialect = match le16(body, 4)? {
        0x0202 => SmbDialect::Smb202,
        0x0210 => SmbDialect::Smb21,
        0x0300 => SmbDialect::Smb30,
        0x0302 => SmbDialect::Smb302,
        0x0311 => SmbDialect::Smb311,
        // 0x02FF answers a multi-protocol negotiate: the client sends an SMB2 NEGOTIATE next
        // (MS-SMB2 3.3.5.3.1). Unknown revisions are not guessed at.
        _ => return None,
    };
    let signing_required = Some(security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED != 0);
    let cipher = if dialect == SmbDialect::Smb311 { encryption_cipher(pdu, body) } else { None };
    Some(Finding::SmbDialect { dialect, signing_required, cipher })
}

/// The cipher in the response's SMB2_ENCRYPTION_CAPABILITIES negotiate context (MS-SMB2
/// 2.2.3.1.2): the server lists exactly the one it chose.
fn encryption_cipher(pdu: &[u8], body: &[u8]) -> Option<String> {
    let count = le16(body, 6)? as usize;
    let mut at = le32(body, 60)? as usize;
    for _ in 0..count.min(64) {
        let context_type = le16(pdu, at)?;
        let length = le16(pdu, at + 2)? as usize;
        let data = pdu.get(at + 8..at + 8 + length)?;
        if context_type == SMB2_ENCRYPTION_CAPABILITIES {
            let cipher = le16(data, 2)?;
            return Some(match cipher {
                0x0001 => "AES-128-CCM".to_string(),
                0x0002 => "AES-128-GCM".to_string(),
                0x0003 => "AES-256-CCM".to_string(),
                0x0004 => "AES-256-GCM".to_string(),
                // 0: the server does not support any of the client's ciphers.
                0x0000 => return None,
                other => format!("cipher-0x{other:04x}"),
            });
        }
        // Contexts are 8-byte aligned (MS-SMB2 2.2.4).
        at = (at + 8 + length).div_ceil(8) * 8;
    }
    None
}

/// Hands a SESSION_SETUP security buffer to the authentication dissectors.
fn authentication(blob: &[u8], out: &mut Vec<Finding>) {
    out.extend(ntlmssp::find_authenticate(blob));
    out.extend(kerberos::ap_req_in_gss(blob));
}

/// What a CREATE asked for, from its DesiredAccess mask; delete outranks write outranks read.
fn access_from_mask(mask: u32) -> SmbAccess {
    if mask & DELETE != 0 {
        SmbAccess::Delete
    } else if mask & WRITE_ACCESS != 0 {
        SmbAccess::Write
    } else {
        SmbAccess::Read
    }
}

/// Length of an NBSS packet's trailer (RFC 1002 4.3.1): 17 bits, widened to 24 for session
/// messages because direct TCP uses the whole 3 bytes (MS-SMB2 2.1).
fn nbss_length(header: &[u8]) -> usize {
    let high = if header[0] == NBSS_SESSION_MESSAGE { header[1] } else { header[1] & 0x01 };
    usize::from(high) << 16 | usize::from(header[2]) << 8 | usize::from(header[3])
}

/// The SMB1 header fields we use (MS-CIFS 2.2.3.1).
struct Smb1Header {
    command: u8,
    status: u32,
    reply: bool,
    unicode: bool,
    tid: u16,
    mid: u16,
}

impl Smb1Header {
    fn parse(message: &[u8]) -> Option<Self> {
        if message.len() < SMB1_HEADER_LEN {
            return None;
        }
        Some(Self {
            command: message[4],
            status: le32(message, 5)?,
            reply: message[9] & SMB1_FLAGS_REPLY != 0,
            unicode: le16(message, 10)? & SMB1_FLAGS2_UNICODE != 0,
            tid: le16(message, 24)?,
            mid: le16(message, 30)?,
        })
    }
}

/// One command's parameter and data blocks (MS-CIFS 2.2.3.2, 2.2.3.3).
struct Smb1Block<'a> {
    words: &'a [u8],
    bytes: &'a [u8],
    /// Offset of `bytes` from the start of the SMB header, which Unicode alignment is relative to.
    bytes_at: usize,
}

impl<'a> Smb1Block<'a> {
    /// Parses the blocks whose WordCount is at `at`; both must fit in the message.
    fn parse(message: &'a [u8], at: usize) -> Option<Self> {
        let words_at = at.checked_add(1)?;
        let words_end = words_at + 2 * usize::from(*message.get(at)?);
        let words = message.get(words_at..words_end)?;
        let byte_count = usize::from(le16(message, words_end)?);
        let bytes_at = words_end + 2;
        let bytes = message.get(bytes_at..bytes_at + byte_count)?;
        Some(Self { words, bytes, bytes_at })
    }

    /// Reads the NUL-terminated SMB_STRING (MS-CIFS 2.2.1.1.1) at message offset `at`, after the
    /// pad that aligns Unicode. Returns it and the message offset just past its terminator.
    fn string_at(&self, at: usize, unicode: bool) -> Option<(String, usize)> {
        let at = align_unicode(at, unicode);
        let rest = self.bytes.get(at.checked_sub(self.bytes_at)?..)?;
        let (text, used) = if unicode {
            let units: Vec<u16> =
                rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&u| u != 0).collect();
            (String::from_utf16_lossy(&units), 2 * (units.len() + 1))
        } else {
            let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            (rest[..len].iter().map(|&b| char::from(b)).collect(), len + 1)
        };
        Some((text, at + used))
    }
}

/// SMB1 Unicode strings start on an even offset from the SMB header, after a pad byte if needed
/// (MS-CIFS 2.2.1.1.1).
fn align_unicode(at: usize, unicode: bool) -> usize {
    if unicode && at % 2 == 1 {
        at + 1
    } else {
        at
    }
}

/// The SMB2 header fields we use (MS-SMB2 2.2.1.1 async, 2.2.1.2 sync).
struct Smb2Header {
    command: u16,
    /// NT status in responses (ChannelSequence/Reserved in requests).
    status: u32,
    flags: u32,
    /// Offset of the next compounded header; `None` for the last one.
    next_command: Option<usize>,
    message_id: u64,
    /// Absent in the async form, which carries an AsyncId there instead.
    tree_id: Option<u32>,
    session_id: u64,
}

impl Smb2Header {
    fn parse(pdu: &[u8]) -> Option<Self> {
        // StructureSize is always 64 (MS-SMB2 2.2.1.1); anything else is not a header.
        if pdu.len() < SMB2_HEADER_LEN || pdu[..4] != SMB2_MAGIC || le16(pdu, 4)? != 64 {
            return None;
        }
        let flags = le32(pdu, 16)?;
        let next_command = usize::try_from(le32(pdu, 20)?).ok().filter(|&n| n != 0);
        let tree_id = if flags & SMB2_FLAGS_ASYNC_COMMAND == 0 { Some(le32(pdu, 36)?) } else { None };
        Some(Self {
            command: le16(pdu, 12)?,
            status: le32(pdu, 8)?,
            flags,
            next_command,
            message_id: le64(pdu, 24)?,
            tree_id,
            session_id: le64(pdu, 40)?,
        })
    }
}

/// The tree a CREATE applies to: one known by id, or one being connected earlier in the same compound.
enum Tree {
    Id(u64, u32),
    Connecting(String),
    Unknown,
}

/// Identifies a request awaiting its response.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum RequestKey {
    Smb1 { mid: u16 },
    Smb2 { message_id: u64 },
}

/// Identifies a connected tree: SMB1 TIDs are per connection, SMB2 TreeIds per session.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum TreeKey {
    Smb1 { tid: u16 },
    Smb2 { session_id: u64, tree_id: u32 },
}

/// A map of at most [`MAX_ENTRIES`] entries that forgets the oldest insertion when full, so a
/// flow that never sees responses (or a hostile one) cannot grow it without bound.
struct BoundedMap<K, V> {
    entries: HashMap<K, (u64, V)>,
    next_seq: u64,
}

impl<K, V> Default for BoundedMap<K, V> {
    fn default() -> Self {
        Self { entries: HashMap::new(), next_seq: 0 }
    }
}

impl<K: Eq + Hash + Copy, V> BoundedMap<K, V> {
    fn insert(&mut self, key: K, value: V) {
        if self.entries.len() >= MAX_ENTRIES && !self.entries.contains_key(&key) {
            // A linear scan, but only when full, and the map is small.
            let oldest = self.entries.iter().min_by_key(|(_, (seq, _))| *seq).map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (self.next_seq, value));
        self.next_seq += 1;
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(_, value)| value)
    }

    fn remove(&mut self, key: &K) -> Option<V> {
        self.entries.remove(key).map(|(_, value)| value)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// `len` bytes at `offset` from the start of an SMB2 header, if they are all there.
fn slice_at(pdu: &[u8], offset: Option<u16>, len: Option<u16>) -> Option<&[u8]> {
    let offset = usize::from(offset?);
    pdu.get(offset..offset + usize::from(len?))
}

/// UTF-16LE text (a trailing odd byte is ignored, bad surrogates are replaced), without trailing NULs.
fn utf16le(bytes: &[u8]) -> String {
    let text: String = char::decode_utf16(bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    match text.trim_end_matches('\0').len() {
        len if len == text.len() => text,
        len => text[..len].to_string(),
    }
}

/// A share path worth reporting and remembering: not empty, not absurdly long.
fn valid_tree_path(path: String) -> Option<String> {
    (!path.is_empty() && path.chars().count() <= MAX_TREE_PATH_CHARS).then_some(path)
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions::NtlmVersion;
    use crate::wire::ntlmssp::tests::{authenticate, ntlmv2_response, Auth};
    use proptest::prelude::*;

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
                &[
                    (TO_SERVER, smb1_negotiate_request(&CLASSIC_DIALECTS)),
                    (TO_CLIENT, smb1_negotiate_response(5, mode)),
                ],
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
        let mut blob =
            vec![0xa1, 0x82, 0x01, 0x90, 0x30, 0x82, 0x01, 0x8c, 0xa2, 0x82, 0x01, 0x88, 0x04, 0x82, 0x01, 0x84];
        blob.extend(message);
        let found = run(&mut SmbDissector::new(), &[(TO_SERVER, smb2_session_setup(&blob))]);
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
        assert_eq!(run(&mut SmbDissector::new(), &[(TO_SERVER, bad)]), vec![]);
    }

    #[test]
    fn smb2_tree_connect_then_creates() {
        for extension in [false, true] {
            let mut d = SmbDissector::new();
            let found = run(
                &mut d,
                &[
                    (
                        TO_SERVER,
                        Smb2::request(SMB2_TREE_CONNECT, 5, 0)
                            .build(&smb2_tree_connect_body(r"\\fs01\IPC$", extension)),
                    ),
                    (
                        TO_SERVER,
                        Smb2::request(SMB2_TREE_CONNECT, 6, 0)
                            .build(&smb2_tree_connect_body(r"\\fs01\data", extension)),
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
            );
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
        assert_eq!(found[2..], [create(None, "x", SmbAccess::Read), create(None, "y", SmbAccess::Read)]);
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
        let related = Smb2 {
            flags: SMB2_FLAGS_RELATED_OPERATIONS,
            session_id: u64::MAX,
            ..Smb2::request(SMB2_CREATE, 11, u32::MAX)
        };
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
        let found =
            run(&mut d, &[(TO_SERVER, smb2_create(2998, "new", READ)), (TO_SERVER, smb2_create(0, "old", READ))]);
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

    /// One of every message the tests build, for fuzzing by mutation.
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

    proptest! {
        #[test]
        fn arbitrary_bytes_in_arbitrary_chunks(
            data in proptest::collection::vec(any::<u8>(), 0..2048),
            chunks in proptest::collection::vec(0usize..300, 1..20),
        ) {
            feed_in_chunks(&data, &chunks);
            let _ = ntlmssp::find_authenticate(&data);
        }

        #[test]
        fn mutated_valid_streams_in_arbitrary_chunks(
            mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..24),
            chunks in proptest::collection::vec(0usize..400, 1..30),
        ) {
            let mut data: Vec<u8> = fixture_stream().iter().flat_map(|m| nbss(m)).collect();
            for (at, byte) in mutations {
                let at = at.index(data.len());
                data[at] = byte;
            }
            feed_in_chunks(&data, &chunks);
            let _ = ntlmssp::find_authenticate(&data);
        }
    }

    /// Feeds `data` the way a flow tracker would: appending chunks to a buffer and dropping what
    /// was consumed. Checks the consumed count never exceeds what was offered.
    fn feed_in_chunks(data: &[u8], chunks: &[usize]) {
        let mut d = SmbDissector::new();
        let mut out = Vec::new();
        let mut buffer = Vec::new();
        let mut rest = data;
        let mut dir = TO_SERVER;
        for &size in chunks.iter().cycle().take(chunks.len() + data.len()) {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            buffer.extend_from_slice(chunk);
            let consumed = d.feed(dir, &buffer, &mut out);
            assert!(consumed <= buffer.len());
            buffer.drain(..consumed);
            dir = dir.reverse();
        }
    }
}
