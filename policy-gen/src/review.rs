//! Reviewers' verdicts on the decisions that need a human (exceptions,
//! `review`, `insufficient`, recommendations for other places), kept in a
//! review file beside the policy (`policy.review.toml` for `policy.json`)
//! so it is versioned with it. The next `policy generate` honours them:
//! an accepted item stays held back (with who, why and until when), a
//! rejected one is enforced anyway. Expired verdicts, verdicts that match
//! no decision any more, and exceptions whose evidence was last seen long
//! ago are flagged in the policy and the report.

pub use crate::document::verdict::{AppliedVerdict, Outcome};
use crate::document::{Decision, Policy, ReviewApplied, Scope, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use temper_observation::atomic_file::write_atomically;

pub const REVIEW_FORMAT: &str = "temper-review";
pub const REVIEW_VERSION: u32 = 1;

/// An exception whose evidence was last seen this long before the end of
/// the window is flagged as stale: the need may be gone.
pub const DEFAULT_STALE_DAYS: i64 = 30;

/// One reviewer's verdict on one decision (host, rule and subject).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    pub host: String,
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub verdict: Outcome,
    pub reviewer: String,
    pub reason: String,
    /// Accepted exceptions expire: after this day the item needs a reviewer again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    pub recorded: DateTime<Utc>,
    /// The decision's state when the verdict was recorded.
    pub state_then: State,
    /// When its evidence was last seen then, for a later reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_last_seen: Option<DateTime<Utc>>,
}

impl Verdict {
    pub fn matches(&self, d: &Decision) -> bool {
        self.host == d.host && self.rule == d.rule && self.subject == d.subject
    }

