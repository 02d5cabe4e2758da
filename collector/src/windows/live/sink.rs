//! The live sources' outlet: the platform-neutral [`crate::sink::Sink`].

pub use crate::sink::Sink;
