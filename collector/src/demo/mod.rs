//! The built-in demo: a deterministic, realistic 42-day observation stream
//! for two servers, with coverage and inventory records, produced by a
//! seeded generator (ChaCha8: the same seed gives the same stream on every
//! platform and rand version that keeps ChaCha8's output).
//!
//! - `fs01`, a Windows file server: see [`file_server`].
//! - `web01`, a Linux web server: see [`web_server`].

mod file_server;
mod web_server;

use crate::observation::{Coverage, Endpoint, Event, Inventory, Observation};
use crate::InventoryItem;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::{IpAddr, Ipv4Addr};

pub const DEMO_SEED: u64 = 0x007e_3be5_2026;
pub const DEMO_DAYS: i64 = 42;

/// The first instant of the demo window.
pub fn demo_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().expect("valid date")
}

/// The whole demo stream, in time order, normalised as any source's output is.
pub fn demo_observations(seed: u64) -> Vec<Observation> {
    let mut gen = Generator { rng: ChaCha8Rng::seed_from_u64(seed), out: Vec::new(), days: DEMO_DAYS };
    file_server::generate(&mut gen);
    web_server::generate(&mut gen);
    finished(gen.out)
}

/// Normalised, in time order. The sort is stable: same-instant observations
/// keep their generation order.
fn finished(mut out: Vec<Observation>) -> Vec<Observation> {
    for obs in &mut out {
        obs.normalize();
    }
    out.sort_by_key(|o| o.time);
    out
}

/// File servers in a benchmark fleet that still have legacy clients (SMB1,
/// NTLMv1, TLS 1.0/1.1): one in this many, so the fleet has outliers.
pub const FLEET_LEGACY_EVERY: usize = 25;

/// One server of a benchmark fleet, watched for `days` days from the demo's
/// start: the demo's file server for even `index` (named `fs0000`, `fs0002`,
/// ...), its web server for odd (`web0001`, ...), each with its own seed.
/// Only one file server in [`FLEET_LEGACY_EVERY`] keeps its legacy clients.
pub fn fleet_host(seed: u64, index: usize, days: i64) -> Vec<Observation> {
    let seed = seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut gen = Generator { rng: ChaCha8Rng::seed_from_u64(seed), out: Vec::new(), days };
    let is_file_server = index.is_multiple_of(2);
    let name = if is_file_server { format!("fs{index:04}") } else { format!("web{index:04}") };
    if is_file_server {
        file_server::generate(&mut gen);
        background_programs(&mut gen, &name, "etw", WINDOWS_PROGRAMS);
    } else {
        web_server::generate(&mut gen);
        background_programs(&mut gen, &name, "ebpf", LINUX_PROGRAMS);
    }
    let legacy = is_file_server && (index / 2).is_multiple_of(FLEET_LEGACY_EVERY);
    let mut out = gen.out;
    if !legacy {
        out.retain(|o| !is_legacy(o));
    }
    // The demo's generators name their hosts fs01 and web01.
    for obs in &mut out {
        obs.host.clone_from(&name);
    }
    finished(out)
}

const LINUX_PROGRAMS: &[&str] = &[
    "/usr/bin/awk",
    "/usr/bin/basename",
    "/usr/bin/cat",
    "/usr/bin/chmod",
    "/usr/bin/cp",
    "/usr/bin/curl",
    "/usr/bin/cut",
    "/usr/bin/date",
    "/usr/bin/df",
    "/usr/bin/dirname",
    "/usr/bin/du",
    "/usr/bin/find",
    "/usr/bin/flock",
    "/usr/bin/grep",
    "/usr/bin/gzip",
    "/usr/bin/head",
    "/usr/bin/hostname",
    "/usr/bin/id",
    "/usr/bin/ionice",
    "/usr/bin/journalctl",
    "/usr/bin/ln",
    "/usr/bin/logger",
    "/usr/bin/ls",
    "/usr/bin/mkdir",
    "/usr/bin/mktemp",
    "/usr/bin/mv",
    "/usr/bin/nice",
    "/usr/bin/nproc",
    "/usr/bin/openssl",
    "/usr/bin/ps",
    "/usr/bin/readlink",
    "/usr/bin/rm",
    "/usr/bin/rsync",
    "/usr/bin/run-parts",
    "/usr/bin/sed",
    "/usr/bin/sleep",
    "/usr/bin/sort",
    "/usr/bin/ss",
    "/usr/bin/stat",
    "/usr/bin/systemctl",
    "/usr/bin/tail",
    "/usr/bin/tar",
    "/usr/bin/tee",
    "/usr/bin/timeout",
    "/usr/bin/touch",
    "/usr/bin/tr",
    "/usr/bin/uname",
    "/usr/bin/uniq",
    "/usr/bin/wc",
    "/usr/bin/xargs",
    "/usr/lib/apt/apt.systemd.daily",
    "/usr/sbin/anacron",
    "/usr/sbin/cron",
    "/usr/sbin/ip",
    "/usr/sbin/nginx",
    "/usr/sbin/sshd",
    "/usr/sbin/unattended-upgrade",
    "/usr/bin/node-exporter",
    "/usr/bin/filebeat",
    "/usr/bin/certbot",
];

