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
//!
//! As in Suricata's `smb2_records.rs` beside `smb2.rs`, the messages are read by pure record
//! parsers, one function of bytes per message (`smb1_records`, `smb2_records`, NBSS framing in
//! `nbss`), apart from the session state machine that gives them meaning (`session`).

mod nbss;
mod session;
pub mod smb1_records;
pub mod smb2_records;
#[cfg(test)]
pub(crate) mod tests;

pub use nbss::detect;
pub use session::SmbDissector;
