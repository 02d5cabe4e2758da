//! Secret redaction for command lines, applied before anything is stored.
//!
//! Two layers, shared by command strings and argv vectors:
//! - the token layer knows flags whose *next* token is a secret
//!   (`-Password x`, `sshpass -p x`, `sqlcmd -P x`) and tools whose flags
//!   carry a secret inside the token (`mysql -psecret`, `smbclient -U u%pass`);
//! - the text layer masks secrets inside any token: `user:pass@` in URLs,
//!   `Bearer`/`Basic` credentials, `password=...`-style assignments.
//!
//! Redaction errs towards masking: a lost harmless argument costs a little
//! evidence, a stored password costs a breach.

use regex::Regex;
use std::sync::LazyLock;

pub const REDACTED: &str = "[REDACTED]";

/// Longest command text kept, in characters; longer text is cut with a marker.
pub const MAX_COMMAND_CHARS: usize = 4096;

/// Redacts a whole command line (as written by a shell or in an event log).
pub fn redact_command(command: &str) -> String {
    redact_nested(command, 0)
}

fn redact_nested(command: &str, depth: usize) -> String {
    let tokens = tokenize(command);
    let texts: Vec<&str> = tokens.iter().map(|t| &command[t.clone()]).collect();
    let plan = plan_redactions(&texts);
    let mut out = String::with_capacity(command.len());
    let mut cursor = 0;
    for (span, action) in tokens.iter().zip(plan) {
        out.push_str(&command[cursor..span.start]);
        out.push_str(&apply(&command[span.clone()], action, depth));
        cursor = span.end;
    }
    out.push_str(&command[cursor..]);
    out
}

/// Redacts an argument vector, argv[0] being the program.
pub fn redact_argv(argv: &[String]) -> Vec<String> {
    let texts: Vec<&str> = argv.iter().map(String::as_str).collect();
    let plan = plan_redactions(&texts);
    texts.iter().zip(plan).map(|(t, a)| apply(t, a, 0)).collect()
}

/// Cuts text to [`MAX_COMMAND_CHARS`] on a character boundary.
pub fn truncate_command(command: &str) -> String {
    match command.char_indices().nth(MAX_COMMAND_CHARS) {
        None => command.to_string(),
        Some((cut, _)) => format!("{}…[truncated]", &command[..cut]),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    /// Keep the token, masking secrets inside it (text layer).
    Scan,
    /// The whole token is a secret.
    Whole,
    /// Everything from this byte offset is a secret.
    From(usize),
}

/// How deep quoted inner commands (`bash -c "..."`) are redacted in turn.
const MAX_NESTING: usize = 3;

fn apply(token: &str, action: Action, depth: usize) -> String {
    match action {
        Action::Whole => REDACTED.to_string(),
        Action::From(at) if token.is_char_boundary(at) => format!("{}{}", &token[..at], REDACTED),
        Action::From(_) => REDACTED.to_string(),
        Action::Scan => match quoted_command(token) {
            // `bash -c "mysql -pX"`, `powershell -Command "... -Password X"`: an inner command line.
            Some((quote, inner)) if depth < MAX_NESTING => {
                format!("{quote}{}{quote}", scan_text(&redact_nested(inner, depth + 1)))
            }
            _ => scan_text(token),
        },
    }
}

/// A token that is a whole quoted string with spaces in it: (quote, inside).
fn quoted_command(token: &str) -> Option<(char, &str)> {
    let quote = token.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = token.strip_prefix(quote)?.strip_suffix(quote)?;
    inner.contains(char::is_whitespace).then_some((quote, inner))
}

/// Options of any tool whose value is a secret (compared case-insensitively,
/// after stripping leading dashes). `-Password` is PowerShell's spelling.
const SECRET_OPTION_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "access-key",
    "secret-key",
    "client-secret",
    "auth-token",
    "private-key",
    "passphrase",
    "http-password",
    "ftp-password",
    "proxy-password",
    "accesstoken",
    "bearer",
];