const WINDOWS_PROGRAMS: &[&str] = &[
    "C:\\Windows\\System32\\svchost.exe",
    "C:\\Windows\\System32\\conhost.exe",
    "C:\\Windows\\System32\\taskhostw.exe",
    "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
    "C:\\Windows\\System32\\dllhost.exe",
    "C:\\Windows\\System32\\backgroundTaskHost.exe",
    "C:\\Windows\\System32\\RuntimeBroker.exe",
    "C:\\Windows\\System32\\sppsvc.exe",
    "C:\\Windows\\System32\\wermgr.exe",
    "C:\\Windows\\System32\\MpCmdRun.exe",
    "C:\\Windows\\System32\\CompatTelRunner.exe",
    "C:\\Windows\\System32\\defrag.exe",
    "C:\\Windows\\System32\\gpupdate.exe",
    "C:\\Windows\\System32\\schtasks.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Windows\\System32\\robocopy.exe",
    "C:\\Windows\\System32\\wevtutil.exe",
    "C:\\Windows\\System32\\certutil.exe",
    "C:\\Windows\\System32\\net.exe",
    "C:\\Windows\\System32\\net1.exe",
    "C:\\Windows\\System32\\sc.exe",
    "C:\\Windows\\System32\\tasklist.exe",
    "C:\\Windows\\System32\\vssadmin.exe",
    "C:\\Windows\\System32\\wbadmin.exe",
    "C:\\Windows\\System32\\msiexec.exe",
    "C:\\Windows\\System32\\TiWorker.exe",
    "C:\\Windows\\System32\\TrustedInstaller.exe",
    "C:\\Windows\\System32\\usocoreworker.exe",
    "C:\\Windows\\System32\\SearchProtocolHost.exe",
    "C:\\Windows\\System32\\SearchFilterHost.exe",
    "C:\\Program Files\\Backup Agent\\agent.exe",
    "C:\\Program Files\\Monitoring\\collector.exe",
    "C:\\Program Files\\Antivirus\\scan.exe",
    "C:\\Windows\\System32\\w32tm.exe",
    "C:\\Windows\\System32\\ipconfig.exe",
    "C:\\Windows\\System32\\whoami.exe",
];

/// The programs a production server runs on its own: each host runs its own
/// subset (half to all of `programs`) a few times a day.
fn background_programs(gen: &mut Generator, host: &str, source: &str, programs: &[&str]) {
    use crate::observation::ExecRun;
    let mine: Vec<&str> = programs.iter().copied().filter(|_| gen.chance(0.75)).collect();
    for day in 0..gen.days {
        for program in &mine {
            for _ in 0..gen.between(1, 6) {
                let time = gen.time_on(day, 0, 24);
                let run = ExecRun { image: program.to_string(), argv: vec![program.to_string()], parent: None };
                gen.push(Observation::new(time, host, source, Event::Exec(run)));
            }
        }
    }
}

fn is_legacy(obs: &Observation) -> bool {
    use crate::versions::{Negotiated, NtlmVersion, SmbDialect, TlsVersion};
    matches!(
        &obs.event,
        Event::Protocol(p) if matches!(
            p.negotiated,
            Negotiated::Smb(SmbDialect::Smb1)
                | Negotiated::Ntlm(NtlmVersion::NtlmV1 | NtlmVersion::Lm)
                | Negotiated::Tls(TlsVersion::Tls10 | TlsVersion::Tls11 | TlsVersion::Ssl3)
        )
    )
}

