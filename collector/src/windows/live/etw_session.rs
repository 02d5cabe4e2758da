//! One real-time user ETW session under a fixed name: a stale session of
//! that name (left by a crash) is stopped first, ProcessTrace runs on its
//! own thread, and what ETW dropped is read from the session's properties,
//! which ferrisetw does not expose.

use super::error::LiveError;
use ferrisetw::native::EvntraceNativeError;
use ferrisetw::provider::Provider;
use ferrisetw::trace::{stop_trace_by_name, TraceError, TraceProperties, TraceTrait, UserTrace};
use std::thread::JoinHandle;
use windows::core::HSTRING;
use windows::Win32::System::Diagnostics::Etw::{
    ControlTraceW, CONTROLTRACE_HANDLE, EVENT_TRACE_CONTROL_QUERY, EVENT_TRACE_PROPERTIES, WNODE_FLAG_TRACED_GUID,
};

/// Room for the session and log file names after EVENT_TRACE_PROPERTIES (1024 characters each).
const NAME_BYTES: usize = 2 * 1024;

pub(crate) struct EtwSession {
    name: String,
    trace: Option<UserTrace>,
    processing: Option<JoinHandle<()>>,
    lost_reported: u64,
}

impl EtwSession {
    pub(crate) fn start(name: &str, providers: Vec<Provider>, properties: TraceProperties) -> Result<Self, LiveError> {
        // Fails when there is no such session, the usual case.
        if stop_trace_by_name(name).is_ok() {
            tracing::info!("stopped a stale ETW session {name}");
        }
        let mut builder = UserTrace::new().named(name.to_string()).set_trace_properties(properties);
        for provider in providers {
            builder = builder.enable(provider);
        }
        let (trace, handle) = builder.start().map_err(|e| {
            // A provider that could not be enabled leaves the started session behind.
            let _ = stop_trace_by_name(name);
            LiveError::Etw { session: name.to_string(), message: describe(&e) }
        })?;
        let session = name.to_string();
        let processing = std::thread::Builder::new()
            .name(format!("{name} ProcessTrace"))
            .spawn(move || {
                if let Err(e) = UserTrace::process_from_handle(handle) {
                    tracing::error!("ETW session {session} stopped delivering events: {}", describe(&e));
                }
            })
            .map_err(|source| LiveError::Thread { name: format!("{name} ProcessTrace"), source })?;
        Ok(EtwSession { name: name.to_string(), trace: Some(trace), processing: Some(processing), lost_reported: 0 })
    }

    /// Events ETW dropped since the last call: lost events plus real-time
    /// buffers never delivered (each holds an unknown number; counted once).
    pub(crate) fn take_lost(&mut self) -> u64 {
        match query_lost(&self.name) {
            Ok(total) => {
                let new = total.saturating_sub(self.lost_reported);
                self.lost_reported = self.lost_reported.max(total);
                new
            }
            Err(e) => {
                tracing::warn!("cannot read the losses of ETW session {}: {e}", self.name);
                0
            }
        }
    }

    /// Stops the session, after ETW has delivered the events it still buffers.
    pub(crate) fn stop(mut self) {
        self.stop_and_join();
    }

    /// Stopping the session by name first makes ETW flush its buffers to
    /// ProcessTrace, which then returns; ferrisetw's own stop closes the
    /// consumer first and would drop those events.
    fn stop_and_join(&mut self) {
        let Some(trace) = self.trace.take() else { return };
        let flushed = match stop_trace_by_name(&self.name) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("cannot stop ETW session {}: {}", self.name, describe(&e));
                false
            }
        };
        if flushed {
            self.join();
        }
        // Closes the consumer; the session is gone already when `flushed`, so its stop fails harmlessly.
        if let Err(e) = trace.stop() {
            if !flushed {
                tracing::warn!("cannot stop ETW session {}: {}", self.name, describe(&e));
            }
        }
        self.join();
    }

    fn join(&mut self) {
        if let Some(processing) = self.processing.take() {
            if processing.join().is_err() {
                tracing::error!("ETW session {}: event processing panicked", self.name);
            }
        }
    }
}

impl Drop for EtwSession {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn describe(error: &TraceError) -> String {
    match error {
        TraceError::InvalidTraceName => "invalid session name".to_string(),
        TraceError::EtwNativeError(EvntraceNativeError::AlreadyExist) => {
            "a session of this name already exists and could not be stopped".to_string()
        }
        TraceError::EtwNativeError(EvntraceNativeError::InvalidHandle) => "ETW returned an invalid handle".to_string(),
        TraceError::EtwNativeError(EvntraceNativeError::IoError(e)) => e.to_string(),
    }
}

/// EventsLost plus RealTimeBuffersLost, cumulative since the session started.
fn query_lost(name: &str) -> windows::core::Result<u64> {
    let header = size_of::<EVENT_TRACE_PROPERTIES>();
    let total = header + 2 * NAME_BYTES;
    // u64 storage: EVENT_TRACE_PROPERTIES needs 8-byte alignment.
    let mut storage = vec![0u64; total.div_ceil(8)];
    let properties = storage.as_mut_ptr().cast::<EVENT_TRACE_PROPERTIES>();
    // SAFETY: `storage` is zeroed, aligned and `total` bytes long: the structure
    // and the two name buffers its offsets point to, as ControlTraceW requires.
    unsafe {
        (*properties).Wnode.BufferSize = total as u32;
        (*properties).Wnode.Flags = WNODE_FLAG_TRACED_GUID;
        (*properties).LoggerNameOffset = header as u32;
        (*properties).LogFileNameOffset = (header + NAME_BYTES) as u32;
        ControlTraceW(CONTROLTRACE_HANDLE { Value: 0 }, &HSTRING::from(name), properties, EVENT_TRACE_CONTROL_QUERY)
            .ok()?;
        Ok(u64::from((*properties).EventsLost) + u64::from((*properties).RealTimeBuffersLost))
    }
}
