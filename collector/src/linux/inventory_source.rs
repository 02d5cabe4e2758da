//! The inventory as a live source: read at start and hourly after. It
//! attests no category: what exists is not use.

use super::read_inventory;
use crate::sink::Sink;
use crate::source::{Running, Source, StartError};
use std::sync::Arc;
use std::time::Duration;

pub const INVENTORY_EVERY: Duration = Duration::from_secs(3600);

pub struct InventorySource {
    pub host: String,
}

impl Source for InventorySource {
    fn name(&self) -> &str {
        "inventory"
    }

    fn source(&self) -> &'static str {
        "inventory"
    }

    fn attests(&self) -> Vec<String> {
        Vec::new()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        Running::spawn("inventory", move |stop| loop {
            sink.send(read_inventory(&self.host));
            if stop.wait(INVENTORY_EVERY) {
                return;
            }
        })
    }
}
