//! The capture reader and everything behind it on arbitrary bytes: pcap and
//! pcapng parsing, frame decoding, flow tracking, reassembly and every
//! dissector. Never panics; a damaged file is an error, not a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::capture_file::read_stream;
use temper_collector::wire::flow::FlowTracker;

fuzz_target!(|data: &[u8]| {
    let mut tracker = FlowTracker::new();
    let mut findings = Vec::new();
    let _ = read_stream("fuzz", data, |record| tracker.observe(record, &mut findings));
    tracker.finish(&mut findings);
});
