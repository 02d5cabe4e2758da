//! The policy: a versioned JSON document (schema in docs/policy-format.md)
//! naming the profile it was learned from, its parameters, and every
//! decision with its evidence.

use super::decision::Decision;
use super::learned::{CalendarCoverage, CategoryConvergence, FleetOutlier, SourceHealth};
use super::scanner_suspect::ScannerSuspect;
use super::state::State;
use crate::rule::Platform;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use temper_observation::atomic_file::write_atomically;

pub const POLICY_FORMAT: &str = "temper-policy";
pub const POLICY_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRef {
    pub path: String,
    /// Content digest of the profile (see `temper profile show`).
    pub sha256: String,
    pub window_from: Option<DateTime<Utc>>,
    pub window_to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    pub min_days: f64,
    pub max_lossy_share: f64,
    pub keep_accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    pub host: String,
    pub platform: Option<Platform>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub observations: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotApplicable {
    pub rule: String,
    pub host: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub format: String,
    pub version: u32,
    pub generated_at: DateTime<Utc>,
    pub generator: String,
    pub profile: ProfileRef,
    pub parameters: Parameters,
    pub hosts: Vec<HostSummary>,
    pub decisions: Vec<Decision>,
    pub not_applicable: Vec<NotApplicable>,
    /// Facts only a few hosts of their platform use: fix the host, not the fleet's policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fleet_outliers: Vec<FleetOutlier>,
    /// Floods the profile folded: who flooded what, when, how much.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub floods: Vec<super::Flood>,
    /// Untagged peers that behaved like scanners: tag them in the peers file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scanner_suspects: Vec<ScannerSuspect>,
    /// Per host and source: days watched, gaps, days with losses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<SourceHealth>,
    /// Calendar coverage per host, in its time zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendar: Vec<CalendarCoverage>,
    /// Convergence per host and category, when it was assessed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub convergence: Vec<CategoryConvergence>,
    /// The review file whose verdicts were applied, and what the reviewer should know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewApplied>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewApplied {
    /// None when there was no review file yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub verdicts: usize,
    /// Expired verdicts, verdicts matching nothing, stale exceptions.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: not valid JSON: {message}")]
    Json { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: not a Temper policy (no \"format\": \"{POLICY_FORMAT}\")")]
    NotAPolicy { path: PathBuf },
    #[error("{path}: policy version {found} is not supported (this temper reads version {POLICY_VERSION})")]
    UnsupportedVersion { path: PathBuf, found: String },
    #[error("{path}: invalid policy: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: the policy names rule {rule}, which this temper's catalog does not have (a policy from another version of temper?)")]
    UnknownRule { path: PathBuf, rule: String },
}

impl Policy {
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io { path: path.into(), source })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| PolicyError::Json {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if value.get("format").and_then(Value::as_str) != Some(POLICY_FORMAT) {
            return Err(PolicyError::NotAPolicy { path: path.into() });
        }
        match value.get("version") {
            Some(v) if v.as_u64() == Some(POLICY_VERSION as u64) => {}
            Some(v) => return Err(PolicyError::UnsupportedVersion { path: path.into(), found: v.to_string() }),
            None => return Err(PolicyError::UnsupportedVersion { path: path.into(), found: "(missing)".into() }),
        }
        serde_json::from_value(value).map_err(|e| PolicyError::Invalid { path: path.into(), message: e.to_string() })
    }

    /// Writes the policy as pretty JSON, atomically (write then rename).
    pub fn save(&self, path: &Path) -> Result<(), PolicyError> {
        let text = serde_json::to_string_pretty(self).expect("policies always serialise");
        write_atomically(path, text.as_bytes()).map_err(|source| PolicyError::Io { path: path.into(), source })
    }

    /// Decision counts per host, in `State::ALL` order.
    pub fn counts_by_host(&self) -> BTreeMap<String, [usize; 4]> {
        let mut counts: BTreeMap<String, [usize; 4]> = self.hosts.iter().map(|h| (h.host.clone(), [0; 4])).collect();
        for d in &self.decisions {
            let slot = State::ALL.iter().position(|s| *s == d.state).expect("every state is listed");
            counts.entry(d.host.clone()).or_insert([0; 4])[slot] += 1;
        }
        counts
    }

    pub fn decisions_for<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Decision> + 'a {
        self.decisions.iter().filter(move |d| d.host == host)
    }
}
