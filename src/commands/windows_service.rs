//! `temper observe` as the Windows service `temper`: install and uninstall
//! through the service manager, and the service's own main, where the
//! Stop control sets the observer's stop flag.

use crate::commands::observe_settings::ObserveSettings;
use crate::commands::observe_windows;
use crate::exit::{fail, UNEXPECTED};
use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use temper_collector::windows::live;
use windows_service::service::{
    ServiceAccess, ServiceControl, ServiceControlAccept, ServiceDependency, ServiceErrorControl, ServiceExitCode,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult, ServiceStatusHandle};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

const SERVICE_NAME: &str = "temper";
const DISPLAY_NAME: &str = "Temper observer";
const DESCRIPTION: &str =
    "Watches what this server really uses (ETW, the event log, handshakes on the wire) and learns it into a profile for hardening.";
/// The event log must be up before the source subscribes to it.
const DEPENDS_ON: &str = "EventLog";
/// Win32 errors the service manager reports.
const ERROR_SERVICE_DOES_NOT_EXIST: i32 = 1060;
const ERROR_SERVICE_EXISTS: i32 = 1073;
const ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: i32 = 1063;
/// How long the service manager is told a start or a stop may take.
const PENDING_HINT: Duration = Duration::from_secs(30);

/// What the service main observes with: the dispatcher's callback takes no arguments of ours.
static SETTINGS: OnceLock<ObserveSettings> = OnceLock::new();
/// Set by the Stop, Shutdown and Preshutdown controls.
static SERVICE_STOP: AtomicBool = AtomicBool::new(false);
/// For the control handler, which is registered before the handle exists.
static STATUS_HANDLE: OnceLock<ServiceStatusHandle> = OnceLock::new();

define_windows_service!(ffi_service_main, service_main);

/// Runs under the service manager until it stops the service.
pub fn run(settings: ObserveSettings) -> anyhow::Result<()> {
    // Only this call sets it, once per process.
    let _ = SETTINGS.set(settings);
    service_dispatcher::start(SERVICE_NAME, ffi_service_main).map_err(|e| match os_error(&e) {
        Some(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) => {
            fail(UNEXPECTED, "--service is for the service manager; in a console run `temper observe`")
        }
        _ => anyhow::Error::new(e).context("cannot start the service dispatcher"),
    })
}

/// Called by the dispatcher on its own thread; nothing may unwind out of it.
fn service_main(_arguments: Vec<OsString>) {
    if std::panic::catch_unwind(run_service).is_err() {
        tracing::error!("the service stopped with a panic");
    }
}

fn run_service() {
    let handle = match service_control_handler::register(SERVICE_NAME, |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown | ServiceControl::Preshutdown => {
            SERVICE_STOP.store(true, Ordering::Relaxed);
            // Stopping waits for the sources and the last flush.
            if let Some(handle) = STATUS_HANDLE.get() {
                set_status(*handle, ServiceState::StopPending, ServiceExitCode::NO_ERROR);
            }
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    }) {
        Ok(handle) => handle,
        Err(e) => {
            tracing::error!("cannot register with the service manager: {e}");
            return;
        }
    };
    let _ = STATUS_HANDLE.set(handle);
    set_status(handle, ServiceState::StartPending, ServiceExitCode::NO_ERROR);
    let Some(settings) = SETTINGS.get() else {
        tracing::error!("the service started without settings");
        set_status(handle, ServiceState::Stopped, ServiceExitCode::ServiceSpecific(UNEXPECTED as u32));
        return;
    };
    let say = |line: &str| tracing::warn!("{line}");
    let result = observe_windows::run(settings, &SERVICE_STOP, &say, || {
        set_status(handle, ServiceState::Running, ServiceExitCode::NO_ERROR);
    });
    let exit = match result {
        Ok(status) => {
            tracing::info!(
                "stopped after {} flushes, {} observations written",
                status.flushes,
                status.observations_written
            );
            ServiceExitCode::NO_ERROR
        }
        Err(e) => {
            let message: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            tracing::error!("{}", message.join(": "));
            ServiceExitCode::ServiceSpecific(crate::exit::code_of(&e) as u32)
        }
    };
    set_status(handle, ServiceState::Stopped, exit);
}

