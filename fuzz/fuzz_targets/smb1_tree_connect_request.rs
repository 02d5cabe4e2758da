//! The SMB1 record parser(s) `smb1_records::tree_connect_request` on every command of an
//! arbitrary message's AndX chain: never panics, never loops.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::smb::smb1_records;

fuzz_target!(|data: &[u8]| {
    let Some(header) = smb1_records::Smb1Header::parse(data) else { return };
    for block in smb1_records::chain(data, &header) {
        let _ = smb1_records::tree_connect_request(&header, &block);
    }
});
