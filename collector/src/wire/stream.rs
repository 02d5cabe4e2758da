//! One direction of a TCP flow, reassembled in order from its segments:
//! retransmissions and overlaps are trimmed, out-of-order segments wait (a
//! bounded number of them), and a hole that never fills is skipped and
//! reported, so the dissector can resynchronise or give up.
//!
//! A sampled stream (the eBPF TC program's excerpts) is read differently:
//! holes are its normal state, and each excerpt that starts a message
//! restarts the stream there.

use std::collections::BTreeMap;

/// Out-of-order segments kept waiting per direction.
const MAX_PENDING_SEGMENTS: usize = 64;
/// Bytes a direction may hold unconsumed before the flow stops being reassembled.
pub const MAX_BUFFERED: usize = 256 * 1024;

/// Where a stream lost bytes: at this offset in its buffer, this many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hole {
    pub at: usize,
    pub lost: u64,
}

#[derive(Debug, Default)]
pub struct Stream {
    /// Next expected sequence number.
    next: Option<u32>,
    /// In-order bytes the dissector has not consumed yet.
    pub buffer: Vec<u8>,
    /// Segments ahead of `next`, by sequence number: the bytes captured and
    /// the segment's length on the wire (more when the capture cut it short).
    pending: BTreeMap<u32, (Vec<u8>, u32)>,
    /// Set when bytes were skipped over a hole; cleared by the reader.
    pub gap: bool,
    /// The first hole skipped since the reader last looked (later ones add their bytes to it).
    hole: Option<Hole>,
    /// A sampled packet was cut short: what is buffered never completes.
    cut: bool,
}

/// Sequence-number distance `a - b` in the window sense (RFC 1982).
fn distance(a: u32, b: u32) -> i64 {
    a.wrapping_sub(b) as i32 as i64
}

impl Stream {
    /// A SYN fixes the initial sequence number: data starts one after it.
    pub fn syn(&mut self, seq: u32) {
        if self.next.is_none() {
            self.next = Some(seq.wrapping_add(1));
        }
    }

    /// Adds a segment; returns true when new in-order bytes became available.
    pub fn segment(&mut self, seq: u32, payload: &[u8]) -> bool {
        self.segment_cut(seq, payload, payload.len() as u32)
    }

    /// Adds a segment whose capture kept only its first bytes (the snap
    /// length cut the frame): `wire_len` bytes were sent, and the rest is a
    /// hole where the captured part ends. Returns true when new in-order
    /// bytes (or a hole) became available.
    pub fn segment_cut(&mut self, seq: u32, payload: &[u8], wire_len: u32) -> bool {
        let wire_len = wire_len.max(payload.len() as u32);
        if wire_len == 0 {
            return false;
        }
        let next = *self.next.get_or_insert(seq);
        let offset = distance(seq, next);
        if offset > 0 {
            if self.pending.len() >= MAX_PENDING_SEGMENTS {
                // The hole will not fill: skip to the earliest waiting segment.
                self.skip_hole();
                return self.segment_cut(seq, payload, wire_len);
            }
            self.pending.entry(seq).or_insert_with(|| (payload.to_vec(), wire_len));
            return false;
        }
        let overlap = (-offset) as usize;
        if overlap >= wire_len as usize {
            return false; // A retransmission of bytes already taken.
        }
        self.take(payload, wire_len, overlap);
        self.drain_pending();
        true
    }

