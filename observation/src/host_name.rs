//! Host names, as every place a name enters Temper writes them: an
//! observation's `host`, the `Computer` of a Windows event, `--host`, and
//! this machine's own name when `observe` records it and when `apply` looks
//! for it in a profile. DNS names are case-insensitive: one normaliser
//! (surrounding space dropped, ASCII lower-cased) keeps `FS01` in an event
//! log and `fs01` in a bundle the same host.

/// The stored form of a host name.
pub fn normalize_host(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// The name of a machine that may not know its own: its normalised name,
/// or `unknown` when it has none (an event without `Computer`, a host with
/// an empty hostname).
pub fn machine_host_name(raw: &str) -> String {
    match normalize_host(raw) {
        name if name.is_empty() => UNKNOWN_HOST.to_string(),
        name => name,
    }
}

pub const UNKNOWN_HOST: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_form_for_every_spelling() {
        assert_eq!(normalize_host("  FS01.Corp.Example "), "fs01.corp.example");
        assert_eq!(machine_host_name("WEB01\n"), "web01");
        assert_eq!(machine_host_name("  "), "unknown");
        assert_eq!(normalize_host(""), "", "an empty host stays empty: the JSONL reader refuses it");
    }
}
