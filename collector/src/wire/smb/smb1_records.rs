//! SMB1 messages (MS-CIFS 2.2, MS-SMB 2.2), one pure function of bytes per
//! message Temper reads. An SMB1 message is a header and a chain of
//! commands (AndX, MS-CIFS 2.2.3.4), each a parameter block (words) and a
//! data block (bytes); [`chain`] walks the chain and each parser reads one
//! command's blocks. What a message means for the session is `session`'s.

use super::super::bytes::{le16, le32, utf16le};

pub const SMB1_MAGIC: [u8; 4] = [0xFF, b'S', b'M', b'B'];
pub const SMB1_HEADER_LEN: usize = 32;
pub const SMB1_COM_LOCKING_ANDX: u8 = 0x24;
pub const SMB1_COM_OPEN_ANDX: u8 = 0x2D;
pub const SMB1_COM_READ_ANDX: u8 = 0x2E;
pub const SMB1_COM_WRITE_ANDX: u8 = 0x2F;
pub const SMB1_COM_NEGOTIATE: u8 = 0x72;
pub const SMB1_COM_SESSION_SETUP_ANDX: u8 = 0x73;
pub const SMB1_COM_LOGOFF_ANDX: u8 = 0x74;
pub const SMB1_COM_TREE_CONNECT_ANDX: u8 = 0x75;
pub const SMB1_COM_NT_CREATE_ANDX: u8 = 0xA2;
/// AndXCommand value that ends a chain (MS-CIFS 2.2.3.4).
pub const SMB1_COM_NO_ANDX_COMMAND: u8 = 0xFF;
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
pub const SMB1_FLAGS_REPLY: u8 = 0x80;
pub const SMB1_FLAGS2_UNICODE: u16 = 0x8000;
/// DialectIndex when the server accepts none of the client's dialects (MS-CIFS 2.2.4.52.2).
pub const SMB1_NO_DIALECT: u16 = 0xFFFF;
/// SecurityMode bits of the NEGOTIATE response (MS-CIFS 2.2.4.52.2).
pub const SMB1_NEGOTIATE_ENCRYPT_PASSWORDS: u8 = 0x02;
pub const SMB1_NEGOTIATE_SECURITY_SIGNATURES_REQUIRED: u8 = 0x08;
/// Word counts of the NT LM 0.12 (17) and LANMAN (13) NEGOTIATE responses (MS-CIFS 2.2.4.52.2).
const SMB1_NT_LM_NEGOTIATE_WORDS: usize = 17;
const SMB1_LANMAN_NEGOTIATE_WORDS: usize = 13;
/// SESSION_SETUP_ANDX word counts: extended security (MS-SMB 2.2.4.6.1) and NT LM 0.12 with
/// LM/NT responses in the clear (MS-CIFS 2.2.4.53.1).
const SMB1_SESSION_SETUP_EXTENDED_WORDS: usize = 12;
const SMB1_SESSION_SETUP_NT_LM_WORDS: usize = 13;
/// Dialects remembered from one NEGOTIATE request, and characters kept of each.
const MAX_SMB1_DIALECTS: usize = 64;
const MAX_SMB1_DIALECT_CHARS: usize = 64;
/// Commands followed in one AndX chain; real ones are a handful.
const MAX_ANDX_CHAIN: usize = 16;

/// The SMB1 header fields Temper uses (MS-CIFS 2.2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb1Header {
    pub command: u8,
    pub status: u32,
    pub reply: bool,
    pub unicode: bool,
    pub tid: u16,
    pub mid: u16,
}