/// Suffixes that make any option a secret one: `--db-password`, `--admin_token`,
/// and PowerShell's `-NewPassword`, `-AccountPassword`, `-SafeModeAdministratorPassword`.
const SECRET_OPTION_SUFFIXES: &[&str] =
    &["password", "passwd", "secret", "token", "apikey", "api-key", "api_key", "passphrase"];

/// `name` is lower-case, without leading dashes or slashes.
fn is_secret_option(name: &str) -> bool {
    SECRET_OPTION_NAMES.contains(&name) || SECRET_OPTION_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// Marks the value starting at `start` as secret. A PowerShell or shell
/// sub-expression value — `(ConvertTo-SecureString 'x' ...)`, `$(cat f)` —
/// spans tokens up to its closing parenthesis; all of them are masked.
/// Returns the index after the value.
fn mask_value(tokens: &[&str], start: usize, plan: &mut [Action]) -> usize {
    let first = tokens[start];
    if !(first.starts_with('(') || first.starts_with("$(")) {
        plan[start] = Action::Whole;
        return start + 1;
    }
    let mut depth: i64 = 0;
    let mut i = start;
    while i < tokens.len() {
        plan[i] = Action::Whole;
        depth += tokens[i].matches('(').count() as i64 - tokens[i].matches(')').count() as i64;
        i += 1;
        if depth <= 0 {
            break;
        }
    }
    i
}

/// Tool-specific short options whose next token is a secret.
const TOOL_SECRET_FLAGS: &[(&[&str], &[&str])] = &[
    (&["sshpass"], &["-p"]),
    (&["psexec", "psexec64", "paexec"], &["-p"]),
    (&["sqlcmd", "osql", "bcp"], &["-P"]),
    (&["ldapsearch", "ldapmodify", "ldapadd", "ldapdelete", "ldapwhoami", "ldappasswd", "ldapcompare"], &["-w"]),
    (&["schtasks"], &["/RP", "/P"]),
    (&["rdesktop"], &["-p"]),
    (&["useradd", "usermod"], &["-p"]),
    (&["openssl"], &["-k", "-passin", "-passout", "-pass"]),
    (&["docker", "podman", "nerdctl"], &["-p"]),
    (&["redis-cli"], &["-a"]),
];

/// Where a command's program name is: strip directories, `.exe`, case.
fn program_name(token: &str) -> String {
    let unquoted = token.trim_matches(|c| c == '"' || c == '\'');
    let base = unquoted.rsplit(['/', '\\']).next().unwrap_or(unquoted);
    let lower = base.to_ascii_lowercase();
    lower.strip_suffix(".exe").unwrap_or(&lower).to_string()
}

fn plan_redactions(tokens: &[&str]) -> Vec<Action> {
    let mut plan = vec![Action::Scan; tokens.len()];
    // The program is the first token, or the one after a wrapper like sudo/env.
    let mut program = String::new();
    let mut index = 0;
    let mut in_wrapper = false;
    while index < tokens.len() {
        let name = program_name(tokens[index]);
        if matches!(name.as_str(), "sudo" | "env" | "nohup" | "exec" | "time" | "nice" | "doas")
            || tokens[index].contains('=')
        {
            in_wrapper = true;
            index += 1;
            continue;
        }
        // A wrapper's own options (`sudo -u bob`, `nice -n 5`) come before the program.
        if in_wrapper && tokens[index].starts_with('-') {
            let takes_argument =
                matches!(tokens[index], "-u" | "-g" | "-C" | "-h" | "-U" | "-r" | "-t" | "-D" | "-p" | "-n");
            index += if takes_argument { 2 } else { 1 };
            continue;
        }
        program = name;
        break;
    }

    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i].trim_matches(|c| c == '"' || c == '\'');
        let lower = token.to_ascii_lowercase();
        let option = lower.trim_start_matches(['-', '/']);
        let is_option = lower.starts_with('-') || lower.starts_with('/');

        // Tool-specific forms first: `mysql -pX` is not an option named `pX`.
        if let Some(action) = tool_specific(&program, tokens, i, &mut plan) {
            i = action;
            continue;
        }
        // `--password=x`, `-Password:x`, `/password:x`, also when the whole token is quoted.
        if is_option {
            if let Some(at) = secret_value_start(tokens[i]) {
                plan[i] = Action::From(at);
                i += 1;
                continue;
            }
        }
        // `--password x`, `-Password x`
        if is_option && is_secret_option(option) && i + 1 < tokens.len() {
            i = mask_value(tokens, i + 1, &mut plan);
            continue;
        }
        // `Authorization: Bearer x` split into tokens.
        if (lower == "bearer" || lower == "basic") && i + 1 < tokens.len() {
            plan[i + 1] = Action::Whole;
            i += 2;
            continue;
        }
        // `ConvertTo-SecureString 'x' -AsPlainText` / `-String 'x'`
        if lower.trim_start_matches(['(', '$']) == "convertto-securestring" {
            // The plain text is the first non-option among the next tokens:
            // `'x' -AsPlainText`, `-AsPlainText 'x'`, `-AsPlainText -Force -String 'x'`.
            let mut j = i + 1;
            while j < tokens.len() && j <= i + 5 {
                if tokens[j].starts_with('-') {
                    j += 1;
                    continue;
                }
                plan[j] = Action::Whole;
                break;
            }
            i = j + 1;
            continue;
        }
        i += 1;
    }
    plan
}

