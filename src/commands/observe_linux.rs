//! The Linux observer's wiring: refuse clearly without privileges or
//! kernel BTF, load the kernel sources, find the logs, say what is and is
//! not watched, and hand every source to the observe loop, which runs them
//! until SIGINT, SIGTERM or the end of `--duration`. Each source says itself
//! what it attests.

use crate::commands::observe_settings::ObserveSettings;
use crate::exit::{fail, NOT_PERMITTED};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use temper_collector::ebpf::live::{kernel_btf, EbpfError, ExecSource, FlowSource, TcHook, TcpSource};
use temper_collector::linux::inventory_source::InventorySource;
use temper_collector::linux::log_follower::{LogFollower, LogKind, LogSource};
use temper_collector::linux::samba_audit;
use temper_collector::source::Source;
use temper_learner::observer::{ObserveError, Observer};

/// Set by SIGINT or SIGTERM.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::Relaxed);
}

pub fn foreground(settings: &ObserveSettings) -> anyhow::Result<()> {
    // SAFETY: the handler only stores to a static atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let host = temper_collector::this_host::this_host();
    // Kernel sources first: a refusal names what is missing before anything is written.
    let refused = |e: EbpfError| match e {
        EbpfError::NotPermitted(_) | EbpfError::NoBtf(_) => fail(NOT_PERMITTED, e.to_string()),
        other => anyhow::Error::from(other),
    };
    let btf = kernel_btf().map_err(refused)?;
    let exec = ExecSource::load(&btf, host.clone(), settings.ring_buffer).map_err(refused)?.skip_own_children();
    let flow = match &settings.packets {
        Some(packets) => {
            let hook = TcHook::for_this_kernel(packets.force_clsact);
            Some(FlowSource::load(host.clone(), &packets.interfaces, hook, settings.ring_buffer).map_err(refused)?)
        }
        None => None,
    };
    let tcp =
        TcpSource::load(&btf, host.clone(), settings.ring_buffer).map_err(refused)?.with_udp_watched(flow.is_some());
    drop(btf);
    // Loading parsed the kernel's BTF (megabytes, now freed): give that memory back.
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free heap memory; no pointer is invalidated.
    unsafe {
        libc::malloc_trim(0);
    }
    let logons = settings.auth_log.clone().map(LogSource::File).or_else(LogSource::detect).map(|log| LogFollower {
        log,
        kind: LogKind::Logons,
        host: host.clone(),
        samba_configured: false,
    });
    let samba = LogFollower::samba(&host, settings.samba_audit_log.clone());
    if let Some(dir) = settings.profile.parent() {
        create_private_dir(dir)?;
    }

    println!("observing {host} into {}", settings.profile.display());
    println!("  program starts and scripts (eBPF exec), TCP accepts and connects (eBPF)");
    match logons.as_ref().map(|l| &l.log) {
        Some(LogSource::Journal) => println!("  sshd and sudo logons from the journal"),
        Some(LogSource::File(path)) => println!("  sshd and sudo logons from {}", path.display()),
        None => println!("  no journal or auth log found: logons are not observed (--auth-log FILE)"),
    }
    match &samba {
        Some(samba) if samba.samba_configured => println!("  Samba share use from full_audit"),
        Some(_) => println!(
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

    let mut sources: Vec<Box<dyn Source>> =
        vec![Box::new(exec), Box::new(tcp), Box::new(InventorySource { host: host.clone() })];
    sources.extend(flow.map(|f| Box::new(f) as Box<dyn Source>));
    sources.extend(logons.map(|l| Box::new(l) as Box<dyn Source>));
    sources.extend(samba.map(|s| Box::new(s) as Box<dyn Source>));
    let observer = Observer::open(&settings.profile, settings.flush)?.with_resident_bytes(resident_bytes);
    let deadline = settings.duration.map(|d| Instant::now() + d);
    let status = observer.observe(&host, sources, &SIGNALLED, deadline, || {}).map_err(|e| match e {
        ObserveError::Profile(e) => anyhow::Error::from(e),
        start => anyhow::Error::from(start),
    })?;
    println!("stopped after {} flushes, {} observations written", status.flushes, status.observations_written);
    Ok(())
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
