//! Escaping for every artifact Temper writes. Observed strings (share names,
//! user names, paths, host names) are attacker-influenced: they reach a
//! generated file only through one of these functions.

/// A PowerShell single-quoted string literal. Inside one, only the quote
/// characters are special; PowerShell also treats U+2018–U+201B as single
/// quotes, so each of those is doubled too.
pub fn powershell_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        if c != '\0' {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A POSIX shell single-quoted word: nothing inside is special except the
/// quote itself, written as `'\''`.
pub fn shell_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '\0' => {}
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// Text safe inside a one-line comment of any of our formats (shell,
/// PowerShell, sshd_config, smb.conf, nftables): control characters become
/// `?`, so a newline cannot end the comment, and `#>` cannot close a
/// PowerShell block comment.
pub fn comment_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect::<String>().replace("#>", "# >")
}

/// Text safe in Markdown, including inside a table cell: Markdown and HTML
/// metacharacters are escaped, control characters shown as `\n`-style
/// escapes, so observed text can neither add markup nor break the table.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A user name as an sshd_config pattern, or `None` when it cannot be
/// written safely: sshd has no escape for wildcards (`*`, `?`), negation
/// (`!`), lists (`,`) or whitespace, and a `#` or quote would change the line.
pub fn sshd_user_pattern(user: &str) -> Option<String> {
    let safe = !user.is_empty()
        && user.len() <= 256
        && user.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '$' | '\\'));
    safe.then(|| user.to_string())
}

/// A host name as a directory name: anything outside `[A-Za-z0-9._-]`
/// becomes `_`, and names that could climb out (`.`/`..`) are prefixed.
pub fn file_name(text: &str) -> String {
    let cleaned: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        format!("host_{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const HOSTILE: &[&str] = &[
        "x'; Remove-Item C:\\ -Recurse; '",
        "a\u{2019}; calc; \u{2018}",
        "$(touch /tmp/pwned)",
        "`reboot`",
        "line1\nline2",
        "semi;colon & amp | pipe",
        "quote\"double",
        "#> Write-Host owned <#",
        "<script>alert(1)</script>",
        "..",
        "",
    ];

    /// Reads back a PowerShell single-quoted literal per the language rules.
    fn powershell_unquote(literal: &str) -> String {
        let is_quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
        let inner: Vec<char> = literal.chars().collect();
        assert!(is_quote(inner[0]) && is_quote(*inner.last().unwrap()));
        let body = &inner[1..inner.len() - 1];
        let mut out = String::new();
        let mut i = 0;
        while i < body.len() {
            if is_quote(body[i]) {
                assert!(i + 1 < body.len() && is_quote(body[i + 1]), "unpaired quote in {literal}");
                out.push(body[i]);
                i += 2;
            } else {
                out.push(body[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn powershell_literals_read_back_exactly() {
        for s in HOSTILE {
            assert_eq!(powershell_unquote(&powershell_literal(s)), *s);
        }
    }

    #[test]
    fn shell_literals_read_back_exactly_through_a_real_shell() {
        for s in HOSTILE {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s' {}", shell_literal(s)))
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), *s);
        }
        assert!(!std::path::Path::new("/tmp/pwned").exists());
    }

    #[test]
    fn comments_stay_on_one_line() {
        for s in HOSTILE {
            let c = comment_text(s);
            assert!(!c.contains('\n') && !c.contains("#>"), "{c}");
        }
    }

    #[test]
    fn markdown_cannot_add_markup_or_cells() {
        for s in HOSTILE {
            let m = markdown_text(s);
            assert!(!m.contains('<') && !m.contains('\n'), "{m}");
            assert_eq!(m.matches('|').count(), m.matches("\\|").count(), "{m}");
        }
    }

    #[test]
    fn sshd_patterns_refuse_wildcards_and_separators() {
        assert_eq!(sshd_user_pattern("alice").as_deref(), Some("alice"));
        assert_eq!(sshd_user_pattern("CORP\\svc-web$").as_deref(), Some("CORP\\svc-web$"));
        for bad in ["*", "a?", "!root", "a,b", "a b", "a\"b", "a#b", "a\nb", ""] {
            assert_eq!(sshd_user_pattern(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn file_names_cannot_escape() {
        assert_eq!(file_name("fs01"), "fs01");
        assert_eq!(file_name("../../etc"), ".._.._etc");
        assert_eq!(file_name(".."), "host_..");
        assert_eq!(file_name("a/b\\c"), "a_b_c");
    }
}
