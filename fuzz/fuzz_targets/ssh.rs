//! The ssh dissector on arbitrary bytes, fed in arbitrary chunks from both
//! directions: never panics, never consumes more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::Direction;
use temper_collector::wire::ssh::SshDissector;

fuzz_target!(|data: &[u8]| {
    let mut d = SshDissector::new();
    let mut out = Vec::new();
    let mut buffers: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    // Each chunk: a header byte (direction, length) then that many bytes.
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let Some((&header, tail)) = rest.split_first() {
        let side = (header & 1) as usize;
        let len = ((header >> 1) as usize * 4).min(tail.len());
        let dir = if side == 0 { Direction::ToServer } else { Direction::ToClient };
        buffers[side].extend_from_slice(&tail[..len]);
        rest = &tail[len..];
        let buf = &buffers[side][..];
        let consumed = d.feed(dir, buf, &mut out);
        assert!(consumed <= buf.len());
        buffers[side].drain(..consumed);
    }
    d.finish(&mut out);
});
