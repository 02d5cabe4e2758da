//! Every registered dissector (the first byte picks one and its transport)
//! on arbitrary bytes, fed in arbitrary chunks from both directions: never
//! panics, never consumes more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| temper_fuzz::fuzz_dissector(data));
