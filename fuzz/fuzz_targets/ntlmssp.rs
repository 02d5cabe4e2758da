//! NTLMSSP parsing and the token scanner (raw, base64 in HTTP headers,
//! SPNEGO) on arbitrary bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::{ntlm_scan, ntlmssp};

fuzz_target!(|data: &[u8]| {
    let _ = ntlmssp::parse_authenticate(data);
    let _ = ntlmssp::find_authenticate(data);
    let mut out = Vec::new();
    let settled = ntlm_scan::scan(data, &mut out);
    assert!(settled <= data.len());
});
