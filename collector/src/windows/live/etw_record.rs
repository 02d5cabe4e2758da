//! An ETW event as the neutral [`EventRecord`]: each top-level property of
//! its TDH layout read from the payload by its in-type (and out-type where
//! that changes the meaning: addresses, ports). Never panics: a property
//! whose size cannot be told ends the walk, one that cannot be read is
//! skipped. Binary data becomes uppercase hex, as the event log renders it.

use super::tdh_schema::{EventLayout, Param, PropertyLayout};
use super::wide::from_wide_bytes;
use crate::windows::event_record::{EventRecord, FieldValue};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use windows::Win32::System::Diagnostics::Etw::{
    TdhGetPropertySize, EVENT_HEADER_FLAG_32_BIT_HEADER, EVENT_HEADER_FLAG_STRING_ONLY, EVENT_RECORD,
    PROPERTY_DATA_DESCRIPTOR, TDH_INTYPE_ANSICHAR, TDH_INTYPE_ANSISTRING, TDH_INTYPE_BINARY, TDH_INTYPE_BOOLEAN,
    TDH_INTYPE_COUNTEDANSISTRING, TDH_INTYPE_COUNTEDSTRING, TDH_INTYPE_DOUBLE, TDH_INTYPE_FILETIME, TDH_INTYPE_FLOAT,
    TDH_INTYPE_GUID, TDH_INTYPE_HEXDUMP, TDH_INTYPE_HEXINT32, TDH_INTYPE_HEXINT64, TDH_INTYPE_INT16, TDH_INTYPE_INT32,
    TDH_INTYPE_INT64, TDH_INTYPE_INT8, TDH_INTYPE_MANIFEST_COUNTEDANSISTRING, TDH_INTYPE_MANIFEST_COUNTEDBINARY,
    TDH_INTYPE_MANIFEST_COUNTEDSTRING, TDH_INTYPE_NONNULLTERMINATEDANSISTRING, TDH_INTYPE_NONNULLTERMINATEDSTRING,
    TDH_INTYPE_POINTER, TDH_INTYPE_REVERSEDCOUNTEDANSISTRING, TDH_INTYPE_REVERSEDCOUNTEDSTRING, TDH_INTYPE_SID,
    TDH_INTYPE_SIZET, TDH_INTYPE_SYSTEMTIME, TDH_INTYPE_UINT16, TDH_INTYPE_UINT32, TDH_INTYPE_UINT64, TDH_INTYPE_UINT8,
    TDH_INTYPE_UNICODECHAR, TDH_INTYPE_UNICODESTRING, TDH_INTYPE_WBEMSID, TDH_OUTTYPE_IPV4, TDH_OUTTYPE_IPV6,
    TDH_OUTTYPE_PORT,
};

/// FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

/// The EVENT_RECORD behind ferrisetw's wrapper, for TDH.
pub(crate) fn raw(record: &ferrisetw::EventRecord) -> &EVENT_RECORD {
    // SAFETY: ferrisetw 1.2.0 (pinned in Cargo.toml) declares
    // `#[repr(transparent)] pub struct EventRecord(EVENT_RECORD)` and makes the
    // reference by casting the pointer ETW passed its callback, so this is
    // ETW's record; windows 0.57 and 0.62 define EVENT_RECORD as the same
    // `#[repr(C)]` struct. The lifetime stays that of the borrow.
    unsafe { &*(record as *const ferrisetw::EventRecord).cast::<EVENT_RECORD>() }
}

/// The payload. Empty when ETW gave none.
pub(crate) fn user_data(record: &EVENT_RECORD) -> &[u8] {
    if record.UserData.is_null() {
        return &[];
    }
    // SAFETY: ETW guarantees `UserDataLength` readable bytes at `UserData` for the callback's duration,
    // which the returned borrow of `record` cannot outlive.
    unsafe { std::slice::from_raw_parts(record.UserData.cast::<u8>(), usize::from(record.UserDataLength)) }
}

/// The event's time. ProcessTrace (without raw timestamps, as ferrisetw runs
/// it) gives system time as FILETIME ticks.
pub(crate) fn time(record: &EVENT_RECORD) -> DateTime<Utc> {
    filetime(record.EventHeader.TimeStamp).unwrap_or_else(Utc::now)
}

fn filetime(ticks: i64) -> Option<DateTime<Utc>> {
    let since_unix = ticks.checked_sub(FILETIME_UNIX_EPOCH)?;
    DateTime::from_timestamp(since_unix.div_euclid(10_000_000), (since_unix.rem_euclid(10_000_000) * 100) as u32)
}

