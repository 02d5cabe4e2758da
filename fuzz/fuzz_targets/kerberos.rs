//! The kerberos dissector on arbitrary bytes, fed in arbitrary chunks from both
//! directions: never panics, never consumes more than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::kerberos::KerberosDissector;

fuzz_target!(|data: &[u8]| {
    let mut d = KerberosDissector::new();
    let mut out = Vec::new();
    temper_fuzz::feed_chunks(data.get(1..).unwrap_or(&[]), |dir, buf| {
        d.feed_datagram(dir, buf, &mut out);
        let _ = temper_collector::wire::kerberos::ap_req_in_gss(buf);
        d.feed_tcp(dir, buf, &mut out)
    });
    d.finish(&mut out);
});
