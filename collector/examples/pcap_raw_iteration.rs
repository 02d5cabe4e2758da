//! The floor for capture decoding benchmarks (bench/pcap.sh): iterate every
//! block of a capture with pcap-parser and read each packet's length and
//! first byte (so nothing is optimised away), nothing else.

use pcap_parser::{create_reader, PcapBlockOwned, PcapError};

fn main() {
    let path = std::env::args().nth(1).expect("usage: pcap_raw_iteration FILE");
    let file = std::fs::File::open(&path).expect("the capture opens");
    let mut reader = create_reader(1 << 20, file).expect("a capture");
    let (mut blocks, mut checksum) = (0u64, 0u64);
    loop {
        match reader.next() {
            Ok((size, block)) => {
                if let PcapBlockOwned::Legacy(packet) = &block {
                    checksum = checksum
                        .wrapping_add(packet.data.len() as u64 + packet.data.first().copied().unwrap_or(0) as u64);
                }
                blocks += 1;
                reader.consume(size);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
            Err(e) => panic!("{e:?}"),
        }
    }
    println!("{blocks} blocks, checksum {checksum}");
}
