//! Program starts from `tp_btf/sched_process_exec` (`collector/bpf/exec.bpf.c`).

use super::error::EbpfError;
use super::program::load_tp_btf;
use super::ring_reader::{RingReader, OUTLET_WAIT};
use crate::ebpf::exec_event::parse_exec_event;
use crate::ebpf::passwd::parse_passwd;
use crate::sink::Sink;
use crate::source::{Running, Source, StartError};
use aya::{Btf, Ebpf};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

static EXEC_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/exec.bpf.o");

/// Ring buffer size unless told otherwise: about 3,800 records in flight.
pub const DEFAULT_RING_BYTES: u32 = 4 << 20;
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
    /// Loads the program, relocated against `btf` ([`super::kernel_btf`]).
    pub fn load(btf: &Btf, host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        let (bpf, ring) = load_tp_btf(btf, "exec", EXEC_OBJECT, "temper_exec", "sched_process_exec", ring_bytes)?;
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
        let (host, users, users_read) = (&self.host, &mut self.users, &mut self.users_read);
        self.ring.run(stop, sink, |bytes, clock| {
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
            sink.send_waiting(event.to_observation(host, clock.to_utc(event.boot_ns), user), OUTLET_WAIT);
        });
    }
}

fn read_users() -> HashMap<u32, String> {
    std::fs::read_to_string("/etc/passwd").map(|text| parse_passwd(&text)).unwrap_or_default()
}

impl Source for ExecSource {
    fn name(&self) -> &str {
        "exec"
    }

    fn source(&self) -> &'static str {
        "ebpf"
    }

    /// Every exec(), of programs and of scripts alike.
    fn attests(&self) -> Vec<String> {
        vec!["exec".into(), "script".into()]
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        Running::spawn("exec", move |stop| self.run(stop.flag(), &*sink))
    }
}
