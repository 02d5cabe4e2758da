//! The Linux observer's wiring: refuse clearly without privileges or
//! kernel BTF, start every source on its own thread into the observe loop
//! (eBPF program starts and TCP connections, handshakes and UDP flows from
//! the TC classifier, sshd/sudo logons, the inventory at start and hourly), and stop them in order on SIGINT,
//! SIGTERM or the end of `--duration`, so the last flush holds everything.

use crate::commands::observe::ObserveSettings;
use crate::exit::{fail, NOT_PERMITTED};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use temper_collector::ebpf::live::{kernel_btf, EbpfError, ExecSource, FlowSource, TcHook, TcpSource, FLOW_CATEGORIES};
use temper_collector::linux::log_follower::{LogKind, LogSource};
use temper_collector::linux::read_inventory;
use temper_collector::linux::samba_audit;
use temper_collector::sink::Sink;
use temper_learner::observer::{Observer, SourceSpec};

/// Set by SIGINT or SIGTERM.
static SIGNALLED: AtomicBool = AtomicBool::new(false);
const POLL: Duration = Duration::from_millis(200);
const INVENTORY_EVERY: Duration = Duration::from_secs(3600);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::Relaxed);
}

pub fn foreground(settings: &ObserveSettings) -> anyhow::Result<()> {
    // SAFETY: the handler only stores to a static atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let host = host_name();
    // Kernel sources first: a refusal names what is missing before anything is written.
    let refused = |e: EbpfError| match e {
        EbpfError::NotPermitted(_) | EbpfError::NoBtf(_) => fail(NOT_PERMITTED, e.to_string()),
        other => anyhow::Error::from(other),
    };
    let btf = kernel_btf().map_err(refused)?;
    let exec = ExecSource::load(&btf, host.clone(), settings.ring_buffer).map_err(refused)?.skip_own_children();
    let tcp = TcpSource::load(&btf, host.clone(), settings.ring_buffer).map_err(refused)?;
    drop(btf);
    let flow = match &settings.packets {
        Some(packets) => {
            let hook = TcHook::for_this_kernel(packets.force_clsact);
            Some(FlowSource::load(host.clone(), &packets.interfaces, hook, settings.ring_buffer).map_err(refused)?)
        }
        None => None,
    };
    // Loading parsed the kernel's BTF (megabytes, now freed): give that memory back.
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free heap memory; no pointer is invalidated.
    unsafe {
        libc::malloc_trim(0);
    }
    let auth = settings.auth_log.clone().map(LogSource::File).or_else(LogSource::detect);
    let samba = samba_audit_source(settings);
    if let Some(dir) = settings.profile.parent() {
        create_private_dir(dir)?;
    }

    let mut observer = Observer::open(&settings.profile, settings.flush)?.with_resident_bytes(resident_bytes);
    let mut source = |name: &str, source: &str, categories: &[&str]| -> Arc<dyn Sink> {
        let categories = categories.iter().map(|c| c.to_string()).collect();
        Arc::new(observer.source(SourceSpec {
            name: name.into(),
            source: source.into(),
            host: host.clone(),
            categories,
        }))
    };
    let exec_sink = source("exec", "ebpf", &["exec", "script"]);
    // Connections are attested only with UDP flows watched too: TCP alone
    // cannot say a port was unused.
    let tcp_sink = source("tcp", "ebpf", if flow.is_some() { &["connection"] } else { &[] });
    let flow_sink = flow.as_ref().map(|_| source("packets", "ebpf", FLOW_CATEGORIES));
    let auth_sink = auth.as_ref().map(|_| source("logons", "journal", &["logon"]));
    // Shares are attested only while Samba writes Temper's audit lines.
    let samba_sink = samba
        .as_ref()
        .map(|(_, configured)| source("samba-audit", "journal", if *configured { &["share"] } else { &[] }));
    let inventory_sink = source("inventory", "inventory", &[]);

    println!("observing {host} into {}", settings.profile.display());
    println!("  program starts and scripts (eBPF exec), TCP accepts and connects (eBPF)");
    match &auth {
        Some(LogSource::Journal) => println!("  sshd and sudo logons from the journal"),
        Some(LogSource::File(path)) => println!("  sshd and sudo logons from {}", path.display()),
        None => println!("  no journal or auth log found: logons are not observed (--auth-log FILE)"),
    }
    match &samba {
        Some((_, true)) => println!("  Samba share use from full_audit"),
        Some((_, false)) => println!(
            "  Samba shares are not observed: add to smb.conf [global] (then `smbcontrol smbd reload-config`):\n{}",
            samba_audit::SMB_CONF_LINES.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        ),
        None => {}
    }
    match &flow {
        Some(flow) => println!(
            "  TLS, SSH, SMB, NTLM, Kerberos and RDP handshakes and UDP flows (TC classifier, {}) on {}",
            match flow.hook() {
                TcHook::Tcx => "TCX",
                TcHook::Clsact => "clsact",
            },
            flow.interfaces().join(", ")
        ),
        None => println!("  packets are not watched (--no-packets): no handshakes, no UDP flows"),
    }
    println!("SIGINT or SIGTERM stops after writing what was seen");

    let stop_sources = AtomicBool::new(false);
    let flush_now = AtomicBool::new(false);
    let deadline = settings.duration.map(|d| Instant::now() + d);
    std::thread::scope(|scope| {
        let (stop, host) = (&stop_sources, &host);
        let mut threads = vec![
            scope.spawn(move || exec.run(stop, &*exec_sink)),
            scope.spawn(move || tcp.run(stop, &*tcp_sink)),
            scope.spawn(move || {
                let mut last = None::<Instant>;
                while !stop.load(Ordering::Relaxed) {
                    if last.is_none_or(|t| t.elapsed() >= INVENTORY_EVERY) {
                        inventory_sink.send(read_inventory(host));
                        last = Some(Instant::now());
                    }
                    std::thread::sleep(POLL);
                }
            }),
        ];
        if let (Some(flow), Some(sink)) = (flow, flow_sink) {
            threads.push(scope.spawn(move || flow.run(stop, &*sink)));
        }
        if let (Some(auth), Some(sink)) = (auth, auth_sink) {
            threads.push(scope.spawn(move || {
                if let Err(e) = auth.follow(LogKind::Logons, host, stop, &*sink) {
                    tracing::error!("the logon source stopped: {e}");
                }
            }));
        }
        if let (Some((samba, _)), Some(sink)) = (samba, samba_sink) {
            threads.push(scope.spawn(move || {
                if let Err(e) = samba.follow(LogKind::SambaAudit, host, stop, &*sink) {
                    tracing::error!("the Samba audit source stopped: {e}");
                }
            }));
        }
        scope.spawn(|| {
            while !SIGNALLED.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
                std::thread::sleep(POLL);
            }
            stop_sources.store(true, Ordering::Relaxed);
            for thread in threads {
                let _ = thread.join();
            }
            flush_now.store(true, Ordering::Relaxed);
        });
        let status = observer.run(&flush_now);
        // The loop only ends early on an error: release the sources either way.
        SIGNALLED.store(true, Ordering::Relaxed);
        let status = status?;
        println!("stopped after {} flushes, {} observations written", status.flushes, status.observations_written);
        Ok(())
    })
}

/// Where Samba audit lines come from, and whether smb.conf asks for
/// Temper's (only then is share use attested). `None`: no Samba here.
fn samba_audit_source(settings: &ObserveSettings) -> Option<(LogSource, bool)> {
    let testparm = std::process::Command::new("testparm").args(["-s", "--suppress-prompt"]).output().ok()?;
    let config = String::from_utf8_lossy(&testparm.stdout);
    let configured = config.lines().any(|l| {
        let l = l.trim();
        l.starts_with("full_audit:prefix") && l.contains(samba_audit::PREFIX)
    });
    let source = settings.samba_audit_log.clone().map(LogSource::File).or_else(LogSource::journal)?;
    Some((source, configured))
}

pub(crate) fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_ascii_lowercase();
    if name.is_empty() {
        "unknown".into()
    } else {
        name
    }
}

/// The profile's directory, created readable by its owner only (the profile itself is 0600).
fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))
}

/// Resident memory from `/proc/self/statm` (pages).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}
