//! The dissector contract and the table of dissectors.
//!
//! Every protocol dissector is fed the same way, as Zeek feeds its
//! analyzers and Suricata its parsers: reassembled, in-order bytes of one
//! direction at a time, starting at a message boundary; it consumes whole
//! messages and says how many bytes it took, and the caller offers the rest
//! again with more appended. A hole in the stream is announced with `gap`,
//! where a dissector that can find the next message boundary resynchronises.
//! Over a datagram transport each feed is one whole datagram.
//!
//! The dissectors are listed in `registry`; nothing else names them.

use super::{Direction, Finding};

/// One flow's dissection of one protocol.
pub trait Dissector: Send + Sync {
    /// Feeds in-order bytes of `dir`, starting at a message boundary (over a
    /// datagram transport: one whole datagram). Returns how many bytes were
    /// consumed, at most `data.len()`: whole messages only; the caller keeps
    /// the rest and offers it again with more appended. Once
    /// [`finished`](Dissector::finished), the caller stops feeding it.
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize;

    /// `len` bytes of `dir` were lost after what was fed last. Returns true
    /// when the dissector resynchronises (it drops the message the hole cut
    /// and finds the next boundary in what is fed next); false ends its
    /// reading of the flow. Dissectors whose framing cannot be found again
    /// keep the default.
    fn gap(&mut self, dir: Direction, len: u64) -> bool {
        let _ = (dir, len);
        false
    }

    /// True once nothing more can be learned, so the caller stops buffering.
    fn finished(&self) -> bool;

    /// End of flow: what the dissector held back until then.
    fn finish(&mut self, out: &mut Vec<Finding>);

    /// Whether, once finished, the rest of the stream is another protocol's
    /// to identify (RDP hands over to TLS or CredSSP on the same connection).
    fn hands_over(&self) -> bool {
        false
    }
}
