//! A signed policy bundle: one host's policy, its review file, its rendered
//! artifacts and the role fingerprint, in one file signed with ed25519, to
//! ship to servers of the same role.
//!
//! The file is text:
//!
//! ```text
//! temper-bundle 1
//! signer <key id> <base64 public key> <name>
//! signature <base64 ed25519 signature>
//! { ...payload JSON... }
//! ```
//!
//! The signature covers every byte of the file except its own line, so a
//! changed byte anywhere (payload, signer line, a newline added at the end)
//! fails verification. The signer line only says which key signed: the key
//! that verifies must be one the target trusts.

use crate::document::Policy;
use crate::fingerprint::RoleFingerprint;
use crate::signing::{key_id, PublicKey, SecretKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &str = "temper-bundle 1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundlePayload {
    pub created: DateTime<Utc>,
    pub generator: String,
    /// The host whose policy this is: the role.
    pub host: String,
    /// Enforcement, or the audit stage before it (artifacts that only log).
    #[serde(default)]
    pub stage: crate::render::Stage,
    pub fingerprint: RoleFingerprint,
    /// The policy, with only this host's decisions.
    pub policy: Policy,
    /// The review file's text, when the policy had one.
    pub review: Option<String>,
    /// Rendered artifacts, by path relative to the host's directory, base64 (byte-exact).
    pub artifacts: BTreeMap<String, String>,
}

impl BundlePayload {
    pub fn artifact(&self, path: &str) -> Option<Vec<u8>> {
        self.artifacts.get(path).and_then(|b| BASE64.decode(b).ok())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a Temper bundle: {message}")]
    Malformed { path: PathBuf, message: String },
    /// `id` is computed from the public key the bundle carries, never taken
    /// from its label: a label can claim any key.
    #[error("{path}: signed by key {id} ({name}), which is not among the {trusted} trusted key(s){}", claimed.as_ref().map(|c| format!("; its signer line claims to be key {c}")).unwrap_or_default())]
    UnknownSigner { path: PathBuf, id: String, name: String, trusted: usize, claimed: Option<String> },
    #[error("{path}: the signature does not verify with the trusted key {id} the bundle names: it was modified after signing, or signed by another key")]
    BadSignature { path: PathBuf, id: String },
}

/// A verified bundle and the trusted key that signed it.
pub struct VerifiedBundle {
    pub payload: BundlePayload,
    pub signer: PublicKey,
}

/// Signs `payload` with `key` and writes the bundle to `path`.
pub fn write(path: &Path, payload: &BundlePayload, key: &SecretKey) -> Result<(), BundleError> {
    let public = key.public();
    let signer =
        format!("signer {} {} {}\n", public.id(), BASE64.encode(public.key.as_bytes()), one_line(&public.name));
    let body = serde_json::to_string_pretty(payload).expect("bundles always serialise") + "\n";
    let mut message = format!("{MAGIC}\n{signer}").into_bytes();
    message.extend_from_slice(body.as_bytes());
    let signature = key.sign(&message);
    let text = format!("{MAGIC}\n{signer}signature {}\n{body}", BASE64.encode(signature.to_bytes()));
    temper_observation::atomic_file::write_atomically(path, text.as_bytes())
        .map_err(|source| BundleError::Io { path: path.into(), source })
}

/// Reads a bundle, checks its signature against `trusted`, then parses it.
pub fn open(path: &Path, trusted: &[PublicKey]) -> Result<VerifiedBundle, BundleError> {
    let bytes = std::fs::read(path).map_err(|source| BundleError::Io { path: path.into(), source })?;
    let malformed = |message: &str| BundleError::Malformed { path: path.into(), message: message.into() };
    let mut lines = Vec::new();
    let mut start = 0;
    for _ in 0..3 {
        let end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|p| start + p)
            .ok_or_else(|| malformed("it ends before its header does"))?;
        lines.push((start, end));
        start = end + 1;
    }
    let line =
        |(s, e): (usize, usize)| std::str::from_utf8(&bytes[s..e]).map_err(|_| malformed("the header is not UTF-8"));
    if line(lines[0])? != MAGIC {
        return Err(malformed("line 1 is not `temper-bundle 1`"));
    }
    let signer_line = line(lines[1])?;
    let mut words = signer_line.splitn(4, ' ');
    let (Some("signer"), Some(id), Some(key), name) = (words.next(), words.next(), words.next(), words.next()) else {
        return Err(malformed("line 2 is not `signer <id> <key> <name>`"));
    };
    let signature_text =
        line(lines[2])?.strip_prefix("signature ").ok_or_else(|| malformed("line 3 is not `signature <base64>`"))?;
    let signature: [u8; 64] = BASE64
        .decode(signature_text)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| malformed("the signature is not 64 bytes of base64"))?;
    let signature = Signature::from_bytes(&signature);
    let carried = BASE64.decode(key).unwrap_or_default();
    let carried_id = <[u8; 32]>::try_from(carried.as_slice())
        .ok()
        .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
        .map(|key| key_id(&key))
        .unwrap_or_else(|| "(not an ed25519 key)".to_string());
    let Some(trusted_key) = trusted.iter().find(|k| k.key.as_bytes().as_slice() == carried.as_slice()) else {
        return Err(BundleError::UnknownSigner {
            path: path.into(),
            id: carried_id.clone(),
            name: name.unwrap_or("").to_string(),
            trusted: trusted.len(),
            claimed: (id != carried_id).then(|| id.to_string()),
        });
    };
    let mut message = bytes[..lines[2].0].to_vec();
    message.extend_from_slice(&bytes[lines[2].1 + 1..]);
    if !trusted_key.verifies(&message, &signature) || key_id(&trusted_key.key) != id {
        return Err(BundleError::BadSignature { path: path.into(), id: key_id(&trusted_key.key) });
    }
    let payload: BundlePayload = serde_json::from_slice(&bytes[lines[2].1 + 1..])
        .map_err(|e| malformed(&format!("the signed payload does not parse: {e}")))?;
    Ok(VerifiedBundle { payload, signer: trusted_key.clone() })
}