/// Where the value of `--secret-option=value` starts within the raw token
/// (after any opening quote and the dashes), if the option is a secret one.
/// Every delimiter involved is ASCII, so the offset is a char boundary.
fn secret_value_start(token: &str) -> Option<usize> {
    let body = token.trim_start_matches(['"', '\'']);
    let quote_len = token.len() - body.len();
    let name_and_value = body.trim_start_matches(['-', '/']);
    let dash_len = body.len() - name_and_value.len();
    let sep = name_and_value.find(['=', ':'])?;
    is_secret_option(&name_and_value[..sep].to_ascii_lowercase()).then_some(quote_len + dash_len + sep + 1)
}

/// Tool-specific forms; returns the next token index when one matched.
fn tool_specific(program: &str, tokens: &[&str], i: usize, plan: &mut [Action]) -> Option<usize> {
    let token = tokens[i];
    for (tools, flags) in TOOL_SECRET_FLAGS {
        if tools.contains(&program)
            && flags.iter().any(|f| token.eq_ignore_ascii_case(f) && (f.starts_with('/') || token == *f))
        {
            if i + 1 < tokens.len() {
                plan[i + 1] = Action::Whole;
            }
            return Some(i + 2);
        }
    }
    match program {
        // `sshpass -psecret`
        "sshpass" if token.starts_with("-p") && token.len() > 2 => {
            plan[i] = Action::From(2);
            Some(i + 1)
        }
        // `curl -uuser:pass`, `curl --user=user:pass`
        "curl" | "wget"
            if (token.starts_with("-u") && token.len() > 2 && !token.starts_with("--"))
                || token.starts_with("--user=") =>
        {
            if let Some(at) = token.find(':') {
                plan[i] = Action::From(at + 1);
            }
            Some(i + 1)
        }
        // `mysql -psecret` (a bare `-p` prompts and is harmless).
        "mysql" | "mysqldump" | "mysqladmin" | "mariadb" | "mysqlimport" | "mysqlcheck"
            if token.starts_with("-p") && token.len() > 2 && !token.starts_with("--") =>
        {
            plan[i] = Action::From(2);
            Some(i + 1)
        }
        // `smbclient -U user%pass`, `curl -u user:pass`
        "smbclient" | "rpcclient" | "smbcacls" | "smbget" | "net" | "mount.cifs" | "curl" | "wget"
            if matches!(token, "-U" | "--user" | "-u") && i + 1 < tokens.len() =>
        {
            let value = tokens[i + 1];
            if let Some(at) = value.find(['%', ':']) {
                plan[i + 1] = Action::From(at + 1);
            }
            Some(i + 2)
        }
        "xfreerdp" | "wfreerdp" | "xfreerdp3" if token.to_ascii_lowercase().starts_with("/p:") => {
            plan[i] = Action::From(3);
            Some(i + 1)
        }
        // `net use Z: \\srv\share PASSWORD /user:dom\u`, `net user bob PASSWORD /add`
        "net" | "net1" => {
            let verb = tokens.get(1).map(|t| t.to_ascii_lowercase());
            match verb.as_deref() {
                Some("use") if token.starts_with("\\\\") => {
                    if let Some(next) = tokens.get(i + 1) {
                        if !next.starts_with('/') && *next != "*" {
                            plan[i + 1] = Action::Whole;
                        }
                    }
                    Some(i + 2)
                }
                Some("user") if i == 2 => {
                    if let Some(next) = tokens.get(3) {
                        if !next.starts_with('/') && *next != "*" {
                            plan[3] = Action::Whole;
                        }
                    }
                    Some(4)
                }
                _ => None,
            }
        }
        // `htpasswd -b FILE USER PASSWORD`
        "htpasswd" if token == "-b" || (token.starts_with('-') && token.contains('b') && !token.starts_with("--")) => {
            let positional: Vec<usize> = (i + 1..tokens.len()).filter(|&j| !tokens[j].starts_with('-')).collect();
            if let Some(&last) = positional.get(2) {
                plan[last] = Action::Whole;
            }
            Some(i + 1)
        }
        _ => None,
    }
}

