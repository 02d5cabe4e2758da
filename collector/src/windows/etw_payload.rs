//! An ETW event's payload (its user data) read by the event's layout: each
//! top-level property cut out by its TDH in-type and read as a
//! [`FieldValue`], the out-type deciding where it changes the meaning
//! (addresses, ports). Never panics: a property whose size cannot be told
//! ends the walk, one that cannot be read is skipped. Binary data becomes
//! uppercase hex, as the event log renders it.
//!
//! Some sizes only the provider's manifest can tell (structures, strings
//! whose length counts characters, arrays of variable-size elements): the
//! caller answers those, on Windows with TdhGetPropertySize.

use super::binary_text::{filetime, guid, hex, sid, sid_size, systemtime};
use super::etw_layout::{EventLayout, Param, PropertyLayout};
use super::event_record::{EventRecord, FieldValue};
use super::tdh_types::{
    TDH_INTYPE_ANSICHAR, TDH_INTYPE_ANSISTRING, TDH_INTYPE_BINARY, TDH_INTYPE_BOOLEAN, TDH_INTYPE_COUNTEDANSISTRING,
    TDH_INTYPE_COUNTEDSTRING, TDH_INTYPE_DOUBLE, TDH_INTYPE_FILETIME, TDH_INTYPE_FLOAT, TDH_INTYPE_GUID,
    TDH_INTYPE_HEXDUMP, TDH_INTYPE_HEXINT32, TDH_INTYPE_HEXINT64, TDH_INTYPE_INT16, TDH_INTYPE_INT32, TDH_INTYPE_INT64,
    TDH_INTYPE_INT8, TDH_INTYPE_MANIFEST_COUNTEDANSISTRING, TDH_INTYPE_MANIFEST_COUNTEDBINARY,
    TDH_INTYPE_MANIFEST_COUNTEDSTRING, TDH_INTYPE_NONNULLTERMINATEDANSISTRING, TDH_INTYPE_NONNULLTERMINATEDSTRING,
    TDH_INTYPE_POINTER, TDH_INTYPE_REVERSEDCOUNTEDANSISTRING, TDH_INTYPE_REVERSEDCOUNTEDSTRING, TDH_INTYPE_SID,
    TDH_INTYPE_SIZET, TDH_INTYPE_SYSTEMTIME, TDH_INTYPE_UINT16, TDH_INTYPE_UINT32, TDH_INTYPE_UINT64, TDH_INTYPE_UINT8,
    TDH_INTYPE_UNICODECHAR, TDH_INTYPE_UNICODESTRING, TDH_INTYPE_WBEMSID, TDH_OUTTYPE_IPV4, TDH_OUTTYPE_IPV6,
    TDH_OUTTYPE_PORT,
};
use super::wide::from_wide_bytes;
use chrono::SecondsFormat;
use std::net::{Ipv4Addr, Ipv6Addr};

/// EVENT_HEADER flags (evntcons.h) that change how the payload reads: the
/// payload is one UTF-16 string; the event came from a 32-bit process.
pub const EVENT_HEADER_FLAG_STRING_ONLY: u16 = 0x0004;
pub const EVENT_HEADER_FLAG_32_BIT_HEADER: u16 = 0x0020;

/// The size of POINTER and SIZET values, and of the pointers in WBEMSID's TOKEN_USER.
pub fn pointer_size(header_flags: u16) -> usize {
    if header_flags & EVENT_HEADER_FLAG_32_BIT_HEADER != 0 {
        4
    } else {
        8
    }
}

/// Fills `event`'s fields: a string-only event's text as its one unnamed
/// item, otherwise each top-level property that can be read.
/// `manifest_size` is as for [`split`].
pub fn read_payload(
    event: &mut EventRecord,
    header_flags: u16,
    payload: &[u8],
    layout: &EventLayout,
    manifest_size: impl FnMut(usize) -> Option<usize>,
) {
    if header_flags & EVENT_HEADER_FLAG_STRING_ONLY != 0 {
        event.data.push(from_wide_bytes(payload));
        return;
    }
    let pointer = pointer_size(header_flags);
    for property in split(payload, layout, pointer, manifest_size) {
        if let Some(value) = value(property.layout, property.bytes, pointer) {
            event.fields.push((property.layout.name.clone(), value));
        }
    }
}

