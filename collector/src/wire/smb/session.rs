//! The SMB session state machine over the record parsers: NBSS framing per
//! direction, the dialect chosen, the trees connected (by TID or by session
//! and TreeId) and the files and pipes opened on them. Which direction a
//! message came from is read from its own header (SMB1 reply flag, SMB2
//! SERVER_TO_REDIR); the direction the flow gives is what framing follows.

use std::collections::HashMap;
use std::hash::Hash;

use super::nbss;
use super::smb1_records::{self as smb1, Smb1Block, Smb1Header, SMB1_MAGIC};
use super::smb2_records::{self as smb2, Smb2Header, SMB2_COMPRESSION_MAGIC, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC};
use crate::versions::SmbDialect;
use crate::wire::dissector::{Dissector, Gap};
use crate::wire::{kerberos, ntlmssp, Direction, Finding, SmbAccess};

/// Larger messages are file data (READ/WRITE) or directory listings: skipped unread. Control
/// messages are far smaller; the largest, a SESSION_SETUP carrying a Kerberos ticket with a big
/// PAC, stays under Windows' default MaxTokenSize of 48,000 bytes.
pub(super) const MAX_INSPECTED: usize = 64 * 1024;

// Access mask bits (MS-SMB2 2.2.13.1.1, MS-DTYP 2.4.3).
pub(super) const DELETE: u32 = 0x0001_0000;
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
pub(super) const MAX_ENTRIES: usize = 1024;
/// MS-SMB2 2.2.9 allows server names under 256 and share names up to 80 characters; longer
/// paths are not real tree connects and are neither reported nor remembered.
const MAX_TREE_PATH_CHARS: usize = 400;

/// Per-TCP-flow SMB state.
#[derive(Default)]
pub struct SmbDissector {
    /// Dialect strings of the last SMB1 NEGOTIATE request, in order: the response picks one by index.
    smb1_dialects: Option<Vec<String>>,
    /// Whether the SMB1 server asked for challenge/response passwords; plaintext ones are not NTLM.
    smb1_encrypt_passwords: Option<bool>,
    /// Tree connects awaiting their response: request → share path.
    pub(super) pending_trees: BoundedMap<RequestKey, String>,
    /// Connected trees: tree id → share path.
    pub(super) trees: BoundedMap<TreeKey, String>,
    finished: bool,
    /// Per direction: bytes of an oversized message still to drop.
    discard: [usize; 2],
    /// Per direction: a hole swallowed a message boundary; find the next one.
    resync: [bool; 2],
    /// The server answered in SMB1 format.
    smb1_replies: bool,
    /// A dialect finding was reported for this flow.
    dialect_reported: bool,
    /// A NEGOTIATE (SMB1 or SMB2) was seen: the dialect will be, or was, learned here.
    negotiate_seen: bool,
}

