//! The neutral event record every Windows source fills: the `.evtx` reader,
//! the live event-log subscription (rendered XML) and the ETW consumer.
//! Decoders read only this type, so one decoder serves all three.

use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// One Windows event: its `System` header and its named fields.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// `Event/System/Provider/@Name`, e.g. `Microsoft-Windows-Security-Auditing`.
    pub provider: String,
    /// `EventID` without its qualifiers.
    pub event_id: u32,
    /// `TimeCreated/@SystemTime`.
    pub time: DateTime<Utc>,
    /// `Computer`: the host that logged it.
    pub computer: String,
    /// `Channel`, e.g. `Security`; empty for ETW events.
    pub channel: String,
    /// `EventRecordID` (0 for ETW events, which have none).
    pub record_id: u64,
    /// `Security/@UserID`: the SID the event was logged for, when the provider says.
    pub user_sid: Option<String>,
    /// Named fields (`EventData/Data[@Name]`, or the children of the element
    /// inside `UserData`); order is not significant.
    pub fields: Vec<(String, FieldValue)>,
    /// Unnamed `EventData/Data` items, in order (classic logs such as
    /// Windows PowerShell 400/800 write their payload this way).
    pub data: Vec<String>,
}

/// A field as a source delivered it. The same field arrives as an integer
/// from one source and as text from another (`LogonType` is `3` in
/// `.evtx` JSON and `"3"` in rendered XML): the accessors accept both.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Int(i64),
    Text(String),
}

impl EventRecord {
    pub fn new(provider: impl Into<String>, event_id: u32, time: DateTime<Utc>, computer: impl Into<String>) -> Self {
        EventRecord {
            provider: provider.into(),
            event_id,
            time,
            computer: computer.into(),
            channel: String::new(),
            record_id: 0,
            user_sid: None,
            fields: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Adds a named field (builder form, used by sources and tests).
    pub fn with(mut self, name: &str, value: impl Into<FieldValue>) -> Self {
        self.fields.push((name.to_string(), value.into()));
        self
    }

    /// The raw field, by name. Names compare without regard to ASCII case:
    /// SCM writes `param1` in one Windows version and `Param1` in another.
    pub fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// A field as text, whatever form it came in.
    pub fn text(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.field(name)? {
            FieldValue::Text(text) => Some(Cow::Borrowed(text.as_str())),
            FieldValue::Int(n) => Some(Cow::Owned(n.to_string())),
        }
    }

    /// A field as meaningful text: `None` when absent, empty or `-` (how
    /// Windows writes "no value").
    pub fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        self.text(name).filter(|t| {
            let t = t.trim();
            !t.is_empty() && t != "-"
        })
    }

    /// A field as an integer: a number, or text in decimal or `0x` hex.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.field(name)? {
            FieldValue::Int(n) => Some(*n),
            FieldValue::Text(text) => parse_int(text),
        }
    }
}

/// Decimal or `0x`-prefixed hex, as Windows renders integers and masks.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok().map(|n| n as i64),
        None => t.parse().ok(),
    }
}

impl From<i64> for FieldValue {
    fn from(n: i64) -> Self {
        FieldValue::Int(n)
    }
}
impl From<i32> for FieldValue {
    fn from(n: i32) -> Self {
        FieldValue::Int(n.into())
    }
}
impl From<u32> for FieldValue {
    fn from(n: u32) -> Self {
        FieldValue::Int(n.into())
    }
}
impl From<u64> for FieldValue {
    /// Values beyond `i64` (rare 64-bit masks) keep their exact digits as text.
    fn from(n: u64) -> Self {
        i64::try_from(n).map(FieldValue::Int).unwrap_or_else(|_| FieldValue::Text(n.to_string()))
    }
}
impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_string())
    }
}
impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_text_forms_read_the_same() {
        let time = "2026-11-02T10:00:00Z".parse().unwrap();
        let a = EventRecord::new("p", 1, time, "h").with("LogonType", 3).with("AccessMask", "0x100080");
        let b = EventRecord::new("p", 1, time, "h").with("logontype", "3").with("AccessMask", 0x100080);
        assert_eq!(a.int("LogonType"), Some(3));
        assert_eq!(b.int("LogonType"), Some(3));
        assert_eq!(a.int("AccessMask"), b.int("AccessMask"));
        assert_eq!(a.text("LogonType").as_deref(), Some("3"));
    }

    #[test]
    fn dash_and_empty_are_no_value() {
        let time = "2026-11-02T10:00:00Z".parse().unwrap();
        let r = EventRecord::new("p", 1, time, "h").with("IpAddress", "-").with("IpPort", "").with("User", "bob");
        assert_eq!(r.value("IpAddress"), None);
        assert_eq!(r.value("IpPort"), None);
        assert_eq!(r.value("Missing"), None);
        assert_eq!(r.value("User").as_deref(), Some("bob"));
    }
}
