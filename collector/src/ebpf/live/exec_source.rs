//! Program starts from `tp_btf/sched_process_exec` (`collector/bpf/exec.bpf.c`).

use super::boot_clock::BootClock;
use super::error::EbpfError;
use super::ring_reader::{ring_size, RingReader};
use crate::ebpf::exec_event::parse_exec_event;
use crate::ebpf::passwd::parse_passwd;
use crate::live_sink::Sink;
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static EXEC_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/exec.bpf.o");

/// Ring buffer size unless told otherwise: about 3,800 records in flight.
pub const DEFAULT_RING_BYTES: u32 = 4 << 20;
pub(super) const BTF_PATH: &str = "/sys/kernel/btf/vmlinux";
/// How long a wait lasts before the stop flag is looked at again.
pub(super) const WAKE_MS: i32 = 200;
/// A uid not in /etc/passwd makes it be re-read, at most this often.
const PASSWD_REFRESH: Duration = Duration::from_secs(60);

/// The exec program, loaded and attached. Dropping it detaches it.
pub struct ExecSource {
    _bpf: Ebpf,
    ring: RingReader,
    host: String,
    users: HashMap<u32, String>,
    users_read: Instant,
    skip_own_children: bool,
}

impl ExecSource {
    pub fn load(host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        if !Path::new(BTF_PATH).exists() {
            return Err(EbpfError::NoBtf(BTF_PATH.into()));
        }
        let btf = Btf::from_sys_fs().map_err(|e| EbpfError::from_load("exec", &e))?;
        let mut bpf = EbpfLoader::new()
            .btf(Some(&btf))
            .map_max_entries("exec_events", ring_size(ring_bytes))
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
        let ring = RingReader::take(&mut bpf, "exec", "exec_events", "exec_lost")?;
        Ok(ExecSource {
            _bpf: bpf,
            ring,
            host: host.into(),
            users: read_users(),
            users_read: Instant::now(),
            skip_own_children: false,
        })
    }

    /// Leaves out what this process runs itself (the observer's inventory
    /// runs `systemctl`, `testparm`, `sshd -T`: not uses of the host).
    pub fn skip_own_children(mut self) -> Self {
        self.skip_own_children = true;
        self
    }

    /// Reads records until `stop` is set, handing observations to `sink`.
    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        let own_pid = std::process::id();
        let skip_own = self.skip_own_children;
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            if !stopping {
                self.ring.wait(WAKE_MS);
            }
            // Re-read each round: the wall clock may have been stepped.
            let clock = BootClock::now();
            let (host, users, users_read) = (&self.host, &mut self.users, &mut self.users_read);
            self.ring.drain(|bytes| {
                let Some(event) = parse_exec_event(bytes) else {
                    sink.lost(1);
                    return;
                };
                if skip_own && (event.ppid == own_pid || event.pid == own_pid) {
                    return;
                }
                if !users.contains_key(&event.uid) && users_read.elapsed() > PASSWD_REFRESH {
                    *users = read_users();
                    *users_read = Instant::now();
                }
                let user = users.get(&event.uid).cloned();
                sink.send(event.to_observation(host, clock.to_utc(event.boot_ns), user));
            });
            self.ring.report_lost(sink);
            if stopping {
                return;
            }
        }
    }
}

fn read_users() -> HashMap<u32, String> {
    std::fs::read_to_string("/etc/passwd").map(|text| parse_passwd(&text)).unwrap_or_default()
}
