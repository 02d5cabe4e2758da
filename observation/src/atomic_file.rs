//! Writing a file that a reader may open at any moment (a policy, a
//! report, a bookmark, the observer's status, an export): the bytes go to a
//! temporary sibling, are flushed to disk, and the sibling is renamed over
//! the target, so a reader sees the old file or the new one, never half of
//! one, and a crash leaves no partial file under the target's name. Every
//! crate of the workspace writes through here.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating its directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// As [`write_atomically`], with the content written by `write` (a
/// streaming writer such as Parquet's); the temporary file is removed when
/// `write` fails.
pub fn write_atomically_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temporary_sibling(path);
    let result = File::create(&tmp).and_then(|mut file| {
        write(&mut file)?;
        file.sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `.NAME.PID.tmp` beside `path`: hidden, and apart for concurrent writers.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_nothing_on_failure() {
        let dir = std::env::temp_dir().join(format!("temper-atomic-{}", std::process::id()));
        let path = dir.join("sub/policy.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let failed = write_atomically_with(&path, |_| Err(io::Error::other("disk full")));
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"second", "a failed write leaves the old file");
        let names: Vec<_> = std::fs::read_dir(dir.join("sub")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["policy.json"], "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
