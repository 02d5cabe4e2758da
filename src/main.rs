//! The `temper` command line: argument parsing, wiring and output only.
//! Domain logic lives in the collector, learner and policy-gen crates.

mod args;
mod commands;
mod exit;
mod progress;
mod table;

use clap::Parser;

fn main() {
    restore_default_sigpipe();
    let args = args::Cli::parse();
    init_logging(args.verbose, args.quiet);
    let result = commands::run(args);
    std::process::exit(exit::report(result));
}

/// Logs go to stderr through `tracing`; `RUST_LOG` overrides -v/-q.
fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
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
