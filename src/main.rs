//! The `temper` command line: argument parsing, wiring and output only.
//! Domain logic lives in the collector, learner and policy-gen crates.

mod args;
mod commands;
mod exit;
mod progress;
mod table;

use clap::Parser;

fn main() {
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
