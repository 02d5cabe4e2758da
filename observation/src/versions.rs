//! Canonical protocol version strings (docs/observation-format.md).
//!
//! Collectors must emit exactly these strings, so each protocol's versions are
//! an enum whose serde form *is* the canonical string. Variants are declared
//! oldest/weakest first: the derived `Ord` is the hardening order that the
//! `min_version` rule shape relies on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A protocol whose negotiated version Temper records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tls,
    Smb,
    Ntlm,
    Ssh,
    Rdp,
    Kerberos,
}

impl Protocol {
    pub const ALL: [Protocol; 6] =
        [Protocol::Tls, Protocol::Smb, Protocol::Ntlm, Protocol::Ssh, Protocol::Rdp, Protocol::Kerberos];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tls => "tls",
            Protocol::Smb => "smb",
            Protocol::Ntlm => "ntlm",
            Protocol::Ssh => "ssh",
            Protocol::Rdp => "rdp",
            Protocol::Kerberos => "kerberos",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown protocol `{s}` (expected one of tls, smb, ntlm, ssh, rdp, kerberos)"))
    }
}

/// Declares a version enum with its canonical strings, in hardening order.
macro_rules! canonical_versions {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every version, oldest/weakest first.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "`{s}` is not a canonical {} version (expected one of {})",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

canonical_versions!(
    /// TLS and its SSL predecessors.
    TlsVersion { Ssl2 = "ssl2", Ssl3 = "ssl3", Tls10 = "tls1.0", Tls11 = "tls1.1", Tls12 = "tls1.2", Tls13 = "tls1.3" }
);
canonical_versions!(
    /// SMB dialects. `smb2+` is SMB 2 or later with the dialect not seen: a
    /// session that negotiated before the capture or the observer started
    /// (mapped drives stay connected for weeks). It is not SMB1, and it is
    /// not known to meet any SMB 2 minimum, so it ranks just above SMB1.
    SmbDialect { Smb1 = "smb1", Smb2Unknown = "smb2+", Smb202 = "smb2.0.2", Smb21 = "smb2.1", Smb30 = "smb3.0", Smb302 = "smb3.0.2", Smb311 = "smb3.1.1" }
);

impl SmbDialect {
    /// Whether the dialect is known (not `smb2+`).
    pub fn is_known(self) -> bool {
        self != SmbDialect::Smb2Unknown
    }
}
canonical_versions!(
    /// NTLM response types. An anonymous session is not a version: it is
    /// `detail.anonymous = true` and never counts as a client's NTLMv1 use.
    NtlmVersion { Lm = "lm", NtlmV1 = "ntlmv1", NtlmV2 = "ntlmv2" }
);
canonical_versions!(
    /// SSH protocol generations; algorithms travel in `detail`.
    SshVersion { Ssh1 = "ssh1", Ssh2 = "ssh2" }
);
canonical_versions!(
    /// RDP security layers: legacy RDP security, TLS, CredSSP (NLA), CredSSP with early user authorization.
    RdpSecurity { Rdp = "rdp", Tls = "tls", CredSsp = "credssp", CredSspEx = "credssp-ex" }
);
canonical_versions!(
    /// Kerberos; the encryption type travels in `detail.etype`.
    KerberosVersion { V5 = "5" }
);

/// A negotiated protocol version: the `protocol` and `version` fields of a
/// `protocol` observation, kept consistent by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "NegotiatedText", into = "NegotiatedText")]
pub enum Negotiated {
    Tls(TlsVersion),
    Smb(SmbDialect),
    Ntlm(NtlmVersion),
    Ssh(SshVersion),
    Rdp(RdpSecurity),
    Kerberos(KerberosVersion),
}

impl Negotiated {
    pub fn protocol(self) -> Protocol {
        match self {
            Negotiated::Tls(_) => Protocol::Tls,
            Negotiated::Smb(_) => Protocol::Smb,
            Negotiated::Ntlm(_) => Protocol::Ntlm,
            Negotiated::Ssh(_) => Protocol::Ssh,
            Negotiated::Rdp(_) => Protocol::Rdp,
            Negotiated::Kerberos(_) => Protocol::Kerberos,
        }
    }

    pub fn version_str(self) -> &'static str {
        match self {
            Negotiated::Tls(v) => v.as_str(),
            Negotiated::Smb(v) => v.as_str(),
            Negotiated::Ntlm(v) => v.as_str(),
            Negotiated::Ssh(v) => v.as_str(),
            Negotiated::Rdp(v) => v.as_str(),
            Negotiated::Kerberos(v) => v.as_str(),
        }
    }

    /// Position of the version in its protocol's hardening order (0 = weakest).
    pub fn rank(self) -> usize {
        fn pos<T: PartialEq>(all: &[T], v: T) -> usize {
            all.iter().position(|x| *x == v).expect("variant is listed in ALL")
        }
        match self {
            Negotiated::Tls(v) => pos(TlsVersion::ALL, v),
            Negotiated::Smb(v) => pos(SmbDialect::ALL, v),
            Negotiated::Ntlm(v) => pos(NtlmVersion::ALL, v),
            Negotiated::Ssh(v) => pos(SshVersion::ALL, v),
            Negotiated::Rdp(v) => pos(RdpSecurity::ALL, v),
            Negotiated::Kerberos(v) => pos(KerberosVersion::ALL, v),
        }
    }

    /// Parses a protocol name and a canonical version string.
    pub fn parse(protocol: Protocol, version: &str) -> Result<Self, String> {
        Ok(match protocol {
            Protocol::Tls => Negotiated::Tls(version.parse()?),
            Protocol::Smb => Negotiated::Smb(version.parse()?),
            Protocol::Ntlm => Negotiated::Ntlm(version.parse()?),
            Protocol::Ssh => Negotiated::Ssh(version.parse()?),
            Protocol::Rdp => Negotiated::Rdp(version.parse()?),
            Protocol::Kerberos => Negotiated::Kerberos(version.parse()?),
        })
    }

    /// Every canonical version of a protocol, weakest first.
    pub fn all_of(protocol: Protocol) -> Vec<Negotiated> {
        match protocol {
            Protocol::Tls => TlsVersion::ALL.iter().map(|v| Negotiated::Tls(*v)).collect(),
            Protocol::Smb => SmbDialect::ALL.iter().map(|v| Negotiated::Smb(*v)).collect(),
            Protocol::Ntlm => NtlmVersion::ALL.iter().map(|v| Negotiated::Ntlm(*v)).collect(),
            Protocol::Ssh => SshVersion::ALL.iter().map(|v| Negotiated::Ssh(*v)).collect(),
            Protocol::Rdp => RdpSecurity::ALL.iter().map(|v| Negotiated::Rdp(*v)).collect(),
            Protocol::Kerberos => KerberosVersion::ALL.iter().map(|v| Negotiated::Kerberos(*v)).collect(),
        }
    }
}

