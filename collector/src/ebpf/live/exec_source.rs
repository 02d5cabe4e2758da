//! Program starts from `tp_btf/sched_process_exec` (`collector/bpf/exec.bpf.c`).

use super::boot_clock::BootClock;
use super::error::EbpfError;
use crate::ebpf::exec_event::parse_exec_event;
use crate::ebpf::passwd::parse_passwd;
use crate::live_sink::Sink;
use aya::maps::{MapData, PerCpuArray, RingBuf};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static EXEC_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/exec.bpf.o");

/// Ring buffer size unless told otherwise: about 3,800 records in flight.
pub const DEFAULT_RING_BYTES: u32 = 4 << 20;
const BTF_PATH: &str = "/sys/kernel/btf/vmlinux";
/// How long a poll waits before the stop flag is looked at again.
const WAKE_MS: i32 = 200;
/// A uid not in /etc/passwd makes it be re-read, at most this often.
const PASSWD_REFRESH: Duration = Duration::from_secs(60);

/// The exec program, loaded and attached. Dropping it detaches it.
pub struct ExecSource {
    _bpf: Ebpf,
    ring: RingBuf<MapData>,
    lost: PerCpuArray<MapData, u64>,
    lost_reported: u64,
    host: String,
    users: HashMap<u32, String>,
    users_read: Instant,
}

impl ExecSource {
    /// Loads and attaches the program. `ring_bytes` is rounded up to a
    /// power of two of at least one page, as the kernel requires.
    pub fn load(host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        if !Path::new(BTF_PATH).exists() {
            return Err(EbpfError::NoBtf(BTF_PATH.into()));
        }
        let btf = Btf::from_sys_fs().map_err(|e| EbpfError::from_load("exec", &e))?;
        let ring_bytes = ring_bytes.max(4096).checked_next_power_of_two().unwrap_or(1 << 31);
        let mut bpf = EbpfLoader::new()
            .btf(Some(&btf))
            .map_max_entries("exec_events", ring_bytes)
            .load(EXEC_OBJECT)
            .map_err(|e| EbpfError::from_load("exec", &e))?;
        let program: &mut BtfTracePoint = bpf
            .program_mut("temper_exec")
            .ok_or_else(|| EbpfError::Program {
                program: "exec",
                message: "no temper_exec program in the object".into(),
            })?
            .try_into()
            .map_err(|e| EbpfError::from_load("exec", &e))?;
        program.load("sched_process_exec", &btf).map_err(|e| EbpfError::from_load("exec", &e))?;
        program.attach().map_err(|e| EbpfError::from_load("exec", &e))?;
        let missing =
            |name: &str| EbpfError::Program { program: "exec", message: format!("no {name} map in the object") };
        let ring = RingBuf::try_from(bpf.take_map("exec_events").ok_or_else(|| missing("exec_events"))?)
            .map_err(|e| EbpfError::from_load("exec", &e))?;
        let lost = PerCpuArray::try_from(bpf.take_map("exec_lost").ok_or_else(|| missing("exec_lost"))?)
            .map_err(|e| EbpfError::from_load("exec", &e))?;
        Ok(ExecSource {
            _bpf: bpf,
            ring,
            lost,
            lost_reported: 0,
            host: host.into(),
            users: read_users(),
            users_read: Instant::now(),
        })
    }

    /// Reads records until `stop` is set, handing observations to `sink`.
    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        let mut clock = BootClock::now();
        let mut clock_read = Instant::now();
        let fd = self.ring.as_raw_fd();
        while !stop.load(Ordering::Relaxed) {
            let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd for the duration of the call.
            unsafe { libc::poll(&mut poll, 1, WAKE_MS) };
            if clock_read.elapsed() > Duration::from_secs(10) {
                clock = BootClock::now();
                clock_read = Instant::now();
            }
            self.drain(clock, sink);
            self.report_lost(sink);
        }
        // What arrived before the stop still counts.
        self.drain(clock, sink);
        self.report_lost(sink);
    }

    fn drain(&mut self, clock: BootClock, sink: &dyn Sink) {
        while let Some(item) = self.ring.next() {
            let Some(event) = parse_exec_event(&item) else {
                sink.lost(1);
                continue;
            };
            drop(item);
            if !self.users.contains_key(&event.uid) && self.users_read.elapsed() > PASSWD_REFRESH {
                self.users = read_users();
                self.users_read = Instant::now();
            }
            let user = self.users.get(&event.uid).cloned();
            sink.send(event.to_observation(&self.host, clock.to_utc(event.boot_ns), user));
        }
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

fn read_users() -> HashMap<u32, String> {
    std::fs::read_to_string("/etc/passwd").map(|text| parse_passwd(&text)).unwrap_or_default()
}