fn pointer_size(record: &EVENT_RECORD) -> usize {
    if u32::from(record.EventHeader.Flags) & EVENT_HEADER_FLAG_32_BIT_HEADER != 0 {
        4
    } else {
        8
    }
}

/// One property's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawProperty<'a> {
    pub(crate) layout: &'a PropertyLayout,
    pub(crate) bytes: &'a [u8],
}

/// The payload cut into its top-level properties, in order.
pub(crate) fn split<'a>(record: &'a EVENT_RECORD, layout: &'a EventLayout) -> Vec<RawProperty<'a>> {
    let pointer = pointer_size(record);
    let mut rest = user_data(record);
    let mut properties = Vec::with_capacity(layout.properties.len());
    // Integer values by property index: later lengths and counts refer to them.
    let mut integers: Vec<Option<u64>> = Vec::with_capacity(layout.properties.len());
    for property in &layout.properties {
        let Some(size) = size_of_property(record, property, rest, &integers, pointer) else {
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

/// The neutral record: header, then each property that could be read.
pub(crate) fn to_event_record(
    record: &EVENT_RECORD,
    layout: &EventLayout,
    provider: &str,
    computer: &str,
) -> EventRecord {
    let id = u32::from(record.EventHeader.EventDescriptor.Id);
    let mut event = EventRecord::new(provider, id, time(record), computer);
    if u32::from(record.EventHeader.Flags) & EVENT_HEADER_FLAG_STRING_ONLY != 0 {
        event.data.push(from_wide_bytes(user_data(record)));
        return event;
    }
    let pointer = pointer_size(record);
    for property in split(record, layout) {
        if let Some(value) = value(property.layout, property.bytes, pointer) {
            event.fields.push((property.layout.name.clone(), value));
        }
    }
    event
}

/// An element size every value of the in-type has.
fn fixed_size(in_type: i32, pointer: usize) -> Option<usize> {
    Some(match in_type {
        t if t == TDH_INTYPE_INT8.0 || t == TDH_INTYPE_UINT8.0 || t == TDH_INTYPE_ANSICHAR.0 => 1,
        t if t == TDH_INTYPE_INT16.0 || t == TDH_INTYPE_UINT16.0 || t == TDH_INTYPE_UNICODECHAR.0 => 2,
        t if t == TDH_INTYPE_INT32.0
            || t == TDH_INTYPE_UINT32.0
            || t == TDH_INTYPE_HEXINT32.0
            || t == TDH_INTYPE_FLOAT.0
            || t == TDH_INTYPE_BOOLEAN.0 =>
        {
            4
        }
        t if t == TDH_INTYPE_INT64.0
            || t == TDH_INTYPE_UINT64.0
            || t == TDH_INTYPE_HEXINT64.0
            || t == TDH_INTYPE_DOUBLE.0
            || t == TDH_INTYPE_FILETIME.0 =>
        {
            8
        }
        t if t == TDH_INTYPE_GUID.0 || t == TDH_INTYPE_SYSTEMTIME.0 => 16,
        t if t == TDH_INTYPE_POINTER.0 || t == TDH_INTYPE_SIZET.0 => pointer,
        _ => return None,
    })
}

fn size_of_property(
    record: &EVENT_RECORD,
    property: &PropertyLayout,
    rest: &[u8],
    integers: &[Option<u64>],
    pointer: usize,
) -> Option<usize> {
    if property.is_struct {
        return tdh_size(record, property);
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
        let element = fixed_size(t, pointer).or(if t == TDH_INTYPE_BINARY.0 { length } else { None });
        return match element {
            Some(element) => element.checked_mul(count),
            None => tdh_size(record, property),
        };
    }
    if let Some(size) = fixed_size(t, pointer) {
        return Some(size);
    }
    match t {
        // The manifest gives a binary's length in bytes.
        t if t == TDH_INTYPE_BINARY.0 => match length {
            Some(length) => Some(length),
            None if property.out_type == TDH_OUTTYPE_IPV6.0 => Some(16),
            None => tdh_size(record, property),
        },
        // A string's length may count characters, not bytes: TDH knows which.
        t if t == TDH_INTYPE_UNICODESTRING.0 => match length {
            Some(_) => tdh_size(record, property),
            None => Some(nul_terminated(rest, 2)),
        },
        t if t == TDH_INTYPE_ANSISTRING.0 => match length {
            Some(_) => tdh_size(record, property),
            None => Some(nul_terminated(rest, 1)),
        },
        t if t == TDH_INTYPE_NONNULLTERMINATEDSTRING.0 || t == TDH_INTYPE_NONNULLTERMINATEDANSISTRING.0 => match length
        {
            Some(_) => tdh_size(record, property),
            None => Some(rest.len()),
        },
        // A 16-bit byte count, then the data.
        t if t == TDH_INTYPE_COUNTEDSTRING.0
            || t == TDH_INTYPE_COUNTEDANSISTRING.0
            || t == TDH_INTYPE_MANIFEST_COUNTEDSTRING.0
            || t == TDH_INTYPE_MANIFEST_COUNTEDANSISTRING.0
            || t == TDH_INTYPE_MANIFEST_COUNTEDBINARY.0 =>
        {
            Some(2 + usize::from(u16::from_le_bytes(rest.get(..2)?.try_into().ok()?)))
        }
        t if t == TDH_INTYPE_REVERSEDCOUNTEDSTRING.0 || t == TDH_INTYPE_REVERSEDCOUNTEDANSISTRING.0 => {
            Some(2 + usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)))
        }
        // A 32-bit byte count, then the data.
        t if t == TDH_INTYPE_HEXDUMP.0 => {
            usize::try_from(u32::from_le_bytes(rest.get(..4)?.try_into().ok()?)).ok().map(|n| n + 4)
        }
        t if t == TDH_INTYPE_SID.0 => sid_size(rest),
        // TOKEN_USER (a pointer and its padded attributes), then the SID.
        t if t == TDH_INTYPE_WBEMSID.0 => Some(2 * pointer + sid_size(rest.get(2 * pointer..)?)?),
        _ => tdh_size(record, property),
    }
}

/// Bytes up to and including the NUL of `unit`-byte characters (or all of them).
fn nul_terminated(rest: &[u8], unit: usize) -> usize {
    rest.chunks_exact(unit)
        .position(|c| c.iter().all(|&b| b == 0))
        .map(|at| (at + 1) * unit)
        .unwrap_or(rest.len() - rest.len() % unit)
}

/// Revision, sub-authority count, a 6-byte authority, then 4 bytes per sub-authority.
fn sid_size(bytes: &[u8]) -> Option<usize> {
    Some(8 + 4 * usize::from(*bytes.get(1)?))
}

fn tdh_size(record: &EVENT_RECORD, property: &PropertyLayout) -> Option<usize> {
    let descriptor = PROPERTY_DATA_DESCRIPTOR {
        PropertyName: property.name_wide.as_ptr() as u64,
        ArrayIndex: u32::MAX,
        Reserved: 0,
    };
    let mut size = 0u32;
    // SAFETY: the record is ETW's, the descriptor names a NUL-terminated property name that outlives the call.
    let status = unsafe { TdhGetPropertySize(record, None, &[descriptor], &mut size) };
    (status == 0).then_some(size as usize)
}

/// An integer property's value, for lengths and counts that refer to it.
fn unsigned(property: &PropertyLayout, bytes: &[u8]) -> Option<u64> {
    let integer = [
        TDH_INTYPE_INT8,
        TDH_INTYPE_UINT8,
        TDH_INTYPE_INT16,
        TDH_INTYPE_UINT16,
        TDH_INTYPE_INT32,
        TDH_INTYPE_UINT32,
        TDH_INTYPE_HEXINT32,
        TDH_INTYPE_INT64,
        TDH_INTYPE_UINT64,
        TDH_INTYPE_HEXINT64,
    ]
    .iter()
    .any(|t| t.0 == property.in_type);
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
pub(crate) fn value(property: &PropertyLayout, bytes: &[u8], pointer: usize) -> Option<FieldValue> {
    if property.is_struct || property.is_array() {
        return None;
    }
    let (t, out) = (property.in_type, property.out_type);
    if out == TDH_OUTTYPE_IPV4.0 && bytes.len() == 4 {
        return Some(FieldValue::Text(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()));
    }
    if out == TDH_OUTTYPE_IPV6.0 && bytes.len() == 16 {
        let octets: [u8; 16] = bytes.try_into().ok()?;
        return Some(FieldValue::Text(Ipv6Addr::from(octets).to_string()));
    }
    if out == TDH_OUTTYPE_PORT.0 && bytes.len() == 2 {
        return Some(FieldValue::Int(i64::from(u16::from_be_bytes([bytes[0], bytes[1]]))));
    }
    let le = |n: usize| -> Option<[u8; 8]> {
        let mut out = [0u8; 8];
        out[..n].copy_from_slice(bytes.get(..n)?);
        Some(out)
    };
    Some(match t {
        t if t == TDH_INTYPE_INT8.0 => FieldValue::Int(i64::from(*bytes.first()? as i8)),
        t if t == TDH_INTYPE_UINT8.0 => FieldValue::Int(i64::from(*bytes.first()?)),
        t if t == TDH_INTYPE_INT16.0 => FieldValue::Int(i64::from(i16::from_le_bytes(bytes.try_into().ok()?))),
        t if t == TDH_INTYPE_UINT16.0 => FieldValue::Int(i64::from(u16::from_le_bytes(bytes.try_into().ok()?))),
        t if t == TDH_INTYPE_INT32.0 => FieldValue::Int(i64::from(i32::from_le_bytes(bytes.try_into().ok()?))),
        t if t == TDH_INTYPE_UINT32.0 || t == TDH_INTYPE_HEXINT32.0 => {
            FieldValue::Int(i64::from(u32::from_le_bytes(bytes.try_into().ok()?)))
        }
        t if t == TDH_INTYPE_INT64.0 => FieldValue::Int(i64::from_le_bytes(bytes.try_into().ok()?)),
        t if t == TDH_INTYPE_UINT64.0 || t == TDH_INTYPE_HEXINT64.0 => {
            FieldValue::from(u64::from_le_bytes(bytes.try_into().ok()?))
        }
        t if t == TDH_INTYPE_POINTER.0 || t == TDH_INTYPE_SIZET.0 => {
            (bytes.len() == pointer).then_some(())?;
            FieldValue::from(u64::from_le_bytes(le(pointer)?))
        }
        t if t == TDH_INTYPE_FLOAT.0 => FieldValue::Text(f32::from_le_bytes(bytes.try_into().ok()?).to_string()),
        t if t == TDH_INTYPE_DOUBLE.0 => FieldValue::Text(f64::from_le_bytes(bytes.try_into().ok()?).to_string()),
        t if t == TDH_INTYPE_BOOLEAN.0 => {
            FieldValue::Text((u32::from_le_bytes(bytes.try_into().ok()?) != 0).to_string())
        }
        t if t == TDH_INTYPE_UNICODESTRING.0 || t == TDH_INTYPE_NONNULLTERMINATEDSTRING.0 => {
            FieldValue::Text(from_wide_bytes(bytes))
        }
        t if t == TDH_INTYPE_ANSISTRING.0 || t == TDH_INTYPE_NONNULLTERMINATEDANSISTRING.0 => {
            FieldValue::Text(ansi(bytes))
        }
        t if t == TDH_INTYPE_UNICODECHAR.0 => FieldValue::Text(from_wide_bytes(bytes)),
        t if t == TDH_INTYPE_ANSICHAR.0 => FieldValue::Text(ansi(bytes)),
        t if t == TDH_INTYPE_COUNTEDSTRING.0
            || t == TDH_INTYPE_MANIFEST_COUNTEDSTRING.0
            || t == TDH_INTYPE_REVERSEDCOUNTEDSTRING.0 =>
        {
            FieldValue::Text(from_wide_bytes(bytes.get(2..)?))
        }
        t if t == TDH_INTYPE_COUNTEDANSISTRING.0
            || t == TDH_INTYPE_MANIFEST_COUNTEDANSISTRING.0
            || t == TDH_INTYPE_REVERSEDCOUNTEDANSISTRING.0 =>
        {
            FieldValue::Text(ansi(bytes.get(2..)?))
        }
        t if t == TDH_INTYPE_BINARY.0 => FieldValue::Text(hex(bytes)),
        t if t == TDH_INTYPE_MANIFEST_COUNTEDBINARY.0 => FieldValue::Text(hex(bytes.get(2..)?)),
        t if t == TDH_INTYPE_HEXDUMP.0 => FieldValue::Text(hex(bytes.get(4..)?)),
        t if t == TDH_INTYPE_GUID.0 => FieldValue::Text(guid(bytes)?),
        t if t == TDH_INTYPE_SID.0 => FieldValue::Text(sid(bytes)?),
        t if t == TDH_INTYPE_WBEMSID.0 => FieldValue::Text(sid(bytes.get(2 * pointer..)?)?),
        t if t == TDH_INTYPE_FILETIME.0 => {
            let ticks = i64::from_le_bytes(bytes.try_into().ok()?);
            FieldValue::Text(filetime(ticks)?.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
        t if t == TDH_INTYPE_SYSTEMTIME.0 => FieldValue::Text(systemtime(bytes)?),
        _ => return None,
    })
}

fn ansi(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Uppercase hex, two digits a byte: how the event log renders binary data.
fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(text, "{b:02X}");
    }
    text
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`; the first three groups are little-endian.
fn guid(bytes: &[u8]) -> Option<String> {
    let b: [u8; 16] = bytes.try_into().ok()?;
    Some(format!(
        "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    ))
}

/// `S-1-5-21-...`: the authority is big-endian, sub-authorities little-endian.
fn sid(bytes: &[u8]) -> Option<String> {
    let revision = *bytes.first()?;
    let count = usize::from(*bytes.get(1)?);
    let mut authority = [0u8; 8];
    authority[2..].copy_from_slice(bytes.get(2..8)?);
    let authority = u64::from_be_bytes(authority);
    let mut text = if authority >> 32 == 0 {
        format!("S-{revision}-{authority}")
    } else {
        format!("S-{revision}-0x{authority:012X}")
    };
    for i in 0..count {
        let at = 8 + 4 * i;
        let sub = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
        let _ = write!(text, "-{sub}");
    }
    Some(text)
}

/// SYSTEMTIME: year, month, day of week, day, hour, minute, second, milliseconds (u16 each).
fn systemtime(bytes: &[u8]) -> Option<String> {
    let f = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(bytes.get(2 * i..2 * i + 2)?.try_into().ok()?)))
    };
    let date = NaiveDate::from_ymd_opt(f(0)? as i32, f(1)?, f(3)?)?;
    let time = date.and_hms_milli_opt(f(4)?, f(5)?, f(6)?, f(7)?)?;
    Some(time.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(name: &str, in_type: i32, out_type: i32) -> PropertyLayout {
        PropertyLayout {
            name: name.into(),
            name_wide: name.encode_utf16().chain([0]).collect(),
            in_type,
            out_type,
            is_struct: false,
            length: Param::Fixed(0),
            count: Param::Fixed(1),
        }
    }

    #[test]
    fn guids_sids_and_addresses_read_as_windows_renders_them() {
        let g = [0x17, 0xE6, 0x8C, 0xD4, 0xA2, 0x33, 0xC3, 0x4B, 0xA5, 0xC7, 0x11, 0xAA, 0x4F, 0x29, 0x61, 0x9E];
        let guid_value = value(&layout("ConnectionGUID", TDH_INTYPE_GUID.0, 0), &g, 8);
        assert_eq!(guid_value, Some(FieldValue::Text("{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}".into())));
        let s = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        assert_eq!(value(&layout("Sid", TDH_INTYPE_SID.0, 0), &s, 8), Some(FieldValue::Text("S-1-5-32-544".into())));
        let ip = value(&layout("Addr", TDH_INTYPE_UINT32.0, TDH_OUTTYPE_IPV4.0), &[10, 0, 0, 5], 8);
        assert_eq!(ip, Some(FieldValue::Text("10.0.0.5".into())));
        let binary = value(&layout("Address", TDH_INTYPE_BINARY.0, 0), &[0x02, 0x00, 0x01, 0xbd], 8);
        assert_eq!(binary, Some(FieldValue::Text("020001BD".into())));
        assert_eq!(filetime(FILETIME_UNIX_EPOCH), Some(DateTime::UNIX_EPOCH));
    }

    #[test]
    fn a_length_from_an_earlier_property_cuts_a_binary() {
        let mut fragment = layout("Fragment", TDH_INTYPE_BINARY.0, 0);
        fragment.length = Param::Property(2);
        let event = EventLayout {
            properties: vec![
                layout("MiniportIfIndex", TDH_INTYPE_UINT32.0, 0),
                layout("LowerIfIndex", TDH_INTYPE_UINT32.0, 0),
                layout("FragmentSize", TDH_INTYPE_UINT32.0, 0),
                fragment,
                layout("GftFlowEntryId", TDH_INTYPE_UINT64.0, 0),
            ],
        };
        let mut payload = Vec::new();
        for n in [7u32, 9, 3] {
            payload.extend_from_slice(&n.to_le_bytes());
        }
        payload.extend_from_slice(b"abc");
        payload.extend_from_slice(&42u64.to_le_bytes());
        let mut record = EVENT_RECORD { UserDataLength: payload.len() as u16, ..Default::default() };
        record.UserData = payload.as_mut_ptr().cast();
        let properties = split(&record, &event);
        assert_eq!(properties.len(), 5);
        assert_eq!(properties[3].bytes, b"abc");
        assert_eq!(value(properties[4].layout, properties[4].bytes, 8), Some(FieldValue::Int(42)));
    }
}