impl fmt::Display for Negotiated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.protocol(), self.version_str())
    }
}

/// The wire form of [`Negotiated`]: two sibling JSON fields.
#[derive(Serialize, Deserialize)]
struct NegotiatedText {
    protocol: Protocol,
    version: String,
}

impl TryFrom<NegotiatedText> for Negotiated {
    type Error = String;
    fn try_from(t: NegotiatedText) -> Result<Self, String> {
        Negotiated::parse(t.protocol, &t.version)
    }
}

impl From<Negotiated> for NegotiatedText {
    fn from(n: Negotiated) -> Self {
        NegotiatedText { protocol: n.protocol(), version: n.version_str().to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_canonical_string_round_trips() {
        for p in Protocol::ALL {
            for n in Negotiated::all_of(p) {
                let json = serde_json::to_string(&n).unwrap();
                let back: Negotiated = serde_json::from_str(&json).unwrap();
                assert_eq!(back, n, "{json}");
                assert_eq!(Negotiated::parse(p, n.version_str()).unwrap(), n);
            }
        }
    }

    #[test]
    fn exact_canonical_strings() {
        let json = serde_json::to_string(&Negotiated::Tls(TlsVersion::Tls10)).unwrap();
        assert_eq!(json, r#"{"protocol":"tls","version":"tls1.0"}"#);
        assert_eq!(SmbDialect::Smb311.as_str(), "smb3.1.1");
        assert_eq!(RdpSecurity::CredSspEx.as_str(), "credssp-ex");
        assert_eq!(KerberosVersion::V5.as_str(), "5");
    }

    #[test]
    fn order_is_hardening_order() {
        assert!(TlsVersion::Ssl2 < TlsVersion::Tls10 && TlsVersion::Tls12 < TlsVersion::Tls13);
        assert!(SmbDialect::Smb1 < SmbDialect::Smb202 && SmbDialect::Smb302 < SmbDialect::Smb311);
        assert!(NtlmVersion::Lm < NtlmVersion::NtlmV1 && NtlmVersion::NtlmV1 < NtlmVersion::NtlmV2);
        assert_eq!(Negotiated::Tls(TlsVersion::Tls10).rank(), 2);
    }

    #[test]
    fn version_must_belong_to_its_protocol() {
        let err = serde_json::from_str::<Negotiated>(r#"{"protocol":"smb","version":"tls1.0"}"#).unwrap_err();
        assert!(err.to_string().contains("not a canonical SmbDialect version"), "{err}");
        assert!(serde_json::from_str::<Negotiated>(r#"{"protocol":"tls","version":"TLSv1"}"#).is_err());
    }
}
