//! Exit codes (documented in README.md and `temper --help`) and the one-line
//! error message every failure ends with.

use temper_collector::jsonl::JsonlError;
use temper_learner::ProfileError;
use temper_policy::render::RenderError;
use temper_policy::PolicyError;

pub const OK: i32 = 0;
pub const UNEXPECTED: i32 = 1;
/// A usage error: clap's own, a command this build lacks (a feature left
/// out), or options that do not say what to do (which host, a bad name).
pub const USAGE: i32 = 2;
pub const BAD_INPUT: i32 = 3;
pub const BAD_PROFILE: i32 = 4;
pub const BAD_POLICY: i32 = 5;
pub const RENDER_FAILED: i32 = 6;
/// `policy simulate`/`policy fit`: the policy would break observed use.
pub const WOULD_BREAK: i32 = 8;
/// `check`: the live configuration differs from the policy.
pub const DRIFT: i32 = 10;
/// `apply`: install.sh refused (a validation failed); the files were restored.
#[cfg(unix)]
pub const APPLY_REFUSED: i32 = 11;
/// A bundle refused (unknown signer, modified, not a bundle) or a bad key file.
pub const BAD_BUNDLE: i32 = 9;
/// The process may not observe this host: on Windows not an elevated
/// administrator; on Linux not privileged to load eBPF, or no kernel BTF.
#[cfg(any(windows, target_os = "linux"))]
pub const NOT_PERMITTED: i32 = 7;

/// An error that already knows its exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub fn fail(code: i32, message: impl Into<String>) -> anyhow::Error {
    CliError { code, message: message.into() }.into()
}

pub fn code_of(error: &anyhow::Error) -> i32 {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return e.code;
        }
        if cause.is::<JsonlError>() || cause.is::<temper_collector::wire::capture_file::CaptureError>() {
            return BAD_INPUT;
        }
        if cause.is::<ProfileError>() {
            return BAD_PROFILE;
        }
        if cause.is::<PolicyError>() || cause.is::<temper_policy::review::ReviewError>() {
            return BAD_POLICY;
        }
        // A bundle's or a profile's policy naming a rule this temper lacks, as a policy file does.
        if let Some(temper_policy::simulate::SimulateError::UnknownRule(_)) =
            cause.downcast_ref::<temper_policy::simulate::SimulateError>()
        {
            return BAD_POLICY;
        }
        if cause.is::<temper_policy::bundle::BundleError>() || cause.is::<temper_policy::signing::KeyError>() {
            return BAD_BUNDLE;
        }
        if cause.is::<RenderError>() {
            return RENDER_FAILED;
        }
    }
    UNEXPECTED
}

/// Prints the error, if any, as one line on stderr and returns the exit code.
pub fn report(result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => OK,
        Err(error) => {
            let message: Vec<String> = error.chain().map(|c| c.to_string()).collect();
            eprintln!("temper: error: {}", message.join(": "));
            code_of(&error)
        }
    }
}
