//! Compilers, interpreters and debuggers installed on the host, as
//! `feature` inventory items (attribute `kind = "program"`): what the rule
//! on unused compilers and interpreters may propose to remove. Without this
//! it could only guess, and would tell a person to remove a `tcc` that was
//! never installed.
//!
//! Only this fixed list is looked for, not every executable on the PATH:
//! thousands of items per host would say nothing the rules use.

use crate::inventory::{InventoryCategory, InventoryItem};
use std::path::Path;

/// Programs a production server rarely needs, by the name they are run as.
pub const NOTABLE_PROGRAMS: &[&str] = &[
    "gcc", "g++", "cc", "c++", "clang", "tcc", "make", "as", "gdb", "ruby", "php", "node", "lua", "tclsh", "pwsh",
    "python2",
];

/// Where programs are installed, in PATH order.
pub const PROGRAM_DIRS: &[&str] = &["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// Each notable program found as an executable file in `dirs`, once, with
/// the first path it was found at.
pub fn installed_programs(dirs: &[&Path]) -> Vec<InventoryItem> {
    NOTABLE_PROGRAMS
        .iter()
        .filter_map(|name| {
            let path = dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p))?;
            Some(
                InventoryItem::new(InventoryCategory::Feature, *name)
                    .with_attr("kind", "program")
                    .with_attr("path", path.to_string_lossy().into_owned())
                    .with_attr("enabled", true),
            )
        })
        .collect()
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    // Follows links: /usr/bin/cc → /etc/alternatives/cc → gcc-12.
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn finds_executables_and_links_once_and_skips_the_rest() {
        let root = tempfile::tempdir().unwrap();
        let (local, usr) = (root.path().join("local"), root.path().join("usr"));
        std::fs::create_dir_all(&local).unwrap();
        std::fs::create_dir_all(&usr).unwrap();
        let executable = |path: &Path| {
            std::fs::write(path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        executable(&usr.join("gcc-12"));
        symlink(usr.join("gcc-12"), usr.join("gcc")).unwrap();
        executable(&local.join("ruby"));
        executable(&usr.join("ruby"));
        std::fs::write(usr.join("make"), "not executable").unwrap();
        symlink(usr.join("missing"), usr.join("gdb")).unwrap();

        let items = installed_programs(&[&local, &usr]);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["gcc", "ruby"], "a dangling link and a non-executable file are not installed programs");
        assert_eq!(items[1].attr_str("path"), Some(local.join("ruby").to_str().unwrap()), "PATH order wins");
        assert!(items
            .iter()
            .all(|i| i.category == InventoryCategory::Feature && i.attr_str("kind") == Some("program")));
    }
}
