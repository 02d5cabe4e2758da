//! ETW's EVENT_RECORD as the neutral [`EventRecord`]: the header, the
//! payload, and TdhGetPropertySize for the sizes only the manifest can
//! tell. [`crate::windows::etw_payload`] does the reading.

use super::tdh_schema::Schema;
use crate::windows::binary_text::filetime;
use crate::windows::etw_payload::{self, pointer_size, read_payload, RawProperty};
use crate::windows::event_record::EventRecord;
use chrono::{DateTime, Utc};
use windows::Win32::System::Diagnostics::Etw::{TdhGetPropertySize, EVENT_RECORD, PROPERTY_DATA_DESCRIPTOR};

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
fn user_data(record: &EVENT_RECORD) -> &[u8] {
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

/// The payload cut into its top-level properties, in order.
pub(crate) fn split<'a>(record: &'a EVENT_RECORD, schema: &'a Schema) -> Vec<RawProperty<'a>> {
    let pointer = pointer_size(record.EventHeader.Flags);
    etw_payload::split(user_data(record), &schema.layout, pointer, |index| tdh_size(record, schema, index))
}

/// The neutral record: header, then each property that could be read.
pub(crate) fn to_event_record(record: &EVENT_RECORD, schema: &Schema, provider: &str, computer: &str) -> EventRecord {
    let header = &record.EventHeader;
    let mut event = EventRecord::new(provider, u32::from(header.EventDescriptor.Id), time(record), computer);
    read_payload(&mut event, header.Flags, user_data(record), &schema.layout, |index| tdh_size(record, schema, index));
    event
}

/// The size of the property at `index` as TDH reads it from the manifest and the record.
fn tdh_size(record: &EVENT_RECORD, schema: &Schema, index: usize) -> Option<usize> {
    let descriptor = PROPERTY_DATA_DESCRIPTOR {
        PropertyName: schema.wide_names.get(index)?.as_ptr() as u64,
        ArrayIndex: u32::MAX,
        Reserved: 0,
    };
    let mut size = 0u32;
    // SAFETY: the record is ETW's, the descriptor names a NUL-terminated property name that outlives the call.
    let status = unsafe { TdhGetPropertySize(record, None, &[descriptor], &mut size) };
    (status == 0).then_some(size as usize)
}

#[cfg(test)]
mod tests {
    use crate::windows::etw_payload::{EVENT_HEADER_FLAG_32_BIT_HEADER, EVENT_HEADER_FLAG_STRING_ONLY};
    use crate::windows::tdh_types::*;
    use windows::Win32::System::Diagnostics::Etw as etw;

    /// The neutral decoder's own copies of the header values match Windows'.
    #[test]
    fn header_values_match_the_windows_headers() {
        assert_eq!(u32::from(EVENT_HEADER_FLAG_STRING_ONLY), etw::EVENT_HEADER_FLAG_STRING_ONLY);
        assert_eq!(u32::from(EVENT_HEADER_FLAG_32_BIT_HEADER), etw::EVENT_HEADER_FLAG_32_BIT_HEADER);
        let in_types = [
            (TDH_INTYPE_UNICODESTRING, etw::TDH_INTYPE_UNICODESTRING),
            (TDH_INTYPE_ANSISTRING, etw::TDH_INTYPE_ANSISTRING),
            (TDH_INTYPE_INT8, etw::TDH_INTYPE_INT8),
            (TDH_INTYPE_UINT8, etw::TDH_INTYPE_UINT8),
            (TDH_INTYPE_INT16, etw::TDH_INTYPE_INT16),
            (TDH_INTYPE_UINT16, etw::TDH_INTYPE_UINT16),
            (TDH_INTYPE_INT32, etw::TDH_INTYPE_INT32),
            (TDH_INTYPE_UINT32, etw::TDH_INTYPE_UINT32),
            (TDH_INTYPE_INT64, etw::TDH_INTYPE_INT64),
            (TDH_INTYPE_UINT64, etw::TDH_INTYPE_UINT64),
            (TDH_INTYPE_FLOAT, etw::TDH_INTYPE_FLOAT),
            (TDH_INTYPE_DOUBLE, etw::TDH_INTYPE_DOUBLE),
            (TDH_INTYPE_BOOLEAN, etw::TDH_INTYPE_BOOLEAN),
            (TDH_INTYPE_BINARY, etw::TDH_INTYPE_BINARY),
            (TDH_INTYPE_GUID, etw::TDH_INTYPE_GUID),
            (TDH_INTYPE_POINTER, etw::TDH_INTYPE_POINTER),
            (TDH_INTYPE_FILETIME, etw::TDH_INTYPE_FILETIME),
            (TDH_INTYPE_SYSTEMTIME, etw::TDH_INTYPE_SYSTEMTIME),
            (TDH_INTYPE_SID, etw::TDH_INTYPE_SID),
            (TDH_INTYPE_HEXINT32, etw::TDH_INTYPE_HEXINT32),
            (TDH_INTYPE_HEXINT64, etw::TDH_INTYPE_HEXINT64),
            (TDH_INTYPE_MANIFEST_COUNTEDSTRING, etw::TDH_INTYPE_MANIFEST_COUNTEDSTRING),
            (TDH_INTYPE_MANIFEST_COUNTEDANSISTRING, etw::TDH_INTYPE_MANIFEST_COUNTEDANSISTRING),
            (TDH_INTYPE_MANIFEST_COUNTEDBINARY, etw::TDH_INTYPE_MANIFEST_COUNTEDBINARY),
            (TDH_INTYPE_COUNTEDSTRING, etw::TDH_INTYPE_COUNTEDSTRING),
            (TDH_INTYPE_COUNTEDANSISTRING, etw::TDH_INTYPE_COUNTEDANSISTRING),
            (TDH_INTYPE_REVERSEDCOUNTEDSTRING, etw::TDH_INTYPE_REVERSEDCOUNTEDSTRING),
            (TDH_INTYPE_REVERSEDCOUNTEDANSISTRING, etw::TDH_INTYPE_REVERSEDCOUNTEDANSISTRING),
            (TDH_INTYPE_NONNULLTERMINATEDSTRING, etw::TDH_INTYPE_NONNULLTERMINATEDSTRING),
            (TDH_INTYPE_NONNULLTERMINATEDANSISTRING, etw::TDH_INTYPE_NONNULLTERMINATEDANSISTRING),
            (TDH_INTYPE_UNICODECHAR, etw::TDH_INTYPE_UNICODECHAR),
            (TDH_INTYPE_ANSICHAR, etw::TDH_INTYPE_ANSICHAR),
            (TDH_INTYPE_SIZET, etw::TDH_INTYPE_SIZET),
            (TDH_INTYPE_HEXDUMP, etw::TDH_INTYPE_HEXDUMP),
            (TDH_INTYPE_WBEMSID, etw::TDH_INTYPE_WBEMSID),
        ];
        for (ours, theirs) in in_types {
            assert_eq!(i32::from(ours), theirs.0);
        }
        for (ours, theirs) in [
            (TDH_OUTTYPE_PORT, etw::TDH_OUTTYPE_PORT),
            (TDH_OUTTYPE_IPV4, etw::TDH_OUTTYPE_IPV4),
            (TDH_OUTTYPE_IPV6, etw::TDH_OUTTYPE_IPV6),
        ] {
            assert_eq!(i32::from(ours), theirs.0);
        }
    }
}
