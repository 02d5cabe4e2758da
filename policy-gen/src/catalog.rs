//! The rule catalog: every `policy-gen/rules/*.toml`, embedded at build time
//! and checked when loaded, so a typo in a rule fails loudly, not silently.

use crate::rule::{RenderSpec, Rule, ShapeSpec};
use regex::Regex;
use std::collections::BTreeSet;
use temper_observation::Negotiated;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));
}

#[derive(Debug, thiserror::Error)]
#[error("rule catalog, {file}: {reason}")]
pub struct CatalogError {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    rules: Vec<Rule>,
}

impl Catalog {
    /// The catalog built into this binary.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        Catalog::from_sources(embedded::RULE_FILES.iter().map(|(name, text)| (name.to_string(), text.to_string())))
    }

    /// Parses and checks rule files given as (file name, TOML text).
    pub fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Result<Catalog, CatalogError> {
        let mut rules = Vec::new();
        let mut ids = BTreeSet::new();
        for (file, text) in files {
            let fail = |reason: String| CatalogError { file: file.clone(), reason };
            let rule: Rule = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
            if file.strip_suffix(".toml") != Some(rule.id.as_str()) {
                return Err(fail(format!("rule id `{}` does not match its file name", rule.id)));
            }
            if !ids.insert(rule.id.clone()) {
                return Err(fail(format!("duplicate rule id `{}`", rule.id)));
            }
            check_rule(&rule).map_err(fail)?;
            rules.push(rule);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalog { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Loads a policy and checks that this catalog has every rule it names:
    /// a policy from another version of temper is refused the same way by
    /// every command (exit 5), never half-read.
    pub fn load_policy(&self, path: &std::path::Path) -> Result<crate::document::Policy, crate::document::PolicyError> {
        let policy = crate::document::Policy::load(path)?;
        if let Some(unknown) = policy.decisions.iter().find(|d| self.get(&d.rule).is_none()) {
            return Err(crate::document::PolicyError::UnknownRule { path: path.into(), rule: unknown.rule.clone() });
        }
        Ok(policy)
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn check_rule(rule: &Rule) -> Result<(), String> {
    if rule.render.platform() != rule.platform {
        return Err(format!(
            "renders for {} but the rule is for {}",
            rule.render.platform().as_str(),
            rule.platform.as_str()
        ));
    }
    match (&rule.shape, rule.categories.is_empty()) {
        (ShapeSpec::Baseline, false) => {
            return Err("a baseline rule relies on no absence: it lists no `categories`".into())
        }
        (ShapeSpec::Baseline, true) => {}
        (_, true) => return Err("lists no coverage `categories`".into()),
        (_, false) => {}
    }
    check_render(&rule.render)?;
    let named = rule.references.ids().iter().any(|(_, id)| id.is_some_and(|i| !i.trim().is_empty()));
    match (named, rule.references.none.as_deref().map(str::trim)) {
        (false, None | Some("")) => {
            return Err(
                "[references] names no CIS, ComplianceAsCode or STIG id and does not say why (`none = \"...\"`)".into(),
            )
        }
        (true, Some(_)) => return Err("[references] names an id and also says there is none".into()),
        _ => {}
    }
    match &rule.shape {
        ShapeSpec::MinVersion { protocol, target, ceiling, ignore, .. } => {
            let parse = |v: &str| Negotiated::parse(*protocol, v);
            let (t, c) = (parse(target)?, parse(ceiling)?);
            if t > c {
                return Err(format!("target {target} is above ceiling {ceiling}"));
            }
            for v in ignore {
                parse(v)?;
            }
            let levels = match &rule.render {
                RenderSpec::SmbServerConfiguration { levels, .. } | RenderSpec::SambaGlobal { levels, .. } => {
                    Some(levels)
                }
                _ => None,
            };
            if let Some(levels) = levels {
                for v in Negotiated::all_of(*protocol).into_iter().filter(|v| *v >= t && *v <= c) {
                    if !levels.contains_key(v.version_str()) {
                        return Err(format!("render.levels has no value for {}", v.version_str()));
                    }
                }
                for key in levels.keys() {
                    parse(key)?;
                }
            }
        }
        ShapeSpec::DisableUnlessUsed { usage, .. }
        | ShapeSpec::SettingUnlessUsed { usage, .. }
        | ShapeSpec::Allowlist { usage, .. } => {
            if let (Some(p), Some(versions)) = (usage.protocol, &usage.versions) {
                for v in versions {
                    Negotiated::parse(p, v)?;
                }
            }
        }
        ShapeSpec::RemoveUnused { inventory, exclude, candidates, .. } => {
            for pattern in exclude {
                Regex::new(pattern).map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?;
            }
            if inventory.is_none() && candidates.is_empty() {
                return Err("remove_unused needs an `inventory` or `candidates`".into());
            }
            for c in candidates {
                if !plain_word(&c.name) {
                    return Err(format!("candidate `{}` is not a plain name", c.name));
                }
            }
        }
        ShapeSpec::Baseline | ShapeSpec::NarrowGrants { .. } => {}
    }
    Ok(())
}

/// Names that go into configuration files unquoted: letters, digits and `_-.@+`.
fn plain_word(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+'))
}

const SSHD_ALGORITHM_KEYWORDS: [&str; 5] =
    ["Ciphers", "KexAlgorithms", "MACs", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms"];

/// Catalog values written into artifacts verbatim must be plain.
fn check_render(render: &RenderSpec) -> Result<(), String> {
    match render {
        RenderSpec::SshdRemoveAlgorithms { keyword } if !SSHD_ALGORITHM_KEYWORDS.contains(&keyword.as_str()) => {
            Err(format!("`{keyword}` is not an sshd algorithm list keyword"))
        }
        RenderSpec::Sysctl { values } => match values
            .iter()
            .find(|(key, value)| !plain_word(key) || !value.split(' ').all(|v| v.parse::<i64>().is_ok()))
        {
            Some((key, value)) => Err(format!("sysctl `{key} = {value}` is not a plain key with numbers")),
            None => Ok(()),
        },
        RenderSpec::SambaSetting { parameter, value } | RenderSpec::SambaShare { parameter, value }
            if !(parameter.split(' ').all(plain_word) && value.split(' ').all(plain_word)) =>
        {
            Err(format!("smb.conf `{parameter} = {value}` is not plain words"))
        }
        RenderSpec::ServiceDisable { service: Some(service) } if !plain_word(service) => {
            Err(format!("service `{service}` is not a plain name"))
        }
        RenderSpec::Manual { step, .. } if step.replace("{value}", "").replace("{subject}", "").contains('{') => {
            Err(format!("manual step `{step}` has a placeholder other than {{value}} and {{subject}}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_the_foundation_rules() {
        let catalog = Catalog::embedded().unwrap();
        for id in [
            "win-smb1-server",
            "win-smb-min-dialect",
            "win-lm-compatibility-level",
            "win-schannel-tls10-server",
            "win-schannel-tls11-server",
            "win-powershell2-removed",
            "win-rdp-nla",
            "win-unused-shares",
            "linux-sshd-permit-root-login",
            "linux-sshd-password-authentication",
            "linux-sshd-allow-users",
            "linux-tls-min-version",
            "linux-samba-min-protocol",
            "linux-nftables-inbound-allowlist",
            "linux-kernel-modules",
        ] {
            assert!(catalog.get(id).is_some(), "{id} missing");
        }
    }

    #[test]
    fn broken_rules_are_refused_with_their_file() {
        let good = crate::catalog::embedded::RULE_FILES.iter().find(|(n, _)| *n == "win-smb1-server.toml").unwrap().1;
        let wrong_version = good.replace(r#"versions = ["smb1"]"#, r#"versions = ["smb1.0"]"#);
        let err = Catalog::from_sources([("win-smb1-server.toml".to_string(), wrong_version)]).unwrap_err();
        assert!(err.to_string().contains("win-smb1-server.toml") && err.to_string().contains("smb1.0"), "{err}");
        let unknown_key = format!("{good}\nsurprise = 1\n");
        assert!(Catalog::from_sources([("win-smb1-server.toml".to_string(), unknown_key)]).is_err());
        let misnamed = Catalog::from_sources([("other.toml".to_string(), good.to_string())]).unwrap_err();
        assert!(misnamed.to_string().contains("does not match its file name"));

        // References: ids, or a reason there are none; never an empty block, never both.
        let (start, end) = (good.find("[references]\n").unwrap(), good.find("\n[setting]").unwrap());
        let with_refs = |block: &str| format!("{}[references]\n{block}{}", &good[..start], &good[end..]);
        let load = |text: String| Catalog::from_sources([("win-smb1-server.toml".to_string(), text)]);
        assert!(load(with_refs("stig = \"WN22-00-000390\"\n")).is_ok());
        assert!(load(with_refs("none = \"none known\"\n")).is_ok());
        let silent = load(with_refs("")).unwrap_err();
        assert!(silent.to_string().contains("does not say why"), "{silent}");
        let both = load(with_refs("stig = \"WN22-00-000390\"\nnone = \"none known\"\n")).unwrap_err();
        assert!(both.to_string().contains("also says there is none"), "{both}");
    }
}
