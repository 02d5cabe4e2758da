//! A source's thread, and the signal that stops it.

use super::error::LiveError;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Set once; threads wait on it instead of sleeping, so stopping is prompt.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    pub(crate) fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits up to `timeout`; true once stopped.
    pub(crate) fn wait(&self, timeout: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) =
            self.wake.wait_timeout_while(guard, timeout, |stopped| !*stopped).unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// A running source. Stopping it waits until it has handed over (and
/// bookmarked) everything it saw, so the observe loop's last flush holds it.
#[derive(Debug)]
pub struct SourceThread {
    name: String,
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl SourceThread {
    pub(crate) fn spawn(name: &str, body: impl FnOnce(&StopSignal) + Send + 'static) -> Result<Self, LiveError> {
        let stop = Arc::new(StopSignal::default());
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || body(&signal))
            .map_err(|source| LiveError::Thread { name: name.to_string(), source })?;
        Ok(SourceThread { name: name.to_string(), stop, thread: Some(thread) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stops the source and waits for it.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the {} source stopped with a panic", self.name);
            }
        }
    }
}

impl Drop for SourceThread {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
