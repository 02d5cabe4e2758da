//! `temper check POLICY`: the live configuration compared with what the
//! policy enforces on this host, rule by rule. Expectations come from the
//! enforced decisions and the catalog's renderings; the live values come
//! from a [`LiveState`] (the real tools on Linux: `sshd -T`, `testparm -s`,
//! `nft list`, /proc, `modprobe`, `systemctl`; on Windows the registry, read
//! by the collector's platform layer and handed in by the command line).

#[cfg(target_os = "linux")]
pub mod linux_state;

use crate::document::Decision;
use crate::document::Policy;
use crate::rule::{RenderSpec, Rule};
use serde::Serialize;

/// Where the live values come from. A probe that cannot run here returns
/// `Err(reason)`: the item is reported as unchecked, not as in line.
pub trait LiveState {
    /// `sshd -T`: (keyword, value) pairs, keywords lower case.
    fn sshd(&mut self) -> Result<Vec<(String, String)>, String> {
        Err(unavailable())
    }
    /// A parameter of an smb.conf section as `testparm -s` resolves it.
    fn samba(&mut self, _section: &str, _parameter: &str) -> Result<String, String> {
        Err(unavailable())
    }
    /// `nft list table FAMILY NAME`, or None when there is no such table.
    fn nft_table(&mut self, _family: &str, _name: &str) -> Result<Option<String>, String> {
        Err(unavailable())
    }
    fn module_loaded(&mut self, _name: &str) -> Result<bool, String> {
        Err(unavailable())
    }
    /// What `modprobe NAME` would run (`install /bin/false` when blocked).
    fn module_load_command(&mut self, _name: &str) -> Result<String, String> {
        Err(unavailable())
    }
    fn sysctl(&mut self, _key: &str) -> Result<String, String> {
        Err(unavailable())
    }
    /// `systemctl is-enabled UNIT`, or None when there is no such unit.
    fn unit_state(&mut self, _unit: &str) -> Result<Option<String>, String> {
        Err(unavailable())
    }
    /// The expiry field of an account's shadow entry (days since 1970), None when it has no entry.
    fn account_expiry(&mut self, _name: &str) -> Result<Option<String>, String> {
        Err(unavailable())
    }
    /// A registry value under HKLM as text (DWORDs in decimal), None when absent.
    fn registry(&mut self, _path: &str, _name: &str) -> Result<Option<String>, String> {
        Err(unavailable())
    }
}

fn unavailable() -> String {
    "not checked on this platform".into()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As the policy says.
    Ok,
    /// Differs from the policy.
    Drift,
    /// Could not be read here (the reason says why), or not checkable (a step for a person).
    Unchecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub what: String,
    pub expected: String,
    pub actual: String,
    pub status: Status,
}

/// Checks every enforced decision of `host` against the live state.
pub fn check(policy: &Policy, host: &str, rules: &[Rule], live: &mut dyn LiveState) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in policy.decisions_for(host).filter(|d| d.is_enforced_here()) {
        let Some(rule) = rules.iter().find(|r| r.id == d.rule) else {
            out.push(finding(d, "rule", "in this temper's catalog", "unknown rule", Status::Unchecked));
            continue;
        };
        check_decision(d, rule, live, &mut out);
    }
    out
}

fn finding(d: &Decision, what: &str, expected: &str, actual: &str, status: Status) -> Finding {
    Finding {
        rule: d.rule.clone(),
        subject: d.subject.clone(),
        what: what.to_string(),
        expected: expected.to_string(),
        actual: actual.to_string(),
        status,
    }
}

/// smb.conf values as testparm prints them: booleans and synonyms spelled one way.
fn samba_canonical(value: &str) -> String {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => "yes".into(),
        "no" | "false" | "off" => "no".into(),
        "mandatory" | "required" => "required".into(),
        other => other.to_string(),
    }
}

fn compare(
    d: &Decision,
    what: &str,
    expected: &str,
    actual: Result<String, String>,
    equal: impl Fn(&str) -> bool,
) -> Finding {
    match actual {
        Ok(actual) => {
            let status = if equal(&actual) { Status::Ok } else { Status::Drift };
            finding(d, what, expected, &actual, status)
        }
        Err(reason) => finding(d, what, expected, &reason, Status::Unchecked),
    }
}

