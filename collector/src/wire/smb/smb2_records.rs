//! SMB2/3 messages (MS-SMB2 2.2), one pure function of bytes per message
//! Temper reads, as in Suricata's `smb2_records.rs`: each takes a PDU from
//! its 64-byte header on (offsets in the messages count from there) and
//! returns what it says, or `None` for bytes that are not that message.
//! Who sent which message, and what it means for the session, is
//! `session`'s business.

use super::super::bytes::{le16, le32, le64, utf16le};
use crate::versions::SmbDialect;

pub const SMB2_MAGIC: [u8; 4] = [0xFE, b'S', b'M', b'B'];
/// SMB2 TRANSFORM_HEADER: everything inside is encrypted (MS-SMB2 2.2.41).
pub const SMB2_TRANSFORM_MAGIC: [u8; 4] = [0xFD, b'S', b'M', b'B'];
/// SMB2 COMPRESSION_TRANSFORM_HEADER (MS-SMB2 2.2.42).
pub const SMB2_COMPRESSION_MAGIC: [u8; 4] = [0xFC, b'S', b'M', b'B'];

pub const SMB2_HEADER_LEN: usize = 64;
pub const SMB2_NEGOTIATE: u16 = 0x0000;
pub const SMB2_SESSION_SETUP: u16 = 0x0001;
pub const SMB2_TREE_CONNECT: u16 = 0x0003;
pub const SMB2_TREE_DISCONNECT: u16 = 0x0004;
pub const SMB2_CREATE: u16 = 0x0005;
pub const SMB2_FLAGS_SERVER_TO_REDIR: u32 = 0x0000_0001;
pub const SMB2_FLAGS_ASYNC_COMMAND: u32 = 0x0000_0002;
pub const SMB2_FLAGS_RELATED_OPERATIONS: u32 = 0x0000_0004;
/// SecurityMode bit of the NEGOTIATE response (MS-SMB2 2.2.4).
pub const SMB2_NEGOTIATE_SIGNING_REQUIRED: u16 = 0x0002;
pub const STATUS_SUCCESS: u32 = 0x0000_0000;
/// An interim response; the final one follows with the same MessageId (MS-SMB2 3.3.4.2).
pub const STATUS_PENDING: u32 = 0x0000_0103;
/// Negotiate context type of the encryption capabilities (MS-SMB2 2.2.3.1).
const SMB2_ENCRYPTION_CAPABILITIES: u16 = 0x0002;
/// Commands followed in one compound; real ones are a handful.
const MAX_COMPOUND: usize = 256;

/// The SMB2 header fields Temper uses (MS-SMB2 2.2.1.1 async, 2.2.1.2 sync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb2Header {
    pub command: u16,
    /// NT status in responses (ChannelSequence/Reserved in requests).
    pub status: u32,
    pub flags: u32,
    /// Offset of the next compounded header; `None` for the last one.
    pub next_command: Option<usize>,
    pub message_id: u64,
    /// Absent in the async form, which carries an AsyncId there instead.
    pub tree_id: Option<u32>,
    pub session_id: u64,
}

impl Smb2Header {
    pub fn parse(pdu: &[u8]) -> Option<Self> {
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

    pub fn is_response(&self) -> bool {
        self.flags & SMB2_FLAGS_SERVER_TO_REDIR != 0
    }

    pub fn is_related(&self) -> bool {
        self.flags & SMB2_FLAGS_RELATED_OPERATIONS != 0
    }
}

/// The PDUs of one SMB2 message, possibly a compound of several (MS-SMB2 3.2.4.1.4): each
/// starts with its own header, and NextCommand gives the offset of the next one. A NextCommand
/// that is not a whole header further on ends the walk after that PDU.
pub fn compound(message: &[u8]) -> impl Iterator<Item = (Smb2Header, &[u8])> {
    let mut at = Some(0usize);
    std::iter::from_fn(move || {
        let rest = message.get(at?..)?;
        let header = Smb2Header::parse(rest)?;
        let next = header.next_command.filter(|&n| n >= SMB2_HEADER_LEN && n <= rest.len());
        let pdu = &rest[..next.unwrap_or(rest.len())];
        at = next.and_then(|n| at.map(|a| a + n));
        Some((header, pdu))
    })
    .take(MAX_COMPOUND)
}

/// What a successful NEGOTIATE response (MS-SMB2 2.2.4) chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiateResponse {
    pub dialect: SmbDialect,
    pub signing_required: bool,
    /// The encryption cipher an SMB 3.1.1 server chose, from its negotiate contexts.
    pub cipher: Option<String>,
}