/// One property's bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawProperty<'a> {
    pub layout: &'a PropertyLayout,
    pub bytes: &'a [u8],
}

/// The payload cut into its top-level properties, in order.
/// `manifest_size(index)` is the size of the property at `index` in the
/// layout when only the manifest can tell it; `None` ends the walk.
pub fn split<'a>(
    payload: &'a [u8],
    layout: &'a EventLayout,
    pointer: usize,
    mut manifest_size: impl FnMut(usize) -> Option<usize>,
) -> Vec<RawProperty<'a>> {
    let mut rest = payload;
    let mut properties = Vec::with_capacity(layout.properties.len());
    // Integer values by property index: later lengths and counts refer to them.
    let mut integers: Vec<Option<u64>> = Vec::with_capacity(layout.properties.len());
    for (index, property) in layout.properties.iter().enumerate() {
        let Some(size) = size_of_property(property, rest, &integers, pointer, || manifest_size(index)) else {
            tracing::debug!("etw: cannot size property {}; the rest of the event is skipped", property.name);
            break;
        };
        let Some(bytes) = rest.get(..size) else { break };
        rest = &rest[size..];
        integers.push(unsigned(property, bytes));
        properties.push(RawProperty { layout: property, bytes });
    }
    properties
}

/// An element size every value of the in-type has.
fn fixed_size(in_type: u16, pointer: usize) -> Option<usize> {
    Some(match in_type {
        TDH_INTYPE_INT8 | TDH_INTYPE_UINT8 | TDH_INTYPE_ANSICHAR => 1,
        TDH_INTYPE_INT16 | TDH_INTYPE_UINT16 | TDH_INTYPE_UNICODECHAR => 2,
        TDH_INTYPE_INT32 | TDH_INTYPE_UINT32 | TDH_INTYPE_HEXINT32 | TDH_INTYPE_FLOAT | TDH_INTYPE_BOOLEAN => 4,
        TDH_INTYPE_INT64 | TDH_INTYPE_UINT64 | TDH_INTYPE_HEXINT64 | TDH_INTYPE_DOUBLE | TDH_INTYPE_FILETIME => 8,
        TDH_INTYPE_GUID | TDH_INTYPE_SYSTEMTIME => 16,
        TDH_INTYPE_POINTER | TDH_INTYPE_SIZET => pointer,
        _ => return None,
    })
}

fn size_of_property(
    property: &PropertyLayout,
    rest: &[u8],
    integers: &[Option<u64>],
    pointer: usize,
    manifest_size: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    if property.is_struct {
        return manifest_size();
    }
    let param = |p: Param| -> Option<usize> {
        match p {
            Param::Fixed(n) => Some(usize::from(n)),
            Param::Property(index) => integers.get(index).copied().flatten().and_then(|n| usize::try_from(n).ok()),
        }
    };
    // A length that is 0 and fixed means "not given".
    let length = match property.length {
        Param::Fixed(0) => None,
        p => Some(param(p)?),
    };
    let t = property.in_type;
    if property.is_array() {
        let count = param(property.count)?;
        let element = fixed_size(t, pointer).or(if t == TDH_INTYPE_BINARY { length } else { None });
        return match element {
            Some(element) => element.checked_mul(count),
            None => manifest_size(),
        };
    }
    if let Some(size) = fixed_size(t, pointer) {
        return Some(size);
    }
    match t {
        // The manifest gives a binary's length in bytes.
        TDH_INTYPE_BINARY => match length {
            Some(length) => Some(length),
            None if property.out_type == TDH_OUTTYPE_IPV6 => Some(16),
            None => manifest_size(),
        },
        // A string's length may count characters, not bytes: the manifest knows which.
        TDH_INTYPE_UNICODESTRING => match length {
            Some(_) => manifest_size(),
            None => Some(nul_terminated(rest, 2)),
        },
        TDH_INTYPE_ANSISTRING => match length {
            Some(_) => manifest_size(),
            None => Some(nul_terminated(rest, 1)),
        },
        TDH_INTYPE_NONNULLTERMINATEDSTRING | TDH_INTYPE_NONNULLTERMINATEDANSISTRING => match length {
            Some(_) => manifest_size(),
            None => Some(rest.len()),
        },
        // A 16-bit byte count, then the data.
        TDH_INTYPE_COUNTEDSTRING
        | TDH_INTYPE_COUNTEDANSISTRING
        | TDH_INTYPE_MANIFEST_COUNTEDSTRING
        | TDH_INTYPE_MANIFEST_COUNTEDANSISTRING
        | TDH_INTYPE_MANIFEST_COUNTEDBINARY => {
            Some(2 + usize::from(u16::from_le_bytes(rest.get(..2)?.try_into().ok()?)))
        }
        TDH_INTYPE_REVERSEDCOUNTEDSTRING | TDH_INTYPE_REVERSEDCOUNTEDANSISTRING => {
            Some(2 + usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)))
        }
        // A 32-bit byte count, then the data.
        TDH_INTYPE_HEXDUMP => usize::try_from(u32::from_le_bytes(rest.get(..4)?.try_into().ok()?)).ok().map(|n| n + 4),
        TDH_INTYPE_SID => sid_size(rest),
        // TOKEN_USER (a pointer and its padded attributes), then the SID.
        TDH_INTYPE_WBEMSID => Some(2 * pointer + sid_size(rest.get(2 * pointer..)?)?),
        _ => manifest_size(),
    }
}

