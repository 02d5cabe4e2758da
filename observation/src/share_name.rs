//! Share names are normalised where they enter (docs/observation-format.md): the bare
//! share name, no server, no slashes, no brackets. `\\*\IPC$`, `\\FS01\scans`,
//! `//fs01/scans` and smb.conf's `[scans]` become `IPC$` and `scans`.

/// Returns the bare share name. Case is kept: SMB compares share names
/// case-insensitively, so comparisons use [`same_share`].
pub fn normalize_share_name(raw: &str) -> String {
    let trimmed = raw.trim();
    // smb.conf section header form.
    let unbracketed = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(trimmed);
    let unified = unbracketed.replace('/', "\\");
    let name = if let Some(rest) = unified.strip_prefix("\\\\") {
        // \\server\share[\path...]: the second component is the share.
        rest.split('\\').nth(1).unwrap_or("")
    } else {
        // Already bare, or a leading single backslash.
        unified.trim_start_matches('\\').split('\\').next().unwrap_or("")
    };
    name.trim().to_string()
}

/// SMB share names compare case-insensitively.
pub fn same_share(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_from_the_architecture() {
        assert_eq!(normalize_share_name(r"\\*\IPC$"), "IPC$");
        assert_eq!(normalize_share_name(r"\\FS01\scans"), "scans");
        assert_eq!(normalize_share_name("[scans]"), "scans");
        assert_eq!(normalize_share_name("scans"), "scans");
    }

    #[test]
    fn other_forms() {
        assert_eq!(normalize_share_name("//fs01/Public/sub/dir"), "Public");
        assert_eq!(normalize_share_name(r"\\fs01.corp.example\scans\2026\a.pdf"), "scans");
        assert_eq!(normalize_share_name(r"\scans"), "scans");
        assert_eq!(normalize_share_name("  [print$] "), "print$");
        assert_eq!(normalize_share_name(r"\\server"), "");
        assert!(same_share("IPC$", "ipc$"));
    }
}
