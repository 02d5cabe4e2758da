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

/// What a hole in a stream cost its dissector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// The hole lay in bytes the dissector skips anyway (file data): nothing was hidden.
    Skipped,
    /// A message or more was hidden; the dissector reads on from the next boundary.
    Hid,
    /// The framing is lost: the dissector reads nothing more of the flow.
    Lost,
}

/// One flow's dissection of one protocol.
pub trait Dissector: Send + Sync {
    /// Feeds in-order bytes of `dir`, starting at a message boundary (over a
    /// datagram transport: one whole datagram). Returns how many bytes were
    /// consumed, at most `data.len()`: whole messages only; the caller keeps
    /// the rest and offers it again with more appended. Once
    /// [`finished`](Dissector::finished), the caller stops feeding it.
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize;

    /// `lost` bytes of `dir` are missing after what was fed last;
    /// `unconsumed` is what it left of those bytes, the start of the message
    /// the hole cut (empty when the hole fell on a message boundary). The
    /// caller drops `unconsumed`; what follows the hole is fed next. Says
    /// what the hole cost; dissectors whose framing cannot be found again
    /// keep the default and stop.
    fn gap(&mut self, dir: Direction, unconsumed: &[u8], lost: u64) -> Gap {
        let _ = (dir, unconsumed, lost);
        Gap::Lost
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
