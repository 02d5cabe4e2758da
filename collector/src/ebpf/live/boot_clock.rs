//! eBPF timestamps are `CLOCK_BOOTTIME` (which, unlike the monotonic
//! clock, keeps counting through suspend); observations need wall time.

use chrono::{DateTime, Utc};

fn now_ns(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec.saturating_mul(1_000_000_000).saturating_add(ts.tv_nsec)
}

/// Converts boot-clock nanoseconds to UTC. The offset is re-read now and
/// then, so a wall-clock step (NTP) is followed.
#[derive(Debug, Clone, Copy)]
pub struct BootClock {
    offset_ns: i64,
}

impl BootClock {
    pub fn now() -> Self {
        BootClock { offset_ns: now_ns(libc::CLOCK_REALTIME) - now_ns(libc::CLOCK_BOOTTIME) }
    }

    pub fn to_utc(self, boot_ns: u64) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos((boot_ns as i64).saturating_add(self.offset_ns))
    }
}
