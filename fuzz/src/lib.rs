//! Shared by the dissector fuzz targets: turn fuzzer bytes into chunks of
//! both directions of a stream, fed the way the flow tracker feeds them.

use temper_collector::wire::Direction;

/// Each chunk is a header byte (bit 0: direction; the rest: length / 4) and
/// that many bytes. Unconsumed bytes are offered again with the next chunk
/// of the same direction; consuming more than was offered is a bug.
pub fn feed_chunks(data: &[u8], mut feed: impl FnMut(Direction, &[u8]) -> usize) {
    let mut buffers: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut rest = data;
    while let Some((&header, tail)) = rest.split_first() {
        let side = (header & 1) as usize;
        let len = ((header >> 1) as usize * 4).min(tail.len());
        let dir = if side == 0 { Direction::ToServer } else { Direction::ToClient };
        buffers[side].extend_from_slice(&tail[..len]);
        rest = &tail[len..];
        let consumed = feed(dir, &buffers[side]);
        assert!(consumed <= buffers[side].len());
        buffers[side].drain(..consumed);
    }
}
