//! Services: SCM 7045 and Security 4697 (installed), SCM 7036 (entered the
//! running or stopped state).

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::hex_bytes;
use crate::observation::{Event, Observation, ServiceAction, ServiceEvent};

/// SCM 7045 (`ServiceName`, `ImagePath`, `AccountName`) and Security 4697
/// (`ServiceName`, `ServiceFileName`, `ServiceAccount`).
pub fn decode_install(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(name) = record.value("ServiceName") else { return };
    let image = record.value("ImagePath").or_else(|| record.value("ServiceFileName")).map(|i| i.to_string());
    let account = record.value("AccountName").or_else(|| record.value("ServiceAccount")).map(|a| a.to_string());
    let mut obs = ctx
        .observation(
            record,
            Event::Service(ServiceEvent { service: name.to_string(), action: ServiceAction::Install, image, account }),
        )
        .with_detail("event", ctx.event_name(record));
    for (field, key) in
        [("ServiceType", "service_type"), ("StartType", "start_type"), ("ServiceStartType", "start_type")]
    {
        if let Some(value) = record.value(field) {
            obs = obs.with_detail(key, value.to_string());
        }
    }
    out.push(obs);
}

/// SCM 7036: `param1` is the display name and `param2` the state, both in
/// the system's language; the `Binary` data holds the service's key name
/// and state code in UTF-16 (`WerSvc/4`), which is language-neutral.
pub fn decode_state(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(display_name) = record.value("param1") else { return };
    let key = record.value("Binary").and_then(|hex| service_key(&hex));
    let action = match (&key, record.value("param2")) {
        (Some((_, code)), _) => action_of_code(*code),
        (None, Some(state)) => action_of_text(&state),
        (None, None) => None,
    };
    let Some(action) = action else { return };
    let service = key.map(|(name, _)| name).unwrap_or_else(|| display_name.to_string());
    let mut obs = ctx
        .observation(record, Event::Service(ServiceEvent { service, action, image: None, account: None }))
        .with_detail("display_name", display_name.to_string())
        .with_detail("event", ctx.event_name(record));
    if let Some(state) = record.value("param2") {
        obs = obs.with_detail("state", state.to_string());
    }
    out.push(obs);
}

/// `SERVICE_RUNNING` is 4 and `SERVICE_STOPPED` 1; pending and paused
/// states are not a start or a stop.
fn action_of_code(code: u32) -> Option<ServiceAction> {
    match code {
        4 => Some(ServiceAction::Start),
        1 => Some(ServiceAction::Stop),
        _ => None,
    }
}

fn action_of_text(state: &str) -> Option<ServiceAction> {
    match state.trim().to_ascii_lowercase().as_str() {
        "running" => Some(ServiceAction::Start),
        "stopped" => Some(ServiceAction::Stop),
        _ => None,
    }
}

/// Decodes 7036's binary data: UTF-16LE `KeyName/StateCode`.
pub fn service_key(hex: &str) -> Option<(String, u32)> {
    let bytes = hex_bytes(hex)?;
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|pair| u16::from_le_bytes([pair[0], pair[1]])).collect();
    let text = String::from_utf16(&units).ok()?;
    let text = text.trim_end_matches('\0');
    let (name, code) = text.rsplit_once('/')?;
    Some((name.to_string(), code.parse().ok()?)).filter(|(name, _)| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_holds_key_name_and_state() {
        assert_eq!(service_key("5700650072005300760063002F0034000000"), Some(("WerSvc".into(), 4)));
        assert_eq!(service_key("zz"), None);
        assert_eq!(service_key(""), None);
        assert_eq!(service_key("2F003400"), None, "no key name");
    }
}
