//! Escaping for every artifact Temper writes. Observed strings (share names,
//! user names, paths, host names) are attacker-influenced: they reach a
//! generated file only through one of these functions.

/// A PowerShell expression for `text`, safe as a command argument.
///
/// ASCII text becomes a single-quoted literal, in which only quotes are
/// special (doubled). Anything else is spelled out as `[char]0xNNNN` in a
/// parenthesised concatenation, so the script is pure ASCII: no code page
/// (Windows PowerShell 5.1 reads BOM-less files as ANSI) can turn bytes of a
/// name into one of the Unicode quotes PowerShell also honours, and bidi or
/// invisible characters cannot make a name look other than it is.
pub fn powershell_literal(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            if c == '\'' {
                run.push('\'');
            }
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            parts.push(format!("'{}'", std::mem::take(&mut run)));
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            parts.push(format!("[char]0x{unit:04X}"));
        }
    }
    if !run.is_empty() {
        parts.push(format!("'{run}'"));
    }
    // A leading '' keeps `+` a string concatenation even when the first part is a [char].
    format!("(''+{})", parts.join("+"))
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
    text.chars()
        .map(|c| if c.is_control() || is_format_char(c) { '?' } else { c })
        .collect::<String>()
        .replace("#>", "# >")
}

/// Invisible formatting characters (Unicode category Cf, the ones that
/// matter): bidi overrides and isolates, zero-width characters, soft hyphen,
/// byte-order mark. They would let a name read differently from what it is.
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// An invisible or control character shown as what it is: `\u{202e}`.
fn visible_escape(c: char) -> String {
    format!("\\u{{{:04x}}}", c as u32)
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
            c if c.is_control() || is_format_char(c) => out.push_str(&visible_escape(c)),
            c => out.push(c),
        }
    }
    out
}

/// A user name as an sshd_config pattern, or `None` when it cannot be
/// written safely: sshd has no escape for wildcards (`*`, `?`), negation
/// (`!`), lists (`,`) or whitespace, and a `#` or quote would change the line.
/// `@` is refused too: sshd reads `alice@corp.example` as user `alice` from
/// host `corp.example`, which would lock out the observed user.
pub fn sshd_user_pattern(user: &str) -> Option<String> {
    let safe = !user.is_empty()
        && user.len() <= 256
        && user.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$' | '\\'));
    safe.then(|| user.to_string())
}

/// A YAML scalar Ansible never templates: `!unsafe` plus a JSON string
/// (JSON strings are valid YAML double-quoted scalars). Without `!unsafe`,
/// Ansible would evaluate `{{ ... }}` in an observed string as Jinja.
pub fn ansible_literal(text: &str) -> String {
    format!("!unsafe {}", serde_json::to_string(text).expect("strings always serialise"))
}

/// Text for XML character data and attribute values; characters XML 1.0
/// cannot carry at all (most control characters) become U+FFFD.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML character data and quoted attribute values. Control and
/// invisible formatting characters are shown as `\u{…}`, so an observed name
/// can neither add markup nor read differently from what it is.
pub fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() || is_format_char(c) => out.push_str(&visible_escape(c)),
            c => out.push(c),
        }
    }
    out
}

/// A share name as an smb.conf section header (`[name]`), or `None` when it
/// cannot be written safely: smb.conf has no escapes, so a `]` would end the
/// header early and a line break or `;`/`#` at the start would start another
/// line or a comment. Samba trims surrounding whitespace, so that is refused
/// too rather than silently naming another share.
pub fn samba_section_name(name: &str) -> Option<String> {
    let safe = !name.is_empty()
        && name.len() <= 256
        && name.trim() == name
        && !name.starts_with([';', '#'])
        && name.chars().all(|c| !c.is_control() && !is_format_char(c) && !matches!(c, '[' | ']'));
    safe.then(|| format!("[{name}]"))
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

    /// Evaluates what `powershell_literal` writes, per PowerShell's rules:
    /// single-quoted literals (quotes doubled) and `[char]0xNNNN`, joined by `+`.
    pub fn powershell_eval(expr: &str) -> String {
        let body = expr.strip_prefix("(''+").and_then(|b| b.strip_suffix(')')).unwrap_or(expr);
        let chars: Vec<char> = body.chars().collect();
        let mut units: Vec<u16> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\'' => {
                    i += 1;
                    loop {
                        assert!(i < chars.len(), "unterminated literal in {expr}");
                        if chars[i] == '\'' {
                            if chars.get(i + 1) == Some(&'\'') {
                                units.push('\'' as u16);
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        assert!(chars[i].is_ascii(), "non-ASCII inside a literal: {expr}");
                        units.push(chars[i] as u16);
                        i += 1;
                    }
                }
                '+' => i += 1,
                '[' => {
                    let rest: String = chars[i..].iter().collect();
                    let hex = rest.strip_prefix("[char]0x").expect("a [char] code");
                    units.push(u16::from_str_radix(&hex[..4], 16).unwrap());
                    i += "[char]0x".len() + 4;
                }
                other => panic!("unexpected {other:?} in {expr}"),
            }
        }
        String::from_utf16(&units).unwrap()
    }

    #[test]
    fn powershell_literals_read_back_exactly() {
        for s in HOSTILE.iter().copied().chain(["Büro", "\u{202E}fdp.exe", "emoji 😀", "tab\there"]) {
            let literal = powershell_literal(s);
            assert!(literal.is_ascii(), "{literal}");
            assert_eq!(powershell_eval(&literal), s, "{literal}");
        }
        assert_eq!(powershell_literal("scans"), "'scans'");
        assert_eq!(powershell_literal("it's"), "'it''s'");
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
        assert_eq!(comment_text("a\u{202E}b\u{200B}c"), "a?b?c");
        assert_eq!(markdown_text("a\u{202E}b"), "a\\u{202e}b");
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
        for bad in ["*", "a?", "!root", "a,b", "a b", "a\"b", "a#b", "a\nb", "", "alice@corp.example"] {
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
