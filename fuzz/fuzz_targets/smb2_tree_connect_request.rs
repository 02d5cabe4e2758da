//! The SMB2 record parser `smb2_records::tree_connect_request` on arbitrary bytes: never
//! panics, never reads past the message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::wire::smb::smb2_records;

fuzz_target!(|data: &[u8]| {
    let _ = smb2_records::tree_connect_request(data);
    for (_, pdu) in smb2_records::compound(data) {
        assert!(pdu.len() <= data.len());
        let _ = smb2_records::tree_connect_request(pdu);
    }
});
