//! Rendered event XML (what `EvtRender(EvtRenderEventXml)` returns on a
//! live system, and what `wevtutil qe` prints) to [`EventRecord`]. The live
//! event-log subscription renders every event this way, so this is how
//! Security, System and Windows PowerShell events reach the decoders there.

use super::event_record::{EventRecord, FieldValue};
use chrono::{DateTime, Utc};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Where in the document the parser is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Outside,
    System,
    EventData,
    /// Inside `UserData`, before its one provider-defined element.
    UserData,
    /// Inside that element: its children are the fields.
    UserDataElement,
    /// Anything else (`RenderingInfo`, ...), skipped.
    Other,
}

/// Which element's text is being collected, and where it goes.
#[derive(Debug)]
enum Target {
    SystemField(String),
    Data(Option<String>),
    Field(String),
}

/// Parses one `<Event>` document.
pub fn parse_event_xml(xml: &str) -> Result<EventRecord, String> {
    let mut reader = Reader::from_str(xml);
    let mut record = EventRecord::new("", 0, DateTime::<Utc>::UNIX_EPOCH, "");
    let mut section = Section::Outside;
    let mut depth = 0usize;
    let mut section_depth = 0usize;
    let mut target: Option<(Target, usize)> = None;
    let mut text = String::new();
    let mut saw_event = false;
    let mut saw_id = false;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| format!("byte {position}: {e}"))?;
        match event {
            Event::Start(start) => {
                depth += 1;
                let name = local_name(&start);
                match (section, depth, name.as_str()) {
                    (_, 1, "Event") => saw_event = true,
                    (Section::Outside, 2, "System") => (section, section_depth) = (Section::System, depth),
                    (Section::Outside, 2, "EventData") => (section, section_depth) = (Section::EventData, depth),
                    (Section::Outside, 2, "UserData") => (section, section_depth) = (Section::UserData, depth),
                    (Section::Outside, 2, _) => (section, section_depth) = (Section::Other, depth),
                    (Section::UserData, _, _) => section = Section::UserDataElement,
                    (Section::System, _, _) => {
                        system_attributes(&start, &name, &mut record)?;
                        target = Some((Target::SystemField(name), depth));
                    }
                    (Section::EventData, _, "Data") => target = Some((Target::Data(attribute(&start, "Name")?), depth)),
                    (Section::EventData, _, other) => target = Some((Target::Field(other.to_string()), depth)),
                    (Section::UserDataElement, _, other) if target.is_none() => {
                        target = Some((Target::Field(other.to_string()), depth))
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Empty(start) => {
                let name = local_name(&start);
                match (section, name.as_str()) {
                    (Section::System, _) => system_attributes(&start, &name, &mut record)?,
                    // `<Data Name='X'/>`: the field exists and is empty.
                    (Section::EventData, "Data") => match attribute(&start, "Name")? {
                        Some(name) => record.fields.push((name, FieldValue::Text(String::new()))),
                        None => record.data.push(String::new()),
                    },
                    (Section::UserDataElement, field) => {
                        record.fields.push((field.to_string(), FieldValue::Text(String::new())))
                    }
                    _ => {}
                }
            }
            Event::Text(t) if target.is_some() => text.push_str(&t.xml10_content()),
            Event::CData(t) if target.is_some() => text.push_str(&t),
            Event::GeneralRef(r) if target.is_some() => {
                if r.is_char_ref() {
                    let c = r.resolve_char_ref().map_err(|e| format!("byte {position}: {e}"))?;
                    text.extend(c);
                } else {
                    let name = r.xml10_content();
                    let value = resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("byte {position}: unknown entity `&{name};`"))?;
                    text.push_str(value);
                }
            }
            Event::End(_) => {
                if let Some((finished, at)) = target.take() {
                    if at == depth {
                        store(&mut record, finished, std::mem::take(&mut text), &mut saw_id)?;
                    } else {
                        target = Some((finished, at));
                    }
                }
                if depth == section_depth {
                    section = Section::Outside;
                    section_depth = 0;
                } else if section == Section::UserDataElement && depth == section_depth + 1 {
                    section = Section::UserData;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_event {
        return Err("not an event: no <Event> element".into());
    }
    if !saw_id || record.provider.is_empty() {
        return Err("event without a provider name or event id".into());
    }
    Ok(record)
}

fn local_name(start: &BytesStart<'_>) -> String {
    start.local_name().as_ref().to_string()
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        if attr.key.local_name().as_ref() == name {
            #[allow(deprecated)] // normalized_value needs a version; event XML is XML 1.0
            let value = attr.unescape_value().map_err(|e| e.to_string())?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn system_attributes(start: &BytesStart<'_>, name: &str, record: &mut EventRecord) -> Result<(), String> {
    match name {
        "Provider" => {
            if let Some(provider) = attribute(start, "Name")?.or(attribute(start, "EventSourceName")?) {
                record.provider = provider;
            }
        }
        "TimeCreated" => {
            if let Some(time) = attribute(start, "SystemTime")? {
                record.time = DateTime::parse_from_rfc3339(&time)
                    .map_err(|e| format!("TimeCreated `{time}`: {e}"))?
                    .with_timezone(&Utc);
            }
        }
        "Security" => record.user_sid = attribute(start, "UserID")?,
        _ => {}
    }
    Ok(())
}

fn store(record: &mut EventRecord, target: Target, text: String, saw_id: &mut bool) -> Result<(), String> {
    match target {
        Target::SystemField(name) => match name.as_str() {
            "EventID" => {
                record.event_id = text.trim().parse().map_err(|_| format!("EventID `{text}` is not a number"))?;
                *saw_id = true;
            }
            "EventRecordID" => record.record_id = text.trim().parse().unwrap_or(0),
            "Channel" => record.channel = text,
            "Computer" => record.computer = text,
            _ => {}
        },
        Target::Data(Some(name)) | Target::Field(name) => record.fields.push((name, FieldValue::Text(text))),
        Target::Data(None) => record.data.push(text),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Microsoft's sample for 4624 (learn.microsoft.com, "4624(S): An account was successfully logged on"), trimmed.
    const LOGON: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
 <System>
  <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />
  <EventID>4624</EventID>
  <Version>2</Version>
  <TimeCreated SystemTime="2015-11-12T00:24:35.079785200Z" />
  <EventRecordID>211</EventRecordID>
  <Channel>Security</Channel>
  <Computer>WIN-GG82ULGC9GO</Computer>
  <Security />
 </System>
 <EventData>
  <Data Name="TargetUserName">Auditor</Data>
  <Data Name="LogonType">10</Data>
  <Data Name="AuthenticationPackageName">Negotiate</Data>
  <Data Name="LmPackageName">-</Data>
  <Data Name="IpAddress">10.0.0.5</Data>
  <Data Name="ProcessName">C:\Windows\System32\lsass.exe</Data>
 </EventData>
</Event>"#;

    #[test]
    fn security_event() {
        let record = parse_event_xml(LOGON).unwrap();
        assert_eq!(record.provider, "Microsoft-Windows-Security-Auditing");
        assert_eq!((record.event_id, record.record_id), (4624, 211));
        assert_eq!(record.channel, "Security");
        assert_eq!(record.computer, "WIN-GG82ULGC9GO");
        assert_eq!(record.int("LogonType"), Some(10));
        assert_eq!(record.value("LmPackageName"), None);
        assert_eq!(record.value("ProcessName").as_deref(), Some(r"C:\Windows\System32\lsass.exe"));
        assert_eq!(record.time.to_rfc3339(), "2015-11-12T00:24:35.079785200+00:00");
    }

    #[test]
    fn qualifiers_user_data_unnamed_data_and_entities() {
        let scm = parse_event_xml(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Service Control Manager' EventSourceName='Service Control Manager'/><EventID Qualifiers='16384'>7036</EventID><Computer>h</Computer></System><EventData><Data Name='param1'>A &amp; B</Data><Data Name='param2'>running</Data><Binary>5700650072005300760063002F0034000000</Binary></EventData></Event>",
        )
        .unwrap();
        assert_eq!((scm.provider.as_str(), scm.event_id), ("Service Control Manager", 7036));
        assert_eq!(scm.value("param1").as_deref(), Some("A & B"));
        assert_eq!(scm.value("Binary").as_deref(), Some("5700650072005300760063002F0034000000"));

        let rdp = parse_event_xml(
            r#"<Event><System><Provider Name="Microsoft-Windows-TerminalServices-RemoteConnectionManager"/><EventID>1149</EventID><Security UserID="S-1-5-20"/></System><UserData><EventXML xmlns="Event_NS"><Param1>admin&#x41;</Param1><Param2></Param2><Param3>10.0.2.16</Param3></EventXML></UserData></Event>"#,
        )
        .unwrap();
        assert_eq!(rdp.value("Param1").as_deref(), Some("adminA"));
        assert_eq!(rdp.value("Param3").as_deref(), Some("10.0.2.16"));
        assert_eq!(rdp.user_sid.as_deref(), Some("S-1-5-20"));

        let classic = parse_event_xml(
            "<Event><System><Provider Name='PowerShell'/><EventID Qualifiers='0'>400</EventID></System><EventData><Data>Available</Data><Data>None</Data><Data>\tEngineVersion=2.0\n\tHostName=ConsoleHost</Data></EventData></Event>",
        )
        .unwrap();
        assert_eq!(classic.data.len(), 3);
        assert!(classic.data[2].contains("EngineVersion=2.0"));
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(parse_event_xml("<Event><System><EventID>x</EventID></System></Event>").is_err());
        assert!(parse_event_xml("<NotAnEvent/>").is_err());
        assert!(parse_event_xml("<Event><System><Provider Name='P'/></System></Event>").is_err());
        assert!(parse_event_xml("<Event><System><Provider Name='P'/><EventID>1</EventID></System><EventData><Data>&bogus;</Data></EventData></Event>").is_err());
        // Cut short: no id was read.
        assert!(parse_event_xml("<Event><System><Provider Name='P'/>").is_err());
    }
}
