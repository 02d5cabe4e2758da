//! The dissectors against Zeek: every capture of the corpus (TEMPER_CORPUS)
//! must agree with every entry of its expected.json, built from Zeek's own
//! logs, on protocol, endpoints, server port and version, and on cipher, kex,
//! mac, host key, security, etype, share and user where the entry lists them.

mod common;

use serde_json::Value;

use temper_collector::wire::decode::decode_capture;
use temper_collector::wire::observations::HostNaming;
use temper_collector::{Event, Observation};

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Why `obs` does not match `expected`, or None when it does.
fn mismatch(expected: &Value, obs: &Observation) -> Option<String> {
    let protocol = expected["protocol"].as_str().unwrap();
    let (Some(local), Some(peer)) = (obs.local.as_ref(), obs.peer.as_ref()) else {
        return Some("not a flow observation".into());
    };
    let mut diffs = Vec::new();
    let mut check = |what: &str, want: Option<&str>, got: Option<String>| {
        if want.map(str::to_string) != got {
            diffs.push(format!("{what}: want {want:?}, got {got:?}"));
        }
    };
    check("client", s(&expected["client"]), peer.ip.map(|i| i.to_string()));
    check("server", s(&expected["server"]), local.ip.map(|i| i.to_string()));
    check(
        "server_port",
        expected["server_port"].as_u64().map(|p| p.to_string()).as_deref(),
        local.port.map(|p| p.to_string()),
    );
    let detail = |k: &str| obs.detail_str(k).map(str::to_string);
    let version = match &obs.event {
        Event::Protocol(p) if p.negotiated.protocol().as_str() == protocol => {
            Some(p.negotiated.version_str().to_string())
        }
        _ => return Some(format!("not a {protocol} observation")),
    };
    let listed = |k: &str| expected.get(k).is_some();
    match protocol {
        "tls" => {
            check("version", s(&expected["version"]), version);
            check("cipher", s(&expected["cipher"]), detail("cipher"));
            if listed("sni") {
                check("sni", s(&expected["sni"]), detail("sni"));
            }
        }
        "ssh" => {
            check("version", s(&expected["version"]), version);
            for (want, got) in [
                ("kex", "kex"),
                ("cipher", "cipher"),
                ("mac", "mac"),
                ("host_key_alg", "host_key"),
                ("client_banner", "client_banner"),
                ("server_banner", "server_banner"),
            ] {
                if listed(want) {
                    check(want, s(&expected[want]), detail(got));
                }
            }
        }
        "smb" => {
            if listed("version") {
                check("version", s(&expected["version"]), version);
            }
        }
        "ntlm" => {
            check("version", s(&expected["version"]), version);
            for (want, got) in
                [("user", obs.user.clone()), ("domain", detail("domain")), ("host", detail("workstation"))]
            {
                if listed(want) {
                    check(want, s(&expected[want]), got);
                }
            }
        }
        "rdp" => {
            check("security", s(&expected["security"]), version);
            if listed("cookie") {
                check("cookie", s(&expected["cookie"]), detail("cookie"));
            }
        }
        "kerberos" => {
            if listed("cipher") {
                check("cipher", s(&expected["cipher"]), detail("etype"));
            }
            check("request_type", s(&expected["request_type"]), detail("request_type"));
            if listed("success") {
                let got = obs.detail.get("success").and_then(Value::as_bool).map(|b| b.to_string());
                check("success", expected["success"].as_bool().map(|b| b.to_string()).as_deref(), got);
            }
        }
        other => diffs.push(format!("unknown protocol {other}")),
    }
    (!diffs.is_empty()).then(|| diffs.join("; "))
}

#[test]
fn decoded_captures_agree_with_zeek() {
    let Some(dir) = common::pcap_corpus() else { return };
    let expected: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for capture in &expected {
        let file = capture["file"].as_str().unwrap();
        let mut observations = Vec::new();
        let (_, damage) = decode_capture(&dir.join(file), &HostNaming::default(), |o| observations.push(o)).unwrap();
        assert!(damage.is_none(), "{file}: {damage:?}");
        let mut unused: Vec<&Observation> = observations.iter().collect();
        for (n, entry) in capture["expect"].as_array().unwrap().iter().enumerate() {
            checked += 1;
            let protocol = entry["protocol"].as_str().unwrap();
            // SMB and RDP entries without a version/security assert only what is listed.
            if protocol == "smb" {
                if let Some(shares) = entry.get("shares").and_then(Value::as_array) {
                    for share in shares {
                        let want = temper_collector::share_name::normalize_share_name(share.as_str().unwrap());
                        let found = observations.iter().any(|o| matches!(&o.event, Event::Share(s) if s.share == want));
                        if !found {
                            failures.push(format!("{file} #{n}: share {want} not decoded"));
                        }
                    }
                }
                if entry.get("version").is_none() {
                    continue;
                }
            }
            if protocol == "rdp" && entry["security"].is_null() {
                // Zeek saw no agreed security layer: checked below, once the
                // entries that do name one have claimed their observations.
                continue;
            }
            let candidates: Vec<(usize, Option<String>)> =
                unused.iter().enumerate().map(|(i, o)| (i, mismatch(entry, o))).collect();
            match candidates.iter().find(|(_, m)| m.is_none()) {
                Some((i, _)) => {
                    unused.remove(*i);
                }
                None => {
                    let closest = candidates
                        .iter()
                        .filter_map(|(_, m)| m.clone())
                        .filter(|m| !m.starts_with("not a"))
                        .min_by_key(|m| m.matches(';').count());
                    failures.push(format!("{file} #{n} ({protocol}): no matching observation; closest: {closest:?}"));
                }
            }
        }
        // No handshakes Zeek did not log, for every protocol it logged here (SMB entries are
        // per connection and name a dialect only when one was negotiated, so they are exempt).
        for protocol in ["tls", "ssh", "ntlm", "kerberos"] {
            if capture["expect"].as_array().unwrap().iter().any(|e| e["protocol"] == protocol) {
                let extra = unused
                    .iter()
                    .filter(|o| matches!(&o.event, Event::Protocol(p) if p.negotiated.protocol().as_str() == protocol))
                    .count();
                if extra > 0 {
                    failures.push(format!("{file}: {extra} {protocol} handshake(s) Zeek did not log"));
                }
            }
        }
        // Every RDP observation must be accounted for by an entry naming its security layer:
        // where Zeek saw none (security null), we must not claim one either.
        let rdp_entries = capture["expect"].as_array().unwrap().iter().filter(|e| e["protocol"] == "rdp").count();
        if rdp_entries > 0 {
            let claimed: Vec<&&Observation> = unused
                .iter()
                .filter(|o| matches!(&o.event, Event::Protocol(p) if p.negotiated.protocol().as_str() == "rdp"))
                .collect();
            if !claimed.is_empty() {
                failures.push(format!("{file}: {} RDP security layer(s) claimed that Zeek did not see", claimed.len()));
            }
        }
    }
    for f in &failures {
        eprintln!("MISMATCH {f}");
    }
    assert!(failures.is_empty(), "{} of {checked} expected entries did not match", failures.len());
    assert!(checked > 100, "{checked}");
}