/// Bytes up to and including the NUL of `unit`-byte characters (or all of them).
fn nul_terminated(rest: &[u8], unit: usize) -> usize {
    rest.chunks_exact(unit)
        .position(|c| c.iter().all(|&b| b == 0))
        .map(|at| (at + 1) * unit)
        .unwrap_or(rest.len() - rest.len() % unit)
}

/// An integer property's value, for lengths and counts that refer to it.
fn unsigned(property: &PropertyLayout, bytes: &[u8]) -> Option<u64> {
    let integer = matches!(
        property.in_type,
        TDH_INTYPE_INT8
            | TDH_INTYPE_UINT8
            | TDH_INTYPE_INT16
            | TDH_INTYPE_UINT16
            | TDH_INTYPE_INT32
            | TDH_INTYPE_UINT32
            | TDH_INTYPE_HEXINT32
            | TDH_INTYPE_INT64
            | TDH_INTYPE_UINT64
            | TDH_INTYPE_HEXINT64
    );
    if property.is_struct || property.is_array() || !integer {
        return None;
    }
    Some(match bytes.len() {
        1 => u64::from(bytes[0]),
        2 => u64::from(u16::from_le_bytes(bytes.try_into().ok()?)),
        4 => u64::from(u32::from_le_bytes(bytes.try_into().ok()?)),
        8 => u64::from_le_bytes(bytes.try_into().ok()?),
        _ => return None,
    })
}

