//! An ETW payload read by an arbitrary small layout, as the live ETW
//! consumer reads it: properties come out in order, each cut from the
//! payload where the one before ended and never past its end; reading
//! any property's bytes never panics.
//!
//! Input: a header byte (bit 0: 32-bit event, bit 1: string-only, bits
//! 2-4: property count), six bytes per property (in-type, out-type, flags,
//! length, count, the manifest's size answer), then the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::windows::etw_layout::{EventLayout, Param, PropertyLayout};
use temper_collector::windows::etw_payload::{
    read_payload, split, value, EVENT_HEADER_FLAG_32_BIT_HEADER, EVENT_HEADER_FLAG_STRING_ONLY,
};
use temper_collector::windows::tdh_types::{TDH_OUTTYPE_IPV4, TDH_OUTTYPE_IPV6, TDH_OUTTYPE_PORT};
use temper_collector::windows::EventRecord;

/// Bytes describing one property.
const PROPERTY_BYTES: usize = 6;

/// In-types 0-26 and 300-312: every TDH in-type and a few unknown ones.
fn in_type(b: u8) -> u16 {
    let s = u16::from(b % 40);
    if s < 27 {
        s
    } else {
        300 + (s - 27)
    }
}

fn out_type(b: u8) -> u16 {
    [0, TDH_OUTTYPE_PORT, TDH_OUTTYPE_IPV4, TDH_OUTTYPE_IPV6][usize::from(b % 4)]
}

/// Flag bit `bit` chooses an earlier (or later, or missing) property's value over a fixed one.
fn param(flags: u8, bit: u8, b: u8) -> Param {
    if flags & bit != 0 {
        Param::Property(usize::from(b % 8))
    } else {
        Param::Fixed(u16::from(b))
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&header, rest)) = data.split_first() else { return };
    let count = usize::from((header >> 2) & 7);
    let Some(described) = rest.get(..count * PROPERTY_BYTES) else { return };
    let payload = &rest[count * PROPERTY_BYTES..];
    let mut header_flags = 0;
    if header & 1 != 0 {
        header_flags |= EVENT_HEADER_FLAG_32_BIT_HEADER;
    }
    if header & 2 != 0 {
        header_flags |= EVENT_HEADER_FLAG_STRING_ONLY;
    }
    let pointer = if header & 1 != 0 { 4 } else { 8 };
    let mut answers = Vec::with_capacity(count);
    let mut layout = EventLayout::default();
    for (index, p) in described.chunks_exact(PROPERTY_BYTES).enumerate() {
        let mut property = PropertyLayout::scalar(&format!("P{index}"), in_type(p[0]), out_type(p[1]));
        property.is_struct = p[2] & 1 != 0;
        property.length = param(p[2], 2, p[3]);
        property.count = param(p[2], 4, p[4]);
        layout.properties.push(property);
        answers.push((p[5] != 0xFF).then_some(usize::from(p[5])));
    }
    let manifest_size = |index: usize| answers[index];

    let properties = split(payload, &layout, pointer, manifest_size);
    assert!(properties.len() <= layout.properties.len());
    let mut at = 0;
    for (raw, property) in properties.iter().zip(&layout.properties) {
        assert!(std::ptr::eq(raw.layout, property), "properties come out in layout order");
        assert_eq!(raw.bytes.as_ptr(), payload[at..].as_ptr(), "each property starts where the last ended");
        at += raw.bytes.len();
        let _ = value(raw.layout, raw.bytes, pointer);
    }
    assert!(at <= payload.len());
    // Bytes of any size, as a damaged or mis-sized property would have.
    for property in &layout.properties {
        let _ = value(property, payload, pointer);
    }

    let mut record = EventRecord::new("fuzz", 1, Default::default(), "host");
    read_payload(&mut record, header_flags, payload, &layout, manifest_size);
    assert!(record.fields.len() <= layout.properties.len());
});
