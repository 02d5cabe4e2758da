//! ed25519 keys for signing policy bundles, as one-line text files:
//!
//! - public: `temper-ed25519 <base64 key> <name>` (what targets trust; a
//!   trusted-keys file holds several, with `#` comments);
//! - secret: `temper-ed25519-secret <base64 seed> <name>`, written mode 0600.
//!
//! A key is named by its id: the first 16 hex digits of the SHA-256 of the
//! public key, shown wherever a signer is named.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const PUBLIC_TAG: &str = "temper-ed25519";
const SECRET_TAG: &str = "temper-ed25519-secret";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid { path: PathBuf, line: usize, message: String },
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub key: VerifyingKey,
    pub name: String,
}

impl PublicKey {
    pub fn id(&self) -> String {
        key_id(&self.key)
    }

    pub fn to_line(&self) -> String {
        format!("{PUBLIC_TAG} {} {}", BASE64.encode(self.key.as_bytes()), self.name)
    }

    pub fn verifies(&self, message: &[u8], signature: &Signature) -> bool {
        self.key.verify(message, signature).is_ok()
    }
}

pub fn key_id(key: &VerifyingKey) -> String {
    Sha256::digest(key.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

pub struct SecretKey {
    key: SigningKey,
    pub name: String,
}

impl SecretKey {
    /// A new key from the operating system's randomness.
    pub fn generate(name: &str) -> Result<SecretKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SecretKey { key: SigningKey::from_bytes(&seed), name: name.to_string() })
    }

    pub fn public(&self) -> PublicKey {
        PublicKey { key: self.key.verifying_key(), name: self.name.clone() }
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }

    pub fn load(path: &Path) -> Result<SecretKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
        let invalid = |message: &str| KeyError::Invalid { path: path.into(), line: 1, message: message.into() };
        let mut words = text.trim().splitn(3, ' ');
        if words.next() != Some(SECRET_TAG) {
            return Err(invalid("not a Temper secret key (expected `temper-ed25519-secret ...`; see `temper keygen`)"));
        }
        let seed: [u8; 32] = words
            .next()
            .and_then(|b| BASE64.decode(b).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| invalid("the key is not 32 bytes of base64"))?;
        let name = words.next().unwrap_or("").trim().to_string();
        Ok(SecretKey { key: SigningKey::from_bytes(&seed), name })
    }

    /// Writes `PATH` (secret, owner-only) and `PATH.pub`; refuses to overwrite.
    pub fn save(&self, path: &Path) -> Result<PathBuf, KeyError> {
        let public_path = PathBuf::from(format!("{}.pub", path.display()));
        fn io(p: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
            move |source| KeyError::Io { path: p.into(), source }
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        use std::io::Write;
        let mut file = options.open(path).map_err(io(path))?;
        writeln!(file, "{SECRET_TAG} {} {}", BASE64.encode(self.key.to_bytes()), self.name).map_err(io(path))?;
        let mut public =
            std::fs::OpenOptions::new().write(true).create_new(true).open(&public_path).map_err(io(&public_path))?;
        writeln!(public, "{}", self.public().to_line()).map_err(io(&public_path))?;
        Ok(public_path)
    }
}

/// Public keys from a `.pub` file or a trusted-keys file: one per line,
/// blank lines and `#` comments ignored.
pub fn load_public_keys(path: &Path) -> Result<Vec<PublicKey>, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let invalid = |message: &str| KeyError::Invalid { path: path.into(), line: index + 1, message: message.into() };
        let mut words = line.splitn(3, ' ');
        if words.next() != Some(PUBLIC_TAG) {
            return Err(invalid("not a Temper public key (expected `temper-ed25519 <base64> <name>`)"));
        }
        let bytes: [u8; 32] = words
            .next()
            .and_then(|b| BASE64.decode(b).ok())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| invalid("the key is not 32 bytes of base64"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| invalid("not a valid ed25519 public key"))?;
        keys.push(PublicKey { key, name: words.next().unwrap_or("").trim().to_string() });
    }
    Ok(keys)
}
