//! The Windows observer's wiring: check privileges, read the host, say
//! which audit settings are missing, start every live source on its own
//! channel into the observe loop, and stop them in the right order.

use crate::commands::observe_settings::ObserveSettings;
use crate::exit::{fail, NOT_PERMITTED};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use temper_collector::source::Source;
use temper_collector::windows::host_state::WindowsHostState;
use temper_collector::windows::live::{self, EtwSource, EventLogSource, InventorySource, LiveError, PacketSource};
use temper_collector::windows::port_filter::PortFilter;
use temper_learner::observer::{ObserveError, Observer};
use windows::core::BOOL;
use windows::Win32::System::Console::SetConsoleCtrlHandler;

/// Where RDP listens unless the registry says otherwise.
const RDP_DEFAULT_PORT: u16 = 3389;

/// Set by Ctrl-C, Ctrl-Break or closing the console.
static CONSOLE_STOP: AtomicBool = AtomicBool::new(false);

/// `temper observe` in a console, until Ctrl-C or the duration.
pub fn foreground(settings: &ObserveSettings) -> anyhow::Result<()> {
    // SAFETY: registers a handler that only stores to a static atomic.
    unsafe { SetConsoleCtrlHandler(Some(on_console_control), true) }
        .map_err(|e| anyhow::anyhow!("cannot catch Ctrl-C: {e}"))?;
    let status = run(settings, &CONSOLE_STOP, &|line| println!("{line}"), || {
        println!("observing; Ctrl-C stops after writing what was seen");
    })?;
    println!("stopped after {} flushes, {} observations written", status.flushes, status.observations_written);
    Ok(())
}

unsafe extern "system" fn on_console_control(_control: u32) -> BOOL {
    CONSOLE_STOP.store(true, Ordering::Relaxed);
    true.into()
}

/// Observes until `stop` is set or the duration is over. `say` carries the
/// lines a person must read (missing audit settings); `started` runs once
/// every source is up.
pub fn run(
    settings: &ObserveSettings,
    stop: &AtomicBool,
    say: &dyn Fn(&str),
    started: impl FnOnce(),
) -> anyhow::Result<temper_learner::observer::ObserveStatus> {
    live::require_elevation().map_err(|e| match e {
        LiveError::NotPermitted(message) => fail(NOT_PERMITTED, message),
        other => other.into(),
    })?;
    if let Some(dir) = settings.profile.parent() {
        live::create_private_dir(dir)?;
    }
    live::create_private_dir(&settings.state_dir)?;
    let state = live::read_host_state();
    // The name events carry as `Computer`, normalised as the `.evtx` importer names hosts.
    let host = temper_collector::this_host::windows_host(&state.computer);
    report_audit_gaps(&state, say);

    let rdp_port = state.rdp_port.unwrap_or(RDP_DEFAULT_PORT);
    let ports = PortFilter::new(state.listeners.iter().map(|l| l.port));
    let event_log = EventLogSource {
        host: host.clone(),
        rdp_port,
        state_dir: settings.state_dir.clone(),
        save_every: settings.flush,
        attests: state.event_log_categories(),
    };
    let mut sources: Vec<Box<dyn Source>> = vec![
        Box::new(InventorySource { host: host.clone(), first: state }),
        Box::new(event_log),
        Box::new(EtwSource { host: host.clone(), rdp_port }),
    ];
    if settings.packets {
        sources.push(Box::new(PacketSource { host: host.clone(), ports }));
    }
    let observer = Observer::open(&settings.profile, settings.flush)?.with_resident_bytes(live::resident_bytes);
    tracing::info!("observing {host} into {}", settings.profile.display());
    let deadline = settings.duration.map(|d| Instant::now() + d);
    observer.observe(&host, sources, stop, deadline, started).map_err(|e| match e {
        ObserveError::Profile(e) => anyhow::Error::from(e),
        start => anyhow::Error::from(start),
    })
}

fn report_audit_gaps(state: &WindowsHostState, say: &dyn Fn(&str)) {
    let gaps = state.audit_gaps();
    if gaps.is_empty() {
        say("every audit setting Temper reads is on");
        return;
    }
    say("audit settings missing (what they would attest stays unattested, never called unused):");
    for gap in gaps {
        let categories =
            if gap.categories.is_empty() { "evidence only".to_string() } else { gap.categories.join(", ") };
        say(&format!("  {} [{categories}]\n      {}", gap.setting, gap.enable));
    }
}
