//! The event-log source: the Security, System, Windows PowerShell and
//! SMBServer/Audit channels on one thread with one decoder. Bookmarks are
//! saved at least every `save_every` and when stopping; a jump in a
//! channel's record ids (the log wrapped while Temper was slow or stopped)
//! is reported as that many events lost.

use super::error::LiveError;
use super::event_log::Subscription;
use super::sink::Sink;
use crate::observation::Observation;
use crate::source::StopSignal;
use crate::source::{Running, Source, StartError};
use crate::windows::bookmark::{record_id, BookmarkStore};
use crate::windows::decoder::WindowsDecoder;
use crate::windows::event_table::wants;
use crate::windows::event_xml::parse_event_xml;
use crate::windows::record_sequence::RecordSequence;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use windows::Win32::Foundation::{ERROR_EVT_CHANNEL_NOT_FOUND, HANDLE, WAIT_FAILED, WAIT_TIMEOUT, WIN32_ERROR};
use windows::Win32::System::Threading::WaitForMultipleObjects;

pub const CHANNELS: &[&str] = &["Security", "System", "Windows PowerShell", "Microsoft-Windows-SMBServer/Audit"];
/// How long a wait lasts before the stop signal is looked at again.
const WAKE: Duration = Duration::from_millis(500);

/// The event-log source for one host.
#[derive(Debug, Clone)]
pub struct EventLogSource {
    pub host: String,
    pub rdp_port: u16,
    /// Where bookmarks are kept.
    pub state_dir: PathBuf,
    /// The observe loop's flush interval: bookmarks never lag further behind.
    pub save_every: Duration,
    /// The categories the audit settings read at start let these channels attest.
    pub attests: Vec<String>,
}

/// A subscribed channel and the record ids it delivered.
struct Channel {
    subscription: Subscription,
    records: RecordSequence,
    /// Events were handed over since the bookmark was last saved.
    dirty: bool,
}

impl EventLogSource {
    /// Subscribes to every channel now, so a refusal (access denied) is an
    /// error here rather than a source that silently watches nothing. A
    /// channel this Windows does not have is skipped.
    fn launch(self, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        std::fs::create_dir_all(&self.state_dir)
            .map_err(|source| LiveError::Io { path: self.state_dir.clone(), source })?;
        let store = BookmarkStore::new(&self.state_dir);
        let mut channels = Vec::new();
        for name in CHANNELS {
            let saved = store.load(name);
            let records = RecordSequence::after(saved.as_deref().and_then(|xml| record_id(xml, name)));
            match Subscription::open(name, saved.as_deref()) {
                Ok(subscription) => channels.push(Channel { subscription, records, dirty: false }),
                Err(LiveError::Os { source, .. })
                    if WIN32_ERROR::from_error(&source) == Some(ERROR_EVT_CHANNEL_NOT_FOUND) =>
                {
                    tracing::warn!("the {name} event log does not exist here; it is not watched");
                }
                Err(e) => return Err(e.into()),
            }
        }
        let decoder = WindowsDecoder::new("etw").with_host(Some(self.host.clone())).with_rdp_port(self.rdp_port);
        let save_every = self.save_every;
        Running::spawn("eventlog", move |stop| {
            Reader { channels, store, decoder, sink, out: Vec::new() }.run(stop, save_every)
        })
    }
}

struct Reader {
    channels: Vec<Channel>,
    store: BookmarkStore,
    decoder: WindowsDecoder,
    sink: Arc<dyn Sink>,
    out: Vec<Observation>,
}

impl Reader {
    fn run(mut self, stop: &StopSignal, save_every: Duration) {
        let signals: Vec<HANDLE> = self.channels.iter().map(|c| c.subscription.signal()).collect();
        let mut saved = Instant::now();
        while !stop.is_stopped() {
            if !signals.is_empty() {
                // SAFETY: the signal handles stay open while `self.channels` lives, i.e. for this loop.
                let woke = unsafe { WaitForMultipleObjects(&signals, false, WAKE.as_millis() as u32) };
                if woke == WAIT_FAILED {
                    tracing::error!("event log: waiting failed: {}", windows::core::Error::from_thread());
                    stop.wait(WAKE);
                } else if woke != WAIT_TIMEOUT {
                    self.drain_all();
                }
            } else {
                stop.wait(WAKE);
            }
            if saved.elapsed() >= save_every {
                self.save_bookmarks();
                saved = Instant::now();
            }
        }
        self.drain_all();
        self.save_bookmarks();
    }

    /// Every channel, whichever was signalled: draining an idle one costs one call.
    fn drain_all(&mut self) {
        for index in 0..self.channels.len() {
            self.drain(index);
        }
        let reported = self.decoder.take_loss_reports();
        if reported > 0 {
            self.sink.lost(reported);
        }
    }

    fn drain(&mut self, index: usize) {
        let Reader { channels, decoder, sink, out, .. } = self;
        let channel = &mut channels[index];
        let name = channel.subscription.channel().to_string();
        let records = &mut channel.records;
        let result = channel.subscription.drain(|summary, render_xml| {
            let skipped = records.advance(summary.record_id);
            if skipped > 0 {
                sink.lost(skipped);
            }
            if !wants(&summary.provider, summary.event_id) {
                return;
            }
            match render_xml().map_err(|e| e.to_string()).and_then(|xml| parse_event_xml(&xml)) {
                Ok(record) => {
                    decoder.decode(&record, out);
                    for observation in out.drain(..) {
                        sink.send(observation);
                    }
                }
                Err(e) => {
                    tracing::debug!("{name}: event {} unreadable: {e}", summary.record_id);
                    sink.lost(1);
                }
            }
        });
        match result {
            Ok(0) => {}
            Ok(_) => channel.dirty = true,
            Err(e) => {
                // Usually ERROR_EVT_QUERY_RESULT_STALE: the log overwrote what the subscription pointed at.
                tracing::warn!("{name}: reading stopped ({e}); subscribing again after the bookmark");
                if let Err(e) = channel.subscription.resubscribe() {
                    tracing::error!("{name}: {e}");
                }
            }
        }
    }

    fn save_bookmarks(&mut self) {
        for channel in &mut self.channels {
            if !channel.dirty {
                continue;
            }
            let name = channel.subscription.channel().to_string();
            let saved = channel
                .subscription
                .bookmark_xml()
                .map_err(|e| e.to_string())
                .and_then(|xml| self.store.save(&name, &xml).map_err(|e| e.to_string()));
            match saved {
                Ok(()) => channel.dirty = false,
                Err(e) => tracing::warn!("cannot save the {name} bookmark: {e}"),
            }
        }
    }
}

impl Source for EventLogSource {
    fn name(&self) -> &str {
        "eventlog"
    }

    fn source(&self) -> &'static str {
        "etw"
    }

    /// What the host's audit settings make the channels see every use of.
    fn attests(&self) -> Vec<String> {
        self.attests.clone()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        self.launch(sink)
    }
}