static URL_CREDENTIALS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*):([^/\s@]+)@").unwrap());
static URL_TOKEN_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://)(gh[pousr]_[A-Za-z0-9]{16,}|[A-Za-z0-9_\-]{32,})@").unwrap()
});
static SECRET_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(x-api-key|api-key|x-auth-token|x-access-token|private-token|authorization|proxy-authorization)\s*:\s*[^\s'"]+(\s+[^\s'"]+)?"#).unwrap()
});
static AUTH_SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer|basic|token|ntlm|negotiate)\s+[A-Za-z0-9._~+/=\-]{8,}").unwrap());
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b([A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?)\s*([=:])\s*("[^"]*"|'[^']*'|[^\s;&,"']+)"#,
    )
    .unwrap()
});
static WELL_KNOWN_KEYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abpr]-[A-Za-z0-9\-]{10,}|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})\b").unwrap()
});
static OPENSSL_PASS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bpass:\S+").unwrap());

/// Masks secrets inside free text.
fn scan_text(text: &str) -> String {
    let out = URL_CREDENTIALS.replace_all(text, format!("${{1}}:{REDACTED}@"));
    let out = URL_TOKEN_USER.replace_all(&out, format!("${{1}}{REDACTED}@"));
    let out = SECRET_HEADER.replace_all(&out, format!("${{1}}: {REDACTED}"));
    let out = AUTH_SCHEME.replace_all(&out, format!("${{1}} {REDACTED}"));
    let out = ASSIGNMENT.replace_all(&out, format!("${{1}}${{2}}{REDACTED}"));
    let out = OPENSSL_PASS.replace_all(&out, format!("pass:{REDACTED}"));
    let out = WELL_KNOWN_KEYS.replace_all(&out, REDACTED);
    out.into_owned()
}

