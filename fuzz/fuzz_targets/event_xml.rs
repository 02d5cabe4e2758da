//! Rendered event XML (the live event-log path) and every Windows decoder
//! on arbitrary text: an error or observations, never a panic; every
//! observation the decoders produce is valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::event_xml::parse_event_xml;
use temper_collector::windows::WindowsDecoder;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(record) = parse_event_xml(text) else { return };
    let mut decoder = WindowsDecoder::new("etw");
    let mut out = Vec::new();
    decoder.decode(&record, &mut out);
    for obs in &out {
        obs.validate().expect("decoders produce valid observations");
    }
});