impl Smb1Header {
    pub fn parse(message: &[u8]) -> Option<Self> {
        if message.len() < SMB1_HEADER_LEN || message[..4] != SMB1_MAGIC {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb1Block<'a> {
    pub command: u8,
    pub words: &'a [u8],
    pub bytes: &'a [u8],
    /// Offset of `bytes` from the start of the SMB header, which Unicode alignment is relative to.
    pub bytes_at: usize,
}

impl<'a> Smb1Block<'a> {
    /// Parses the blocks whose WordCount is at `at`; both must fit in the message.
    fn parse(message: &'a [u8], command: u8, at: usize) -> Option<Self> {
        let words_at = at.checked_add(1)?;
        let words_end = words_at + 2 * usize::from(*message.get(at)?);
        let words = message.get(words_at..words_end)?;
        let byte_count = usize::from(le16(message, words_end)?);
        let bytes_at = words_end + 2;
        let bytes = message.get(bytes_at..bytes_at + byte_count)?;
        Some(Self { command, words, bytes, bytes_at })
    }

    fn word_count(&self) -> usize {
        self.words.len() / 2
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

/// The commands of one message, following the AndX links (MS-CIFS 2.2.3.4). Each block must
/// start after the previous one, so a hostile chain cannot loop.
pub fn chain<'a>(message: &'a [u8], header: &Smb1Header) -> impl Iterator<Item = Smb1Block<'a>> {
    let mut next = Some((header.command, SMB1_HEADER_LEN));
    std::iter::from_fn(move || {
        let (command, at) = next.take()?;
        let block = Smb1Block::parse(message, command, at)?;
        if SMB1_ANDX_COMMANDS.contains(&command) {
            if let (Some(&following), Some(following_at)) = (block.words.first(), le16(block.words, 2)) {
                let following_at = usize::from(following_at);
                if following != SMB1_COM_NO_ANDX_COMMAND && following_at > at {
                    next = Some((following, following_at));
                }
            }
        }
        Some(block)
    })
    .take(MAX_ANDX_CHAIN)
}

/// NEGOTIATE request (MS-CIFS 2.2.4.52.1): its dialect strings, in order (a run of
/// 0x02-prefixed, NUL-terminated strings); the response picks one by index.
pub fn negotiate_request(block: &Smb1Block) -> Vec<String> {
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
    dialects
}

/// What a NEGOTIATE response (MS-CIFS 2.2.4.52.2) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiateResponse {
    /// Which of the request's dialects the server chose; `None` when it accepted none.
    pub dialect_index: Option<u16>,
    /// SecurityMode, in the NT LM 0.12 and LANMAN forms.
    pub security_mode: Option<u8>,
    /// Only the NT LM 0.12 form has the signing bits; LANMAN's 16-bit SecurityMode shares the
    /// password-encryption bit in its low byte.
    pub signing_required: Option<bool>,
}

pub fn negotiate_response(block: &Smb1Block) -> Option<NegotiateResponse> {
    let index = le16(block.words, 0)?;
    let security_mode = match block.word_count() {
        SMB1_NT_LM_NEGOTIATE_WORDS | SMB1_LANMAN_NEGOTIATE_WORDS => block.words.get(2).copied(),
        _ => None,
    };
    let signing_required = security_mode
        .filter(|_| block.word_count() == SMB1_NT_LM_NEGOTIATE_WORDS)
        .map(|mode| mode & SMB1_NEGOTIATE_SECURITY_SIGNATURES_REQUIRED != 0);
    Some(NegotiateResponse {
        dialect_index: (index != SMB1_NO_DIALECT).then_some(index),
        security_mode,
        signing_required,
    })
}

/// What a SESSION_SETUP_ANDX request carries: a security blob (extended security, MS-SMB
/// 2.2.4.6.1) or the LM and NT responses themselves (MS-CIFS 2.2.4.53.1), the classic NTLMv1 path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSetupRequest<'a> {
    Extended { blob: &'a [u8] },
    Responses { lm: &'a [u8], nt: &'a [u8], user: String, domain: String },
}

pub fn session_setup_request<'a>(header: &Smb1Header, block: &Smb1Block<'a>) -> Option<SessionSetupRequest<'a>> {
    match block.word_count() {
        SMB1_SESSION_SETUP_EXTENDED_WORDS => {
            let blob_len = le16(block.words, 14)?;
            Some(SessionSetupRequest::Extended { blob: block.bytes.get(..usize::from(blob_len))? })
        }
        SMB1_SESSION_SETUP_NT_LM_WORDS => {
            let (oem_len, unicode_len) = (usize::from(le16(block.words, 14)?), usize::from(le16(block.words, 16)?));
            let lm = block.bytes.get(..oem_len)?;
            let nt = block.bytes.get(oem_len..oem_len + unicode_len)?;
            // AccountName then PrimaryDomain follow, after a Unicode alignment pad.
            let names_at = block.bytes_at + oem_len + unicode_len;
            let (user, next) = block.string_at(names_at, header.unicode).unwrap_or_default();
            let domain = block.string_at(next, header.unicode).map(|(domain, _)| domain).unwrap_or_default();
            Some(SessionSetupRequest::Responses { lm, nt, user, domain })
        }
        _ => None,
    }
}

