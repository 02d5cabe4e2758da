//! Redaction on arbitrary command lines and argument vectors: never panics
//! (it slices strings by byte offsets found in hostile text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::redact::{redact_argv, redact_command, truncate_command};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = truncate_command(&redact_command(&text));
    let argv: Vec<String> = text.split('\u{1f}').map(str::to_string).collect();
    assert_eq!(redact_argv(&argv).len(), argv.len());
});
