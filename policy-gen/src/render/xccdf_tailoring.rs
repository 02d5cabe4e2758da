//! An XCCDF 1.2 tailoring file per Linux host: the ComplianceAsCode CIS
//! profile with the rules the learned exceptions forbid deselected, and a
//! sidecar JSON with the reasons (tailoring has no field for them).
//! `oscap xccdf eval --tailoring-file ... --profile <id>` then scans for
//! everything else.

use crate::document::Decision;
use crate::document::Policy;
use crate::escape::{file_name, xml_text};
use crate::rule::Rule;
use serde_json::json;
use std::fmt::Write;

/// The profile tailored: ComplianceAsCode's CIS level 1 server profile.
pub const BASE_PROFILE: &str = "xccdf_org.ssgproject.content_profile_cis_level1_server";

/// The tailored profile's id for `host`.
pub fn profile_id(host: &str) -> String {
    format!("xccdf_com.temper_profile_cis_level1_server_{}", file_name(host))
}

/// The ComplianceAsCode rule a decision corresponds to, if any: the rule's,
/// or its candidate's, with `<name>` filled in from the decision.
fn cac_rule(decision: &Decision, rule: &Rule) -> Option<String> {
    let from_detail =
        decision.detail.get("references").and_then(|r| r.get("cac")).and_then(|c| c.as_str()).map(str::to_string);
    let id = from_detail.or_else(|| rule.references.cac.clone())?;
    let id = match decision.value.as_str() {
        Some(name) if id.contains("<name>") => id.replace("<name>", &name.replace('-', "_")),
        _ if id.contains('<') => return None,
        _ => id,
    };
    id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(id)
}

/// The tailoring XML and the reasons JSON, or `None` when nothing is deselected.
pub fn tailoring(policy: &Policy, host: &str, rules: &[Rule]) -> Option<(String, String)> {
    let mut selects = Vec::new();
    let mut reasons = Vec::new();
    for d in policy.decisions_for(host).filter(|d| !d.is_enforced_here()) {
        let Some(rule) = rules.iter().find(|r| r.id == d.rule) else { continue };
        let Some(cac) = cac_rule(d, rule) else { continue };
        let idref = format!("xccdf_org.ssgproject.content_rule_{cac}");
        if selects.contains(&idref) {
            continue;
        }
        reasons.push(json!({
            "xccdf_rule": idref,
            "temper_rule": d.rule,
            "subject": d.subject,
            "state": d.state,
            "reason": d.reason,
        }));
        selects.push(idref);
    }
    if selects.is_empty() {
        return None;
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        xml,
        "<xccdf:Tailoring xmlns:xccdf=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_com.temper_tailoring_{}\">",
        file_name(host)
    )
    .unwrap();
    writeln!(xml, "  <xccdf:version time=\"{}\">1</xccdf:version>", policy.generated_at.format("%Y-%m-%dT%H:%M:%S"))
        .unwrap();
    writeln!(xml, "  <xccdf:Profile id=\"{}\" extends=\"{BASE_PROFILE}\">", profile_id(host)).unwrap();
    writeln!(
        xml,
        "    <xccdf:title>{}</xccdf:title>",
        xml_text(&format!("CIS Level 1 Server, tailored by Temper for {host}"))
    )
    .unwrap();
    writeln!(
        xml,
        "    <xccdf:description>{}</xccdf:description>",
        xml_text("Rules deselected because the learned policy holds their setting back; the reasons are in the JSON file beside this one.")
    )
    .unwrap();
    for idref in &selects {
        writeln!(xml, "    <xccdf:select idref=\"{idref}\" selected=\"false\"/>").unwrap();
    }
    xml.push_str("  </xccdf:Profile>\n</xccdf:Tailoring>\n");
    let sidecar = json!({ "profile": profile_id(host), "extends": BASE_PROFILE, "deselected": reasons });
    Some((xml, serde_json::to_string_pretty(&sidecar).expect("json always serialises") + "\n"))
}
