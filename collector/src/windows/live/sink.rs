//! The live sources' outlet: the platform-neutral [`crate::live_sink::Sink`].

pub use crate::live_sink::Sink;
