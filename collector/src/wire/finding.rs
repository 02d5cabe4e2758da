//! What a dissector learned from one flow, before it becomes an Observation.

use crate::versions::{NtlmVersion, RdpSecurity, SmbDialect, SshVersion, TlsVersion};

/// Which side of the flow sent the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client (the side that opened the flow or spoke first in the handshake).
    ToServer,
    /// From the server.
    ToClient,
}

impl Direction {
    /// 0 for the client's bytes, 1 for the server's: an index into per-direction pairs.
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

impl Finding {
    /// Whether the finding is a use seen (every finding but a loss).
    pub fn is_use(&self) -> bool {
        !matches!(self, Finding::Lost { .. })
    }
}

/// What a CREATE asked for, from its desired access mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmbAccess {
    Read,
    Write,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A hole in the stream hid messages of a flow that feeds `categories`
    /// (a capture's lost segments, a frame cut by its snap length): a loss,
    /// so that an absence after it is never read as "unused".
    Lost { categories: &'static [&'static str] },
    /// A TLS (or SSL) handshake: the version and cipher the server chose.
    Tls { version: TlsVersion, cipher: Option<String>, sni: Option<String> },
    /// An SSH handshake: the generation from the banners and the algorithms
    /// negotiated per RFC 4253 §7.1 (the first client algorithm the server also lists).
    Ssh {
        version: SshVersion,
        client_banner: Option<String>,
        server_banner: Option<String>,
        kex: Option<String>,
        host_key: Option<String>,
        /// Client-to-server cipher and MAC.
        cipher: Option<String>,
        mac: Option<String>,
    },
    /// The SMB dialect the server chose, with its signing mode when known.
    SmbDialect {
        dialect: SmbDialect,
        signing_required: Option<bool>,
        /// The encryption cipher an SMB 3.1.1 server chose (`AES-128-GCM`, ...), from its negotiate contexts.
        cipher: Option<String>,
    },
    /// A TREE_CONNECT: the path as the client wrote it (`\\server\share`).
    SmbTreeConnect { path: String },
    /// A CREATE on a share (the share path of its tree, if the tree connect was seen).
    SmbCreate { tree_path: Option<String>, file: String, access: SmbAccess },
    /// An NTLMSSP AUTHENTICATE message.
    Ntlm {
        version: NtlmVersion,
        user: Option<String>,
        domain: Option<String>,
        workstation: Option<String>,
        /// A null session: no user and no (or an empty) response.
        anonymous: bool,
    },
    /// A Kerberos exchange.
    Kerberos {
        /// `AS`, `TGS` or `AP` (an AP-REQ inside another protocol, e.g. SMB SESSION_SETUP).
        request_type: String,
        /// The encryption type chosen (reply enc-part, or the ticket's for AP-REQ), e.g. `aes256-cts-hmac-sha1-96`.
        etype: Option<String>,
        /// Encryption types the client offered (AS-REQ/TGS-REQ).
        requested_etypes: Vec<String>,
        /// AP-REQ: the authenticator's encryption type, the session key's (RC4 there
        /// means the client and the KDC agreed on an RC4 session key even for an AES ticket).
        authenticator_etype: Option<String>,
        /// `Some(false)` for a KRB-ERROR reply, `Some(true)` for a reply, `None` if no reply was seen.
        success: Option<bool>,
        client: Option<String>,
        service: Option<String>,
    },
    /// An RDP connection: the security layer the server selected.
    Rdp { security: Option<RdpSecurity>, requested: Vec<RdpSecurity>, cookie: Option<String> },
}
