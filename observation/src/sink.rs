//! Where a live source hands its observations. The observe loop's
//! per-source channel implements it; the collector does not know profiles.

use crate::observation::Observation;
use std::time::Duration;

/// One source's outlet. `send` and `lost` never block: an ETW callback that
/// waits stalls its whole session, so a full outlet is counted as loss.
pub trait Sink: Send + Sync + 'static {
    fn send(&self, observation: Observation);
    /// Like `send`, but waits up to `wait` for room. For readers of a kernel
    /// ring buffer: while they wait, a burst backs up into the ring, which is
    /// sized for it, instead of being dropped at the outlet.
    fn send_waiting(&self, observation: Observation, wait: Duration) {
        let _ = wait;
        self.send(observation);
    }
    /// Events the source could not see (ring-buffer overruns, ETW losses, record-id gaps).
    fn lost(&self, n: u64);
}
