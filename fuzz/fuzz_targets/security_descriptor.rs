//! Security descriptors from the registry and from event 5143's SDDL:
//! neither parser panics, and whatever a parser accepts yields grants whose
//! trustees are unique and whose rights come from an allow entry.
//!
//! Input: the first byte picks the form (even: binary, odd: SDDL text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::sddl::dacl_of_sddl;
use temper_collector::windows::security_descriptor::{dacl_of_bytes, Dacl};
use temper_collector::windows::share_grants::grants_of;

fuzz_target!(|data: &[u8]| {
    let Some((&form, rest)) = data.split_first() else { return };
    let dacl = if form % 2 == 0 {
        dacl_of_bytes(rest).ok()
    } else {
        dacl_of_sddl(&String::from_utf8_lossy(rest)).ok()
    };
    let Some(dacl) = dacl else { return };
    let grants = grants_of(&dacl);
    let mut trustees: Vec<&str> = grants.iter().map(|g| g.trustee.as_str()).collect();
    trustees.dedup();
    assert_eq!(trustees.len(), grants.len(), "one grant per trustee");
    if let Dacl::Entries(entries) = &dacl {
        for grant in &grants {
            assert!(entries.iter().any(|e| e.allow && e.trustee == grant.trustee), "{grant:?} from no allow entry");
        }
    }
});
