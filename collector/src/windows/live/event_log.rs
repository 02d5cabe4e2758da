//! One event-log channel, subscribed in the pull model: the service sets a
//! signal event when events arrive, and EvtNext hands them over in batches.
//! A bookmark follows every event handed over; rendering the system values
//! first lets unwanted events skip the XML rendering.

use super::error::LiveError;
use super::wide_ptr::from_wide_ptr;
use crate::windows::wide::from_wide;
use std::ffi::c_void;
use windows::core::{Owned, HSTRING, PCWSTR};
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_NO_MORE_ITEMS, ERROR_TIMEOUT, HANDLE, WIN32_ERROR};
use windows::Win32::System::EventLog::{
    EvtCreateBookmark, EvtCreateRenderContext, EvtNext, EvtRender, EvtRenderBookmark, EvtRenderContextSystem,
    EvtRenderEventValues, EvtRenderEventXml, EvtSubscribe, EvtSubscribeStartAfterBookmark, EvtSubscribeToFutureEvents,
    EvtSystemEventID, EvtSystemEventRecordId, EvtSystemPropertyIdEND, EvtSystemProviderName, EvtUpdateBookmark,
    EvtVarTypeString, EvtVarTypeUInt16, EvtVarTypeUInt64, EVT_HANDLE, EVT_VARIANT, EVT_VARIANT_TYPE_MASK,
};
use windows::Win32::System::Threading::{CreateEventW, ResetEvent};

/// Events taken per EvtNext call.
const BATCH: usize = 64;
/// EvtNext returns at once with what is there, or "no more items" when the
/// subscription is drained; the timeout only bounds a stall.
const NEXT_TIMEOUT_MS: u32 = 1000;

/// What decides whether an event is rendered, and whether records were skipped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub(crate) provider: String,
    pub(crate) event_id: u32,
    pub(crate) record_id: u64,
}

/// Fields drop in order: the subscription closes before the event it signals.
pub(crate) struct Subscription {
    subscription: Owned<EVT_HANDLE>,
    channel: String,
    signal: Owned<HANDLE>,
    bookmark: Owned<EVT_HANDLE>,
    /// Whether the bookmark points at a record (a fresh one does not).
    positioned: bool,
    system_values: Owned<EVT_HANDLE>,
    /// Reused render buffer (u64 for EVT_VARIANT's alignment).
    buffer: Vec<u64>,
}

// SAFETY: the event, bookmark, render-context and subscription handles are
// process-wide kernel and wevtapi handles with no thread affinity; the
// subscription is used by one thread at a time (it is moved, not shared).
unsafe impl Send for Subscription {}

impl Subscription {
    /// Subscribes to `channel` after the saved bookmark, or to events from now on.
    pub(crate) fn open(channel: &str, saved: Option<&str>) -> Result<Self, LiveError> {
        // Manual reset, initially set: the first wait drains what is already there.
        // SAFETY: no security attributes, no name.
        let signal = unsafe { CreateEventW(None, true, true, PCWSTR::null()) }
            .map_err(|e| LiveError::os("cannot create an event-log signal", e))?;
        // SAFETY: CreateEventW succeeded; the handle is ours.
        let signal = unsafe { Owned::new(signal) };
        let (bookmark, positioned) = match saved {
            // SAFETY: the XML is a valid wide string for the call.
            Some(xml) => match unsafe { EvtCreateBookmark(&HSTRING::from(xml)) } {
                Ok(bookmark) => (bookmark, true),
                Err(e) => {
                    tracing::warn!("the saved {channel} bookmark is unusable ({e}); starting with new events");
                    (new_bookmark(channel)?, false)
                }
            },
            None => (new_bookmark(channel)?, false),
        };
        // SAFETY: the bookmark handle is ours.
        let bookmark = unsafe { Owned::new(bookmark) };
        // SAFETY: no value paths: the system properties context.
        let system_values = unsafe { EvtCreateRenderContext(None, EvtRenderContextSystem.0) }
            .map_err(|e| LiveError::os("cannot create an event-log render context", e))?;
        // SAFETY: the context handle is ours.
        let system_values = unsafe { Owned::new(system_values) };
        let subscription = subscribe(channel, *signal, *bookmark, positioned)?;
        Ok(Subscription {
            channel: channel.to_string(),
            signal,
            bookmark,
            positioned,
            system_values,
            subscription,
            buffer: Vec::new(),
        })
    }