/// TREE_CONNECT_ANDX request (MS-CIFS 2.2.4.55.1): Password, a pad if Unicode, then Path.
pub fn tree_connect_request(header: &Smb1Header, block: &Smb1Block) -> Option<String> {
    let password_len = usize::from(le16(block.words, 6)?);
    block.string_at(block.bytes_at + password_len, header.unicode).map(|(path, _)| path)
}

/// What an NT_CREATE_ANDX request opens, and with which access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    pub name: String,
    pub desired_access: u32,
}

/// NT_CREATE_ANDX request (MS-CIFS 2.2.4.64.1): NameLength and DesiredAccess in the words,
/// the (aligned) FileName in the bytes.
pub fn nt_create_request(header: &Smb1Header, block: &Smb1Block) -> Option<CreateRequest> {
    let name_len = usize::from(le16(block.words, 5)?);
    let desired_access = le32(block.words, 15)?;
    let name_at = align_unicode(block.bytes_at, header.unicode) - block.bytes_at;
    let name = block.bytes.get(name_at..)?;
    let name = &name[..name_len.min(name.len())];
    let name = if header.unicode { utf16le(name) } else { name.iter().map(|&b| char::from(b)).collect() };
    let name = match name.find('\0') {
        Some(nul) => name[..nul].to_string(),
        None => name,
    };
    Some(CreateRequest { name, desired_access })
}

#[cfg(test)]
mod tests {
    //! On real messages: `collector/tests/captures/nt1.pcap`, Samba 4.17's
    //! smbd and smbclient -m NT1 (frame numbers as tshark shows them).
    use super::*;
    use crate::wire::test_support::smb_message;

    /// The first command of frame `frame`, with its header.
    fn first(frame: usize) -> (Smb1Header, Vec<u8>) {
        let message = smb_message("nt1.pcap", frame);
        (Smb1Header::parse(&message).expect("an SMB1 header"), message)
    }

    #[test]
    fn negotiate_frames_4_and_6() {
        let (header, message) = first(4);
        let block = chain(&message, &header).next().unwrap();
        assert_eq!(negotiate_request(&block), ["NT LANMAN 1.0", "NT LM 0.12"]);
        let (header, message) = first(6);
        assert!(header.reply);
        let block = chain(&message, &header).next().unwrap();
        // Index 0, challenge/response passwords, signatures neither enabled nor required.
        assert_eq!(
            negotiate_response(&block),
            Some(NegotiateResponse {
                dialect_index: Some(0),
                security_mode: Some(0x03),
                signing_required: Some(false)
            })
        );
    }

    #[test]
    fn session_setup_frame_10_is_extended_security() {
        let (header, message) = first(10);
        let block = chain(&message, &header).next().unwrap();
        match session_setup_request(&header, &block) {
            Some(SessionSetupRequest::Extended { blob }) => {
                assert_eq!(blob.len(), 414);
                assert!(blob.windows(8).any(|w| w == b"NTLMSSP\0"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tree_connect_frames_12_and_18() {
        for (frame, path) in [(12, r"\\127.0.0.1\IPC$"), (18, r"\\127.0.0.1\PROJECTS")] {
            let (header, message) = first(frame);
            let block = chain(&message, &header).next().unwrap();
            assert_eq!(tree_connect_request(&header, &block).as_deref(), Some(path), "frame {frame}");
        }
        let (header, _) = first(13);
        assert_eq!((header.reply, header.mid, header.tid), (true, 3, 31035));
    }

    #[test]
    fn nt_create_frame_20() {
        let (header, message) = first(20);
        let block = chain(&message, &header).next().unwrap();
        assert_eq!(
            nt_create_request(&header, &block),
            Some(CreateRequest { name: r"\report.txt".into(), desired_access: 0x0012_019f })
        );
        assert_eq!(header.tid, 63214);
    }

    #[test]
    fn every_truncation_fails_cleanly() {
        for frame in [4, 6, 10, 12, 20] {
            let whole = smb_message("nt1.pcap", frame);
            for cut in 0..whole.len() {
                let Some(header) = Smb1Header::parse(&whole[..cut]) else { continue };
                for block in chain(&whole[..cut], &header) {
                    let _ = (negotiate_request(&block), negotiate_response(&block));
                    let _ = (session_setup_request(&header, &block), tree_connect_request(&header, &block));
                    let _ = nt_create_request(&header, &block);
                }
            }
        }
    }
}
