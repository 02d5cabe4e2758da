//! An ETW event's layout from its provider's manifest
//! (TdhGetEventInformation), looked up once per event id and version.

use crate::windows::etw_layout::{EventLayout, Param, PropertyLayout};
use crate::windows::wide::from_wide;
use std::collections::HashMap;
use std::sync::Arc;
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, ERROR_SUCCESS};
use windows::Win32::System::Diagnostics::Etw::{
    PropertyParamCount, PropertyParamLength, PropertyStruct, TdhGetEventInformation, EVENT_PROPERTY_INFO, EVENT_RECORD,
    TRACE_EVENT_INFO,
};

/// A layout, and its property names NUL-terminated, as TdhGetPropertySize wants them.
#[derive(Debug)]
pub(crate) struct Schema {
    pub(crate) layout: EventLayout,
    pub(crate) wide_names: Vec<Vec<u16>>,
}

/// Schemas by (event id, version); `None` when TDH has no manifest for the event.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache {
    schemas: HashMap<(u16, u8), Option<Arc<Schema>>>,
}

impl SchemaCache {
    pub(crate) fn schema(&mut self, record: &EVENT_RECORD) -> Option<Arc<Schema>> {
        let descriptor = &record.EventHeader.EventDescriptor;
        self.schemas.entry((descriptor.Id, descriptor.Version)).or_insert_with(|| read_schema(record)).clone()
    }
}

fn read_schema(record: &EVENT_RECORD) -> Option<Arc<Schema>> {
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
    let wide_names = properties.iter().map(|p| p.name.encode_utf16().chain([0]).collect()).collect();
    Some(Arc::new(Schema { layout: EventLayout { properties }, wide_names }))
}

fn property(entry: &EVENT_PROPERTY_INFO, units: &[u16]) -> Option<PropertyLayout> {
    let at = entry.NameOffset as usize;
    if !at.is_multiple_of(2) || at / 2 >= units.len() {
        return None;
    }
    let name = from_wide(&units[at / 2..]);
    let flags = entry.Flags.0;
    let is_struct = flags & PropertyStruct.0 != 0;
    // SAFETY: the union members read below are the ones the flags select (TDH's contract).
    unsafe {
        let (in_type, out_type) = if is_struct {
            (0, 0)
        } else {
            (entry.Anonymous1.nonStructType.InType, entry.Anonymous1.nonStructType.OutType)
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
        Some(PropertyLayout { name, in_type, out_type, is_struct, length, count })
    }
}
