//! The observe loop, platform-neutral: sources hand observations to
//! bounded channels; one thread aggregates them and writes the profile in
//! one transaction every flush interval, with a `coverage` record per
//! source per interval stating what it watched and what it lost.
//!
//! Sources never block: a kernel ring buffer or an ETW callback that waits
//! on a slow disk loses events anyway, so a full channel is counted as
//! loss, reported in that interval's coverage, instead of back-pressure.
//! A crash loses at most one interval; the profile is never half-written.

use crate::{Aggregator, Profile, ProfileError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use temper_observation::sink::Sink;
use temper_observation::source::{Source, StartError};
use temper_observation::{Coverage, Event, Observation};

/// Observations waiting between the sources and the aggregator. The
/// channel's buffer is allocated whole, so this is memory the daemon always
/// holds (about 400 bytes each); the aggregator drains it continuously, so
/// it only absorbs bursts.
pub const CHANNEL_CAPACITY: usize = 8_192;

/// What a source is, for its coverage records and health lines.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Short name in logs and the status file (`etw`, `eventlog:Security`).
    pub name: String,
    /// The observation `source` its coverage is recorded under (`etw`, `ebpf`, ...).
    pub source: String,
    /// The host it watches.
    pub host: String,
    /// Categories it attests while running (`share`, `protocol:smb`, ...).
    pub categories: Vec<String>,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    lost: AtomicU64,
}

/// A source's end of the channel. Cheap to clone, `Send`.
#[derive(Debug, Clone)]
pub struct SourceHandle {
    tx: SyncSender<Observation>,
    counters: Arc<Counters>,
}

/// A handle is the outlet live sources write to.
impl Sink for SourceHandle {
    fn send(&self, obs: Observation) {
        SourceHandle::send(self, obs)
    }

    fn send_waiting(&self, obs: Observation, wait: Duration) {
        SourceHandle::send_waiting(self, obs, wait)
    }

    fn lost(&self, n: u64) {
        SourceHandle::lost(self, n)
    }
}

impl SourceHandle {
    /// Hands over an observation without waiting; a full channel counts it as lost.
    pub fn send(&self, obs: Observation) {
        self.send_waiting(obs, Duration::ZERO);
    }