/// Shared state and helpers of the two host generators.
pub(crate) struct Generator {
    pub rng: ChaCha8Rng,
    pub out: Vec<Observation>,
    /// Days in the window.
    pub days: i64,
}

impl Generator {
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub fn between(&mut self, low: u32, high_inclusive: u32) -> u32 {
        self.rng.random_range(low..=high_inclusive)
    }

    /// A time on `day` between the two hours, with random minutes and seconds.
    pub fn time_on(&mut self, day: i64, from_hour: u32, to_hour_exclusive: u32) -> DateTime<Utc> {
        let hour = self.rng.random_range(from_hour..to_hour_exclusive);
        let second = self.rng.random_range(0..3600);
        day_start(day) + Duration::hours(hour as i64) + Duration::seconds(second as i64)
    }

    pub fn ephemeral(&mut self, ip: Ipv4Addr) -> Endpoint {
        Endpoint::new(IpAddr::V4(ip), self.rng.random_range(49152..=65535))
    }

    pub fn push(&mut self, obs: Observation) {
        self.out.push(obs);
    }

    /// One coverage record per source and day: contiguous windows that the
    /// profile joins into one.
    pub fn daily_coverage(&mut self, host: &str, source: &str, categories: &[&str], lost_on: &[(i64, u64)]) {
        for day in 0..self.days {
            let lost = lost_on.iter().find(|(d, _)| *d == day).map_or(0, |(_, n)| *n);
            let event = Event::Coverage(Coverage {
                categories: categories.iter().map(|c| c.to_string()).collect(),
                from: day_start(day),
                to: day_start(day + 1),
                lost,
            });
            self.push(Observation::new(day_start(day + 1), host, source, event));
        }
    }

    pub fn inventory(&mut self, host: &str, day: i64, items: Vec<InventoryItem>) {
        let time = day_start(day) + Duration::minutes(5);
        self.push(Observation::new(time, host, "inventory", Event::Inventory(Inventory { items })));
    }
}

pub fn day_start(day: i64) -> DateTime<Utc> {
    demo_start() + Duration::days(day)
}

pub fn weekday(day: i64) -> Weekday {
    day_start(day).weekday()
}

pub fn is_weekday(day: i64) -> bool {
    !matches!(weekday(day), Weekday::Sat | Weekday::Sun)
}

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_time_order() {
        let a = demo_observations(DEMO_SEED);
        let b = demo_observations(DEMO_SEED);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(a.len() > 10_000, "a realistic volume, got {}", a.len());
        let c = demo_observations(DEMO_SEED + 1);
        assert_ne!(a, c);
    }

    #[test]
    fn fleet_hosts_are_named_span_their_window_and_only_some_keep_legacy_clients() {
        let legacy_fs = fleet_host(DEMO_SEED, 0, 60);
        let modern_fs = fleet_host(DEMO_SEED, 2, 60);
        let web = fleet_host(DEMO_SEED, 1, 60);
        assert!(legacy_fs.iter().all(|o| o.host == "fs0000"));
        assert!(web.iter().all(|o| o.host == "web0001"));
        assert!(legacy_fs.iter().any(is_legacy), "one file server in {FLEET_LEGACY_EVERY} keeps SMB1 and TLS 1.0");
        assert!(!modern_fs.iter().any(is_legacy));
        assert!(web.iter().any(|o| o.time >= day_start(59)), "the window is 60 days");
        let times = |obs: &[Observation]| obs.iter().map(|o| o.time).collect::<Vec<_>>();
        assert_ne!(times(&modern_fs), times(&fleet_host(DEMO_SEED, 4, 60)), "every host has its own seed");
    }

    #[test]
    fn every_observation_is_valid_and_secrets_are_redacted() {
        let all = demo_observations(DEMO_SEED);
        for obs in &all {
            obs.validate().unwrap();
        }
        let text: String = all.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
        assert!(!text.contains("Winter2026!") && !text.contains("hunter2"), "demo secrets must be redacted");
        assert!(text.contains("[REDACTED]"));
    }
}
