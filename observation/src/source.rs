//! A live source of observations, as the observe loop starts and stops it
//! on either platform. Each source says itself which coverage categories it
//! attests while it runs: only those it sees every use of, since an absence
//! in an attested category may be read as "unused" — the property every
//! decision rests on. The loop (`temper_learner::observer`) registers each
//! source's outlet, starts them all before the first flush (a source that
//! cannot start fails the command before anything is written), and stops
//! them in order so that its last flush holds everything they saw.

use crate::sink::Sink;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why a source could not start: the loop fails the command with it.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

pub trait Source: Send {
    /// Short name in logs and the status file (`exec`, `eventlog`, `packets`).
    fn name(&self) -> &str;
    /// The observation `source` its coverage is recorded under (`ebpf`, `journal`, `etw`, `wire`, `inventory`).
    fn source(&self) -> &'static str;
    /// The categories it attests while running (`exec`, `protocol:smb`, ...).
    fn attests(&self) -> Vec<String>;
    /// Starts reading into `sink`; returns once it runs.
    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError>;
}

/// Set once; a source polls it or waits on it, so stopping is prompt.
#[derive(Debug, Default)]
pub struct StopSignal {
    stopped: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl StopSignal {
    pub fn stop(&self) {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.stopped.store(true, Ordering::Relaxed);
        self.wake.notify_all();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// The flag itself, for readers that poll it between batches.
    pub fn flag(&self) -> &AtomicBool {
        &self.stopped
    }

    /// Waits up to `timeout`; true once stopped.
    pub fn wait(&self, timeout: Duration) -> bool {
        let guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .wake
            .wait_timeout_while(guard, timeout, |_| !self.stopped.load(Ordering::Relaxed))
            .unwrap_or_else(PoisonError::into_inner);
        self.is_stopped()
    }
}

/// A started source. Stopping it waits until it has handed over (and
/// bookmarked) everything it saw; dropping it stops it too.
#[derive(Debug)]
pub struct Running {
    name: String,
    stop: Arc<StopSignal>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    /// Runs `body` on a thread of its own until the source is stopped.
    pub fn spawn(name: &str, body: impl FnOnce(&StopSignal) + Send + 'static) -> Result<Running, StartError> {
        let stop = Arc::new(StopSignal::default());
        let signal = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || body(&signal))
            .map_err(|e| format!("cannot start the {name} source's thread: {e}"))?;
        Ok(Running { name: name.to_string(), stop, thread: Some(thread) })
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

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_stop_wakes_a_waiting_source_and_waits_for_it() {
        let finished = Arc::new(AtomicBool::new(false));
        let done = finished.clone();
        let running = Running::spawn("test", move |stop| {
            while !stop.wait(Duration::from_secs(60)) {}
            done.store(true, Ordering::Relaxed);
        })
        .unwrap();
        let started = Instant::now();
        running.stop();
        assert!(finished.load(Ordering::Relaxed), "stop returns once the source is done");
        assert!(started.elapsed() < Duration::from_secs(10), "the wait was woken, not timed out");
    }
}
