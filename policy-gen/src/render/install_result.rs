//! What install.sh tells the program that ran it, defined once for both
//! sides: `temper apply` sets `RESULT_ENV` to a file, the rendered script
//! writes `rollback=PATH` there when it has installed, and `read` parses it.
//! The lines install.sh prints are for people; nothing parses them.

use std::path::{Path, PathBuf};

/// The variable naming the file install.sh writes its result to.
pub const RESULT_ENV: &str = "TEMPER_INSTALL_RESULT";

const ROLLBACK_KEY: &str = "rollback=";

/// The shell line that ends a live (not dry-run) install: the result, when asked for.
pub fn shell_line() -> String {
    format!(
        "if [ \"$DRY_RUN\" != 1 ] && [ -n \"${{{RESULT_ENV}:-}}\" ]; then printf '{ROLLBACK_KEY}%s\\n' \"$ROLLBACK\" > \"${RESULT_ENV}\"; fi\n"
    )
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallResult {
    /// The script that undoes it.
    pub rollback: PathBuf,
}

/// Reads the result install.sh wrote to `path`.
pub fn read(path: &Path) -> Result<InstallResult, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("install.sh wrote no result ({}): {e}", path.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix(ROLLBACK_KEY))
        .filter(|p| !p.is_empty())
        .map(|p| InstallResult { rollback: PathBuf::from(p) })
        .ok_or_else(|| format!("install.sh named no rollback script in {}", path.display()))
}
