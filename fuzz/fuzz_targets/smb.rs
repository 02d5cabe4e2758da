//! The smb dissector on arbitrary bytes, fed in arbitrary chunks from both
//! directions: never panics, never consumes more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::smb::SmbDissector;

fuzz_target!(|data: &[u8]| {
    let mut d = SmbDissector::new();
    let mut out = Vec::new();
    temper_fuzz::feed_chunks(data.get(1..).unwrap_or(&[]), |dir, buf| d.feed(dir, buf, &mut out));
    d.finish(&mut out);
});
