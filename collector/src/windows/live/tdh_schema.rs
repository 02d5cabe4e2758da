//! What an ETW event's payload holds, in order, from its provider's
//! manifest (TdhGetEventInformation): each top-level property's name, TDH
//! in-type and out-type, and where its length and count come from. Looked
//! up once per event id and version.

use super::wide::from_wide;
use std::collections::HashMap;
use std::sync::Arc;
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_SUCCESS};
use windows::Win32::System::Diagnostics::Etw::{
    PropertyParamCount, PropertyParamLength, PropertyStruct, TdhGetEventInformation, EVENT_PROPERTY_INFO, EVENT_RECORD,
    TRACE_EVENT_INFO,
};

/// A length or a count: fixed by the manifest, or the value of an earlier property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    Fixed(u16),
    Property(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct PropertyLayout {
    pub(crate) name: String,
    /// The name NUL-terminated, as TdhGetPropertySize wants it.
    pub(crate) name_wide: Vec<u16>,
    pub(crate) in_type: i32,
    pub(crate) out_type: i32,
    /// A structure: its members follow elsewhere in the layout; skipped whole.
    pub(crate) is_struct: bool,
    pub(crate) length: Param,
    pub(crate) count: Param,
}

impl PropertyLayout {
    /// More than one element, or as many as another property says.
    pub(crate) fn is_array(&self) -> bool {
        !matches!(self.count, Param::Fixed(0 | 1))
    }
}

#[derive(Debug)]
pub(crate) struct EventLayout {
    pub(crate) properties: Vec<PropertyLayout>,
}

/// Layouts by (event id, version); `None` when TDH has no manifest for the event.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache {
    layouts: HashMap<(u16, u8), Option<Arc<EventLayout>>>,
}

impl SchemaCache {
    pub(crate) fn layout(&mut self, record: &EVENT_RECORD) -> Option<Arc<EventLayout>> {
        let descriptor = &record.EventHeader.EventDescriptor;
        self.layouts.entry((descriptor.Id, descriptor.Version)).or_insert_with(|| read_layout(record)).clone()
    }
}

fn read_layout(record: &EVENT_RECORD) -> Option<Arc<EventLayout>> {
    let mut size = 0u32;
    // SAFETY: a sizing call for a record ETW handed us: no buffer, a valid size pointer.
    let status = unsafe { TdhGetEventInformation(record, None, None, &mut size) };
    if status != ERROR_INSUFFICIENT_BUFFER.0 {
        tracing::debug!("etw: no schema for event {}: error {status}", record.EventHeader.EventDescriptor.Id);
        return None;
    }
    // u64 storage: TRACE_EVENT_INFO needs 8-byte alignment.
    let mut storage = vec![0u64; (size as usize).div_ceil(8)];
    let info = storage.as_mut_ptr().cast::<TRACE_EVENT_INFO>();
    // SAFETY: `storage` holds `size` bytes, as the call is told.
    let status = unsafe { TdhGetEventInformation(record, None, Some(info), &mut size) };
    if status != ERROR_SUCCESS.0 {
        tracing::debug!("etw: no schema for event {}: error {status}", record.EventHeader.EventDescriptor.Id);
        return None;
    }
    let bytes = storage.len() * 8;
    let base = storage.as_ptr().cast::<u8>();
    // SAFETY: TDH filled the buffer with a TRACE_EVENT_INFO followed by its property array.
    let header = unsafe { &*base.cast::<TRACE_EVENT_INFO>() };
    let array_at = std::mem::offset_of!(TRACE_EVENT_INFO, EventPropertyInfoArray);
    let total = header.PropertyCount as usize;
    if array_at + total * size_of::<EVENT_PROPERTY_INFO>() > bytes {
        tracing::debug!("etw: a schema's property array overruns its buffer");
        return None;
    }
    // SAFETY: bounds checked above; the array lives in the aligned `storage`.
    let entries = unsafe { std::slice::from_raw_parts(base.add(array_at).cast::<EVENT_PROPERTY_INFO>(), total) };
    // SAFETY: the same storage viewed as UTF-16 units, for names at byte offsets; u64 alignment suffices.
    let units: &[u16] = unsafe { std::slice::from_raw_parts(base.cast::<u16>(), bytes / 2) };
    let top_level = (header.TopLevelPropertyCount as usize).min(total);
    let properties = entries[..top_level].iter().map(|entry| property(entry, units)).collect::<Option<Vec<_>>>()?;
    Some(Arc::new(EventLayout { properties }))
}

fn property(entry: &EVENT_PROPERTY_INFO, units: &[u16]) -> Option<PropertyLayout> {
    let at = entry.NameOffset as usize;
    if !at.is_multiple_of(2) || at / 2 >= units.len() {
        return None;
    }
    let name = from_wide(&units[at / 2..]);
    let mut name_wide: Vec<u16> = name.encode_utf16().collect();
    name_wide.push(0);
    let flags = entry.Flags.0;
    let is_struct = flags & PropertyStruct.0 != 0;
    // SAFETY: the union members read below are the ones the flags select (TDH's contract).
    unsafe {
        let (in_type, out_type) = if is_struct {
            (0, 0)
        } else {
            (i32::from(entry.Anonymous1.nonStructType.InType), i32::from(entry.Anonymous1.nonStructType.OutType))
        };
        let count = if flags & PropertyParamCount.0 != 0 {
            Param::Property(usize::from(entry.Anonymous2.countPropertyIndex))
        } else {
            Param::Fixed(entry.Anonymous2.count)
        };
        let length = if flags & PropertyParamLength.0 != 0 {
            Param::Property(usize::from(entry.Anonymous3.lengthPropertyIndex))
        } else {
            Param::Fixed(entry.Anonymous3.length)
        };
        Some(PropertyLayout { name, name_wide, in_type, out_type, is_struct, length, count })
    }
}
