//! Security descriptors from the registry and from event 5143's SDDL:
//! neither parser panics, and whatever a parser accepts yields, for each
//! trustee with an allow entry that grants something, one grant at the
//! highest level its allow entries give.
//!
//! Input: the first byte picks the form (even: binary, odd: SDDL text).
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::sddl::dacl_of_sddl;
use temper_collector::windows::security_descriptor::{dacl_of_bytes, Dacl};
use temper_collector::windows::share_grants::{grants_of, rights_of};

fuzz_target!(|data: &[u8]| {
    let Some((&form, rest)) = data.split_first() else { return };
    let dacl = if form % 2 == 0 { dacl_of_bytes(rest).ok() } else { dacl_of_sddl(&String::from_utf8_lossy(rest)).ok() };
    let Some(dacl) = dacl else { return };
    let grants = grants_of(&dacl);
    let Dacl::Entries(entries) = &dacl else {
        assert_eq!(grants.len(), 1, "no DACL is Everyone full");
        return;
    };
    for grant in &grants {
        let highest =
            entries.iter().filter(|e| e.allow && e.trustee == grant.trustee).filter_map(|e| rights_of(e.mask)).max();
        assert_eq!(highest, Some(grant.rights), "{grant:?}");
    }
    for entry in entries.iter().filter(|e| e.allow && rights_of(e.mask).is_some()) {
        assert!(grants.iter().any(|g| g.trustee == entry.trustee), "{entry:?} lost");
    }
});
