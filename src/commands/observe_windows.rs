//! The Windows observer's wiring: check privileges, read the host, say
//! which audit settings are missing, start every live source on its own
//! channel into the observe loop, and stop them in the right order.

use crate::commands::observe::ObserveSettings;
use crate::exit::{fail, NOT_PERMITTED};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use temper_collector::windows::host_state::WindowsHostState;
use temper_collector::windows::live::{
    self, EtwSource, EventLogSource, InventorySource, LiveError, PacketSource, Sink, SourceThread, ETW_CATEGORIES,
    PACKET_CATEGORIES,
};
use temper_collector::windows::port_filter::PortFilter;
use temper_learner::observer::{Observer, SourceSpec};
use windows::core::BOOL;
use windows::Win32::System::Console::SetConsoleCtrlHandler;

/// How often the stop request and the duration are looked at.
const POLL: Duration = Duration::from_millis(200);
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
    let host = host_name(&state);
    report_audit_gaps(&state, say);

    let mut observer = Observer::open(&settings.profile, settings.flush)?.with_resident_bytes(live::resident_bytes);
    let rdp_port = state.rdp_port.unwrap_or(RDP_DEFAULT_PORT);
    let mut source = |name: &str, source: &str, categories: Vec<String>| -> Arc<dyn Sink> {
        let spec = SourceSpec { name: name.into(), source: source.into(), host: host.clone(), categories };
        Arc::new(observer.source(spec))
    };
    let strings = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // A source that fails to start fails the command before the first flush,
    // so no coverage is ever recorded for it.
    let inventory_sink = source("inventory", "inventory", Vec::new());
    let event_log_sink = source("eventlog", "etw", state.event_log_categories());
    let etw_sink = source("etw", "etw", strings(ETW_CATEGORIES));
    let packet_sink = settings.packets.then(|| source("packets", "wire", strings(PACKET_CATEGORIES)));
    let mut sources: Vec<SourceThread> = Vec::new();
    let ports = PortFilter::new(state.listeners.iter().map(|l| l.port));
    sources.push(InventorySource { host: host.clone(), first: state }.start(inventory_sink)?);
    sources.push(
        EventLogSource {
            host: host.clone(),
            rdp_port,
            state_dir: settings.state_dir.clone(),
            save_every: settings.flush,
        }
        .start(event_log_sink)?,
    );
    sources.push(EtwSource { host: host.clone(), rdp_port }.start(etw_sink)?);
    if let Some(sink) = packet_sink {
        sources.push(PacketSource { host: host.clone(), ports }.start(sink)?);
    }
    tracing::info!("observing {host} into {}", settings.profile.display());
    started();

    // Sources stop first, so everything they handed over (and bookmarked)
    // is in the channel when the observe loop makes its last flush.
    let flush_now = AtomicBool::new(false);
    let deadline = settings.duration.map(|d| Instant::now() + d);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
                std::thread::sleep(POLL);
            }
            for source in sources {
                let name = source.name().to_string();
                source.stop();
                tracing::info!("stopped the {name} source");
            }
            flush_now.store(true, Ordering::Relaxed);
        });
        let result = observer.run(&flush_now);
        // The loop only ends early on an error: release the stopper either way.
        stop.store(true, Ordering::Relaxed);
        result.map_err(anyhow::Error::from)
    })
}

/// The name events carry as `Computer`, lower-cased as the `.evtx` importer names hosts.
fn host_name(state: &WindowsHostState) -> String {
    name_of_computer(&state.computer)
}

/// This machine's name as `temper observe` records it, without reading the whole host state.
pub(crate) fn this_host_name() -> String {
    name_of_computer(&live::computer_name().unwrap_or_default())
}

fn name_of_computer(computer: &str) -> String {
    let computer = computer.trim();
    let name =
        if computer.is_empty() { std::env::var("COMPUTERNAME").unwrap_or_default() } else { computer.to_string() };
    if name.is_empty() {
        "unknown".to_string()
    } else {
        name.to_ascii_lowercase()
    }
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
