//! The exec program's ring-buffer record (`collector/bpf/exec.bpf.c`,
//! `struct exec_event`) and what it becomes: interpreters and shells run
//! are `script` observations of their real interpreter, everything else an
//! `exec` (aggregated by image in the profile, never a row per run).

use crate::observation::{Event, ExecRun, Observation, ProcessRef, ScriptRun};
use chrono::{DateTime, Utc};

const COMM_LEN: usize = 16;
const PATH_LEN: usize = 256;
const ARGV_LEN: usize = 512;
/// `sizeof(struct exec_event)`: u64 + 4 × u32 + two comms + two paths + argv.
pub const EXEC_EVENT_SIZE: usize = 8 + 4 * 4 + 2 * COMM_LEN + 2 * PATH_LEN + ARGV_LEN;

/// Interpreters whose runs are `script` observations (bare names;
/// `python*` covers python3, python3.11, ...).
const INTERPRETERS: &[&str] = &["bash", "sh", "dash", "zsh", "ksh", "perl", "ruby", "pwsh", "node", "nodejs", "php"];

#[derive(Debug, Clone, PartialEq)]
pub struct ExecEvent {
    /// `CLOCK_BOOTTIME` nanoseconds (converted to wall time by the reader).
    pub boot_ns: u64,
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub comm: String,
    pub parent_comm: String,
    /// The file exec'd (for a shebang script, the script).
    pub filename: String,
    /// What the kernel ran it with: the script's interpreter, else `filename`.
    pub interp: String,
    pub argv: Vec<String>,
}

fn c_string(bytes: &[u8]) -> String {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Reads one record; `None` when it is not a whole record.
pub fn parse_exec_event(bytes: &[u8]) -> Option<ExecEvent> {
    if bytes.len() < EXEC_EVENT_SIZE {
        return None;
    }
    let u32_at = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let mut at = 8 + 4 * 4;
    let mut field = |len: usize| {
        let slice = &bytes[at..at + len];
        at += len;
        slice
    };
    let comm = c_string(field(COMM_LEN));
    let parent_comm = c_string(field(COMM_LEN));
    let filename = c_string(field(PATH_LEN));
    let interp = c_string(field(PATH_LEN));
    let argv_bytes = field(ARGV_LEN);
    let argv_len = (u32_at(20) as usize).min(ARGV_LEN);
    let mut argv: Vec<String> =
        argv_bytes[..argv_len].split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    // The block ends with a NUL (or was cut mid-argument): no empty last item.
    if argv.last().is_some_and(String::is_empty) {
        argv.pop();
    }
    Some(ExecEvent {
        boot_ns: u64::from_ne_bytes(bytes[0..8].try_into().expect("8 bytes")),
        pid: u32_at(8),
        ppid: u32_at(12),
        uid: u32_at(16),
        comm,
        parent_comm,
        filename,
        interp,
        argv,
    })
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The bare interpreter name of a program path, if it is one.
pub fn interpreter_name(path: &str) -> Option<&str> {
    let name = basename(path);
    (INTERPRETERS.contains(&name) || name.starts_with("python")).then_some(name)
}

impl ExecEvent {
    /// The observation for this run, at `time`, for `host`, as `user`.
    pub fn to_observation(&self, host: &str, time: DateTime<Utc>, user: Option<String>) -> Observation {
        let parent =
            (!self.parent_comm.is_empty()).then(|| ProcessRef { pid: Some(self.ppid), name: self.parent_comm.clone() });
        let shebang = !self.interp.is_empty() && self.interp != self.filename;
        let ran = if shebang { &self.interp } else { &self.filename };
        let mut obs = match interpreter_name(ran) {
            Some(interpreter) => {
                let obs = Observation::new(
                    time,
                    host,
                    "ebpf",
                    Event::Script(ScriptRun {
                        interpreter: interpreter.to_string(),
                        engine_version: None,
                        host_application: None,
                        command: (!self.argv.is_empty()).then(|| self.argv.join(" ")),
                        parent,
                    }),
                );
                if shebang {
                    obs.with_detail("script", self.filename.clone())
                } else {
                    obs
                }
            }
            None => Observation::new(
                time,
                host,
                "ebpf",
                Event::Exec(ExecRun { image: ran.clone(), argv: self.argv.clone(), parent }),
            ),
        };
        obs =
            obs.with_process(ProcessRef { pid: Some(self.pid), name: self.comm.clone() }).with_detail("uid", self.uid);
        if let Some(user) = user {
            obs = obs.with_user(user);
        }
        obs.normalize();
        obs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(filename: &str, interp: &str, argv: &[&str]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(EXEC_EVENT_SIZE);
        bytes.extend_from_slice(&42u64.to_ne_bytes());
        let args: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
        for n in [1234u32, 1, 1000, args.len() as u32] {
            bytes.extend_from_slice(&n.to_ne_bytes());
        }
        for (text, len) in [("true", COMM_LEN), ("cron", COMM_LEN), (filename, PATH_LEN), (interp, PATH_LEN)] {
            let mut field = text.as_bytes().to_vec();
            field.resize(len, 0);
            bytes.extend_from_slice(&field);
        }
        let mut field = args;
        field.resize(ARGV_LEN, 0);
        bytes.extend_from_slice(&field);
        bytes
    }

    #[test]
    fn records_and_what_they_become() {
        let time = "2026-11-02T10:00:00Z".parse().unwrap();
        let shebang =
            parse_exec_event(&record("/etc/cron.daily/backup", "/bin/bash", &["/bin/bash", "/etc/cron.daily/backup"]))
                .unwrap();
        let obs = shebang.to_observation("web01", time, Some("root".into()));
        let Event::Script(script) = &obs.event else { panic!("{obs:?}") };
        assert_eq!(script.interpreter, "bash");
        assert_eq!(script.parent.as_ref().unwrap().name, "cron");
        assert_eq!(obs.detail_str("script"), Some("/etc/cron.daily/backup"));
        assert_eq!(obs.user.as_deref(), Some("root"));

        let python =
            parse_exec_event(&record("/usr/bin/python3.11", "/usr/bin/python3.11", &["python3", "-c", "pass"]))
                .unwrap();
        let Event::Script(script) = &python.to_observation("h", time, None).event else { panic!() };
        assert_eq!((script.interpreter.as_str(), script.command.as_deref()), ("python3.11", Some("python3 -c pass")));

        let tool = parse_exec_event(&record("/bin/true", "/bin/true", &["/bin/true"])).unwrap();
        let Event::Exec(exec) = &tool.to_observation("h", time, None).event else { panic!() };
        assert_eq!(exec.image, "/bin/true");
        assert_eq!(tool.pid, 1234);
    }

    #[test]
    fn secrets_in_arguments_are_redacted_and_short_records_refused() {
        let time = "2026-11-02T10:00:00Z".parse().unwrap();
        let event = parse_exec_event(&record("/usr/bin/mysql", "/usr/bin/mysql", &["mysql", "-u", "app", "-phunter2"]))
            .unwrap();
        let Event::Exec(exec) = &event.to_observation("h", time, None).event else { panic!() };
        assert!(!exec.argv.join(" ").contains("hunter2"), "{:?}", exec.argv);
        assert_eq!(parse_exec_event(&[0u8; 100]), None);
    }
}
