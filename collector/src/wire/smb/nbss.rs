//! NetBIOS session service framing (RFC 1002 4.3), which SMB uses on port
//! 139 and, as a bare 4-byte length, on direct TCP 445 (MS-SMB2 2.1).

use super::smb1_records::{SMB1_HEADER_LEN, SMB1_MAGIC};
use super::smb2_records::{SMB2_COMPRESSION_MAGIC, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC};

// NetBIOS session service packet types (RFC 1002 4.3.1).
pub const HEADER_LEN: usize = 4;
pub const SESSION_MESSAGE: u8 = 0x00;
pub const SESSION_REQUEST: u8 = 0x81;
pub const POSITIVE_RESPONSE: u8 = 0x82;
pub const NEGATIVE_RESPONSE: u8 = 0x83;
pub const KEEPALIVE: u8 = 0x85;

/// Whether `kind` is an NBSS packet type at all.
pub fn is_packet_type(kind: u8) -> bool {
    kind == SESSION_MESSAGE || (SESSION_REQUEST..=KEEPALIVE).contains(&kind)
}

/// Length of an NBSS packet's trailer (RFC 1002 4.3.1): 17 bits, widened to 24 for session
/// messages because direct TCP uses the whole 3 bytes (MS-SMB2 2.1).
pub fn length(header: &[u8]) -> usize {
    let high = if header[0] == SESSION_MESSAGE { header[1] } else { header[1] & 0x01 };
    usize::from(high) << 16 | usize::from(header[2]) << 8 | usize::from(header[3])
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
        let Some(header) = data.get(at..at + HEADER_LEN) else { return positive_response };
        let len = length(header);
        match header[0] {
            SESSION_MESSAGE => {
                let magic = data.get(at + HEADER_LEN..at + HEADER_LEN + 4);
                let is_smb = [SMB1_MAGIC, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC, SMB2_COMPRESSION_MAGIC]
                    .iter()
                    .any(|m| magic == Some(&m[..]));
                return is_smb && len >= SMB1_HEADER_LEN;
            }
            // The called name is first-level encoded: a length byte of 32, then 32 letters (RFC 1002 4.1.1, 4.3.2).
            SESSION_REQUEST => return data.get(at + HEADER_LEN) == Some(&0x20),
            // Error codes 0x80..=0x8F (RFC 1002 4.3.4).
            NEGATIVE_RESPONSE => return len == 1 && data.get(at + HEADER_LEN).is_some_and(|code| code & 0xF0 == 0x80),
            POSITIVE_RESPONSE | KEEPALIVE if len == 0 => {
                positive_response |= header[0] == POSITIVE_RESPONSE;
                at += HEADER_LEN;
            }
            _ => return false,
        }
    }
    positive_response
}
