//! Where a live source hands its observations. The observe loop's
//! per-source channel implements it; the collector does not know profiles.

use crate::observation::Observation;

/// One source's outlet. Neither call may block: a kernel ring buffer or an
/// ETW callback that waits loses events anyway, so a full outlet is counted
/// as loss.
pub trait Sink: Send + Sync + 'static {
    fn send(&self, observation: Observation);
    /// Events the source could not see (ring-buffer overruns, ETW losses, record-id gaps).
    fn lost(&self, n: u64);
}
