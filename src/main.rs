//! The `temper` command line: argument parsing, wiring and output only.
//! Domain logic lives in the collector, learner and policy-gen crates.

mod args;
mod commands;
#[cfg(any(windows, target_os = "linux", test))]
mod duration;
mod exit;
mod progress;
mod table;

use clap::Parser;

fn main() {
    restore_default_sigpipe();
    let args = args::Cli::parse();
    #[cfg(windows)]
    let log_file = match &args.command {
        args::Command::Observe(observe) => commands::service_log_file(observe),
        _ => None,
    };
    #[cfg(not(windows))]
    let log_file = None;
    init_logging(args.verbose, args.quiet, log_file);
    let result = commands::run(args);
    std::process::exit(exit::report(result));
}

/// Logs go to stderr through `tracing`, or to `log_file` (a service has no
/// console; it logs at info so its health lines are kept); `RUST_LOG`
/// overrides -v/-q.
fn init_logging(verbose: u8, quiet: bool, log_file: Option<std::path::PathBuf>) {
    let default = match (quiet, verbose, log_file.is_some()) {
        (true, _, _) => "error",
        (false, 0, false) => "warn",
        (false, 0 | 1, _) => "info",
        (false, _, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    match log_file.map(|path| open_log(&path).map_err(|e| (path, e))) {
        Some(Ok(file)) => subscriber.with_writer(std::sync::Mutex::new(file)).with_ansi(false).init(),
        Some(Err((path, e))) => {
            subscriber.with_writer(std::io::stderr).init();
            tracing::error!("cannot open the log file {}: {e}", path.display());
        }
        None => subscriber.with_writer(std::io::stderr).init(),
    }
}

fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new().create(true).append(true).open(path)
}

/// Rust ignores SIGPIPE, so `temper profile show | head` would panic on the
/// first write after `head` exits. A command-line tool should just stop.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition to its default at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