/// Key names go on one header line.
fn one_line(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// What goes into a bundle for `host` of `policy`: its decisions, artifacts
/// rendered now, the review file's text, and the role fingerprint from `view`.
pub fn payload_for(
    policy: &Policy,
    host: &str,
    view: &crate::host_view::HostView,
    review: Option<String>,
    rules: &[crate::rule::Rule],
    created: DateTime<Utc>,
    stage: crate::render::Stage,
) -> Result<BundlePayload, String> {
    let mut policy = policy.clone();
    policy.hosts.retain(|h| h.host == host);
    if policy.hosts.is_empty() {
        return Err(format!("the policy has no host {host}"));
    }
    policy.decisions.retain(|d| d.host == host);
    policy.not_applicable.retain(|n| n.host == host);
    let artifacts = rendered_artifacts(&policy, rules, stage)?;
    Ok(BundlePayload {
        created,
        generator: format!("temper {}", env!("CARGO_PKG_VERSION")),
        host: host.to_string(),
        stage,
        fingerprint: RoleFingerprint::of(view),
        policy,
        review,
        artifacts,
    })
}

/// Renders the (single-host) policy into a scratch directory and reads the files back.
fn rendered_artifacts(
    policy: &Policy,
    rules: &[crate::rule::Rule],
    stage: crate::render::Stage,
) -> Result<BTreeMap<String, String>, String> {
    let scratch = std::env::temp_dir().join(format!(
        "temper-bundle-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let result =
        crate::render::render_stage(policy, rules, &scratch, stage).map_err(|e| e.to_string()).and_then(|summary| {
            let mut files = BTreeMap::new();
            for (_, dir, written) in &summary.hosts {
                for path in written {
                    let relative = path.strip_prefix(dir).map_err(|e| e.to_string())?;
                    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    files.insert(relative.to_string_lossy().replace('\\', "/"), BASE64.encode(bytes));
                }
            }
            Ok(files)
        });
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
