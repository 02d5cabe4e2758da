//! Why a live source could not start.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The process lacks what observing needs; the message names it.
    #[error("{0}")]
    NotPermitted(String),
    #[error("{context}: {source}")]
    Os {
        context: String,
        #[source]
        source: windows::core::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// ferrisetw's errors carry no `Error` impl; their text is kept.
    #[error("ETW session {session}: {message}")]
    Etw { session: String, message: String },
}

impl LiveError {
    pub(crate) fn os(context: impl Into<String>, source: windows::core::Error) -> Self {
        LiveError::Os { context: context.into(), source }
    }
}
