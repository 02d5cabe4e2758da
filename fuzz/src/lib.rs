//! Shared by the fuzz targets: turn fuzzer bytes into chunks of both
//! directions of a stream, and feed any registered dissector with them
//! through the collector's own feeder (`wire::feeding`), which is how the
//! flow tracker and the tests feed them too.

use temper_collector::wire::registry::DISSECTORS;
use temper_collector::wire::{feeding, Direction};
use temper_collector::Transport;

/// Each chunk is a header byte (bit 0: direction; the rest: length / 4) and
/// that many bytes.
pub fn chunks(data: &[u8]) -> Vec<(Direction, &[u8])> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&header, tail)) = rest.split_first() {
        let len = ((header >> 1) as usize * 4).min(tail.len());
        let dir = if header & 1 == 0 { Direction::ToServer } else { Direction::ToClient };
        out.push((dir, &tail[..len]));
        rest = &tail[len..];
    }
    out
}

/// The first byte picks a registered dissector and one of its transports;
/// the second, over TCP, a chunk the stream loses (0: none), as a hole the
/// dissector is told of; the rest is fed to it in chunks (see [`chunks`]),
/// then the flow ends. Unconsumed bytes are offered again with the next
/// chunk of the same direction; consuming more than was offered panics in
/// the feeder.
pub fn fuzz_dissector(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Some((&hole, rest)) = rest.split_first() else { return };
    let choices: Vec<(usize, Transport)> =
        DISSECTORS.iter().enumerate().flat_map(|(i, r)| r.transports.iter().map(move |t| (i, *t))).collect();
    let (index, transport) = choices[pick as usize % choices.len()];
    let mut dissector = (DISSECTORS[index].new)(transport);
    let chunks = chunks(rest);
    if transport == Transport::Tcp && hole > 0 && !chunks.is_empty() {
        let transcript: Vec<(Direction, Vec<u8>)> = chunks.iter().map(|(d, c)| (*d, c.to_vec())).collect();
        let lost = hole as usize % transcript.len();
        feeding::findings_across_hole(&mut *dissector, &transcript, lost, 0, transcript[lost].1.len());
        return;
    }
    let mut out = Vec::new();
    feeding::feed(&mut *dissector, transport, chunks, &mut out);
    dissector.finish(&mut out);
}
