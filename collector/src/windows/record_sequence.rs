//! An event-log channel's record ids, which tell of events lost: a jump
//! means the log wrapped (overwrote records) while Temper was slow or
//! stopped.

/// The highest record id a channel has delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordSequence {
    last: Option<u64>,
}

impl RecordSequence {
    /// Continues after `last` (from a saved bookmark), or starts fresh.
    pub fn after(last: Option<u64>) -> Self {
        RecordSequence { last }
    }

    /// Takes in a delivered record's id; returns how many records were
    /// skipped before it. 0: the id could not be read. A lower id: the log
    /// was cleared and numbering restarted; nothing is counted.
    pub fn advance(&mut self, record_id: u64) -> u64 {
        if record_id == 0 {
            return 0;
        }
        let skipped = self.last.map_or(0, |last| record_id.saturating_sub(last).saturating_sub(1));
        self.last = Some(self.last.map_or(record_id, |last| last.max(record_id)));
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_the_records_skipped() {
        let mut sequence = RecordSequence::after(Some(10));
        assert_eq!(sequence.advance(11), 0);
        assert_eq!(sequence.advance(15), 3);
        assert_eq!(sequence.advance(0), 0);
        assert_eq!(sequence.advance(16), 0);
    }

    #[test]
    fn a_fresh_channel_or_a_cleared_log_counts_nothing() {
        let mut fresh = RecordSequence::default();
        assert_eq!(fresh.advance(500), 0);
        assert_eq!(fresh.advance(502), 1);
        // Cleared: numbering restarts low; the high mark stays, so nothing counts until it is passed.
        assert_eq!(fresh.advance(1), 0);
        assert_eq!(fresh.advance(2), 0);
        assert_eq!(fresh, RecordSequence::after(Some(502)));
        assert_eq!(RecordSequence::after(Some(u64::MAX)).advance(u64::MAX), 0);
    }
}