    pub fn expired(&self, on: NaiveDate) -> bool {
        self.expires.is_some_and(|e| e < on)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewFile {
    pub format: String,
    pub version: u32,
    #[serde(default, rename = "verdict")]
    pub verdicts: Vec<Verdict>,
}

impl Default for ReviewFile {
    fn default() -> Self {
        ReviewFile { format: REVIEW_FORMAT.into(), version: REVIEW_VERSION, verdicts: Vec::new() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The review file that belongs to a policy file: `policy.json` → `policy.review.toml`.
pub fn review_path_for(policy: &Path) -> PathBuf {
    let stem = policy.file_stem().and_then(|s| s.to_str()).unwrap_or("policy");
    policy.with_file_name(format!("{stem}.review.toml"))
}

impl ReviewFile {
    /// The file, or an empty one when it does not exist yet.
    pub fn load_or_default(path: &Path) -> Result<ReviewFile, ReviewError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ReviewFile::parse(&text).map_err(|message| ReviewError::Invalid { path: path.into(), message }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ReviewFile::default()),
            Err(source) => Err(ReviewError::Io { path: path.into(), source }),
        }
    }

    /// Parses and checks a review file; errors carry TOML's line and column.
    pub fn parse(text: &str) -> Result<ReviewFile, String> {
        let file: ReviewFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if file.format != REVIEW_FORMAT {
            return Err(format!("not a Temper review file (format is {:?}, expected {REVIEW_FORMAT:?})", file.format));
        }
        if file.version != REVIEW_VERSION {
            return Err(format!(
                "review file version {} is not supported (this temper reads {REVIEW_VERSION})",
                file.version
            ));
        }
        for v in &file.verdicts {
            if v.reviewer.trim().is_empty() || v.reason.trim().is_empty() {
                return Err(format!("the verdict on {} {} names no reviewer or no reason", v.host, v.rule));
            }
        }
        Ok(file)
    }

    pub fn save(&self, path: &Path) -> Result<(), ReviewError> {
        let mut text = String::from(
            "# Reviewers' verdicts on this policy's exceptions (temper review).\n# Keep it beside the policy and version it with it.\n\n",
        );
        text.push_str(&toml::to_string_pretty(self).expect("review files always serialise"));
        write_atomically(path, text.as_bytes()).map_err(|source| ReviewError::Io { path: path.into(), source })
    }

    /// Records a verdict, replacing an earlier one on the same decision.
    pub fn record(&mut self, verdict: Verdict) {
        self.verdicts.retain(|v| !(v.host == verdict.host && v.rule == verdict.rule && v.subject == verdict.subject));
        self.verdicts.push(verdict);
        self.verdicts.sort_by(|a, b| (&a.host, &a.rule, &a.subject).cmp(&(&b.host, &b.rule, &b.subject)));
    }
}

/// Whether a decision needs a human: anything not simply enforced here.
pub fn needs_review(d: &Decision) -> bool {
    d.state != State::Enforce || d.scope != Scope::Host
}

/// When the decision's evidence was last seen, if it has any.
pub fn evidence_last_seen(d: &Decision) -> Option<DateTime<Utc>> {
    d.usage.iter().map(|u| u.last_seen).max()
}

/// Applies the verdicts to a freshly generated policy and stale-flags old
/// exceptions. Returns notes for the reviewer (also stored in the policy).
pub fn apply(policy: &mut Policy, review: &ReviewFile, stale_days: i64) -> Vec<String> {
    let today = policy.generated_at.date_naive();
    let mut notes = Vec::new();
    let window_end = policy.profile.window_to;
    for d in policy.decisions.iter_mut() {
        if d.state == State::Exception {
            if let (Some(last), Some(end)) = (evidence_last_seen(d), window_end) {
                let idle = (end - last).num_days();
                if idle >= stale_days {
                    d.stale_days = Some(idle);
                    notes.push(format!(
                        "{} {}{}: the evidence was last seen {} ({idle} days before the end of the window); the need may be gone",
                        d.host,
                        d.rule,
                        subject_suffix(d),
                        last.format("%Y-%m-%d")
                    ));
                }
            }
        }
        let Some(v) = review.verdicts.iter().find(|v| v.matches(d)) else { continue };
        let state_before = d.state;
        let mut applied = AppliedVerdict {
            verdict: v.verdict,
            reviewer: v.reviewer.clone(),
            reason: v.reason.clone(),
            expires: v.expires,
            recorded: v.recorded,
            state_before,
            expired: false,
        };
        if v.expired(today) {
            applied.expired = true;
            notes.push(format!(
                "{} {}{}: the verdict by {} expired on {}; the item needs a reviewer again",
                d.host,
                d.rule,
                subject_suffix(d),
                v.reviewer,
                v.expires.map(|e| e.to_string()).unwrap_or_default()
            ));
        } else if !needs_review(d) {
            notes.push(format!(
                "{} {}{}: {} by {}, but nothing holds it back any more; the verdict is no longer needed",
                d.host,
                d.rule,
                subject_suffix(d),
                v.verdict.as_str(),
                v.reviewer
            ));
            continue;
        } else {
            let until = v.expires.map(|e| format!(" until {e}")).unwrap_or_default();
            match v.verdict {
                Outcome::Accept => {
                    if d.state != State::Exception {
                        d.state = State::Exception;
                    }
                    d.reason = format!("Accepted by {}{until}: {}. ({})", v.reviewer, v.reason, d.reason);
                }
                Outcome::Reject => {
                    match d.detail.get(crate::render::expressible::NOT_RENDERABLE).and_then(|w| w.as_str()) {
                        // A verdict cannot make a value writable: it stays held back.
                        Some(why) => {
                            d.reason = format!(
                            "Rejected by {}: {}. Still not enforced: the artifacts cannot apply it safely ({why}). ({})",
                            v.reviewer, v.reason, d.reason
                        );
                        }
                        None => {
                            d.state = State::Enforce;
                            d.reason = format!(
                                "Rejected by {}: {}. Enforced although the evidence said {}: {}",
                                v.reviewer,
                                v.reason,
                                state_before.as_str(),
                                d.reason
                            );
                        }
                    }
                }
            }
        }
        d.verdict = Some(applied);
    }
    for v in &review.verdicts {
        if !policy.decisions.iter().any(|d| v.matches(d)) {
            let subject = v.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            notes.push(format!(
                "{} {}{subject}: the verdict by {} matches no decision of this policy",
                v.host, v.rule, v.reviewer
            ));
        }
    }
    notes
}

/// Loads the review file (none yet is fine), applies it, and records in the
/// policy which file (by digest) was applied and the notes.
pub fn apply_file(policy: &mut Policy, path: &Path, stale_days: i64) -> Result<(), ReviewError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(ReviewError::Io { path: path.into(), source }),
    };
    let review = match &bytes {
        Some(bytes) => ReviewFile::parse(&String::from_utf8_lossy(bytes))
            .map_err(|message| ReviewError::Invalid { path: path.into(), message })?,
        None => ReviewFile::default(),
    };
    let notes = apply(policy, &review, stale_days);
    policy.review = Some(ReviewApplied {
        file: bytes.as_ref().map(|_| path.display().to_string()),
        sha256: bytes.as_ref().map(|b| hex(&Sha256::digest(b))),
        verdicts: review.verdicts.len(),
        notes,
    });
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn subject_suffix(d: &Decision) -> String {
    d.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
}
