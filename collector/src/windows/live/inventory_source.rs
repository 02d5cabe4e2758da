//! The inventory: what exists on the host, sent at start and every hour,
//! so services, shares and settings that change during weeks of observing
//! are seen as they were.

use super::host_reader::read_host_state;
use super::sink::Sink;
use crate::source::{Running, Source, StartError};
use crate::windows::host_state::WindowsHostState;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

pub const INVENTORY_EVERY: Duration = Duration::from_secs(3600);
/// The observation source of inventories.
const SOURCE: &str = "inventory";

#[derive(Debug, Clone)]
pub struct InventorySource {
    pub host: String,
    /// The state read at start (it also chose the audit categories); sent first.
    pub first: WindowsHostState,
}

impl InventorySource {
    fn launch(self, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        Running::spawn("inventory", move |stop| {
            sink.send(self.first.to_inventory(&self.host, SOURCE, Utc::now()));
            while !stop.wait(INVENTORY_EVERY) {
                sink.send(read_host_state().to_inventory(&self.host, SOURCE, Utc::now()));
            }
        })
    }
}

impl Source for InventorySource {
    fn name(&self) -> &str {
        "inventory"
    }

    fn source(&self) -> &'static str {
        "inventory"
    }

    /// What exists is not use.
    fn attests(&self) -> Vec<String> {
        Vec::new()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        self.launch(sink)
    }
}
