//! A program's ring buffer and its loss counter, read the same way by
//! every kernel source: wait, drain, report what the program could not
//! put in the buffer.

use super::boot_clock::BootClock;
use super::error::EbpfError;
use crate::sink::Sink;
use aya::maps::{MapData, PerCpuArray, RingBuf};
use aya::Ebpf;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a wait lasts before the stop flag is looked at and the ring drained.
const WAKE_MS: i32 = 200;
/// How long a reader waits for room in its outlet before an observation is
/// lost: meanwhile the program keeps filling the ring, which absorbs bursts.
pub(super) const OUTLET_WAIT: Duration = Duration::from_millis(100);

pub(super) struct RingReader {
    ring: RingBuf<MapData>,
    lost: PerCpuArray<MapData, u64>,
    lost_reported: u64,
}

impl RingReader {
    /// Takes the `events` ring buffer and the `lost` per-CPU counter out of `bpf`.
    pub fn take(bpf: &mut Ebpf, program: &'static str, events: &str, lost: &str) -> Result<Self, EbpfError> {
        let missing = |name: &str| EbpfError::Program { program, message: format!("no {name} map in the object") };
        let ring = RingBuf::try_from(bpf.take_map(events).ok_or_else(|| missing(events))?)
            .map_err(|e| EbpfError::from_load(program, &e))?;
        let lost = PerCpuArray::try_from(bpf.take_map(lost).ok_or_else(|| missing(lost))?)
            .map_err(|e| EbpfError::from_load(program, &e))?;
        Ok(RingReader { ring, lost, lost_reported: 0 })
    }

    /// Reads until `stop` is set: waits for records (programs wake the
    /// reader per batch, so it also drains every [`WAKE_MS`]), hands each to
    /// `each` with the boot clock to date it, and reports what the program
    /// lost. What arrived before the stop is still read.
    pub fn run(&mut self, stop: &AtomicBool, sink: &dyn Sink, each: impl FnMut(&[u8], BootClock)) {
        self.run_ticking(stop, sink, each, || {});
    }

    /// [`RingReader::run`], calling `tick` after each drain (at least every
    /// [`WAKE_MS`]) for work a quiet source must still do on time.
    pub fn run_ticking(
        &mut self,
        stop: &AtomicBool,
        sink: &dyn Sink,
        mut each: impl FnMut(&[u8], BootClock),
        mut tick: impl FnMut(),
    ) {
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            if !stopping {
                self.wait(WAKE_MS);
            }
            // Re-read each round: the wall clock may have been stepped.
            let clock = BootClock::now();
            while let Some(item) = self.ring.next() {
                each(&item, clock);
            }
            self.report_lost(sink);
            tick();
            if stopping {
                return;
            }
        }
    }

    fn wait(&self, ms: i32) {
        let mut poll = libc::pollfd { fd: self.ring.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd for the duration of the call.
        unsafe { libc::poll(&mut poll, 1, ms) };
    }

    /// Events the program could not put in the ring buffer (it was full).
    fn report_lost(&mut self, sink: &dyn Sink) {
        let Ok(per_cpu) = self.lost.get(&0, 0) else { return };
        let total: u64 = per_cpu.iter().sum();
        if total > self.lost_reported {
            sink.lost(total - self.lost_reported);
            self.lost_reported = total;
        }
    }
}

/// Ring buffer sizes must be a power of two of at least one page.
pub fn ring_size(bytes: u32) -> u32 {
    bytes.max(4096).checked_next_power_of_two().unwrap_or(1 << 31)
}
