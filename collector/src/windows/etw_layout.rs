//! What an ETW event's payload holds, in order, as its provider's manifest
//! says: each top-level property's name, TDH in-type and out-type, and
//! where its length and count come from. The live layer fills it from
//! TdhGetEventInformation; [`super::etw_payload`] reads payloads by it.

/// A length or a count: fixed by the manifest, or the value of an earlier
/// property, by its index in the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Fixed(u16),
    Property(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyLayout {
    pub name: String,
    /// A `TDH_INTYPE_*` of [`super::tdh_types`].
    pub in_type: u16,
    /// A `TDH_OUTTYPE_*`; 0 when the manifest gives none.
    pub out_type: u16,
    /// A structure: its members follow elsewhere in the layout; skipped whole.
    pub is_struct: bool,
    /// `Fixed(0)`: not given.
    pub length: Param,
    pub count: Param,
}

impl PropertyLayout {
    /// One value of `in_type`, no length given: most manifest properties.
    pub fn scalar(name: &str, in_type: u16, out_type: u16) -> Self {
        PropertyLayout {
            name: name.to_string(),
            in_type,
            out_type,
            is_struct: false,
            length: Param::Fixed(0),
            count: Param::Fixed(1),
        }
    }

    /// More than one element, or as many as another property says.
    pub fn is_array(&self) -> bool {
        !matches!(self.count, Param::Fixed(0 | 1))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLayout {
    pub properties: Vec<PropertyLayout>,
}
