//! Feeding a dissector the way a reassembled stream does, outside the flow
//! tracker: for the tests and the fuzz targets, so that both exercise the
//! contract exactly as `flow` honours it. What a dissector does not consume
//! of a direction is offered again, with that direction's next bytes
//! appended; consuming more than was offered is a contract violation.

use super::dissector::{Dissector, Gap};
use super::{Direction, Finding};
use crate::observation::Transport;

/// Feeds `chunks` in order, each to its direction (over a datagram
/// transport, each chunk is one datagram). Returns the bytes each direction
/// left unconsumed, indexed by [`Direction::index`].
///
/// # Panics
/// When the dissector consumes more than it was offered.
pub fn feed<'a>(
    dissector: &mut dyn Dissector,
    transport: Transport,
    chunks: impl IntoIterator<Item = (Direction, &'a [u8])>,
    out: &mut Vec<Finding>,
) -> [Vec<u8>; 2] {
    let mut buffers: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for (dir, chunk) in chunks {
        if transport == Transport::Udp {
            let consumed = dissector.feed(dir, chunk, out);
            assert!(consumed <= chunk.len(), "consumed {consumed} of a {}-byte datagram", chunk.len());
            continue;
        }
        let buffer = &mut buffers[dir.index()];
        buffer.extend_from_slice(chunk);
        let consumed = dissector.feed(dir, buffer, out);
        assert!(consumed <= buffer.len(), "consumed {consumed} of {} bytes", buffer.len());
        buffer.drain(..consumed);
    }
    buffers
}

/// A transcript of one flow: its messages in the order they crossed the wire.
pub type Transcript = Vec<(Direction, Vec<u8>)>;

/// `transcript` with every message cut at the given positions (taken modulo
/// each message's length, so any list of numbers is a valid chunking); the
/// order of bytes within and across directions is kept.
pub fn rechunk(transcript: &[(Direction, Vec<u8>)], cuts: &[usize]) -> Transcript {
    let mut cuts = cuts.iter().copied().cycle();
    let mut out = Vec::new();
    for (dir, message) in transcript {
        let mut rest = &message[..];
        // At most three cuts per message keeps long transcripts quick.
        for _ in 0..3 {
            let Some(cut) = cuts.next() else { break };
            if rest.len() < 2 {
                break;
            }
            let at = 1 + cut % (rest.len() - 1);
            out.push((*dir, rest[..at].to_vec()));
            rest = &rest[at..];
        }
        out.push((*dir, rest.to_vec()));
    }
    out
}

/// The findings of a whole flow: `transcript` fed, then the end of flow.
pub fn findings_of(
    dissector: &mut dyn Dissector,
    transport: Transport,
    transcript: &[(Direction, Vec<u8>)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    feed(dissector, transport, transcript.iter().map(|(d, b)| (*d, b.as_slice())), &mut out);
    dissector.finish(&mut out);
    out
}

/// The findings of a flow that lost `lost` bytes of message `index` from
/// byte `from` on (within that message), fed as `flow` feeds across a hole:
/// the bytes before it, then `gap` with what the dissector left of them, then
/// the rest, unless the gap ended the reading. Returns what the gap cost too.
pub fn findings_across_hole(
    dissector: &mut dyn Dissector,
    transcript: &[(Direction, Vec<u8>)],
    index: usize,
    from: usize,
    lost: usize,
) -> (Vec<Finding>, Gap) {
    let mut out = Vec::new();
    let mut buffers: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut cost = Gap::Skipped;
    for (i, (dir, message)) in transcript.iter().enumerate() {
        let buffer = &mut buffers[dir.index()];
        let pieces: Vec<&[u8]> = if i == index {
            vec![&message[..from], &message[(from + lost).min(message.len())..]]
        } else {
            vec![message]
        };
        for (n, piece) in pieces.into_iter().enumerate() {
            if n == 1 {
                // The hole: what was left of the bytes before it goes with it.
                cost = if dissector.finished() { Gap::Skipped } else { dissector.gap(*dir, buffer, lost as u64) };
                buffer.clear();
                if cost == Gap::Lost {
                    dissector.finish(&mut out);
                    return (out, cost);
                }
            }
            buffer.extend_from_slice(piece);
            let consumed = dissector.feed(*dir, buffer, &mut out);
            assert!(consumed <= buffer.len(), "consumed {consumed} of {} bytes", buffer.len());
            buffer.drain(..consumed);
        }
    }
    dissector.finish(&mut out);
    (out, cost)
}
