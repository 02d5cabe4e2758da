//! The `evtx` crate's rendered JSON to [`EventRecord`].
//!
//! The crate renders every record (there is no lighter public view of its
//! BinXML), so the cost that remains ours is reading that JSON back. The
//! header is read into borrowed fields with the payload left as raw JSON;
//! only records a decoder wants have their payload parsed.

use super::event_record::{EventRecord, FieldValue};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Event", borrow)]
    event: EventBody<'a>,
}

#[derive(Deserialize)]
struct EventBody<'a> {
    #[serde(rename = "System", borrow)]
    system: System<'a>,
    #[serde(rename = "EventData", borrow, default)]
    event_data: Option<&'a RawValue>,
    #[serde(rename = "UserData", borrow, default)]
    user_data: Option<&'a RawValue>,
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
    record_id: Option<u64>,
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
/// classic events with qualifiers (which are not part of the id).
#[derive(Deserialize)]
#[serde(untagged)]
enum EventId {
    Plain(u32),
    Qualified {
        #[serde(rename = "#text")]
        text: u32,
    },
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

/// What a JSON record is: its provider and id, read without its payload.
pub struct RecordHeader<'a> {
    pub provider: Cow<'a, str>,
    pub event_id: u32,
    body: EventBody<'a>,
}

/// Reads the header of a rendered record. Errors are the JSON parser's.
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
        EventId::Plain(id) | EventId::Qualified { text: id } => id,
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
        record.record_id = system.record_id.unwrap_or(record_id);
        record.user_sid = system.security.and_then(|s| s.attributes).and_then(|a| a.user_id).map(Cow::into_owned);
        if let Some(raw) = self.body.event_data {
            read_event_data(raw, &mut record)?;
        }
        if let Some(raw) = self.body.user_data {
            read_user_data(raw, &mut record)?;
        }
        Ok(record)
    }
}

fn parse_object(raw: &RawValue, what: &str) -> Result<Option<Map<String, Value>>, String> {
    match serde_json::from_str::<Value>(raw.get()).map_err(|e| format!("unreadable {what}: {e}"))? {
        Value::Object(map) => Ok(Some(map)),
        // `"EventData": null` (no data) or a bare text node.
        Value::Null => Ok(None),
        other => Err(format!("{what} is not an object: {}", kind_of(&other))),
    }
}

/// `EventData`: named items become fields; unnamed `Data` items (rendered
/// as `"Data": "x"`, `"Data": ["x", "y"]` or `"Data": {"#text": ...}`)
/// become [`EventRecord::data`].
fn read_event_data(raw: &RawValue, record: &mut EventRecord) -> Result<(), String> {
    let Some(map) = parse_object(raw, "EventData")? else { return Ok(()) };
    for (name, value) in map {
        match name.as_str() {
            "#attributes" => {}
            "Data" => collect_texts(value, &mut record.data),
            _ => {
                if let Some(field) = field_value(value) {
                    record.fields.push((name, field));
                }
            }
        }
    }
    Ok(())
}

/// `UserData` holds one provider-defined element (`EventXML`,
/// `AuditEventsDropped`, ...) whose children are the fields.
fn read_user_data(raw: &RawValue, record: &mut EventRecord) -> Result<(), String> {
    let Some(map) = parse_object(raw, "UserData")? else { return Ok(()) };
    for (_, element) in map {
        let Value::Object(children) = element else { continue };
        for (name, value) in children {
            if name == "#attributes" {
                continue;
            }
            if let Some(field) = field_value(value) {
                record.fields.push((name, field));
            }
        }
    }
    Ok(())
}

fn field_value(value: Value) -> Option<FieldValue> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(FieldValue::Text(text)),
        Value::Number(n) => Some(match n.as_i64() {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::Text(n.to_string()),
        }),
        Value::Bool(b) => Some(FieldValue::Text(b.to_string())),
        // A field with attributes, or repeated items: keep the text, one item per line.
        other => {
            let mut texts = Vec::new();
            collect_texts(other, &mut texts);
            (!texts.is_empty()).then(|| FieldValue::Text(texts.join("\n")))
        }
    }
}

fn collect_texts(value: Value, out: &mut Vec<String>) {
    match value {
        Value::Null => {}
        Value::String(text) => out.push(text),
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(b) => out.push(b.to_string()),
        Value::Array(items) => items.into_iter().for_each(|item| collect_texts(item, out)),
        Value::Object(mut map) => {
            if let Some(text) = map.remove("#text") {
                collect_texts(text, out);
            }
        }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
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

    #[test]
    fn null_event_data_and_missing_time_are_accepted() {
        let record =
            read(r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":1},"EventData":null}}"##);
        assert_eq!(record.time, DateTime::<Utc>::UNIX_EPOCH);
        assert!(record.fields.is_empty());
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        assert!(read_header(b"{\"Event\":").is_err());
        assert!(read_header(b"[]").is_err());
        let header = read_header(
            br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":1},"EventData":7}}"##,
        )
        .unwrap();
        assert!(header.into_record(0, DateTime::UNIX_EPOCH).unwrap_err().contains("EventData is not an object"));
    }
}