/// NEGOTIATE response (MS-SMB2 2.2.4): SecurityMode and DialectRevision. `None` for an error,
/// and for 0x02FF, which answers a multi-protocol negotiate (the client sends an SMB2
/// NEGOTIATE next, MS-SMB2 3.3.5.3.1); unknown revisions are not guessed at.
pub fn negotiate_response(pdu: &[u8]) -> Option<NegotiateResponse> {
    let header = Smb2Header::parse(pdu)?;
    if header.command != SMB2_NEGOTIATE || !header.is_response() || header.status != STATUS_SUCCESS {
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
        _ => return None,
    };
    let cipher = if dialect == SmbDialect::Smb311 { encryption_cipher(pdu, body) } else { None };
    Some(NegotiateResponse { dialect, signing_required: security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED != 0, cipher })
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

/// SESSION_SETUP request (MS-SMB2 2.2.5): its security buffer (SPNEGO, NTLMSSP or Kerberos).
pub fn session_setup_request(pdu: &[u8]) -> Option<&[u8]> {
    let header = Smb2Header::parse(pdu)?;
    if header.command != SMB2_SESSION_SETUP || header.is_response() {
        return None;
    }
    let body = pdu.get(SMB2_HEADER_LEN..)?;
    slice_at(pdu, le16(body, 12), le16(body, 14))
}

/// TREE_CONNECT request (MS-SMB2 2.2.9): the share path as the client wrote it. PathOffset and
/// PathLength locate the UTF-16LE path, also when a 3.1.1 tree connect extension (2.2.9.1)
/// moves it further into the buffer.
pub fn tree_connect_request(pdu: &[u8]) -> Option<String> {
    let header = Smb2Header::parse(pdu)?;
    if header.command != SMB2_TREE_CONNECT || header.is_response() {
        return None;
    }
    let body = pdu.get(SMB2_HEADER_LEN..)?;
    Some(trim_nuls(utf16le(slice_at(pdu, le16(body, 4), le16(body, 6))?)))
}

/// What a CREATE request (MS-SMB2 2.2.13) opens, and with which access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    /// Relative to the share (empty for its root); named pipes on IPC$ (`spoolss`, `winreg`) too.
    pub name: String,
    pub desired_access: u32,
}

pub fn create_request(pdu: &[u8]) -> Option<CreateRequest> {
    let header = Smb2Header::parse(pdu)?;
    if header.command != SMB2_CREATE || header.is_response() {
        return None;
    }
    let body = pdu.get(SMB2_HEADER_LEN..)?;
    let desired_access = le32(body, 24)?;
    let (name_offset, name_len) = (le16(body, 44)?, le16(body, 46)?);
    let name = if name_len == 0 {
        String::new()
    } else {
        trim_nuls(utf16le(slice_at(pdu, Some(name_offset), Some(name_len))?))
    };
    Some(CreateRequest { name, desired_access })
}

/// `len` bytes at `offset` from the start of an SMB2 header, if they are all there.
fn slice_at(pdu: &[u8], offset: Option<u16>, len: Option<u16>) -> Option<&[u8]> {
    let offset = usize::from(offset?);
    pdu.get(offset..offset + usize::from(len?))
}

fn trim_nuls(text: String) -> String {
    match text.trim_end_matches('\0').len() {
        len if len == text.len() => text,
        len => text[..len].to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! On real messages: `collector/tests/captures/smb3.pcap`, Samba 4.17's
    //! smbd and smbclient -m SMB3 (frame numbers as tshark shows them).
    use super::*;
    use crate::wire::test_support::smb_message;

    fn pdu(frame: usize) -> Vec<u8> {
        smb_message("smb3.pcap", frame)
    }

    #[test]
    fn negotiate_responses_frames_6_and_9() {
        // Frame 6 answers smbclient's SMB1 multi-protocol negotiate with the SMB2 wildcard 0x02FF.
        assert_eq!(negotiate_response(&pdu(6)), None);
        // Frame 9: SMB 3.1.1, signing enabled but not required, AES-128-GCM in the contexts.
        assert_eq!(
            negotiate_response(&pdu(9)),
            Some(NegotiateResponse {
                dialect: SmbDialect::Smb311,
                signing_required: false,
                cipher: Some("AES-128-GCM".into())
            })
        );
        // A request is not a response.
        assert_eq!(negotiate_response(&pdu(8)), None);
    }

    #[test]
    fn session_setup_request_frame_12_carries_the_ntlmssp_authenticate() {
        let message = pdu(12);
        let blob = session_setup_request(&message).expect("a security buffer");
        let at = blob.windows(8).position(|w| w == b"NTLMSSP\0").expect("NTLMSSP inside SPNEGO");
        assert_eq!(blob[at + 8], 3, "an AUTHENTICATE message");
        assert_eq!(session_setup_request(&pdu(13)), None, "the response carries no request buffer");
    }

    #[test]
    fn tree_connect_requests_frames_14_and_20() {
        assert_eq!(tree_connect_request(&pdu(14)).as_deref(), Some(r"\\127.0.0.1\IPC$"));
        assert_eq!(tree_connect_request(&pdu(20)).as_deref(), Some(r"\\127.0.0.1\projects"));
        assert_eq!(tree_connect_request(&pdu(21)), None);
    }

    #[test]
    fn create_requests_frames_22_and_28() {
        // Frame 22 opens report.txt for the write (FILE_GENERIC_READ | FILE_GENERIC_WRITE).
        assert_eq!(
            create_request(&pdu(22)),
            Some(CreateRequest { name: "report.txt".into(), desired_access: 0x0012_019f })
        );
        // Frame 28 opens the share's root for the listing.
        assert_eq!(create_request(&pdu(28)).map(|c| c.name), Some(String::new()));
    }

    #[test]
    fn headers_and_every_truncation() {
        let header = Smb2Header::parse(&pdu(22)).unwrap();
        assert_eq!((header.command, header.is_response(), header.tree_id), (SMB2_CREATE, false, Some(0x6a94_4021)));
        assert_eq!(compound(&pdu(22)).count(), 1);
        for frame in [9, 12, 14, 22] {
            let whole = pdu(frame);
            for cut in 0..whole.len() {
                let bytes = &whole[..cut];
                let _ = (negotiate_response(bytes), session_setup_request(bytes), tree_connect_request(bytes));
                let _ = create_request(bytes);
                assert!(compound(bytes).all(|(_, p)| p.len() <= cut));
            }
        }
    }
}