/// Whitespace-separated tokens as byte ranges; quotes group, and are kept in the token.
fn tokenize(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (at, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    tokens.push(s..at);
                }
            }
            None => {
                if start.is_none() {
                    start = Some(at);
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
            }
        }
    }
    if let Some(s) = start {
        tokens.push(s..text.len());
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_hidden(input: &str, secret: &str) -> String {
        let out = redact_command(input);
        assert!(!out.contains(secret), "secret `{secret}` survived in `{out}` (from `{input}`)");
        assert!(out.contains(REDACTED), "no redaction marker in `{out}`");
        out
    }

    #[test]
    fn powershell_password_parameters() {
        let out = assert_hidden("New-LocalUser -Name bob -Password S3cr3t! -FullName Bob", "S3cr3t!");
        assert!(out.contains("-Name bob") && out.contains("-FullName Bob"), "{out}");
        assert_hidden("Connect-Thing -Password:'hunter 2' -Verbose", "hunter 2");
        assert_hidden(r#"$p = ConvertTo-SecureString "P@ssw0rd" -AsPlainText -Force"#, "P@ssw0rd");
        assert_hidden("ConvertTo-SecureString -String 'Tr0ub4dor' -AsPlainText -Force", "Tr0ub4dor");
        let out = assert_hidden(
            "New-LocalUser -Name temp -Password (ConvertTo-SecureString 'Winter2026!' -AsPlainText -Force) -Description x",
            "Winter2026!",
        );
        assert!(out.ends_with("-Description x"), "only the sub-expression is masked: {out}");
        assert_hidden("$c = (ConvertTo-SecureString 'Inline1' -AsPlainText -Force)", "Inline1");
        assert_hidden("tool --password $(cat /run/secret) --verbose", "/run/secret");
    }

    #[test]
    fn long_options() {
        assert_hidden("backup --password=hunter2 --host db", "hunter2");
        assert_hidden("backup --password hunter2 --host db", "hunter2");
        assert_hidden("report --db-password hunter3 --out x", "hunter3");
        assert_hidden("report --admin_token=tok3n", "tok3n");
        assert_hidden("deploy --api-key=abcd1234efgh --token 'tok en'", "abcd1234efgh");
        assert_hidden("deploy --api-key=abcd1234efgh --token 'tok en'", "tok en");
        assert_hidden(r#"wmic /node:srv /user:admin /password:"Pa ss" process list"#, "Pa ss");
        // Similar-looking but harmless options stay.
        assert_eq!(redact_command("Get-Process -PassThru"), "Get-Process -PassThru");
    }

    #[test]
    fn tool_specific_short_options() {
        assert_hidden("mysql -u root -pTopSecret db", "TopSecret");
        assert_eq!(redact_command("mysql -u root -p db"), "mysql -u root -p db");
        assert_hidden("sshpass -p s3cret ssh host", "s3cret");
        assert_hidden("/usr/bin/sudo sshpass -p s3cret ssh host", "s3cret");
        assert_hidden(r"C:\Tools\PsExec.exe \\srv -u admin -p Winter2026 cmd", "Winter2026");
        assert_hidden("sqlcmd -S db -U sa -P Adm1n! -Q select", "Adm1n!");
        assert_hidden("ldapsearch -x -D cn=admin -w ld4pPass -b dc=x", "ld4pPass");
        assert_hidden("smbclient //fs01/scans -U scanner%Sc4nPass -m NT1", "Sc4nPass");
        assert_hidden("curl -u alice:curlpass https://example.test", "curlpass");
        assert_hidden(r"net use Z: \\fs01\scans NetPass1 /user:CORP\scan", "NetPass1");
        assert_hidden("net user bob Hello123 /add", "Hello123");
        assert_hidden("xfreerdp /v:host /u:bob /p:RdpPass", "RdpPass");
        assert_hidden("schtasks /Create /TN x /RU CORP\\svc /RP TaskPass /TR y", "TaskPass");
        assert_hidden("htpasswd -b /etc/htpasswd alice HtPass", "HtPass");
        assert_hidden("openssl pkcs12 -in a.p12 -passin pass:P12pass", "P12pass");
        // `-p` means something else for other tools.
        assert_eq!(redact_command("ssh -p 2222 host"), "ssh -p 2222 host");
        assert_eq!(redact_command("mkdir -p /tmp/x"), "mkdir -p /tmp/x");
    }

    #[test]
    fn tokens_and_urls() {
        assert_hidden("curl -H 'Authorization: Bearer eyJhbGciOi.abc.def' https://api", "eyJhbGciOi");
        assert_hidden("git clone https://deploy:gh-secret-9@git.example/x.git", "gh-secret-9");
        assert_hidden("psql postgres://app:pgpass@db:5432/app", "pgpass");
        assert_hidden("MYSQL_PWD=envpass mysqldump db", "envpass");
        assert_hidden("app --conn 'Server=db;User Id=sa;Password=C0nn;'", "C0nn");
        assert_hidden("aws s3 ls # AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP");
        let out = assert_hidden("wget https://u:p4ss@h/f", "p4ss");
        assert!(out.contains("https://u:"), "{out}");
    }

    #[test]
    fn hostile_input_does_not_break_redaction() {
        // Unbalanced quotes, unicode and control characters must neither panic nor leak.
        assert_hidden("cmd --password 'unterminated secret", "unterminated");
        assert_hidden("é -Password ☃sëcret", "☃sëcret");
        let out = redact_command("echo \u{0}\u{7} --password=\u{1b}[31mx");
        assert!(!out.contains("[31mx"), "{out}");
        assert_eq!(redact_command(""), "");
        assert_eq!(redact_command("   "), "   ");
    }

    #[test]
    fn quoted_option_tokens_neither_leak_nor_panic() {
        assert_hidden(r#"tool "--password=hunter2" x"#, "hunter2");
        assert_hidden(r#"tool "/password:ab" x"#, "ab\"");
        assert_hidden(r#"tool "--password=aé" x"#, "aé");
        assert_hidden("tool '--password=aé'", "aé");
        assert_hidden("tool --password=é", "é");
    }

    #[test]
    fn review_findings_on_redaction() {
        assert_hidden(r#"bash -c "mysql -uroot -pS3cr3t db""#, "S3cr3t");
        assert_hidden(r#"powershell -Command "New-LocalUser -Name x -Password P4ss""#, "P4ss");
        assert_hidden(r#"cmd /c "sshpass -p Sp4ss ssh host""#, "Sp4ss");
        assert_hidden("ConvertTo-SecureString -AsPlainText 'Pl41n' -Force", "Pl41n");
        assert_hidden("ConvertTo-SecureString -AsPlainText -Force -String 'Pl42n'", "Pl42n");
        assert_hidden("Set-ADAccountPassword bob -NewPassword N3w -Reset", "N3w");
        assert_hidden("New-ADUser bob -AccountPassword Acc1", "Acc1");
        assert_hidden("Install-ADDSForest -SafeModeAdministratorPassword Dsrm1", "Dsrm1");
        assert_hidden("sshpass -pAtt4ched ssh host", "Att4ched");
        assert_hidden("curl -ualice:Cu1 https://x", "Cu1");
        assert_hidden("curl --user=alice:Cu2 https://x", "Cu2");
        assert_hidden("docker login -u bob -p D0cker registry", "D0cker");
        assert_hidden("redis-cli -h db -a R3dis ping", "R3dis");
        assert_hidden(r#"curl -H "X-API-Key: K3y123" https://x"#, "K3y123");
        assert_hidden("sudo -u bob sshpass -p Sud0 ssh host", "Sud0");
        assert_eq!(redact_command("sudo -u bob ssh -p 2222 host"), "sudo -u bob ssh -p 2222 host");
    }

    #[test]
    fn argv_form() {
        let argv: Vec<String> =
            ["/usr/bin/mysql", "-u", "root", "-pS3cret", "--password", "other"].iter().map(|s| s.to_string()).collect();
        let out = redact_argv(&argv);
        assert_eq!(out, vec!["/usr/bin/mysql", "-u", "root", "-p[REDACTED]", "--password", "[REDACTED]"]);
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let long = "é".repeat(MAX_COMMAND_CHARS + 10);
        let cut = truncate_command(&long);
        assert!(cut.ends_with("…[truncated]"));
        assert_eq!(cut.chars().count(), MAX_COMMAND_CHARS + "…[truncated]".chars().count());
    }
}
