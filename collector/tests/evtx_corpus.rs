//! The Windows decoders against the `.evtx` corpus (TEMPER_CORPUS): every
//! file must read exactly as many records as `evtx_dump` 0.15.1 did, decode
//! exactly the target events its expected.json counts, and yield every
//! expected logon, share, inbound port, service, PowerShell engine, script
//! block, RDP logon and interpreter process, with the same counts. The
//! expected values were computed independently from `evtx_dump` output
//! (see the corpus README), so this also checks field mapping.

mod common;

use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use temper_collector::windows::{decode_evtx, EvtxOptions};
use temper_collector::{Access, Event, Observation, Role, ServiceAction};

/// The events expected.json counts (its README's table).
const TARGETS: &[&str] = &[
    "Microsoft-Windows-Security-Auditing/4624",
    "Microsoft-Windows-Security-Auditing/4625",
    "Microsoft-Windows-Security-Auditing/4688",
    "Microsoft-Windows-Security-Auditing/5140",
    "Microsoft-Windows-Security-Auditing/5145",
    "Microsoft-Windows-Security-Auditing/5156",
    "Microsoft-Windows-Security-Auditing/4697",
    "Service Control Manager/7045",
    "Service Control Manager/7036",
    "Microsoft-Windows-PowerShell/4104",
    "Microsoft-Windows-PowerShell/4103",
    "PowerShell/400",
    "PowerShell/403",
    "PowerShell/800",
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/1149",
    "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/131",
    "Microsoft-Windows-Sysmon/1",
];

const PROCESSES: &[&str] =
    &["powershell.exe", "pwsh.exe", "cmd.exe", "wscript.exe", "cscript.exe", "mshta.exe", "rundll32.exe"];

fn event(obs: &Observation) -> &str {
    obs.detail_str("event").unwrap_or("")
}

fn ip_or_null(obs: &Observation) -> Value {
    obs.peer.as_ref().and_then(|p| p.ip).map(|ip| json!(ip.to_string())).unwrap_or(Value::Null)
}

/// Distinct objects with a `count`, as expected.json writes them.
fn counted(items: Vec<Value>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for item in items {
        *out.entry(item.to_string()).or_insert(0) += 1;
    }
    out
}

fn expected_counted(list: &Value) -> BTreeMap<String, u64> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let mut object: Map<String, Value> = item.as_object().unwrap().clone();
            let count = object.remove("count").and_then(|c| c.as_u64()).unwrap();
            (Value::Object(object).to_string(), count)
        })
        .collect()
}

fn expected_set(list: &Value) -> BTreeSet<String> {
    list.as_array().into_iter().flatten().map(|item| item.to_string()).collect()
}

/// What our observations say, in expected.json's terms.
fn actual(observations: &[Observation]) -> BTreeMap<&'static str, Value> {
    let mut logons = Vec::new();
    let mut shares = Vec::new();
    let mut ports = Vec::new();
    let mut installed = BTreeSet::new();
    let mut states = BTreeSet::new();
    let mut powershell = Vec::new();
    let mut script_blocks = 0u64;
    let mut rdp = Vec::new();
    let mut processes = Vec::new();
    for obs in observations {
        let e = event(obs);
        match &obs.event {
            Event::Logon(l) if e.ends_with("Security-Auditing/4624") => logons.push(json!({
                "package": if l.method == "unknown" { "-".to_string() } else { l.method.clone() },
                "ntlm_version": obs.detail_str("ntlm_version"),
                "logon_type": obs.detail.get("logon_type"),
                "user": obs.user,
                "source_ip": ip_or_null(obs),
                "anonymous": obs.is_anonymous(),
            })),
            Event::Logon(_) if e.ends_with("RemoteConnectionManager/1149") => rdp.push(json!({
                "user": obs.user,
                "source_ip": obs.detail_str("source_address"),
            })),
            Event::Share(s) => shares.push(json!({
                "share": obs.detail_str("share_original").unwrap_or(&s.share),
                "source_ip": ip_or_null(obs),
                "user": obs.user,
                "write": matches!(s.access, Access::Write | Access::Delete),
            })),
            Event::Connection(c) if e.ends_with("/5156") && obs.role == Some(Role::Server) => ports.push(json!({
                "port": obs.local.as_ref().and_then(|l| l.port),
                "protocol": c.transport.as_str(),
                "application": obs.detail_str("application"),
            })),
            Event::Service(s) if s.action == ServiceAction::Install => {
                installed.insert(
                    json!({"name": s.service, "image": s.image, "account": s.account.clone().unwrap_or_default()})
                        .to_string(),
                );
            }
            Event::Service(_) => {
                states.insert(
                    json!({"name": obs.detail_str("display_name"), "state": obs.detail_str("state")}).to_string(),
                );
            }
            Event::Script(s) if e.starts_with("PowerShell/") => {
                let mut object = Map::new();
                if let Some(v) = &s.engine_version {
                    object.insert("engine_version".into(), json!(v));
                }
                if let Some(h) = &s.host_application {
                    object.insert("host_application".into(), json!(h));
                }
                object.insert("event".into(), json!(e));
                powershell.push(Value::Object(object));
            }
            Event::Script(_) if e == "Microsoft-Windows-PowerShell/4104" => script_blocks += 1,
            Event::Script(s) if e.ends_with("/4688") || e == "Microsoft-Windows-Sysmon/1" => {
                processes.push(json!({"image": format!("{}.exe", s.interpreter)}))
            }
            Event::Exec(x) if e.ends_with("/4688") || e == "Microsoft-Windows-Sysmon/1" => {
                let base = x.image.rsplit(['\\', '/']).next().unwrap().to_ascii_lowercase();
                processes.push(json!({ "image": base }))
            }
            _ => {}
        }
    }
    processes.retain(|p| PROCESSES.contains(&p["image"].as_str().unwrap()));
    let to_value = |m: BTreeMap<String, u64>| json!(m);
    BTreeMap::from([
        ("logons", to_value(counted(logons))),
        ("shares", to_value(counted(shares))),
        ("inbound_ports", to_value(counted(ports))),
        ("services_installed", json!(installed)),
        ("service_states", json!(states)),
        ("powershell", to_value(counted(powershell))),
        ("script_blocks", json!(script_blocks)),
        ("rdp_logons", to_value(counted(rdp))),
        ("processes", to_value(counted(processes))),
    ])
}

