//! Wire protocol dissection: handshake bytes → what was negotiated.
//!
//! As in Zeek, what the bytes *look like* (message parsing, one file per
//! protocol) is kept apart from what they *mean* (`observations`). One
//! capture record type feeds everything — pcap/pcapng files, the eBPF TC
//! classifier and the Windows packet source — so a single flow tracker and
//! one set of dissectors, registered in `registry`, serve all of them.
//!
//! Every dissector is a pure function of bytes plus a little per-flow state,
//! never panics, and never allocates in proportion to a length field it has
//! not checked against the bytes it holds.

pub mod bytes;
pub mod capture;
pub mod capture_file;
pub mod decode;
pub mod dissector;
pub mod feeding;
pub mod finding;
pub mod flow;
pub mod frame;
pub mod kerberos;
pub mod live;
pub mod ntlm_scan;
pub mod ntlmssp;
pub mod observations;
pub mod rdp;
pub mod registry;
pub mod smb;
pub mod ssh;
pub mod stream;
#[cfg(test)]
pub mod test_support;
pub mod tls;

pub use finding::{Direction, Finding, SmbAccess};
