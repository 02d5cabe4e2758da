//! The `evtx` crate's rendered JSON to [`EventRecord`].
//!
//! The crate renders every record (there is no lighter public view of its
//! BinXML), so the cost that remains ours is reading that JSON back. Most
//! records are events no decoder wants: their provider and id are found by
//! scanning the first bytes, and nothing else is read. A wanted record is
//! read in one pass straight into its fields, with no intermediate
//! `serde_json::Value`.

use super::event_record::{EventRecord, FieldValue};
use chrono::{DateTime, Utc};
use memchr::memmem::Finder;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Event", borrow)]
    event: EventBody<'a>,
}

#[derive(Deserialize)]
struct EventBody<'a> {
    #[serde(rename = "System", borrow)]
    system: System<'a>,
    #[serde(rename = "EventData", default)]
    event_data: Option<EventData>,
    #[serde(rename = "UserData", default)]
    user_data: Option<UserData>,
}

#[derive(Deserialize)]
struct System<'a> {
    /// Absent or null in damaged records, which are still records.
    #[serde(rename = "Provider", borrow, default)]
    provider: Option<Provider<'a>>,
    #[serde(rename = "EventID")]
    event_id: EventId,
    #[serde(rename = "TimeCreated", borrow, default)]
    time_created: Option<TimeCreated<'a>>,
    #[serde(rename = "EventRecordID", default)]
    record_id: Option<SystemNumber>,
    #[serde(rename = "Channel", borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(rename = "Computer", borrow, default)]
    computer: Option<Cow<'a, str>>,
    #[serde(rename = "Security", borrow, default)]
    security: Option<Security<'a>>,
}

#[derive(Deserialize)]
struct Security<'a> {
    #[serde(rename = "#attributes", borrow, default)]
    attributes: Option<SecurityAttributes<'a>>,
}

#[derive(Deserialize)]
struct SecurityAttributes<'a> {
    #[serde(rename = "UserID", borrow, default)]
    user_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Provider<'a> {
    #[serde(rename = "#attributes", borrow, default)]
    attributes: ProviderAttributes<'a>,
}

#[derive(Deserialize, Default)]
struct ProviderAttributes<'a> {
    #[serde(rename = "Name", borrow, default)]
    name: Option<Cow<'a, str>>,
    /// Classic providers also name their event source.
    #[serde(rename = "EventSourceName", borrow, default)]
    event_source_name: Option<Cow<'a, str>>,
}

/// `4624`, or `{"#attributes":{"Qualifiers":16384},"#text":7036}` for
/// classic events with qualifiers (which are not part of the id); either
/// number may be text (`"4624"`), as logs exported or converted by other
/// tools render it.
#[derive(Deserialize)]
#[serde(untagged)]
enum EventId {
    Plain(SystemNumber),
    Qualified {
        #[serde(rename = "#text")]
        text: SystemNumber,
    },
}

/// A numeric System field (`EventID`, `EventRecordID`, ...), whether the
/// record renders it as a JSON number or as decimal text.
struct SystemNumber(u64);