impl SmbDissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`nbss::detect`].
    pub fn detect(data: &[u8]) -> bool {
        nbss::detect(data)
    }

    /// One NBSS session message: an SMB1 message, an SMB2 message or compound, or a transform.
    fn message(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let before = out.len();
        let magic = message.get(..4);
        if magic == Some(&SMB1_MAGIC[..]) {
            self.smb1(message, out);
        } else if magic == Some(&SMB2_MAGIC[..]) {
            self.smb2(message, out);
        } else if magic == Some(&SMB2_TRANSFORM_MAGIC[..]) || magic == Some(&SMB2_COMPRESSION_MAGIC[..]) {
            // This message is encrypted (or compressed, which would need MS-XCA for little gain);
            // encryption can be required per share (MS-SMB2 3.3.5.2.11), so later messages to
            // unencrypted shares remain readable.
        }
        // Anything else is not SMB; skip that message but keep the framing.
        if out[before..].iter().any(|f| matches!(f, Finding::SmbDialect { .. })) {
            self.dialect_reported = true;
        }
    }

    // ---- SMB1 ----

    fn smb1(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let Some(header) = Smb1Header::parse(message) else { return };
        if header.reply {
            self.smb1_replies = true;
        }
        // A tree connected earlier in this chain: a chained NT_CREATE_ANDX opens its file there.
        let mut chained_tree: Option<String> = None;
        for block in smb1::chain(message, &header) {
            if block.command == smb1::SMB1_COM_NEGOTIATE {
                self.negotiate_seen = true;
            }
            match (block.command, header.reply) {
                (smb1::SMB1_COM_NEGOTIATE, false) => self.smb1_dialects = Some(smb1::negotiate_request(&block)),
                (smb1::SMB1_COM_NEGOTIATE, true) => out.extend(self.smb1_negotiate_response(&block)),
                (smb1::SMB1_COM_SESSION_SETUP_ANDX, false) => self.smb1_session_setup(&header, &block, out),
                (smb1::SMB1_COM_TREE_CONNECT_ANDX, false) => {
                    if let Some(path) = smb1::tree_connect_request(&header, &block).and_then(valid_tree_path) {
                        self.pending_trees.insert(RequestKey::Smb1 { mid: header.mid }, path.clone());
                        out.push(Finding::SmbTreeConnect { path: path.clone() });
                        chained_tree = Some(path);
                    }
                }
                // The header's TID now names the requested share (MS-CIFS 2.2.4.55.2).
                (smb1::SMB1_COM_TREE_CONNECT_ANDX, true) => {
                    if let Some(path) = self.pending_trees.remove(&RequestKey::Smb1 { mid: header.mid }) {
                        if header.status == smb2::STATUS_SUCCESS {
                            self.trees.insert(TreeKey::Smb1 { tid: header.tid }, path);
                        }
                    }
                }
                (smb1::SMB1_COM_NT_CREATE_ANDX, false) => {
                    if let Some(create) = smb1::nt_create_request(&header, &block) {
                        let tree_path = chained_tree
                            .as_ref()
                            .or_else(|| self.trees.get(&TreeKey::Smb1 { tid: header.tid }))
                            .cloned();
                        out.push(Finding::SmbCreate {
                            tree_path,
                            file: create.name,
                            access: access_from_mask(create.desired_access),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// The dialect the response's DialectIndex picks from the request's list.
    fn smb1_negotiate_response(&mut self, block: &Smb1Block) -> Option<Finding> {
        let response = smb1::negotiate_response(block)?;
        let dialects = self.smb1_dialects.take();
        let index = response.dialect_index?;
        if let Some(mode) = response.security_mode {
            self.smb1_encrypt_passwords = Some(mode & smb1::SMB1_NEGOTIATE_ENCRYPT_PASSWORDS != 0);
        }
        let chosen = dialects.and_then(|d| d.into_iter().nth(usize::from(index)));
        let dialect = match chosen.as_deref() {
            Some("SMB 2.002") => SmbDialect::Smb202,
            // "SMB 2.???": the multi-protocol negotiate; an SMB2 NEGOTIATE follows (MS-SMB2 3.3.5.3.1).
            Some(name) if name.starts_with("SMB 2.") => return None,
            // "NT LM 0.12" and the classic dialects before it; a reply whose request was not seen
            // still means the server spoke SMB1.
            Some(_) | None => SmbDialect::Smb1,
        };
        Some(Finding::SmbDialect { dialect, signing_required: response.signing_required, cipher: None })
    }

    fn smb1_session_setup(&self, header: &Smb1Header, block: &Smb1Block, out: &mut Vec<Finding>) {
        match smb1::session_setup_request(header, block) {
            Some(smb1::SessionSetupRequest::Extended { blob }) => authentication(blob, out),
            Some(smb1::SessionSetupRequest::Responses { lm, nt, user, domain }) => {
                // Without a challenge the "passwords" are plaintext, not LM/NTLM responses.
                if self.smb1_encrypt_passwords == Some(false) {
                    return;
                }
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
            None => {}
        }
    }

    // ---- SMB2/3 ----

    fn smb2(&mut self, message: &[u8], out: &mut Vec<Finding>) {
        let mut previous = Tree::Unknown;
        for (index, (header, pdu)) in smb2::compound(message).enumerate() {
            if header.command == smb2::SMB2_NEGOTIATE {
                self.negotiate_seen = true;
            } else if !self.negotiate_seen && !self.dialect_reported {
                // The session negotiated before the capture (or the observer) began:
                // SMB 2 or later, the dialect unknown until the client reconnects.
                out.push(Finding::SmbDialect {
                    dialect: SmbDialect::Smb2Unknown,
                    signing_required: None,
                    cipher: None,
                });
                self.dialect_reported = true;
            }
            // Related operations use the previous operation's session and tree (MS-SMB2 3.3.5.2.7.2).
            let tree = if header.is_related() && index > 0 {
                previous
            } else {
                header.tree_id.map_or(Tree::Unknown, |tree_id| Tree::Id(header.session_id, tree_id))
            };
            previous = self.smb2_command(&header, pdu, tree, out);
        }
    }

    /// One SMB2 command; returns the tree a related operation after it would use.
    fn smb2_command(&mut self, header: &Smb2Header, pdu: &[u8], tree: Tree, out: &mut Vec<Finding>) -> Tree {
        match (header.command, header.is_response()) {
            (smb2::SMB2_NEGOTIATE, true) => {
                if let Some(n) = smb2::negotiate_response(pdu) {
                    out.push(Finding::SmbDialect {
                        dialect: n.dialect,
                        signing_required: Some(n.signing_required),
                        cipher: n.cipher,
                    });
                }
            }
            (smb2::SMB2_SESSION_SETUP, false) => {
                if let Some(blob) = smb2::session_setup_request(pdu) {
                    authentication(blob, out);
                }
            }
            (smb2::SMB2_TREE_CONNECT, false) => {
                if let Some(path) = smb2::tree_connect_request(pdu).and_then(valid_tree_path) {
                    self.pending_trees.insert(RequestKey::Smb2 { message_id: header.message_id }, path.clone());
                    out.push(Finding::SmbTreeConnect { path: path.clone() });
                    return Tree::Connecting(path);
                }
            }
            // The header's TreeId now names the requested share (MS-SMB2 2.2.10).
            (smb2::SMB2_TREE_CONNECT, true) if header.status != smb2::STATUS_PENDING => {
                if let Some(path) = self.pending_trees.remove(&RequestKey::Smb2 { message_id: header.message_id }) {
                    if let (smb2::STATUS_SUCCESS, Some(tree_id)) = (header.status, header.tree_id) {
                        self.trees.insert(TreeKey::Smb2 { session_id: header.session_id, tree_id }, path);
                    }
                }
            }
            (smb2::SMB2_TREE_DISCONNECT, true) => {
                if let (smb2::STATUS_SUCCESS, Some(tree_id)) = (header.status, header.tree_id) {
                    self.trees.remove(&TreeKey::Smb2 { session_id: header.session_id, tree_id });
                }
            }
            (smb2::SMB2_CREATE, false) => {
                if let Some(create) = smb2::create_request(pdu) {
                    let tree_path = match &tree {
                        Tree::Id(session_id, tree_id) => {
                            self.trees.get(&TreeKey::Smb2 { session_id: *session_id, tree_id: *tree_id }).cloned()
                        }
                        Tree::Connecting(path) => Some(path.clone()),
                        Tree::Unknown => None,
                    };
                    out.push(Finding::SmbCreate {
                        tree_path,
                        file: create.name,
                        access: access_from_mask(create.desired_access),
                    });
                }
            }
            _ => {}
        }
        tree
    }
}

impl Dissector for SmbDissector {
    /// Consumes whole NBSS messages of one direction, starting at an NBSS message boundary.
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        let discard = &mut self.discard[dir.index()];
        // The rest of an oversized message seen earlier: drop it as it arrives.
        let mut consumed = (*discard).min(data.len());
        *discard -= consumed;
        if *discard > 0 {
            return consumed;
        }
        if self.resync[dir.index()] {
            match next_message(&data[consumed..]) {
                Some(at) => {
                    consumed += at;
                    self.resync[dir.index()] = false;
                }
                // Keep a tail that may hold the start of a boundary split across feeds.
                None => return data.len().saturating_sub(BOUNDARY_PROBE - 1).max(consumed),
            }
        }
        while !self.finished {
            let Some(header) = data.get(consumed..consumed + nbss::HEADER_LEN) else { break };
            let kind = header[0];
            // Not NBSS framing: the message boundaries are lost and cannot be found again.
            if !nbss::is_packet_type(kind) {
                self.finished = true;
                break;
            }
            let length = nbss::length(header);
            let end = consumed + nbss::HEADER_LEN + length;
            if length > MAX_INSPECTED {
                // Bulk data: consume what is here, discard the rest when it comes.
                self.discard[dir.index()] = end.saturating_sub(data.len());
                consumed = end.min(data.len());
                if self.discard[dir.index()] > 0 {
                    break;
                }
                continue;
            }
            let Some(message) = data.get(consumed + nbss::HEADER_LEN..end) else { break };
            // Session setup on port 139 and keepalives carry no SMB (RFC 1002 4.3.2–4.3.7).
            if kind == nbss::SESSION_MESSAGE {
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

    /// A hole inside a message being skipped costs nothing; one inside a
    /// message whose length is known is skipped to that message's end; else
    /// the next message boundary is searched for, as Zeek's SMB analyzer does
    /// after an undelivered gap and Suricata by probing for the next record.
    fn gap(&mut self, dir: Direction, unconsumed: &[u8], lost: u64) -> Gap {
        let d = dir.index();
        if self.discard[d] > 0 {
            if lost <= self.discard[d] as u64 {
                self.discard[d] -= lost as usize;
                return Gap::Skipped;
            }
            // The hole ran past the end of the skipped message.
            self.discard[d] = 0;
            self.resync[d] = true;
            return Gap::Hid;
        }
        if let Some(header) = unconsumed.get(..nbss::HEADER_LEN).filter(|h| nbss::is_packet_type(h[0])) {
            let body = nbss::length(header);
            let rest = (nbss::HEADER_LEN + body).saturating_sub(unconsumed.len()) as u64;
            if lost <= rest {
                self.discard[d] = (rest - lost) as usize;
                // A message this large is file data, skipped unread anyway.
                return if body > MAX_INSPECTED { Gap::Skipped } else { Gap::Hid };
            }
        }
        self.resync[d] = true;
        Gap::Hid
    }

    /// True once nothing more can be learned (the framing was lost), so the caller can stop
    /// buffering this flow.
    fn finished(&self) -> bool {
        self.finished
    }

    /// End of flow: a server that answered in SMB1 speaks SMB1 with this client, even when the
    /// capture began after the NEGOTIATE that would have said so.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        if self.smb1_replies && !self.dialect_reported {
            out.push(Finding::SmbDialect { dialect: SmbDialect::Smb1, signing_required: None, cipher: None });
            self.dialect_reported = true;
        }
    }
}

/// Bytes a message boundary is recognised by: the NBSS header, the SMB magic
/// and, for SMB2, its header's StructureSize.
const BOUNDARY_PROBE: usize = nbss::HEADER_LEN + 6;

/// Where in `data` the next SMB message plausibly starts after a hole: an
/// NBSS session message header whose length fits what follows it, then an
/// SMB1 header or an SMB2 header (StructureSize 64, a known command) or a
/// transform header.
fn next_message(data: &[u8]) -> Option<usize> {
    memchr::memmem::find_iter(data, b"SMB").filter_map(|at| at.checked_sub(nbss::HEADER_LEN + 1)).find(|&start| {
        let Some(probe) = data.get(start..start + BOUNDARY_PROBE) else { return false };
        let length = nbss::length(probe);
        probe[0] == nbss::SESSION_MESSAGE
            && match probe[4] {
                0xFF => length >= smb1::SMB1_HEADER_LEN,
                0xFE => {
                    length >= smb2::SMB2_HEADER_LEN
                        && u16::from_le_bytes([probe[8], probe[9]]) == 64
                        && data.get(start + 16..start + 18).is_none_or(|c| u16::from_le_bytes([c[0], c[1]]) <= 0x12)
                }
                0xFD | 0xFC => length >= 52,
                _ => false,
            }
    })
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

/// The tree a CREATE applies to: one known by id, or one being connected earlier in the same compound.
enum Tree {
    Id(u64, u32),
    Connecting(String),
    Unknown,
}

/// Identifies a request awaiting its response.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum RequestKey {
    Smb1 { mid: u16 },
    Smb2 { message_id: u64 },
}

/// Identifies a connected tree: SMB1 TIDs are per connection, SMB2 TreeIds per session.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum TreeKey {
    Smb1 { tid: u16 },
    Smb2 { session_id: u64, tree_id: u32 },
}

/// A map of at most [`MAX_ENTRIES`] entries that forgets the oldest insertion when full, so a
/// flow that never sees responses (or a hostile one) cannot grow it without bound.
pub(super) struct BoundedMap<K, V> {
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
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A share path worth reporting and remembering: not empty, not absurdly long.
fn valid_tree_path(path: String) -> Option<String> {
    (!path.is_empty() && path.chars().count() <= MAX_TREE_PATH_CHARS).then_some(path)
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}