    /// Appends a segment's bytes from `overlap` on, and a hole for what the capture cut.
    fn take(&mut self, payload: &[u8], wire_len: u32, overlap: usize) {
        if overlap < payload.len() {
            self.append(&payload[overlap..]);
        }
        let cut = wire_len as usize - overlap.max(payload.len());
        if cut > 0 {
            self.lose(cut as u64);
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        self.next = self.next.map(|n| n.wrapping_add(bytes.len() as u32));
    }

    /// `n` bytes where the stream stands were never captured: skip them, as a hole.
    fn lose(&mut self, n: u64) {
        match &mut self.hole {
            Some(hole) => hole.lost += n,
            None => self.hole = Some(Hole { at: self.buffer.len(), lost: n }),
        }
        self.next = self.next.map(|next| next.wrapping_add(n as u32));
        self.gap = true;
    }

    fn drain_pending(&mut self) {
        while let Some(next) = self.next {
            let ready = self.pending.keys().copied().find(|seq| distance(*seq, next) <= 0);
            let Some(seq) = ready else { return };
            let (data, wire_len) = self.pending.remove(&seq).unwrap_or_default();
            let overlap = distance(next, seq) as usize;
            if overlap < wire_len as usize {
                self.take(&data, wire_len, overlap);
            }
        }
    }

    fn skip_hole(&mut self) {
        let Some(next) = self.next else { return };
        let earliest = self.pending.keys().copied().min_by_key(|seq| distance(*seq, next));
        if let Some(seq) = earliest {
            let lost = distance(seq, next).max(0) as u64;
            match &mut self.hole {
                Some(hole) => hole.lost += lost,
                None => self.hole = Some(Hole { at: self.buffer.len(), lost }),
            }
            self.next = Some(seq);
            self.gap = true;
            self.drain_pending();
        }
    }

    /// The other side acknowledged up to `ack`: when that covers a waiting
    /// segment, the bytes before it reached the peer but not the capture,
    /// and the hole will never fill. Skips it (as Zeek reports a content gap
    /// once it is acked). Returns whether it did.
    pub fn acked(&mut self, ack: u32) -> bool {
        let Some(next) = self.next else { return false };
        let Some(earliest) = self.pending.keys().copied().min_by_key(|seq| distance(*seq, next)) else { return false };
        if distance(earliest, next) > 0 && distance(ack, earliest) > 0 {
            self.skip_hole();
            return true;
        }
        false
    }

    /// Skips the hole before the earliest waiting segment, if any segment
    /// waits (the flow ended without the hole filling). Returns whether one did.
    pub fn skip_waiting(&mut self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        self.skip_hole();
        true
    }

    /// The hole skipped since the last call, if any (clears `gap` too).
    pub fn take_hole(&mut self) -> Option<Hole> {
        self.gap = false;
        self.hole.take()
    }

    /// Adds a sampled packet's first bytes (`wire_len` long on the wire).
    /// One that starts a message restarts the stream at `seq` unless it
    /// continues it exactly, dropping an unfinished message whose rest was
    /// never sampled; a continuation is taken only where the stream stands.
    /// Returns true when new bytes became available.
    pub fn excerpt(&mut self, seq: u32, payload: &[u8], wire_len: u32, message_start: bool) -> bool {
        let continues = self.next == Some(seq) && !self.cut;
        if message_start && !continues {
            self.buffer.clear();
            self.pending.clear();
            self.cut = false;
        } else if !continues {
            return false;
        }
        if payload.is_empty() {
            return false;
        }
        self.buffer.extend_from_slice(payload);
        self.next = Some(seq.wrapping_add(wire_len.max(payload.len() as u32)));
        self.cut = (payload.len() as u32) < wire_len;
        true
    }

    /// Whether `payload` at `seq` continues the stream exactly, with nothing
    /// buffered, waiting or lost: then it can be read in place, without a copy.
    pub fn continues_exactly(&self, seq: u32) -> bool {
        self.buffer.is_empty()
            && self.pending.is_empty()
            && self.hole.is_none()
            && self.next.is_none_or(|next| next == seq)
    }

    /// Accepts `len` bytes read in place (see [`Stream::continues_exactly`]),
    /// keeping `unconsumed` for the next read.
    pub fn advance_in_place(&mut self, seq: u32, len: usize, unconsumed: &[u8]) {
        self.next = Some(seq.wrapping_add(len as u32));
        self.buffer.extend_from_slice(unconsumed);
    }

    /// Forgets `n` consumed bytes.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.buffer.len());
        self.buffer.drain(..n);
        if let Some(hole) = &mut self.hole {
            hole.at = hole.at.saturating_sub(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_out_of_order_retransmitted_and_overlapping() {
        let mut s = Stream::default();
        s.syn(999);
        assert!(s.segment(1000, b"hello "));
        assert!(!s.segment(1011, b"!!"), "ahead: waits");
        assert!(!s.segment(1000, b"hello "), "retransmission");
        assert!(s.segment(1004, b"o world"), "overlap trimmed, then the waiting segment follows");
        assert_eq!(s.buffer, b"hello world!!");
        s.consume(6);
        assert_eq!(s.buffer, b"world!!");
    }

    #[test]
    fn a_segment_cut_by_the_snap_length_leaves_a_hole_of_what_was_cut() {
        let mut s = Stream::default();
        s.syn(99);
        assert!(s.segment(100, b"head"));
        // 10 bytes sent, 4 captured; and the next segment arrives ahead of it.
        assert!(!s.segment(114, b"next"));
        assert!(s.segment_cut(104, b"body", 10));
        assert_eq!(s.buffer, b"headbodynext");
        assert_eq!(s.take_hole(), Some(Hole { at: 8, lost: 6 }));
        // Waiting segments can be cut too.
        assert!(!s.segment_cut(130, b"cu", 8));
        assert!(s.segment(118, b"twelve bytes"));
        assert_eq!(s.take_hole(), Some(Hole { at: 26, lost: 6 }));
    }

    #[test]
    fn an_ack_beyond_a_waiting_segment_skips_the_hole_before_it() {
        let mut s = Stream::default();
        s.syn(99);
        assert!(s.segment(100, b"head"));
        assert!(!s.segment(110, b"late"), "waits for 104..110");
        assert!(!s.acked(104), "only what was taken is acked: the hole may still fill");
        assert!(!s.acked(110), "acked up to the waiting segment's start, not into it");
        assert!(s.acked(112), "the peer has bytes of the waiting segment: the hole is lost");
        assert_eq!(s.buffer, b"headlate");
        assert_eq!(s.take_hole(), Some(Hole { at: 4, lost: 6 }));
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut s = Stream::default();
        s.segment(u32::MAX - 1, b"ab");
        s.segment(0, b"cd");
        assert_eq!(s.buffer, b"abcd");
    }

    #[test]
    fn excerpts_restart_at_message_starts_and_drop_unfinished_messages() {
        let mut s = Stream::default();
        assert!(s.excerpt(100, b"head", 4, true));
        assert!(s.excerpt(104, b"tail", 4, false), "a continuation where the stream stands");
        assert_eq!(s.buffer, b"headtail");
        // Bulk bytes were skipped: the next message restarts the stream.
        assert!(s.excerpt(5000, b"next", 4, true));
        assert_eq!(s.buffer, b"next");
        // A cut packet: its message never completes, and the next one must not be glued to it.
        assert!(s.excerpt(5004, b"cu", 10, true));
        assert_eq!(s.buffer, b"nextcu");
        assert!(!s.excerpt(5014, b"x", 1, false), "no continuation after a cut");
        assert!(s.excerpt(5014, b"new", 3, true));
        assert_eq!(s.buffer, b"new");
        assert!(!s.excerpt(9000, b"lost", 4, false), "a continuation whose start was not sampled");
        assert!(!s.gap, "sampling is not damage");
    }

    #[test]
    fn a_hole_that_never_fills_is_skipped_and_flagged() {
        let mut s = Stream::default();
        s.segment(0, b"a");
        for i in 0..=MAX_PENDING_SEGMENTS as u32 {
            s.segment(100 + i, b"x");
        }
        assert!(s.gap);
        assert!(s.buffer.starts_with(b"ax"));
    }
}
