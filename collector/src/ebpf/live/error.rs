//! Why a kernel source could not start, naming what is missing.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EbpfError {
    #[error("kernel BTF is missing ({0} not found): Temper's eBPF programs need a kernel built with CONFIG_DEBUG_INFO_BTF (5.15 or later)")]
    NoBtf(PathBuf),
    #[error(
        "not privileged to load eBPF programs: run as root or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE ({0})"
    )]
    NotPermitted(String),
    #[error("the {program} eBPF program: {message}")]
    Program { program: &'static str, message: String },
}

impl EbpfError {
    /// Classifies a load or attach failure: EPERM and EACCES mean privileges.
    pub(crate) fn from_load(program: &'static str, error: &dyn std::error::Error) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        if message.contains("Operation not permitted") || message.contains("Permission denied") {
            EbpfError::NotPermitted(message)
        } else {
            EbpfError::Program { program, message }
        }
    }
}