fn expected_of(expect: &Value, key: &str) -> Value {
    let list = &expect[key];
    match key {
        "services_installed" | "service_states" => json!(expected_set(list)),
        "script_blocks" => json!(list.as_u64().unwrap_or(0)),
        _ => json!(expected_counted(list)),
    }
}

#[test]
fn every_corpus_file_matches_expected() {
    let Some(dir) = common::evtx_corpus() else { return };
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut files = 0;
    for entry in expected.as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let mut observations = Vec::new();
        let summary = decode_evtx(&dir.join(file), &EvtxOptions::default(), |obs| observations.push(obs))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        files += 1;
        let mut fail = |what: String| failures.push(format!("{file}: {what}"));
        if summary.file.records != entry["records"].as_u64().unwrap() {
            fail(format!("records: want {}, got {}", entry["records"], summary.file.records));
        }
        let want_counts: BTreeMap<String, u64> = serde_json::from_value(entry["counts"].clone()).unwrap_or_default();
        let got_counts: BTreeMap<String, u64> = summary
            .decoded
            .iter()
            .filter(|(k, _)| TARGETS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        if want_counts != got_counts {
            fail(format!("counts: want {want_counts:?}, got {got_counts:?}"));
        }
        let got = actual(&observations);
        for (key, got_value) in &got {
            let want = expected_of(&entry["expect"], key);
            if &want != got_value {
                fail(format!("{key}:\n  want {want}\n  got  {got_value}"));
            }
        }
        // Coverage only for what the file's audit events attest.
        let attested: BTreeSet<String> = observations
            .iter()
            .filter_map(|o| match &o.event {
                Event::Coverage(c) => Some(c.categories.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        let has = |ids: &[&str]| ids.iter().any(|id| want_counts.contains_key(*id));
        for (category, sources) in [
            ("share", &["Microsoft-Windows-Security-Auditing/5140", "Microsoft-Windows-Security-Auditing/5145"][..]),
            ("logon", &["Microsoft-Windows-Security-Auditing/4624", "Microsoft-Windows-Security-Auditing/4625"][..]),
            ("connection", &["Microsoft-Windows-Security-Auditing/5156"][..]),
        ] {
            if attested.contains(category) != has(sources) {
                fail(format!(
                    "coverage of `{category}`: attested {}, audit events present {}",
                    attested.contains(category),
                    has(sources)
                ));
            }
        }
        if file.starts_with("corrupt/") && summary.file.damaged == 0 {
            fail("a deliberately corrupt file reported no damage".into());
        }
    }
    assert!(files >= 28, "the corpus lists {files} files");
    assert!(failures.is_empty(), "{} mismatch(es):\n{}", failures.len(), failures.join("\n"));
}