    /// Hands over an observation, waiting up to `wait` while the channel is
    /// full (std's bounded sender has no timed send, so it retries).
    pub fn send_waiting(&self, mut obs: Observation, wait: Duration) {
        // The clock is read only once the channel is full.
        let mut deadline = None;
        loop {
            match self.tx.try_send(obs) {
                Ok(()) => {
                    self.counters.sent.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Err(TrySendError::Full(back))
                    if Instant::now() < *deadline.get_or_insert_with(|| Instant::now() + wait) =>
                {
                    obs = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.counters.lost.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
    }

    /// Events the source itself lost (ring buffer overruns, ETW losses, record-id gaps).
    pub fn lost(&self, n: u64) {
        self.counters.lost.fetch_add(n, Ordering::Relaxed);
    }
}

/// A registered source as the loop accounts for it.
struct Registered {
    spec: SourceSpec,
    counters: Arc<Counters>,
    sent_before: u64,
    lost_before: u64,
}

/// One source's line in the status file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceStatus {
    pub name: String,
    pub categories: Vec<String>,
    pub events: u64,
    pub lost: u64,
    pub events_per_second: f64,
}

/// Written beside the profile after every flush; `temper observe --status` prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObserveStatus {
    pub pid: u32,
    pub profile: PathBuf,
    pub started: DateTime<Utc>,
    pub last_flush: DateTime<Utc>,
    pub flushes: u64,
    pub observations_written: u64,
    pub resident_bytes: Option<u64>,
    pub sources: Vec<SourceStatus>,
}

/// Where the status of the daemon writing `profile` lives.
pub fn status_path(profile: &Path) -> PathBuf {
    let mut name = profile.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".status.json");
    profile.with_file_name(name)
}

pub fn read_status(profile: &Path) -> std::io::Result<ObserveStatus> {
    let text = std::fs::read_to_string(status_path(profile))?;
    serde_json::from_str(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// How often the stop request and the deadline are looked at.
const STOP_POLL: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    #[error("the {name} source could not start: {error}")]
    Start { name: String, error: StartError },
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

pub struct Observer {
    profile: Profile,
    aggregator: Aggregator,
    tx: SyncSender<Observation>,
    rx: Receiver<Observation>,
    sources: Vec<Registered>,
    flush_every: Duration,
    resident_bytes: fn() -> Option<u64>,
}

impl Observer {
    /// Opens (or creates) the profile; a restart continues it.
    pub fn open(profile_path: &Path, flush_every: Duration) -> Result<Self, ProfileError> {
        let profile = Profile::create_or_open(profile_path)?;
        let aggregator = Aggregator::for_profile(&profile);
        let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
        Ok(Observer {
            profile,
            aggregator,
            tx,
            rx,
            sources: Vec::new(),
            flush_every: flush_every.max(Duration::from_millis(100)),
            resident_bytes: || None,
        })
    }

    /// How to read this process's resident memory, for health lines.
    pub fn with_resident_bytes(mut self, read: fn() -> Option<u64>) -> Self {
        self.resident_bytes = read;
        self
    }

    /// Registers a source; it covers its categories from now on.
    pub fn source(&mut self, spec: SourceSpec) -> SourceHandle {
        let counters = Arc::new(Counters::default());
        self.sources.push(Registered { spec, counters: counters.clone(), sent_before: 0, lost_before: 0 });
        SourceHandle { tx: self.tx.clone(), counters }
    }

    /// Observes `host` with `sources` until `stop` is set or `deadline`
    /// passes, the same way on every platform: each source is registered
    /// with the categories it attests, all are started before the first
    /// flush (one that cannot start fails here, before anything is written),
    /// and at the end they stop first, in order, so that the last flush holds
    /// everything they handed over. `started` runs once every source is up.
    pub fn observe(
        mut self,
        host: &str,
        sources: Vec<Box<dyn Source>>,
        stop: &AtomicBool,
        deadline: Option<Instant>,
        started: impl FnOnce(),
    ) -> Result<ObserveStatus, ObserveError> {
        let sinks: Vec<Arc<dyn Sink>> = sources
            .iter()
            .map(|s| {
                let spec = SourceSpec {
                    name: s.name().to_string(),
                    source: s.source().to_string(),
                    host: host.to_string(),
                    categories: s.attests(),
                };
                Arc::new(self.source(spec)) as Arc<dyn Sink>
            })
            .collect();
        let mut running = Vec::new();
        for (source, sink) in sources.into_iter().zip(sinks) {
            let name = source.name().to_string();
            running.push(source.start(sink).map_err(|error| ObserveError::Start { name, error })?);
        }
        started();
        let flush_now = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
                    std::thread::sleep(STOP_POLL);
                }
                for source in running {
                    let name = source.name().to_string();
                    source.stop();
                    tracing::info!("stopped the {name} source");
                }
                flush_now.store(true, Ordering::Relaxed);
            });
            let result = self.run(&flush_now);
            // The loop only ends early on an error: release the sources either way.
            stop.store(true, Ordering::Relaxed);
            result.map_err(ObserveError::from)
        })
    }

    /// Aggregates until `stop` is set (or every source is gone), flushing
    /// every interval and once more at the end.
    pub fn run(mut self, stop: &AtomicBool) -> Result<ObserveStatus, ProfileError> {
        let started = Utc::now();
        let mut interval_start = started;
        let mut next_flush = Instant::now() + self.flush_every;
        let mut status = self.status(started, started, 0, 0, Duration::ZERO);
        // The loop's own sender would keep the channel open forever.
        let (dead_tx, _) = sync_channel(1);
        drop(std::mem::replace(&mut self.tx, dead_tx));
        let mut disconnected = false;
        loop {
            let timeout = next_flush.saturating_duration_since(Instant::now()).min(Duration::from_millis(200));
            match self.rx.recv_timeout(timeout) {
                Ok(obs) => {
                    self.aggregator.ingest(&obs);
                    // Drain what is already there before looking at the clock again.
                    while let Ok(obs) = self.rx.try_recv() {
                        self.aggregator.ingest(&obs);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => disconnected = true,
            }
            let stopping = stop.load(Ordering::Relaxed) || disconnected;
            if Instant::now() >= next_flush || stopping {
                if stopping {
                    while let Ok(obs) = self.rx.try_recv() {
                        self.aggregator.ingest(&obs);
                    }
                }
                let now = Utc::now();
                let elapsed = (now - interval_start).to_std().unwrap_or(Duration::ZERO);
                self.cover(interval_start, now);
                match self.aggregator.flush(&mut self.profile) {
                    Ok(written) => {
                        status = self.status(
                            started,
                            now,
                            status.flushes + 1,
                            status.observations_written + written,
                            elapsed,
                        );
                        self.settle();
                        interval_start = now;
                        self.log_health(&status);
                        if let Err(e) = write_status(self.profile.path(), &status) {
                            tracing::warn!("cannot write the status file: {e}");
                        }
                    }
                    // The batch stays in the aggregator; the next interval tries again.
                    Err(e) if !stopping => tracing::error!("flush failed, retrying next interval: {e}"),
                    Err(e) => return Err(e),
                }
                next_flush = Instant::now() + self.flush_every;
                if stopping {
                    return Ok(status);
                }
            }
        }
    }

    /// One coverage record per source for `from..to`, with what it lost then.
    fn cover(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        for source in &self.sources {
            if source.spec.categories.is_empty() {
                continue;
            }
            let lost = source.counters.lost.load(Ordering::Relaxed) - source.lost_before;
            let coverage = Observation::new(
                to,
                source.spec.host.clone(),
                source.spec.source.clone(),
                Event::Coverage(Coverage { categories: source.spec.categories.clone(), from, to, lost }),
            );
            self.aggregator.ingest(&coverage);
        }
        self.aggregator.finish_stream();
    }

    /// After a successful flush, counters start the next interval.
    fn settle(&mut self) {
        for source in &mut self.sources {
            source.sent_before = source.counters.sent.load(Ordering::Relaxed);
            source.lost_before = source.counters.lost.load(Ordering::Relaxed);
        }
    }

    fn status(
        &self,
        started: DateTime<Utc>,
        now: DateTime<Utc>,
        flushes: u64,
        written: u64,
        elapsed: Duration,
    ) -> ObserveStatus {
        let seconds = elapsed.as_secs_f64().max(1e-3);
        ObserveStatus {
            pid: std::process::id(),
            profile: self.profile.path().to_path_buf(),
            started,
            last_flush: now,
            flushes,
            observations_written: written,
            resident_bytes: (self.resident_bytes)(),
            sources: self
                .sources
                .iter()
                .map(|s| {
                    let sent = s.counters.sent.load(Ordering::Relaxed);
                    SourceStatus {
                        name: s.spec.name.clone(),
                        categories: s.spec.categories.clone(),
                        events: sent,
                        lost: s.counters.lost.load(Ordering::Relaxed),
                        events_per_second: (sent - s.sent_before) as f64 / seconds,
                    }
                })
                .collect(),
        }
    }

    fn log_health(&self, status: &ObserveStatus) {
        let sources: Vec<String> =
            status.sources.iter().map(|s| format!("{} {:.1}/s lost {}", s.name, s.events_per_second, s.lost)).collect();
        tracing::info!(
            flushes = status.flushes,
            written = status.observations_written,
            rss_mib = status.resident_bytes.map(|b| b / (1 << 20)),
            "health: {}",
            sources.join(", ")
        );
    }
}

fn write_status(profile: &Path, status: &ObserveStatus) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(status).map_err(std::io::Error::other)?;
    temper_observation::atomic_file::write_atomically(&status_path(profile), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use temper_observation::{ConnectionUse, Role, Transport};

    fn connection(host: &str) -> Observation {
        Observation::new(Utc::now(), host, "etw", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
            .with_role(Role::Server)
    }

    #[test]
    fn flushes_with_coverage_and_losses_and_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        for round in 0..2 {
            let mut observer = Observer::open(&path, Duration::from_millis(100)).unwrap();
            let handle = observer.source(SourceSpec {
                name: "test".into(),
                source: "etw".into(),
                host: "h1".into(),
                categories: vec!["connection".into()],
            });
            let stop = Arc::new(AtomicBool::new(false));
            let producer = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        handle.send(connection("h1"));
                    }
                    handle.lost(3);
                    std::thread::sleep(Duration::from_millis(250));
                    stop.store(true, Ordering::Relaxed);
                })
            };
            let status = observer.run(&stop).unwrap();
            producer.join().unwrap();
            assert!(status.flushes >= 1, "round {round}: {status:?}");
            assert_eq!(status.sources[0].events, 1000);
            assert_eq!(status.sources[0].lost, 3);
            assert_eq!(read_status(&path).unwrap().sources[0].events, 1000);
        }
        let profile = Profile::open(&path).unwrap();
        let facts = profile.facts(None).unwrap();
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].stats.count, 2000, "the restart continued the same profile");
        let losses = profile.losses(Some("h1")).unwrap();
        assert_eq!(losses.iter().map(|l| l.lost).sum::<u64>(), 6);
        assert!(!profile.coverage_windows(Some("h1")).unwrap().is_empty());
    }

    #[test]
    fn a_full_channel_is_loss_not_a_stall() {
        let (tx, _rx) = sync_channel(1);
        let handle = SourceHandle { tx, counters: Arc::new(Counters::default()) };
        handle.send(connection("h"));
        handle.send(connection("h"));
        assert_eq!(handle.counters.sent.load(Ordering::Relaxed), 1);
        assert_eq!(handle.counters.lost.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_waiting_send_gets_room_when_the_loop_catches_up_and_gives_up_otherwise() {
        let (tx, rx) = sync_channel(1);
        let handle = SourceHandle { tx, counters: Arc::new(Counters::default()) };
        handle.send(connection("h"));
        let drain = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            rx.recv().unwrap();
            rx
        });
        handle.send_waiting(connection("h"), Duration::from_secs(5));
        let _rx = drain.join().unwrap();
        assert_eq!(handle.counters.sent.load(Ordering::Relaxed), 2, "it waited for room");
        handle.send_waiting(connection("h"), Duration::from_millis(10));
        assert_eq!(handle.counters.lost.load(Ordering::Relaxed), 1, "nobody drains: lost after the wait");
    }
}