impl<'de> Deserialize<'de> for SystemNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl<'de> Visitor<'de> for NumberVisitor {
            type Value = SystemNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a number as text")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<SystemNumber, E> {
                Ok(SystemNumber(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<SystemNumber, E> {
                u64::try_from(n).map(SystemNumber).map_err(|_| E::custom(format!("{n} is negative")))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SystemNumber, E> {
                text.trim().parse().map(SystemNumber).map_err(|_| E::custom(format!("`{text}` is not a number")))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

#[derive(Deserialize)]
struct TimeCreated<'a> {
    #[serde(rename = "#attributes", borrow)]
    attributes: TimeAttributes<'a>,
}

#[derive(Deserialize)]
struct TimeAttributes<'a> {
    #[serde(rename = "SystemTime", borrow)]
    system_time: Cow<'a, str>,
}

/// `EventData`: named items become fields; unnamed `Data` items (rendered
/// as `"Data": "x"`, `"Data": ["x", "y"]` or `"Data": {"#text": ...}`)
/// become [`EventRecord::data`].
#[derive(Default)]
struct EventData {
    fields: Vec<(String, FieldValue)>,
    data: Vec<String>,
}

impl<'de> Deserialize<'de> for EventData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventDataVisitor;
        impl<'de> Visitor<'de> for EventDataVisitor {
            type Value = EventData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an EventData object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventData, A::Error> {
                let mut out = EventData::default();
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    match name.as_ref() {
                        "#attributes" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        "Data" => out.data.extend(map.next_value::<Texts>()?.0),
                        _ => {
                            if let Some(value) = map.next_value::<Field>()?.0 {
                                out.fields.push((name.into_owned(), value));
                            }
                        }
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(EventDataVisitor)
    }
}

/// `UserData` holds one provider-defined element (`EventXML`,
/// `AuditEventsDropped`, ...) whose children are the fields.
struct UserData(Vec<(String, FieldValue)>);

impl<'de> Deserialize<'de> for UserData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UserDataVisitor;
        impl<'de> Visitor<'de> for UserDataVisitor {
            type Value = UserData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a UserData object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserData, A::Error> {
                let mut fields = Vec::new();
                while map.next_key::<IgnoredAny>()?.is_some() {
                    fields.extend(map.next_value::<Children>()?.0);
                }
                Ok(UserData(fields))
            }
        }
        deserializer.deserialize_map(UserDataVisitor)
    }
}

/// The children of `UserData`'s element; anything but an object has none.
struct Children(Vec<(String, FieldValue)>);

impl<'de> Deserialize<'de> for Children {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChildrenVisitor;
        impl<'de> Visitor<'de> for ChildrenVisitor {
            type Value = Children;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an element")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Children, A::Error> {
                let mut fields = Vec::new();
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    if name == "#attributes" {
                        map.next_value::<IgnoredAny>()?;
                    } else if let Some(value) = map.next_value::<Field>()?.0 {
                        fields.push((name.into_owned(), value));
                    }
                }
                Ok(Children(fields))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Children, E> {
                Ok(Children(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Children, E> {
                Ok(Children(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Children, E> {
                Ok(Children(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Children, E> {
                Ok(Children(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Children, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Children(Vec::new()))
            }
        }
        deserializer.deserialize_any(ChildrenVisitor)
    }
}

/// One field's value: a number stays a number; a field with attributes or
/// repeated items keeps its text, one item per line; null is no field.
struct Field(Option<FieldValue>);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let texts = deserializer.deserialize_any(TextsVisitor { numbers_as_ints: true })?;
        Ok(Field(match texts {
            Scalar::Int(n) => Some(FieldValue::Int(n)),
            Scalar::Texts(texts) if texts.is_empty() => None,
            Scalar::Texts(mut texts) if texts.len() == 1 => texts.pop().map(FieldValue::Text),
            Scalar::Texts(texts) => Some(FieldValue::Text(texts.join("\n"))),
        }))
    }
}

/// Every text inside a value, in order.
struct Texts(Vec<String>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Texts(match deserializer.deserialize_any(TextsVisitor { numbers_as_ints: false })? {
            Scalar::Int(n) => vec![n.to_string()],
            Scalar::Texts(texts) => texts,
        }))
    }
}

enum Scalar {
    Int(i64),
    Texts(Vec<String>),
}

struct TextsVisitor {
    numbers_as_ints: bool,
}

impl<'de> Visitor<'de> for TextsVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Texts(vec![v.to_string()]))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Texts(vec![v]))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(if self.numbers_as_ints { Scalar::Int(v) } else { Scalar::Texts(vec![v.to_string()]) })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        match i64::try_from(v) {
            Ok(n) if self.numbers_as_ints => Ok(Scalar::Int(n)),
            _ => Ok(Scalar::Texts(vec![v.to_string()])),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Texts(vec![v.to_string()]))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Texts(vec![v.to_string()]))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Texts(Vec::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        let mut out = Vec::new();
        while let Some(Texts(texts)) = seq.next_element::<Texts>()? {
            out.extend(texts);
        }
        Ok(Scalar::Texts(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "#text" {
                out.extend(map.next_value::<Texts>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Scalar::Texts(out))
    }
}

/// The provider and event id of a rendered record, found by scanning its
/// first bytes rather than parsing it: most records of a Security or System
/// log are events no decoder wants, and for those nothing else is read.
/// `None` when the record is not laid out as the `evtx` crate renders it
/// (or names its provider with escapes); the caller then parses it fully.
pub fn peek_provider_and_id(json: &[u8]) -> Option<(&str, u32)> {
    // Built once: building a searcher costs more than most searches here.
    static PROVIDER: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(br##""Provider":{"#attributes":{"Name":""##));
    static EVENT_ID: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(br#""EventID":"#));
    static QUALIFIED: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(br##""#text":"##));
    let start = PROVIDER.find(json)? + PROVIDER.needle().len();
    let len = memchr::memchr2(b'"', b'\\', &json[start..])?;
    if json[start + len] != b'"' {
        return None;
    }
    let provider = std::str::from_utf8(&json[start..start + len]).ok()?;
    let rest = &json[start + len..];
    let mut at = EVENT_ID.find(rest)? + EVENT_ID.needle().len();
    if rest.get(at) == Some(&b'{') {
        at += QUALIFIED.find(&rest[at..])? + QUALIFIED.needle().len();
    }
    // The id as text (`"EventID":"1149"`), as converted logs render it.
    if rest.get(at) == Some(&b'"') {
        at += 1;
    }
    let digits = rest[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let id = std::str::from_utf8(&rest[at..at + digits]).ok()?.parse().ok()?;
    Some((provider, id))
}

/// The channel of a rendered record, by the same kind of scan.
pub fn peek_channel(json: &[u8]) -> Option<&str> {
    static CHANNEL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(br#""Channel":""#));
    let start = CHANNEL.find(json)? + CHANNEL.needle().len();
    let len = memchr::memchr2(b'"', b'\\', &json[start..])?;
    (json[start + len] == b'"').then(|| std::str::from_utf8(&json[start..start + len]).ok()).flatten()
}

/// A rendered record, read: its provider and id, and the rest.
pub struct RecordHeader<'a> {
    pub provider: Cow<'a, str>,
    pub event_id: u32,
    body: EventBody<'a>,
}

/// Reads a rendered record. Errors are the JSON parser's.
pub fn read_header(json: &[u8]) -> Result<RecordHeader<'_>, String> {
    let envelope: Envelope<'_> = serde_json::from_slice(json).map_err(|e| format!("unreadable record JSON: {e}"))?;
    let body = envelope.event;
    let provider = body
        .system
        .provider
        .as_ref()
        .and_then(|p| p.attributes.name.clone().or_else(|| p.attributes.event_source_name.clone()))
        .unwrap_or_default();
    let event_id = match body.system.event_id {
        EventId::Plain(SystemNumber(id)) | EventId::Qualified { text: SystemNumber(id) } => {
            u32::try_from(id).map_err(|_| format!("EventID {id} is out of range"))?
        }
    };
    Ok(RecordHeader { provider, event_id, body })
}

impl RecordHeader<'_> {
    pub fn channel(&self) -> Option<&str> {
        self.body.system.channel.as_deref()
    }

    /// The whole record. `fallback_time` (the record header's timestamp)
    /// stands in when `TimeCreated` is missing or unreadable.
    pub fn into_record(self, record_id: u64, fallback_time: DateTime<Utc>) -> Result<EventRecord, String> {
        let system = self.body.system;
        let time = system
            .time_created
            .and_then(|t| DateTime::parse_from_rfc3339(&t.attributes.system_time).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(fallback_time);
        let mut record = EventRecord::new(
            self.provider.into_owned(),
            self.event_id,
            time,
            system.computer.map(Cow::into_owned).unwrap_or_default(),
        );
        record.channel = system.channel.map(Cow::into_owned).unwrap_or_default();
        record.record_id = system.record_id.map_or(record_id, |SystemNumber(id)| id);
        record.user_sid = system.security.and_then(|s| s.attributes).and_then(|a| a.user_id).map(Cow::into_owned);
        if let Some(data) = self.body.event_data {
            record.fields = data.fields;
            record.data = data.data;
        }
        if let Some(UserData(fields)) = self.body.user_data {
            record.fields.extend(fields);
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> EventRecord {
        let header = read_header(json.as_bytes()).unwrap();
        header.into_record(0, DateTime::UNIX_EPOCH).unwrap()
    }

    #[test]
    fn security_record_reads_named_fields() {
        let record = read(
            r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4624,"TimeCreated":{"#attributes":{"SystemTime":"2019-02-13T18:02:04.4266620Z"}},"EventRecordID":227701,"Channel":"Security","Computer":"PC01.example.corp","Security":null},"EventData":{"TargetUserName":"user01","LogonType":11,"IpAddress":"127.0.0.1"}}}"##,
        );
        assert_eq!(record.provider, "Microsoft-Windows-Security-Auditing");
        assert_eq!(record.event_id, 4624);
        assert_eq!(record.record_id, 227701);
        assert_eq!(record.channel, "Security");
        assert_eq!(record.computer, "PC01.example.corp");
        assert_eq!(record.time.to_rfc3339(), "2019-02-13T18:02:04.426662+00:00");
        assert_eq!(record.int("LogonType"), Some(11));
        assert_eq!(record.value("TargetUserName").as_deref(), Some("user01"));
    }

    #[test]
    fn qualified_ids_unnamed_data_and_user_data() {
        let classic = read(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"PowerShell"}},"EventID":{"#attributes":{"Qualifiers":0},"#text":800},"EventRecordID":7,"Channel":"Windows PowerShell","Computer":"H"},"EventData":{"Data":{"#text":["cmd","\tEngineVersion=5.1"]}}}}"##,
        );
        assert_eq!((classic.provider.as_str(), classic.event_id), ("PowerShell", 800));
        assert_eq!(classic.data, vec!["cmd".to_string(), "\tEngineVersion=5.1".to_string()]);

        let rdp = read(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-TerminalServices-RemoteConnectionManager"}},"EventID":1149,"Computer":"H"},"UserData":{"EventXML":{"#attributes":{"xmlns":"Event_NS"},"Param1":"administrator","Param2":"ie11win7","Param3":"10.0.2.16"}}}}"##,
        );
        assert_eq!(rdp.value("Param3").as_deref(), Some("10.0.2.16"));
        assert_eq!(rdp.fields.len(), 3);
    }

    /// Logs exported or converted by other tools render System numbers as text.
    #[test]
    fn system_numbers_as_text_read_as_numbers_do() {
        let numeric = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4624,"Version":2,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-02T08:00:00Z"}},"EventRecordID":227701,"Execution":{"#attributes":{"ProcessID":716,"ThreadID":4632}},"Channel":"Security","Computer":"fs01.corp.example"},"EventData":{"TargetUserName":"alice","LogonType":3,"IpAddress":"10.0.5.18","AuthenticationPackageName":"NTLM","LmPackageName":"NTLM V2"}}}"##;
        let text = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":"4624","Version":"2","Level":"0","Task":"12544","Opcode":"0","Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2026-11-02T08:00:00Z"}},"EventRecordID":"227701","Execution":{"#attributes":{"ProcessID":"716","ThreadID":"4632"}},"Channel":"Security","Computer":"fs01.corp.example"},"EventData":{"TargetUserName":"alice","LogonType":"3","IpAddress":"10.0.5.18","AuthenticationPackageName":"NTLM","LmPackageName":"NTLM V2"}}}"##;
        let (a, b) = (read(numeric), read(text));
        assert_eq!((b.event_id, b.record_id), (4624, 227701));
        assert_eq!(
            (&a.provider, a.event_id, a.record_id, a.time, &a.channel, &a.computer),
            (&b.provider, b.event_id, b.record_id, b.time, &b.channel, &b.computer)
        );
        assert_eq!(a.int("LogonType"), b.int("LogonType"));
        assert_eq!(peek_provider_and_id(text.as_bytes()), Some(("Microsoft-Windows-Security-Auditing", 4624)));
        // Qualified ids with text, and an RDP 1149 as the converted logs had it.
        let qualified = read(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":{"#attributes":{"Qualifiers":"16384"},"#text":"7036"},"EventRecordID":" 12 ","Channel":"System"}}}"##,
        );
        assert_eq!((qualified.event_id, qualified.record_id), (7036, 12));
        let rdp = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-TerminalServices-RemoteConnectionManager"}},"EventID":"1149","Computer":"H"},"UserData":{"EventXML":{"Param1":"administrator","Param3":"10.0.2.16"}}}}"##;
        assert_eq!(peek_provider_and_id(rdp).map(|(_, id)| id), Some(1149));
        assert_eq!(read(std::str::from_utf8(rdp).unwrap()).value("Param3").as_deref(), Some("10.0.2.16"));
        // Text that is not a number is still a damaged record, named as such.
        let damaged =
            read_header(br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":"x1"}}}"##);
        assert!(damaged.is_err());
    }

    #[test]
    fn null_event_data_and_missing_time_are_accepted() {
        let record =
            read(r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":1},"EventData":null}}"##);
        assert_eq!(record.time, DateTime::<Utc>::UNIX_EPOCH);
        assert!(record.fields.is_empty());
    }

    #[test]
    fn peeking_agrees_with_parsing() {
        let plain = br##"{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{5}"}},"EventID":4624,"Channel":"Security","Computer":"h"}}}"##;
        assert_eq!(peek_provider_and_id(plain), Some(("Microsoft-Windows-Security-Auditing", 4624)));
        assert_eq!(peek_channel(plain), Some("Security"));
        let qualified = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},"Channel":"System"}}}"##;
        assert_eq!(peek_provider_and_id(qualified), Some(("Service Control Manager", 7036)));
        let escaped = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"A\"B"}},"EventID":1}}}"##;
        assert_eq!(peek_provider_and_id(escaped), None, "escapes fall back to a full parse");
        assert_eq!(peek_provider_and_id(b"{}"), None);
        assert_eq!(peek_provider_and_id(br##""Provider":{"#attributes":{"Name":"P"##), None);
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        assert!(read_header(b"{\"Event\":").is_err());
        assert!(read_header(b"[]").is_err());
        let not_an_object = read_header(
            br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":1},"EventData":7}}"##,
        );
        assert!(not_an_object.err().unwrap().contains("expected an EventData object"));
    }
}
