//! What every event decoder needs: whose observation it is and how to name
//! the event it came from. Kept apart from the dispatcher (`decoder`) so the
//! decoders in `events/` depend on it and not on what calls them.

use super::event_record::EventRecord;
use crate::observation::{Event, Observation};

#[derive(Debug, Clone)]
pub struct Context {
    pub host: String,
    pub source: &'static str,
    /// The RDP listener port (131 does not log it).
    pub rdp_port: u16,
}

impl Context {
    pub fn observation(&self, record: &EventRecord, event: Event) -> Observation {
        Observation::new(record.time, self.host.clone(), self.source, event)
    }

    /// `Provider/id`, kept in `detail.event` so evidence says where it came from.
    pub fn event_name(&self, record: &EventRecord) -> String {
        format!("{}/{}", record.provider, record.event_id)
    }
}