fn set_status(handle: ServiceStatusHandle, state: ServiceState, exit_code: ServiceExitCode) {
    let controls_accepted = match state {
        ServiceState::Running => ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN,
        _ => ServiceControlAccept::empty(),
    };
    let wait_hint = match state {
        ServiceState::StartPending | ServiceState::StopPending => PENDING_HINT,
        _ => Duration::ZERO,
    };
    let status = ServiceStatus {
        service_type: ServiceType::OWN_PROCESS,
        current_state: state,
        controls_accepted,
        exit_code,
        checkpoint: 0,
        wait_hint,
        process_id: None,
    };
    if let Err(e) = handle.set_service_status(status) {
        tracing::warn!("cannot report the service state: {e}");
    }
}

/// Registers the service to observe with `settings`, as LocalSystem, started automatically, and starts it.
pub fn install(settings: &ObserveSettings) -> anyhow::Result<()> {
    // Created now, elevated, with their restricted ACL: the service's log opens in the state directory first.
    if let Some(dir) = settings.profile.parent() {
        live::create_private_dir(dir)?;
    }
    live::create_private_dir(&settings.state_dir)?;
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )
    .map_err(|e| service_error(e, "cannot open the service manager (run elevated)"))?;
    let executable_path = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find this executable: {e}"))?;
    let mut launch_arguments: Vec<OsString> = vec![
        "observe".into(),
        "--service".into(),
        "--profile".into(),
        settings.profile.clone().into(),
        "--state-dir".into(),
        settings.state_dir.clone().into(),
        "--flush".into(),
        format!("{}s", settings.flush.as_secs().max(1)).into(),
    ];
    if let Some(duration) = settings.duration {
        launch_arguments.extend(["--duration".into(), format!("{}s", duration.as_secs()).into()]);
    }
    if !settings.packets {
        launch_arguments.push("--no-packets".into());
    }
    let info = ServiceInfo {
        name: SERVICE_NAME.into(),
        display_name: DISPLAY_NAME.into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path,
        launch_arguments,
        dependencies: vec![ServiceDependency::Service(DEPENDS_ON.into())],
        // LocalSystem: ETW sessions, the Security log and the audit policy need it.
        account_name: None,
        account_password: None,
    };
    let service = manager
        .create_service(&info, ServiceAccess::CHANGE_CONFIG | ServiceAccess::START | ServiceAccess::QUERY_STATUS)
        .map_err(|e| match os_error(&e) {
            Some(ERROR_SERVICE_EXISTS) => {
                fail(UNEXPECTED, "the temper service is installed already; `temper observe uninstall` removes it")
            }
            _ => service_error(e, "cannot create the temper service"),
        })?;
    service.set_description(DESCRIPTION).map_err(|e| service_error(e, "cannot describe the temper service"))?;
    service.start::<&str>(&[]).map_err(|e| service_error(e, "installed, but cannot start the temper service"))?;
    println!("installed and started the temper service, observing into {}", settings.profile.display());
    println!("status: temper observe --status --profile \"{}\"", settings.profile.display());
    Ok(())
}

/// Stops the service if it runs and removes it; the profile and state stay.
pub fn uninstall() -> anyhow::Result<()> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
        .map_err(|e| service_error(e, "cannot open the service manager (run elevated)"))?;
    let service = manager
        .open_service(SERVICE_NAME, ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE)
        .map_err(|e| match os_error(&e) {
            Some(ERROR_SERVICE_DOES_NOT_EXIST) => fail(UNEXPECTED, "the temper service is not installed"),
            _ => service_error(e, "cannot open the temper service"),
        })?;
    let running =
        service.query_status().map_err(|e| service_error(e, "cannot query the temper service"))?.current_state
            != ServiceState::Stopped;
    if running {
        service.stop().map_err(|e| service_error(e, "cannot stop the temper service"))?;
    }
    // Marked for deletion; the manager removes it once it has stopped and every handle is closed.
    service.delete().map_err(|e| service_error(e, "cannot remove the temper service"))?;
    println!(
        "removed the temper service{}",
        if running { " (it was running; it stops after its last flush)" } else { "" }
    );
    Ok(())
}

fn os_error(error: &windows_service::Error) -> Option<i32> {
    match error {
        windows_service::Error::Winapi(io) => io.raw_os_error(),
        _ => None,
    }
}

fn service_error(error: windows_service::Error, context: &str) -> anyhow::Error {
    let detail = match &error {
        windows_service::Error::Winapi(io) => io.to_string(),
        other => other.to_string(),
    };
    anyhow::anyhow!("{context}: {detail}")
}
