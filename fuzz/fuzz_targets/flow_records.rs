//! The TC classifier's records as user space reads them, on arbitrary
//! bytes: record parsing, then the flow tracker's sampled-stream path
//! (excerpts that restart and continue streams) and every dissector behind
//! it. The input is a sequence of records, each prefixed by its length
//! (one byte), so one input drives many records through one tracker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::ebpf::flow_record::parse_flow_record;
use temper_collector::wire::live::LiveWire;

fuzz_target!(|data: &[u8]| {
    let mut wire = LiveWire::new("fuzz", ["10.0.0.5".parse().unwrap()]);
    let mut out = Vec::new();
    let mut rest = data;
    let time = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    while let Some((&len, tail)) = rest.split_first() {
        let take = (len as usize * 4).min(tail.len());
        let (record, next) = tail.split_at(take);
        rest = next;
        if let Some(record) = parse_flow_record(record) {
            wire.packet(&record.to_capture(time), &mut out);
        }
    }
    wire.tick(temper_collector::wire::capture::PacketTime(i64::MAX), &mut out);
});