    pub(crate) fn channel(&self) -> &str {
        &self.channel
    }

    pub(crate) fn signal(&self) -> HANDLE {
        *self.signal
    }

    /// The bookmark as XML, to save.
    pub(crate) fn bookmark_xml(&mut self) -> windows::core::Result<String> {
        render_text(&mut self.buffer, *self.bookmark, EvtRenderBookmark.0)
    }

    /// Subscribes again after the bookmark (after the log was overwritten under a slow reader).
    pub(crate) fn resubscribe(&mut self) -> Result<(), LiveError> {
        self.subscription = subscribe(&self.channel, *self.signal, *self.bookmark, self.positioned)?;
        Ok(())
    }

    /// Hands every waiting event to `each` with its summary and a way to
    /// render its XML, then moves the bookmark past it. Returns how many.
    pub(crate) fn drain(
        &mut self,
        mut each: impl FnMut(&Summary, &mut dyn FnMut() -> windows::core::Result<String>),
    ) -> windows::core::Result<usize> {
        // Reset before draining: an event arriving meanwhile sets it again.
        // SAFETY: the signal handle is ours and open.
        unsafe { ResetEvent(*self.signal) }?;
        let mut total = 0;
        loop {
            let mut raw = [0isize; BATCH];
            let mut returned = 0u32;
            // SAFETY: `raw` has room for BATCH handles; `returned` is a valid out pointer.
            if let Err(e) = unsafe { EvtNext(*self.subscription, &mut raw, NEXT_TIMEOUT_MS, 0, &mut returned) } {
                return match WIN32_ERROR::from_error(&e) {
                    Some(ERROR_NO_MORE_ITEMS) | Some(ERROR_TIMEOUT) => Ok(total),
                    _ => Err(e),
                };
            }
            let returned = (returned as usize).min(BATCH);
            // Owned first, so every handle EvtNext returned is closed whatever happens below.
            // SAFETY: EvtNext returned these event handles for us to close.
            let events: Vec<Owned<EVT_HANDLE>> =
                raw[..returned].iter().map(|&h| unsafe { Owned::new(EVT_HANDLE(h)) }).collect();
            for event in &events {
                match self.summary(**event) {
                    Ok(summary) => {
                        let buffer = &mut self.buffer;
                        each(&summary, &mut || render_text(buffer, **event, EvtRenderEventXml.0));
                    }
                    Err(e) => tracing::debug!("{}: cannot read an event's system values: {e}", self.channel),
                }
                // SAFETY: both handles are open.
                match unsafe { EvtUpdateBookmark(*self.bookmark, **event) } {
                    Ok(()) => self.positioned = true,
                    Err(e) => tracing::warn!("{}: cannot move the bookmark: {e}", self.channel),
                }
            }
            total += returned;
        }
    }

