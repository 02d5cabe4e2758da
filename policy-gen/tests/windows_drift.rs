//! `temper check` on Windows, without Windows: the drift check is
//! platform-neutral and reads the host through `LiveState`, whose Windows
//! implementation only fetches registry values. A fake registry stands in
//! for it, so the values, paths and verdicts are checked here on every run.

mod common;

use common::*;
use std::collections::HashMap;
use temper_collector::*;
use temper_policy::drift::{check, Finding, LiveState, Status};
use temper_policy::{Catalog, State};

/// Registry values by (path, name); `denied` makes every read fail, as a
/// non-elevated `temper check` would.
#[derive(Default)]
struct FakeRegistry {
    values: HashMap<(String, String), String>,
    denied: bool,
}

impl FakeRegistry {
    fn set(mut self, path: &str, name: &str, value: &str) -> Self {
        self.values.insert((path.to_string(), name.to_string()), value.to_string());
        self
    }
}

impl LiveState for FakeRegistry {
    fn registry(&mut self, path: &str, name: &str) -> Result<Option<String>, String> {
        if self.denied {
            return Err("access denied".into());
        }
        Ok(self.values.get(&(path.to_string(), name.to_string())).cloned())
    }
}

const SERVICES: &str = r"HKLM:\SYSTEM\CurrentControlSet\Services";
const SMB1: &str = r"HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters\SMB1";
const SCRIPT_BLOCK_LOGGING: &str =
    r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging\EnableScriptBlockLogging";
const FIREWALL: &str = r"HKLM:\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy";

fn status_of<'a>(findings: &'a [Finding], what: &str) -> (&'a Status, &'a str) {
    let f = findings.iter().find(|f| f.what == what).unwrap_or_else(|| panic!("no finding {what}: {findings:#?}"));
    (&f.status, f.actual.as_str())
}

/// A file server that only ever spoke SMB 3.1.1 on 445: SMB1 off, script
/// block logging on, RemoteRegistry and an unused service disabled, the
/// firewall default-deny are all enforced.
fn file_server() -> temper_policy::Policy {
    let mut obs = windows_host("fs01", 30, "standalone");
    obs.push(inventory(
        "fs01",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "LanmanServer"),
            InventoryItem::new(InventoryCategory::Service, "RemoteRegistry"),
            InventoryItem::new(InventoryCategory::Service, "XblGameSave"),
            InventoryItem::new(InventoryCategory::Share, "data").with_attr("path", "D:\\data"),
            InventoryItem::new(InventoryCategory::Listener, "tcp/445").with_attr("port", 445),
        ],
    ));
    for d in 0..30 {
        obs.push(connection("fs01", at(d, 9), Transport::Tcp, 445, 8));
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 8));
        obs.push(share_use("fs01", at(d, 9), "data", Access::Read, 8));
    }
    let policy = policy_of(&obs);
    for (rule, subject) in [
        ("win-smb1-server", None),
        ("win-powershell-script-block-logging", None),
        ("win-remote-registry-disabled", None),
        ("win-unused-services", Some("service XblGameSave")),
        ("win-firewall-inbound-allowlist", None),
    ] {
        assert_eq!(state(&policy, rule, subject), State::Enforce, "{rule}");
    }
    policy
}

#[test]
fn windows_drift_reads_the_registry_values_the_policy_sets() {
    let policy = file_server();
    let catalog = Catalog::embedded().unwrap();
    let check_with = |registry: &mut FakeRegistry| check(&policy, "fs01", catalog.rules(), registry);

    // Never hardened: what the policy sets is absent; a service that is not
    // installed is as good as disabled.
    let bare = check_with(&mut FakeRegistry::default());
    assert_eq!(status_of(&bare, SMB1), (&Status::Drift, "absent"));
    assert_eq!(status_of(&bare, SCRIPT_BLOCK_LOGGING), (&Status::Drift, "absent"));
    assert_eq!(status_of(&bare, "service RemoteRegistry start type"), (&Status::Ok, "no such service"));
    for profile in ["DomainProfile", "StandardProfile", "PublicProfile"] {
        assert_eq!(status_of(&bare, &format!("firewall {profile} default inbound")), (&Status::Drift, "absent"));
    }

    // Hardened, except that RemoteRegistry still starts automatically and
    // the public profile still allows inbound connections.
    let mut hardened = FakeRegistry::default()
        .set(r"HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters", "SMB1", "0")
        .set(
            r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ScriptBlockLogging",
            "EnableScriptBlockLogging",
            "1",
        )
        .set(&format!(r"{SERVICES}\RemoteRegistry"), "Start", "2")
        .set(&format!(r"{SERVICES}\XblGameSave"), "Start", "4")
        .set(&format!(r"{FIREWALL}\DomainProfile"), "DefaultInboundAction", "1")
        .set(&format!(r"{FIREWALL}\StandardProfile"), "DefaultInboundAction", "1")
        .set(&format!(r"{FIREWALL}\PublicProfile"), "DefaultInboundAction", "0");
    let live = check_with(&mut hardened);
    assert_eq!(status_of(&live, SMB1), (&Status::Ok, "0"));
    assert_eq!(status_of(&live, SCRIPT_BLOCK_LOGGING), (&Status::Ok, "1"));
    assert_eq!(status_of(&live, "service RemoteRegistry start type"), (&Status::Drift, "2"));
    assert_eq!(status_of(&live, "service XblGameSave start type"), (&Status::Ok, "4"));
    assert_eq!(status_of(&live, "firewall DomainProfile default inbound"), (&Status::Ok, "1"));
    assert_eq!(status_of(&live, "firewall PublicProfile default inbound"), (&Status::Drift, "0"));
    // Every other drift is a value this registry does not have (SCHANNEL, LSA, ...):
    // nothing set as the policy wants is reported as drift.
    let deliberate = ["service RemoteRegistry start type", "firewall PublicProfile default inbound"];
    for f in live.iter().filter(|f| f.status == Status::Drift && !deliberate.contains(&f.what.as_str())) {
        assert_eq!(f.actual, "absent", "{f:#?}");
    }
    assert_eq!(
        live.iter().filter(|f| f.status == Status::Drift).count(),
        bare.iter().filter(|f| f.status == Status::Drift).count() - 4 + 1,
        "four of the bare host's drifts are set as the policy wants; RemoteRegistry now drifts"
    );

    // A registry that cannot be read is never reported as in line.
    let denied = check_with(&mut FakeRegistry { denied: true, ..Default::default() });
    assert_eq!(status_of(&denied, SMB1), (&Status::Unchecked, "access denied"));
    assert!(denied.iter().all(|f| f.status == Status::Unchecked), "{denied:#?}");
    // What a cmdlet or a person sets is said to be unchecked, not assumed.
    assert!(live.iter().any(|f| f.status == Status::Unchecked && f.actual.starts_with("not checked")), "{live:#?}");
}
