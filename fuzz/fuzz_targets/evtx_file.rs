//! An `.evtx` file of arbitrary bytes through the `evtx` crate, our reading
//! of its rendered JSON and every Windows decoder. Damage is counted and
//! reported, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::evtx_file::read_evtx_bytes;
use temper_collector::windows::{wants, WindowsDecoder};

fuzz_target!(|data: &[u8]| {
    let bytes = data.to_vec();
    let mut decoder = WindowsDecoder::new("evtx");
    let mut out = Vec::new();
    let _ = read_evtx_bytes("fuzz.evtx", bytes, 1, wants, |record| decoder.decode(&record, &mut out));
});