    /// Provider, event id and record id, from the system render context.
    fn summary(&mut self, event: EVT_HANDLE) -> windows::core::Result<Summary> {
        let count = render(&mut self.buffer, Some(*self.system_values), event, EvtRenderEventValues.0)?;
        let count = count.min(EvtSystemPropertyIdEND.0 as usize);
        // SAFETY: EvtRender wrote `count` EVT_VARIANTs at the start of the aligned buffer,
        // which is not touched again while `values` lives.
        let values = unsafe { std::slice::from_raw_parts(self.buffer.as_ptr().cast::<EVT_VARIANT>(), count) };
        let kind = |id: i32| values.get(id as usize).map(|v| v.Type & EVT_VARIANT_TYPE_MASK);
        let mut summary = Summary { provider: String::new(), event_id: 0, record_id: 0 };
        // SAFETY: each union member is read only when the variant's type says it holds it;
        // the provider string points into the render buffer.
        unsafe {
            if kind(EvtSystemProviderName.0) == Some(EvtVarTypeString.0 as u32) {
                let name = values[EvtSystemProviderName.0 as usize].Anonymous.StringVal;
                summary.provider = from_wide_ptr(name.0).unwrap_or_default();
            }
            if kind(EvtSystemEventID.0) == Some(EvtVarTypeUInt16.0 as u32) {
                summary.event_id = u32::from(values[EvtSystemEventID.0 as usize].Anonymous.UInt16Val);
            }
            if kind(EvtSystemEventRecordId.0) == Some(EvtVarTypeUInt64.0 as u32) {
                summary.record_id = values[EvtSystemEventRecordId.0 as usize].Anonymous.UInt64Val;
            }
        }
        Ok(summary)
    }
}

fn new_bookmark(channel: &str) -> Result<EVT_HANDLE, LiveError> {
    // SAFETY: a null XML creates an empty bookmark.
    unsafe { EvtCreateBookmark(PCWSTR::null()) }
        .map_err(|e| LiveError::os(format!("cannot create a bookmark for {channel}"), e))
}

fn subscribe(
    channel: &str,
    signal: HANDLE,
    bookmark: EVT_HANDLE,
    positioned: bool,
) -> Result<Owned<EVT_HANDLE>, LiveError> {
    let (bookmark, flags) = if positioned {
        (Some(bookmark), EvtSubscribeStartAfterBookmark.0)
    } else {
        (None, EvtSubscribeToFutureEvents.0)
    };
    // SAFETY: local session, an open event, valid strings, no context or callback (pull model).
    let subscription = unsafe {
        EvtSubscribe(None, Some(signal), &HSTRING::from(channel), &HSTRING::from("*"), bookmark, None, None, flags)
    }
    .map_err(|e| LiveError::os(format!("cannot subscribe to the {channel} event log"), e))?;
    // SAFETY: the subscription handle is ours.
    Ok(unsafe { Owned::new(subscription) })
}

/// Renders into the buffer, growing it once if needed; returns the property count.
fn render(
    buffer: &mut Vec<u64>,
    context: Option<EVT_HANDLE>,
    fragment: EVT_HANDLE,
    flags: u32,
) -> windows::core::Result<usize> {
    let (mut used, mut count) = (0u32, 0u32);
    for _ in 0..2 {
        let size = (buffer.len() * 8) as u32;
        let data = (!buffer.is_empty()).then(|| buffer.as_mut_ptr().cast::<c_void>());
        // SAFETY: `data` is None or points to `size` writable, aligned bytes.
        match unsafe { EvtRender(context, fragment, flags, size, data, &mut used, &mut count) } {
            Ok(()) => return Ok(count as usize),
            Err(e) if WIN32_ERROR::from_error(&e) == Some(ERROR_INSUFFICIENT_BUFFER) => {
                buffer.resize((used as usize).div_ceil(8), 0);
            }
            Err(e) => return Err(e),
        }
    }
    Err(windows::core::Error::from(ERROR_INSUFFICIENT_BUFFER))
}

/// An event or bookmark rendered as XML text.
fn render_text(buffer: &mut Vec<u64>, fragment: EVT_HANDLE, flags: u32) -> windows::core::Result<String> {
    render(buffer, None, fragment, flags)?;
    // SAFETY: the buffer holds the NUL-terminated UTF-16 text just rendered; u64 alignment suffices for u16.
    let units = unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<u16>(), buffer.len() * 4) };
    Ok(from_wide(units))
}