fn check_decision(d: &Decision, rule: &Rule, live: &mut dyn LiveState, out: &mut Vec<Finding>) {
    let value = d.value.as_str().unwrap_or_default().to_string();
    match &rule.render {
        RenderSpec::Sshd { directives } => {
            let sshd = live.sshd();
            for (key, expected) in directives {
                let actual = sshd.clone().map(|pairs| sshd_value(&pairs, key));
                out.push(compare(d, &format!("sshd {key}"), expected, actual, |a| a.eq_ignore_ascii_case(expected)));
            }
        }
        RenderSpec::SshdAllowUsers => {
            let expected: Vec<String> =
                d.value.as_array().into_iter().flatten().filter_map(|v| v.as_str()).map(str::to_lowercase).collect();
            let mut want = expected.clone();
            want.sort();
            let actual = live.sshd().map(|pairs| sshd_value(&pairs, "AllowUsers"));
            out.push(compare(d, "sshd AllowUsers", &expected.join(" "), actual, |a| {
                let mut seen: Vec<String> = a.split_whitespace().map(str::to_lowercase).collect();
                seen.sort();
                seen == want
            }));
        }
        RenderSpec::SshdRemoveAlgorithms { keyword } => {
            let actual = live.sshd().map(|pairs| sshd_value(&pairs, keyword));
            out.push(compare(d, &format!("sshd {keyword}"), &format!("without {value}"), actual, |a| {
                !a.split(',').any(|name| name.eq_ignore_ascii_case(&value))
            }));
        }
        RenderSpec::SambaGlobal { parameter, levels } => {
            let expected = levels.get(&value).cloned().unwrap_or_default();
            let actual = live.samba("global", parameter);
            out.push(compare(d, &format!("smb.conf {parameter}"), &expected, actual, |a| {
                samba_canonical(a) == samba_canonical(&expected)
            }));
        }
        RenderSpec::SambaSetting { parameter, value: expected } => {
            let actual = live.samba("global", parameter);
            out.push(compare(d, &format!("smb.conf {parameter}"), expected, actual, |a| {
                samba_canonical(a) == samba_canonical(expected)
            }));
        }
        RenderSpec::SambaShare { parameter, value: expected } => {
            let actual = live.samba(&value, parameter);
            out.push(compare(d, &format!("smb.conf [{value}] {parameter}"), expected, actual, |a| {
                samba_canonical(a) == samba_canonical(expected)
            }));
        }
        RenderSpec::NftablesInbound => {
            let ports: Vec<String> =
                d.value.as_array().into_iter().flatten().filter_map(|v| v.as_str()).map(str::to_string).collect();
            let expected = format!("table inet temper, input policy drop, allowing {}", ports.join(", "));
            // Summarise the ruleset: a drift line names what is wrong, not the whole table.
            let actual = live.nft_table("inet", "temper").map(|table| match table {
                None => "no table inet temper".to_string(),
                Some(text) => {
                    let words: Vec<&str> = text.split(|c: char| !c.is_ascii_alphanumeric()).collect();
                    let missing: Vec<&String> = ports
                        .iter()
                        .filter(|m| m.split_once('/').is_none_or(|(_, port)| !words.contains(&port)))
                        .collect();
                    match (text.contains("policy drop"), missing.is_empty()) {
                        (true, true) => "as expected".to_string(),
                        (drop, _) => format!(
                            "{}{}",
                            if drop { "" } else { "input policy is not drop; " },
                            if missing.is_empty() {
                                String::new()
                            } else {
                                format!(
                                    "not allowed: {}",
                                    missing.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
                                )
                            }
                        ),
                    }
                }
            });
            out.push(compare(d, "nftables", &expected, actual, |a| a == "as expected"));
        }
        RenderSpec::ModprobeBlacklist => {
            let loaded =
                live.module_loaded(&value).map(|l| if l { "loaded".to_string() } else { "not loaded".to_string() });
            out.push(compare(d, &format!("module {value}"), "not loaded", loaded, |a| a == "not loaded"));
            let command = live.module_load_command(&value);
            out.push(compare(d, &format!("modprobe {value}"), "install /bin/false", command, |a| {
                a.contains("install /bin/false")
            }));
        }
        RenderSpec::Sysctl { values } => {
            for (key, expected) in values {
                let actual = live.sysctl(key);
                out.push(compare(d, &format!("sysctl {key}"), expected, actual, |a| {
                    a.split_whitespace().eq(expected.split_whitespace())
                }));
            }
        }
        RenderSpec::SystemdDisable => {
            for unit in [format!("{value}.service"), format!("{value}.socket")] {
                match live.unit_state(&unit) {
                    Ok(None) => {}
                    Ok(Some(state)) => out.push(compare(d, &unit, "masked", Ok(state), |a| a == "masked")),
                    Err(reason) => out.push(finding(d, &unit, "masked", &reason, Status::Unchecked)),
                }
            }
        }
        RenderSpec::Registry { values } => {
            for v in values {
                let expected = match &v.data {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Boolean(b) => u8::from(*b).to_string(),
                    other => other.to_string(),
                };
                let actual = live.registry(&v.path, &v.name).map(|a| a.unwrap_or_else(|| "absent".into()));
                out.push(compare(d, &format!("{}\\{}", v.path, v.name), &expected, actual, |a| a == expected));
            }
        }
        RenderSpec::AccountExpire => match live.account_expiry(&value) {
            Ok(None) => out.push(finding(d, &format!("account {value}"), "expired", "no such account", Status::Ok)),
            Ok(Some(expiry)) => {
                out.push(compare(d, &format!("account {value}"), "expired (expiry day 1)", Ok(expiry), |a| {
                    a.parse::<i64>().is_ok_and(|day| day >= 0 && day <= chrono::Utc::now().timestamp() / 86_400)
                }))
            }
            Err(reason) => out.push(finding(d, &format!("account {value}"), "expired", &reason, Status::Unchecked)),
        },
        RenderSpec::ServiceDisable { service } => {
            let name = service.clone().unwrap_or(value);
            let path = format!("HKLM:\\SYSTEM\\CurrentControlSet\\Services\\{name}");
            let actual = live.registry(&path, "Start").map(|a| a.unwrap_or_else(|| "no such service".into()));
            out.push(compare(d, &format!("service {name} start type"), "4 (disabled)", actual, |a| {
                a == "4" || a == "no such service"
            }));
        }
        RenderSpec::WindowsFeature { server_feature, .. } => {
            // The PowerShell 2.0 engine registers itself here; removing the feature removes the key.
            let actual = live
                .registry("HKLM:\\SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine", "PowerShellVersion")
                .map(|a| a.unwrap_or_else(|| "absent".into()));
            out.push(compare(d, &format!("feature {server_feature}"), "removed (no 2.0 engine)", actual, |a| {
                !a.starts_with("2.")
            }));
        }
        RenderSpec::FirewallInbound => {
            for profile in ["DomainProfile", "StandardProfile", "PublicProfile"] {
                let path = format!(
                    "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\{profile}"
                );
                let actual = live.registry(&path, "DefaultInboundAction").map(|a| a.unwrap_or_else(|| "absent".into()));
                out.push(compare(d, &format!("firewall {profile} default inbound"), "1 (block)", actual, |a| a == "1"));
            }
        }
        RenderSpec::SmbServerConfiguration { .. }
        | RenderSpec::SmbShareRemoval
        | RenderSpec::LocalAccountDisable
        | RenderSpec::TlsListener
        | RenderSpec::Manual { .. } => {
            out.push(finding(
                d,
                &rule.setting.name,
                &value,
                "not checked: set by a step or cmdlet Temper does not read back",
                Status::Unchecked,
            ));
        }
    }
}

/// All values of an sshd -T keyword, joined by spaces (AllowUsers may repeat).
fn sshd_value(pairs: &[(String, String)], keyword: &str) -> String {
    let keyword = keyword.to_ascii_lowercase();
    pairs.iter().filter(|(k, _)| *k == keyword).map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(" ")
}