/// A scalar property's value; `None` for structures, arrays and unreadable data.
pub fn value(property: &PropertyLayout, bytes: &[u8], pointer: usize) -> Option<FieldValue> {
    if property.is_struct || property.is_array() {
        return None;
    }
    let out = property.out_type;
    if out == TDH_OUTTYPE_IPV4 && bytes.len() == 4 {
        return Some(FieldValue::Text(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()));
    }
    if out == TDH_OUTTYPE_IPV6 && bytes.len() == 16 {
        let octets: [u8; 16] = bytes.try_into().ok()?;
        return Some(FieldValue::Text(Ipv6Addr::from(octets).to_string()));
    }
    if out == TDH_OUTTYPE_PORT && bytes.len() == 2 {
        return Some(FieldValue::Int(i64::from(u16::from_be_bytes([bytes[0], bytes[1]]))));
    }
    let le = |n: usize| -> Option<[u8; 8]> {
        let mut out = [0u8; 8];
        out[..n].copy_from_slice(bytes.get(..n)?);
        Some(out)
    };
    Some(match property.in_type {
        TDH_INTYPE_INT8 => FieldValue::Int(i64::from(*bytes.first()? as i8)),
        TDH_INTYPE_UINT8 => FieldValue::Int(i64::from(*bytes.first()?)),
        TDH_INTYPE_INT16 => FieldValue::Int(i64::from(i16::from_le_bytes(bytes.try_into().ok()?))),
        TDH_INTYPE_UINT16 => FieldValue::Int(i64::from(u16::from_le_bytes(bytes.try_into().ok()?))),
        TDH_INTYPE_INT32 => FieldValue::Int(i64::from(i32::from_le_bytes(bytes.try_into().ok()?))),
        TDH_INTYPE_UINT32 | TDH_INTYPE_HEXINT32 => {
            FieldValue::Int(i64::from(u32::from_le_bytes(bytes.try_into().ok()?)))
        }
        TDH_INTYPE_INT64 => FieldValue::Int(i64::from_le_bytes(bytes.try_into().ok()?)),
        TDH_INTYPE_UINT64 | TDH_INTYPE_HEXINT64 => FieldValue::from(u64::from_le_bytes(bytes.try_into().ok()?)),
        TDH_INTYPE_POINTER | TDH_INTYPE_SIZET => {
            (bytes.len() == pointer).then_some(())?;
            FieldValue::from(u64::from_le_bytes(le(pointer)?))
        }
        TDH_INTYPE_FLOAT => FieldValue::Text(f32::from_le_bytes(bytes.try_into().ok()?).to_string()),
        TDH_INTYPE_DOUBLE => FieldValue::Text(f64::from_le_bytes(bytes.try_into().ok()?).to_string()),
        TDH_INTYPE_BOOLEAN => FieldValue::Text((u32::from_le_bytes(bytes.try_into().ok()?) != 0).to_string()),
        TDH_INTYPE_UNICODESTRING | TDH_INTYPE_NONNULLTERMINATEDSTRING | TDH_INTYPE_UNICODECHAR => {
            FieldValue::Text(from_wide_bytes(bytes))
        }
        TDH_INTYPE_ANSISTRING | TDH_INTYPE_NONNULLTERMINATEDANSISTRING | TDH_INTYPE_ANSICHAR => {
            FieldValue::Text(ansi(bytes))
        }
        TDH_INTYPE_COUNTEDSTRING | TDH_INTYPE_MANIFEST_COUNTEDSTRING | TDH_INTYPE_REVERSEDCOUNTEDSTRING => {
            FieldValue::Text(from_wide_bytes(bytes.get(2..)?))
        }
        TDH_INTYPE_COUNTEDANSISTRING | TDH_INTYPE_MANIFEST_COUNTEDANSISTRING | TDH_INTYPE_REVERSEDCOUNTEDANSISTRING => {
            FieldValue::Text(ansi(bytes.get(2..)?))
        }
        TDH_INTYPE_BINARY => FieldValue::Text(hex(bytes)),
        TDH_INTYPE_MANIFEST_COUNTEDBINARY => FieldValue::Text(hex(bytes.get(2..)?)),
        TDH_INTYPE_HEXDUMP => FieldValue::Text(hex(bytes.get(4..)?)),
        TDH_INTYPE_GUID => FieldValue::Text(guid(bytes)?),
        TDH_INTYPE_SID => FieldValue::Text(sid(bytes)?),
        TDH_INTYPE_WBEMSID => FieldValue::Text(sid(bytes.get(2 * pointer..)?)?),
        TDH_INTYPE_FILETIME => {
            let ticks = i64::from_le_bytes(bytes.try_into().ok()?);
            FieldValue::Text(filetime(ticks)?.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        TDH_INTYPE_SYSTEMTIME => FieldValue::Text(systemtime(bytes)?),
        _ => return None,
    })
}

/// Bytes before the first NUL, lossily as UTF-8.
fn ansi(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn wide(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn event(properties: Vec<PropertyLayout>) -> EventLayout {
        EventLayout { properties }
    }

    /// Reads the payload as a 64-bit event whose manifest answers nothing.
    fn fields(layout: &EventLayout, payload: &[u8]) -> Vec<(String, FieldValue)> {
        fields_with(layout, payload, 0, |_| None)
    }

    fn fields_with(
        layout: &EventLayout,
        payload: &[u8],
        header_flags: u16,
        manifest_size: impl FnMut(usize) -> Option<usize>,
    ) -> Vec<(String, FieldValue)> {
        let time = DateTime::UNIX_EPOCH;
        let mut record = EventRecord::new("p", 1, time, "h");
        read_payload(&mut record, header_flags, payload, layout, manifest_size);
        record.fields
    }

    fn text(name: &str, value: &str) -> (String, FieldValue) {
        (name.to_string(), FieldValue::Text(value.to_string()))
    }

    fn int(name: &str, value: i64) -> (String, FieldValue) {
        (name.to_string(), FieldValue::Int(value))
    }

    #[test]
    fn guids_sids_and_addresses_read_as_windows_renders_them() {
        let g = [0x17, 0xE6, 0x8C, 0xD4, 0xA2, 0x33, 0xC3, 0x4B, 0xA5, 0xC7, 0x11, 0xAA, 0x4F, 0x29, 0x61, 0x9E];
        let guid_value = value(&PropertyLayout::scalar("ConnectionGUID", TDH_INTYPE_GUID, 0), &g, 8);
        assert_eq!(guid_value, Some(FieldValue::Text("{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}".into())));
        let s = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        let sid_value = value(&PropertyLayout::scalar("Sid", TDH_INTYPE_SID, 0), &s, 8);
        assert_eq!(sid_value, Some(FieldValue::Text("S-1-5-32-544".into())));
        let ip = value(&PropertyLayout::scalar("Addr", TDH_INTYPE_UINT32, TDH_OUTTYPE_IPV4), &[10, 0, 0, 5], 8);
        assert_eq!(ip, Some(FieldValue::Text("10.0.0.5".into())));
        let binary = value(&PropertyLayout::scalar("Address", TDH_INTYPE_BINARY, 0), &[0x02, 0x00, 0x01, 0xbd], 8);
        assert_eq!(binary, Some(FieldValue::Text("020001BD".into())));
    }

    #[test]
    fn a_length_from_an_earlier_property_cuts_a_binary() {
        let mut fragment = PropertyLayout::scalar("Fragment", TDH_INTYPE_BINARY, 0);
        fragment.length = Param::Property(2);
        let layout = event(vec![
            PropertyLayout::scalar("MiniportIfIndex", TDH_INTYPE_UINT32, 0),
            PropertyLayout::scalar("LowerIfIndex", TDH_INTYPE_UINT32, 0),
            PropertyLayout::scalar("FragmentSize", TDH_INTYPE_UINT32, 0),
            fragment,
            PropertyLayout::scalar("GftFlowEntryId", TDH_INTYPE_UINT64, 0),
        ]);
        let mut payload = Vec::new();
        for n in [7u32, 9, 3] {
            payload.extend_from_slice(&n.to_le_bytes());
        }
        payload.extend_from_slice(b"abc");
        payload.extend_from_slice(&42u64.to_le_bytes());
        let properties = split(&payload, &layout, 8, |_| None);
        assert_eq!(properties.len(), 5);
        assert_eq!(properties[3].bytes, b"abc");
        assert_eq!(value(properties[4].layout, properties[4].bytes, 8), Some(FieldValue::Int(42)));
    }

    #[test]
    fn nul_terminated_strings_end_at_their_nul_or_the_payload() {
        let layout = event(vec![
            PropertyLayout::scalar("ShareName", TDH_INTYPE_UNICODESTRING, 0),
            PropertyLayout::scalar("Client", TDH_INTYPE_ANSISTRING, 0),
            PropertyLayout::scalar("Path", TDH_INTYPE_UNICODESTRING, 0),
        ]);
        let mut payload = wide("\\\\srv\\data\0");
        payload.extend_from_slice(b"10.0.0.9\0");
        // The last string has no NUL, and an odd byte the walk leaves out.
        payload.extend_from_slice(&wide("C:\\Data"));
        payload.push(0x43);
        let properties = split(&payload, &layout, 8, |_| None);
        assert_eq!(properties[2].bytes.len(), 14);
        assert_eq!(
            fields(&layout, &payload),
            [text("ShareName", "\\\\srv\\data"), text("Client", "10.0.0.9"), text("Path", "C:\\Data")]
        );
    }

    #[test]
    fn counted_strings_carry_their_byte_count() {
        let layout = event(vec![
            PropertyLayout::scalar("User", TDH_INTYPE_COUNTEDSTRING, 0),
            PropertyLayout::scalar("Domain", TDH_INTYPE_REVERSEDCOUNTEDANSISTRING, 0),
            PropertyLayout::scalar("Blob", TDH_INTYPE_MANIFEST_COUNTEDBINARY, 0),
            PropertyLayout::scalar("Dump", TDH_INTYPE_HEXDUMP, 0),
            PropertyLayout::scalar("After", TDH_INTYPE_UINT8, 0),
        ]);
        let mut payload = 8u16.to_le_bytes().to_vec();
        payload.extend_from_slice(&wide("bob!"));
        payload.extend_from_slice(&4u16.to_be_bytes());
        payload.extend_from_slice(b"CORP");
        payload.extend_from_slice(&2u16.to_le_bytes());
        payload.extend_from_slice(&[0xAB, 0xCD]);
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(&[1, 2, 3]);
        payload.push(7);
        assert_eq!(
            fields(&layout, &payload),
            [
                text("User", "bob!"),
                text("Domain", "CORP"),
                text("Blob", "ABCD"),
                text("Dump", "010203"),
                int("After", 7)
            ]
        );
    }

    #[test]
    fn sids_are_sized_by_their_sub_authority_count() {
        let admins = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        let layout = event(vec![
            PropertyLayout::scalar("UserSid", TDH_INTYPE_SID, 0),
            PropertyLayout::scalar("Token", TDH_INTYPE_WBEMSID, 0),
            PropertyLayout::scalar("After", TDH_INTYPE_UINT16, 0),
        ]);
        // WBEMSID: TOKEN_USER's pointer and padded attributes (two pointers), then the SID.
        let payload = |pointer: usize| {
            let mut payload = admins.to_vec();
            payload.extend(std::iter::repeat_n(0xEE, 2 * pointer));
            payload.extend_from_slice(&admins);
            payload.extend_from_slice(&5u16.to_le_bytes());
            payload
        };
        let expected = [text("UserSid", "S-1-5-32-544"), text("Token", "S-1-5-32-544"), int("After", 5)];
        assert_eq!(fields(&layout, &payload(8)), expected);
        assert_eq!(fields_with(&layout, &payload(4), EVENT_HEADER_FLAG_32_BIT_HEADER, |_| None), expected);
    }

    #[test]
    fn pointers_follow_the_header_bitness() {
        let layout = event(vec![
            PropertyLayout::scalar("Object", TDH_INTYPE_POINTER, 0),
            PropertyLayout::scalar("Size", TDH_INTYPE_SIZET, 0),
        ]);
        let payload = [1, 0, 0, 0, 2, 0, 0, 0];
        assert_eq!(
            fields_with(&layout, &payload, EVENT_HEADER_FLAG_32_BIT_HEADER, |_| None),
            [int("Object", 1), int("Size", 2)]
        );
        assert_eq!(fields(&layout, &payload), [int("Object", 0x2_0000_0001)]);
    }

    #[test]
    fn numbers_times_and_ports_read_by_their_types() {
        let layout = event(vec![
            PropertyLayout::scalar("Signed", TDH_INTYPE_INT8, 0),
            PropertyLayout::scalar("Mask", TDH_INTYPE_HEXINT64, 0),
            PropertyLayout::scalar("Enabled", TDH_INTYPE_BOOLEAN, 0),
            PropertyLayout::scalar("Port", TDH_INTYPE_UINT16, TDH_OUTTYPE_PORT),
            PropertyLayout::scalar("Address", TDH_INTYPE_BINARY, TDH_OUTTYPE_IPV6),
            PropertyLayout::scalar("Created", TDH_INTYPE_FILETIME, 0),
            PropertyLayout::scalar("Logged", TDH_INTYPE_SYSTEMTIME, 0),
            PropertyLayout::scalar("Unknown", 999, 0),
        ]);
        let mut payload = vec![0xFF];
        payload.extend_from_slice(&u64::MAX.to_le_bytes());
        payload.extend_from_slice(&1u32.to_le_bytes());
        payload.extend_from_slice(&445u16.to_be_bytes());
        payload.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        payload.extend_from_slice(&116_444_736_000_000_000i64.to_le_bytes());
        for part in [1970u16, 1, 4, 1, 0, 0, 1, 0] {
            payload.extend_from_slice(&part.to_le_bytes());
        }
        payload.extend_from_slice(b"never read");
        assert_eq!(
            fields(&layout, &payload),
            [
                int("Signed", -1),
                text("Mask", "18446744073709551615"),
                text("Enabled", "true"),
                int("Port", 445),
                text("Address", "::1"),
                text("Created", "1970-01-01T00:00:00Z"),
                text("Logged", "1970-01-01T00:00:01Z"),
            ]
        );
    }

    #[test]
    fn the_manifest_sizes_structures_and_counted_character_strings() {
        let mut structure = PropertyLayout::scalar("Header", 0, 0);
        structure.is_struct = true;
        let mut name = PropertyLayout::scalar("Name", TDH_INTYPE_UNICODESTRING, 0);
        name.length = Param::Fixed(3);
        let layout = event(vec![structure, name, PropertyLayout::scalar("After", TDH_INTYPE_UINT8, 0)]);
        let mut payload = vec![0xAA; 4];
        payload.extend_from_slice(&wide("abc"));
        payload.push(9);
        let sizes = [Some(4), Some(6), None];
        let mut asked = Vec::new();
        let read = fields_with(&layout, &payload, 0, |index| {
            asked.push(index);
            sizes[index]
        });
        assert_eq!(asked, [0, 1]);
        assert_eq!(read, [text("Name", "abc"), int("After", 9)]);
        // Without the manifest's answer the walk ends at the structure.
        assert!(fields(&layout, &payload).is_empty());
    }

    #[test]
    fn arrays_are_cut_out_but_not_read() {
        let mut ports = PropertyLayout::scalar("Ports", TDH_INTYPE_UINT16, 0);
        ports.count = Param::Property(0);
        let layout = event(vec![
            PropertyLayout::scalar("Count", TDH_INTYPE_UINT8, 0),
            ports,
            PropertyLayout::scalar("After", TDH_INTYPE_UINT8, 0),
        ]);
        let payload = [3, 1, 0, 2, 0, 3, 0, 42];
        let properties = split(&payload, &layout, 8, |_| None);
        assert_eq!(properties[1].bytes, &[1, 0, 2, 0, 3, 0]);
        assert_eq!(fields(&layout, &payload), [int("Count", 3), int("After", 42)]);
    }

    #[test]
    fn a_string_only_event_is_one_unnamed_item() {
        let time = DateTime::UNIX_EPOCH;
        let mut record = EventRecord::new("p", 1, time, "h");
        let layout = event(vec![PropertyLayout::scalar("Ignored", TDH_INTYPE_UINT32, 0)]);
        read_payload(&mut record, EVENT_HEADER_FLAG_STRING_ONLY, &wide("hello\0"), &layout, |_| None);
        assert_eq!(record.data, ["hello"]);
        assert!(record.fields.is_empty());
    }

    #[test]
    fn truncated_payloads_keep_what_was_whole() {
        let layout = event(vec![
            PropertyLayout::scalar("Id", TDH_INTYPE_UINT32, 0),
            PropertyLayout::scalar("User", TDH_INTYPE_COUNTEDSTRING, 0),
        ]);
        let mut payload = 7u32.to_le_bytes().to_vec();
        payload.extend_from_slice(&100u16.to_le_bytes());
        payload.extend_from_slice(&wide("bo"));
        assert_eq!(fields(&layout, &payload), [int("Id", 7)]);
        for cut in 0..payload.len() {
            assert!(split(&payload[..cut], &layout, 8, |_| None).len() <= 1);
        }
        let sid = event(vec![PropertyLayout::scalar("Sid", TDH_INTYPE_SID, 0)]);
        assert!(fields(&sid, &[1, 5, 0, 0, 0, 0, 0, 5, 21, 0]).is_empty());
        assert!(fields(&sid, &[1]).is_empty());
        // A count times its element size beyond usize ends the walk instead of wrapping.
        let mut huge = PropertyLayout::scalar("Huge", TDH_INTYPE_UINT64, 0);
        huge.count = Param::Property(0);
        let layout = event(vec![PropertyLayout::scalar("Count", TDH_INTYPE_UINT64, 0), huge]);
        assert_eq!(fields(&layout, &u64::MAX.to_le_bytes()), [text("Count", "18446744073709551615")]);
    }

    #[test]
    fn lengths_and_counts_only_come_from_earlier_integers() {
        let mut data = PropertyLayout::scalar("Data", TDH_INTYPE_BINARY, 0);
        data.length = Param::Property(0);
        let layout = event(vec![PropertyLayout::scalar("Name", TDH_INTYPE_ANSISTRING, 0), data]);
        assert_eq!(fields(&layout, b"x\0ab"), [text("Name", "x")]);
        let mut forward = PropertyLayout::scalar("Data", TDH_INTYPE_BINARY, 0);
        forward.length = Param::Property(1);
        let layout = event(vec![forward, PropertyLayout::scalar("Size", TDH_INTYPE_UINT8, 0)]);
        assert!(fields(&layout, &[2, 0xAB, 0xCD]).is_empty());
    }
}
