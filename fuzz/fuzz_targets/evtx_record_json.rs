//! One record's rendered JSON (as the `evtx` crate writes it) to an event
//! record and through every Windows decoder: arbitrary JSON-ish bytes are
//! an error or observations, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::evtx_file::record_from_json;
use temper_collector::windows::WindowsDecoder;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(record)) = record_from_json(data, 1) else { return };
    let mut decoder = WindowsDecoder::new("evtx");
    let mut out = Vec::new();
    decoder.decode(&record, &mut out);
    for obs in &out {
        obs.validate().expect("decoders produce valid observations");
    }
});
