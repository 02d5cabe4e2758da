//! How tests feed dissectors: the way a reassembled stream does, offering
//! again, with the next bytes appended, whatever was not consumed.

use super::Direction;

/// Feeds `bytes` cut at the `cuts` positions (any order, duplicates allowed);
/// returns the bytes left unconsumed at the end.
pub fn feed_in_cuts(bytes: &[u8], cuts: &[usize], mut feed: impl FnMut(&[u8]) -> usize) -> Vec<u8> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| (*c).min(bytes.len())).collect();
    cuts.push(bytes.len());
    cuts.sort_unstable();
    let mut buffer = Vec::new();
    let mut fed = 0;
    for cut in cuts {
        buffer.extend_from_slice(&bytes[fed..cut]);
        fed = cut;
        let n = feed(&buffer);
        assert!(n <= buffer.len(), "consumed {n} of {} bytes", buffer.len());
        buffer.drain(..n);
    }
    buffer
}

/// Feeds chunks alternately to the client and server directions, each
/// direction starting with its `prefix`; asserts nothing is over-consumed.
pub fn feed_alternating(chunks: &[Vec<u8>], prefixes: [&[u8]; 2], mut feed: impl FnMut(Direction, &[u8]) -> usize) {
    let mut buffers = [prefixes[0].to_vec(), prefixes[1].to_vec()];
    for (i, chunk) in chunks.iter().enumerate() {
        let dir = if i % 2 == 0 { Direction::ToServer } else { Direction::ToClient };
        let buffer = &mut buffers[i % 2];
        buffer.extend_from_slice(chunk);
        let n = feed(dir, buffer);
        assert!(n <= buffer.len(), "consumed {n} of {} bytes", buffer.len());
        buffer.drain(..n);
    }
}

/// Bytes to feed a dissector: random, or `valid` with random bytes spliced in.
pub fn noisy(valid: Vec<u8>, max_noise: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        (proptest::collection::vec(any::<u8>(), 0..max_noise), any::<prop::sample::Index>()).prop_map(
            move |(noise, at)| {
                let mut bytes = valid.clone();
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, noise);
                bytes
            }
        ),
    ]
}
