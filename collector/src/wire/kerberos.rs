//! Kerberos v5 (RFC 4120): the AS and TGS exchanges on port 88, and the
//! AP-REQ that other protocols carry inside GSS-API/SPNEGO tokens.
//!
//! What Temper wants from Kerberos is the encryption type the KDC really
//! issued tickets with (what Zeek logs as `cipher`) next to the types clients
//! offered, so that RC4 or DES can be switched off only where nothing still
//! depends on them. Message parsing is left to `kerberos-parser`; this module
//! frames messages, pairs requests with replies, and names encryption types.

use std::collections::VecDeque;

use der_parser::asn1_rs::{Any, Class, FromDer, Tag};
use kerberos_parser::krb5::{ApReq, EncryptionType, KdcRep, KdcReq, KrbError, PrincipalName};
use kerberos_parser::krb5_parser::{parse_as_rep, parse_as_req, parse_tgs_rep, parse_tgs_req};

use super::dissector::{Dissector, Gap};
use super::{Direction, Finding};
use crate::observation::Transport;

/// Largest TCP record accepted. Real KDC messages are a few KiB (a ticket with
/// a large PAC stays well below this); RFC 4120 §7.2.2 lets a KDC refuse long
/// records too, so anything bigger means we are not looking at Kerberos.
const MAX_TCP_RECORD: usize = 64 * 1024;

/// Outstanding requests kept per flow; beyond this the oldest is reported as
/// unanswered, so a flood of requests cannot grow the state without bound.
const MAX_PENDING: usize = 256;

/// How deep GSS-API/SPNEGO wrappers may nest before we give up looking.
const MAX_GSS_DEPTH: u8 = 4;

// The KDC messages are [APPLICATION n] constructed, i.e. one byte 0x60 | n
// (RFC 4120 §5.4.1, §5.4.2, §5.9.1).
const TAG_AS_REQ: u8 = 0x6a; // [APPLICATION 10]
const TAG_AS_REP: u8 = 0x6b; // [APPLICATION 11]
const TAG_TGS_REQ: u8 = 0x6c; // [APPLICATION 12]
const TAG_TGS_REP: u8 = 0x6d; // [APPLICATION 13]
const TAG_KRB_ERROR: u8 = 0x7e; // [APPLICATION 30]

// Mechanism OIDs, as the content bytes of their DER encoding.
/// 1.2.840.113554.1.2.2, the Kerberos V5 GSS-API mechanism (RFC 4121 §1).
const OID_KRB5: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// 1.2.840.48018.1.2.2, the same mechanism under Microsoft's mistyped OID,
/// which Windows still sends in SPNEGO ([MS-SPNG] 3.1.5.2).
const OID_MS_KRB5: &[u8] = &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02];
/// 1.3.6.1.5.5.2, SPNEGO (RFC 4178 §4.1).
const OID_SPNEGO: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
/// TOK_ID of a krb5 mechanism token carrying a KRB_AP_REQ (RFC 4121 §4.1).
const TOK_ID_AP_REQ: [u8; 2] = [0x01, 0x00];

/// A Kerberos AP-REQ inside a GSS-API/SPNEGO security blob (e.g. an SMB2
/// SESSION_SETUP buffer or an HTTP Negotiate token): finds the krb5 mechanism
/// token and the AP-REQ in it, and reports the ticket's encryption type and
/// service. Returns `None` when the blob holds no AP-REQ (NTLMSSP, an AP-REP,
/// or bytes that do not parse).
pub fn ap_req_in_gss(blob: &[u8]) -> Option<Finding> {
    let req = find_ap_req(blob, 0)?;
    Some(Finding::Kerberos {
        request_type: "AP".to_string(),
        etype: Some(etype_name(req.ticket.enc_part.etype)),
        requested_etypes: Vec::new(),
        authenticator_etype: Some(etype_name(req.authenticator.etype)),
        success: None,
        client: None,
        service: principal(&req.ticket.sname),
    })
}

/// Walks GSS-API framing down to a krb5 AP-REQ. Only definite-length DER is
/// read, and every length is checked against the bytes held before use.
fn find_ap_req(token: &[u8], depth: u8) -> Option<ApReq<'_>> {
    if depth > MAX_GSS_DEPTH {
        return None;
    }
    let (_, outer) = Any::from_der(token).ok()?;
    match (outer.class(), outer.tag()) {
        // RFC 2743 §3.1 InitialContextToken: [APPLICATION 0] { thisMech OID,
        // innerContextToken }, where the inner token is mechanism-defined.
        (Class::Application, Tag(0)) => {
            let (inner, mech) = Any::from_der(outer.data).ok()?;
            if mech.tag() != Tag::Oid {
                return None;
            }
            match mech.data {
                OID_KRB5 | OID_MS_KRB5 => {
                    let ap_req = inner.strip_prefix(&TOK_ID_AP_REQ)?;
                    ApReq::from_der(ap_req).ok().map(|(_, req)| req)
                }
                OID_SPNEGO => find_ap_req(inner, depth + 1),
                _ => None,
            }
        }
        // RFC 4178 §4.2: NegotiationToken ::= CHOICE { negTokenInit [0],
        // negTokenResp [1] }. Both are a SEQUENCE whose field [2] (mechToken,
        // responseToken) is an OCTET STRING holding the mechanism's token.
        (Class::ContextSpecific, Tag(0 | 1)) => {
            let (_, seq) = Any::from_der(outer.data).ok()?;
            if seq.tag() != Tag::Sequence {
                return None;
            }
            let mut fields = seq.data;
            while !fields.is_empty() {
                let (rest, field) = Any::from_der(fields).ok()?;
                if field.class() == Class::ContextSpecific && field.tag() == Tag(2) {
                    let (_, octets) = Any::from_der(field.data).ok()?;
                    if octets.tag() != Tag::OctetString {
                        return None;
                    }
                    return find_ap_req(octets.data, depth + 1);
                }
                fields = rest;
            }
            None
        }
        _ => None,
    }
}

/// The exchange a KDC request or reply belongs to (RFC 4120 §3.1, §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exchange {
    As,
    Tgs,
}

impl Exchange {
    fn as_str(self) -> &'static str {
        match self {
            Exchange::As => "AS",
            Exchange::Tgs => "TGS",
        }
    }
}

/// An AS-REQ or TGS-REQ, reduced to what its Finding needs.
#[derive(Debug)]
struct Request {
    exchange: Exchange,
    requested_etypes: Vec<String>,
    client: Option<String>,
    service: Option<String>,
}

impl Request {
    fn from_kdc_req(exchange: Exchange, req: &KdcReq<'_>) -> Request {
        let body = &req.req_body;
        Request {
            exchange,
            requested_etypes: body.etype.iter().copied().map(etype_name).collect(),
            // cname is only sent in an AS-REQ; a TGS-REQ hides the client in
            // the encrypted authenticator (RFC 4120 §5.4.1).
            client: with_realm(body.cname.as_ref().and_then(principal), &body.realm.0),
            service: body.sname.as_ref().and_then(principal),
        }
    }

    fn into_finding(self, etype: Option<String>, success: Option<bool>) -> Finding {
        Finding::Kerberos {
            request_type: self.exchange.as_str().to_string(),
            etype,
            requested_etypes: self.requested_etypes,
            authenticator_etype: None,
            success,
            client: self.client,
            service: self.service,
        }
    }
}

/// An AS-REP, TGS-REP or KRB-ERROR, reduced to what its Finding needs.
#[derive(Debug)]
struct Reply {
    /// The exchange a KDC-REP closes; `None` for a KRB-ERROR, which does not
    /// say what it answers.
    exchange: Option<Exchange>,
    /// The ticket's encryption type (only a KDC-REP has a ticket).
    etype: Option<String>,
    /// Names from the reply itself, used only when its request was not seen.
    client: Option<String>,
    service: Option<String>,
    /// KDC_ERR_PREAUTH_REQUIRED (25): the normal first answer to an AS-REQ
    /// without pre-authentication; the client retries. Not a failure.
    preauth_required: bool,
}

/// KDC_ERR_PREAUTH_REQUIRED (RFC 4120 §7.5.9).
const KDC_ERR_PREAUTH_REQUIRED: i32 = 25;

impl Reply {
    fn from_kdc_rep(exchange: Exchange, rep: &KdcRep<'_>) -> Reply {
        Reply {
            exchange: Some(exchange),
            // The ticket's enc-part etype is the one the service key uses:
            // what Zeek logs as `cipher`, and what hardening must keep working.
            etype: Some(etype_name(rep.ticket.enc_part.etype)),
            client: with_realm(principal(&rep.cname), &rep.crealm.0),
            service: principal(&rep.ticket.sname),
            preauth_required: false,
        }
    }

    fn from_krb_error(err: &KrbError<'_>) -> Reply {
        let realm = err.crealm.as_ref().map_or("", |r| r.0.as_str());
        Reply {
            exchange: None,
            etype: None,
            client: with_realm(err.cname.as_ref().and_then(principal), realm),
            service: principal(&err.sname),
            preauth_required: err.error_code.0 == KDC_ERR_PREAUTH_REQUIRED,
        }
    }

    /// Reports a reply whose request was not seen (the capture started
    /// mid-flow, or the request was lost).
    fn into_orphan_finding(self) -> Finding {
        let exchange = self.exchange.unwrap_or_else(|| {
            // A best guess for a lone KRB-ERROR: errors about a TGT (most
            // often "pre-authentication required") answer an AS-REQ.
            let for_tgt = self.service.as_deref().is_some_and(|s| s == "krbtgt" || s.starts_with("krbtgt/"));
            if for_tgt {
                Exchange::As
            } else {
                Exchange::Tgs
            }
        });
        Finding::Kerberos {
            request_type: exchange.as_str().to_string(),
            etype: self.etype,
            requested_etypes: Vec::new(),
            authenticator_etype: None,
            success: Some(self.exchange.is_some()),
            client: self.client,
            service: self.service,
        }
    }
}

/// One KDC message.
enum Message {
    Request(Request),
    Reply(Reply),
}

/// Parses one whole KDC message; `None` for anything else (AP-REQ, KRB-PRIV,
/// or bytes that do not parse).
fn parse_message(msg: &[u8]) -> Option<Message> {
    let parsed = match *msg.first()? {
        TAG_AS_REQ => Message::Request(Request::from_kdc_req(Exchange::As, &parse_as_req(msg).ok()?.1)),
        TAG_TGS_REQ => Message::Request(Request::from_kdc_req(Exchange::Tgs, &parse_tgs_req(msg).ok()?.1)),
        TAG_AS_REP => Message::Reply(Reply::from_kdc_rep(Exchange::As, &parse_as_rep(msg).ok()?.1)),
        TAG_TGS_REP => Message::Reply(Reply::from_kdc_rep(Exchange::Tgs, &parse_tgs_rep(msg).ok()?.1)),
        TAG_KRB_ERROR => Message::Reply(Reply::from_krb_error(&KrbError::from_der(msg).ok()?.1)),
        _ => return None,
    };
    Some(parsed)
}

fn is_kdc_message_tag(byte: u8) -> bool {
    matches!(byte, TAG_AS_REQ | TAG_AS_REP | TAG_TGS_REQ | TAG_TGS_REP | TAG_KRB_ERROR)
}

/// Per-flow Kerberos state (TCP port 88 or UDP port 88).
///
/// Requests are paired with the reply that follows them, so the caller should
/// feed both directions in capture order.
#[derive(Debug)]
pub struct KerberosDissector {
    transport: Transport,
    /// Requests still waiting for their reply, oldest first.
    pending: VecDeque<Request>,
    /// The TCP stream stopped looking like Kerberos: nothing more is read.
    done: bool,
    /// Per direction: bytes of a record a hole cut, still to drop.
    skip: [usize; 2],
}

impl KerberosDissector {
    /// Over TCP each message is a length-prefixed record (RFC 4120 §7.2.2);
    /// over UDP each datagram is one message (§7.2.1).
    pub fn new(transport: Transport) -> Self {
        KerberosDissector { transport, pending: VecDeque::new(), done: false, skip: [0; 2] }
    }

    /// Whether `data` starts like a KDC message over `transport`: over TCP a
    /// 4-byte big-endian record length (high bit reserved) then an
    /// AS-REQ/TGS-REQ/AS-REP/TGS-REP/KRB-ERROR; over UDP the message itself.
    pub fn detect(transport: Transport, data: &[u8]) -> bool {
        match transport {
            Transport::Tcp => {
                let &[a, b, c, d, tag, ..] = data else { return false };
                let len = u32::from_be_bytes([a, b, c, d]);
                len & 0x8000_0000 == 0 && len as usize <= MAX_TCP_RECORD && len >= 2 && is_kdc_message_tag(tag)
            }
            Transport::Udp => data.first().is_some_and(|&tag| is_kdc_message_tag(tag)),
        }
    }

    /// Requests come from clients, replies and errors from the KDC.
    pub fn sender_is_client(transport: Transport, data: &[u8]) -> Option<bool> {
        let tag = match transport {
            Transport::Tcp if Self::detect(transport, data) => data.get(4)?,
            Transport::Tcp => return None,
            Transport::Udp => data.first()?,
        };
        match *tag {
            TAG_AS_REQ | TAG_TGS_REQ => Some(true),
            TAG_AS_REP | TAG_TGS_REP | TAG_KRB_ERROR if transport == Transport::Udp => Some(false),
            _ => None,
        }
    }

    /// Whole records of a TCP stream; see [`Dissector::feed`]. A record
    /// longer than 64 KiB, or one with the reserved high bit set, stops the
    /// dissector.
    fn feed_records(&mut self, data: &[u8], out: &mut Vec<Finding>) -> usize {
        let mut consumed = 0;
        while !self.done {
            let rest = &data[consumed..];
            let &[a, b, c, d, ..] = rest else { break };
            let len = u32::from_be_bytes([a, b, c, d]);
            // The high bit announces an extension (RFC 4120 §7.2.2) we cannot read.
            if len & 0x8000_0000 != 0 || len as usize > MAX_TCP_RECORD {
                self.done = true;
                break;
            }
            let end = 4 + len as usize;
            let Some(record) = rest.get(4..end) else { break };
            self.on_message(record, out);
            consumed += end;
        }
        consumed
    }

    fn on_message(&mut self, msg: &[u8], out: &mut Vec<Finding>) {
        match parse_message(msg) {
            Some(Message::Request(req)) => {
                if self.pending.len() >= MAX_PENDING {
                    if let Some(oldest) = self.pending.pop_front() {
                        out.push(oldest.into_finding(None, None));
                    }
                }
                self.pending.push_back(req);
            }
            Some(Message::Reply(reply)) => {
                // A KDC-REP closes the oldest request of its own kind; a
                // KRB-ERROR, which does not name its kind, the oldest of any.
                let index = match reply.exchange {
                    Some(exchange) => self.pending.iter().position(|req| req.exchange == exchange),
                    None if self.pending.is_empty() => None,
                    None => Some(0),
                };
                let request = index.and_then(|i| self.pending.remove(i));
                if reply.preauth_required {
                    // The exchange goes on with a new AS-REQ carrying pre-authentication.
                    return;
                }
                let finding = match request {
                    Some(req) => {
                        let success = Some(reply.exchange.is_some());
                        req.into_finding(reply.etype, success)
                    }
                    None => reply.into_orphan_finding(),
                };
                out.push(finding);
            }
            None => {}
        }
    }
}

/// The message type says who sent it, so `dir` is not needed.
impl Dissector for KerberosDissector {
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        match self.transport {
            Transport::Tcp => {
                // The rest of a record a hole cut: dropped, then the next record starts.
                let skipped = self.skip[dir.index()].min(data.len());
                self.skip[dir.index()] -= skipped;
                if self.skip[dir.index()] > 0 {
                    return skipped;
                }
                skipped + self.feed_records(&data[skipped..], out)
            }
            Transport::Udp => {
                self.on_message(data, out);
                data.len()
            }
        }
    }

    /// A hole inside a record whose length was read is skipped to that
    /// record's end: the message is lost, the framing is not. Anywhere else
    /// the record boundaries cannot be found again.
    fn gap(&mut self, dir: Direction, unconsumed: &[u8], lost: u64) -> Gap {
        let Some(&[a, b, c, d]) = unconsumed.get(..4).map(|h| <&[u8; 4]>::try_from(h).expect("four bytes")) else {
            return Gap::Lost;
        };
        let length = u32::from_be_bytes([a, b, c, d]);
        if length & 0x8000_0000 != 0 || length as usize > MAX_TCP_RECORD {
            return Gap::Lost;
        }
        let whole = 4 + u64::from(length);
        match whole.checked_sub(unconsumed.len() as u64 + lost) {
            Some(rest) if self.transport == Transport::Tcp => {
                self.skip[dir.index()] = rest as usize;
                Gap::Hid
            }
            _ => Gap::Lost,
        }
    }

    /// True once the TCP stream has stopped looking like Kerberos; further
    /// input is ignored.
    fn finished(&self) -> bool {
        self.done
    }

    /// End of flow: each request that never got a reply is reported with
    /// success `None`.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        out.extend(self.pending.drain(..).map(|req| req.into_finding(None, None)));
    }
}

/// A principal name's components joined with '/' (RFC 4120 §6.2), or `None`
/// if it has none.
fn principal(name: &PrincipalName) -> Option<String> {
    (!name.name_string.is_empty()).then(|| name.name_string.join("/"))
}

/// `name@REALM`, or just `name` when the realm is empty.
fn with_realm(name: Option<String>, realm: &str) -> Option<String> {
    name.map(|name| if realm.is_empty() { name } else { format!("{name}@{realm}") })
}

/// An encryption type's name as IANA's Kerberos registry and Zeek spell it
/// (RFC 3961 §8, RFC 3962, RFC 4757, RFC 6803, RFC 8009); the number as
/// text when unknown.
fn etype_name(etype: EncryptionType) -> String {
    let name = match etype.0 {
        1 => "des-cbc-crc",
        2 => "des-cbc-md4",
        3 => "des-cbc-md5",
        5 => "des3-cbc-md5",
        7 => "des3-cbc-sha1",
        16 => "des3-cbc-sha1-kd",
        17 => "aes128-cts-hmac-sha1-96",
        18 => "aes256-cts-hmac-sha1-96",
        19 => "aes128-cts-hmac-sha256-128",
        20 => "aes256-cts-hmac-sha384-192",
        23 => "rc4-hmac",
        24 => "rc4-hmac-exp",
        25 => "camellia128-cts-cmac",
        26 => "camellia256-cts-cmac",
        other => return other.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal DER writer, enough to build Kerberos messages by hand.
    mod der {
        pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            let len = content.len();
            let mut out = vec![tag];
            match len {
                0..=0x7f => out.push(len as u8),
                0x80..=0xff => out.extend([0x81, len as u8]),
                _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
            }
            out.extend_from_slice(content);
            out
        }
        pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
            tlv(0x30, &parts.concat())
        }
        /// `[n]` EXPLICIT, context-specific.
        pub fn ctx(n: u8, inner: Vec<u8>) -> Vec<u8> {
            tlv(0xa0 | n, &inner)
        }
        /// `[APPLICATION n]`, constructed.
        pub fn app(n: u8, inner: Vec<u8>) -> Vec<u8> {
            tlv(0x60 | n, &inner)
        }
        pub fn int(v: i32) -> Vec<u8> {
            let bytes = v.to_be_bytes();
            // Minimal two's complement: drop leading bytes that only repeat the sign.
            let mut start = 0;
            while start < 3 {
                let (b, next) = (bytes[start], bytes[start + 1]);
                if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
                    start += 1;
                } else {
                    break;
                }
            }
            tlv(0x02, &bytes[start..])
        }
        pub fn gstr(s: &str) -> Vec<u8> {
            tlv(0x1b, s.as_bytes())
        }
        pub fn octets(b: &[u8]) -> Vec<u8> {
            tlv(0x04, b)
        }
        pub fn oid(content: &[u8]) -> Vec<u8> {
            tlv(0x06, content)
        }
        pub fn time() -> Vec<u8> {
            tlv(0x18, b"20370913024805Z")
        }
        /// KerberosFlags: a 32-bit BIT STRING (RFC 4120 §5.2.8).
        pub fn flags() -> Vec<u8> {
            tlv(0x03, &[0x00, 0x40, 0x81, 0x00, 0x10])
        }
    }
    use der::*;

    const REALM: &str = "EXAMPLE.ORG";

    fn principal_name(name_type: i32, parts: &[&str]) -> Vec<u8> {
        let strings: Vec<Vec<u8>> = parts.iter().map(|p| gstr(p)).collect();
        seq(&[ctx(0, int(name_type)), ctx(1, seq(&strings))])
    }

    fn encrypted_data(etype: i32) -> Vec<u8> {
        seq(&[ctx(0, int(etype)), ctx(1, int(2)), ctx(2, octets(&[0xde, 0xad, 0xbe, 0xef]))])
    }

    fn ticket(etype: i32, sname: &[&str]) -> Vec<u8> {
        app(
            1,
            seq(&[
                ctx(0, int(5)),
                ctx(1, gstr(REALM)),
                ctx(2, principal_name(2, sname)),
                ctx(3, encrypted_data(etype)),
            ]),
        )
    }

    /// KDC-REQ (RFC 4120 §5.4.1) as an AS-REQ (10) or TGS-REQ (12).
    fn kdc_req(msg_type: u8, cname: Option<&[&str]>, sname: &[&str], etypes: &[i32]) -> Vec<u8> {
        let mut body = vec![ctx(0, flags())];
        if let Some(cname) = cname {
            body.push(ctx(1, principal_name(1, cname)));
        }
        body.extend([
            ctx(2, gstr(REALM)),
            ctx(3, principal_name(2, sname)),
            ctx(5, time()),
            ctx(7, int(0x1234_5678)),
            ctx(8, seq(&etypes.iter().map(|&e| int(e)).collect::<Vec<_>>())),
        ]);
        let padata = seq(&[seq(&[ctx(1, int(128)), ctx(2, octets(&[0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0xff]))])]);
        app(msg_type, seq(&[ctx(1, int(5)), ctx(2, int(i32::from(msg_type))), ctx(3, padata), ctx(4, seq(&body))]))
    }

    /// KDC-REP (RFC 4120 §5.4.2) as an AS-REP (11) or TGS-REP (13).
    fn kdc_rep(msg_type: u8, cname: &[&str], ticket_sname: &[&str], ticket_etype: i32) -> Vec<u8> {
        app(
            msg_type,
            seq(&[
                ctx(0, int(5)),
                ctx(1, int(i32::from(msg_type))),
                ctx(3, gstr(REALM)),
                ctx(4, principal_name(1, cname)),
                ctx(5, ticket(ticket_etype, ticket_sname)),
                // The reply's own enc-part uses the client key: a different etype on purpose.
                ctx(6, encrypted_data(17)),
            ]),
        )
    }

    /// KRB-ERROR (RFC 4120 §5.9.1).
    fn krb_error(code: i32, sname: &[&str]) -> Vec<u8> {
        app(
            30,
            seq(&[
                ctx(0, int(5)),
                ctx(1, int(30)),
                ctx(4, time()),
                ctx(5, int(0)),
                ctx(6, int(code)),
                ctx(9, gstr(REALM)),
                ctx(10, principal_name(2, sname)),
            ]),
        )
    }

    /// AP-REQ (RFC 4120 §5.5.1).
    fn ap_req(ticket_etype: i32, sname: &[&str]) -> Vec<u8> {
        app(
            14,
            seq(&[
                ctx(0, int(5)),
                ctx(1, int(14)),
                ctx(2, flags()),
                ctx(3, ticket(ticket_etype, sname)),
                ctx(4, encrypted_data(ticket_etype)),
            ]),
        )
    }

    /// A krb5 GSS-API InitialContextToken (RFC 4121 §4.1) around an AP-REQ.
    fn krb5_token(mech: &[u8], ap_req: &[u8]) -> Vec<u8> {
        gss_token(mech, &TOK_ID_AP_REQ, ap_req)
    }

    fn gss_token(mech: &[u8], tok_id: &[u8], inner: &[u8]) -> Vec<u8> {
        tlv(0x60, &[oid(mech), tok_id.to_vec(), inner.to_vec()].concat())
    }

    /// SPNEGO InitialContextToken with a NegTokenInit (RFC 4178 §4.2.1).
    fn spnego_init(mech_token: &[u8]) -> Vec<u8> {
        let neg_token_init =
            ctx(0, seq(&[ctx(0, seq(&[oid(OID_MS_KRB5), oid(OID_KRB5)])), ctx(2, octets(mech_token))]));
        tlv(0x60, &[oid(OID_SPNEGO), neg_token_init].concat())
    }

    fn tcp_record(msg: &[u8]) -> Vec<u8> {
        [(msg.len() as u32).to_be_bytes().to_vec(), msg.to_vec()].concat()
    }

    fn names(etypes: &[&str]) -> Vec<String> {
        etypes.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn as_exchange_over_tcp_in_chunks() {
        let req = tcp_record(&kdc_req(10, Some(&["alice"]), &["krbtgt", REALM], &[18, 17, 23]));
        let rep = tcp_record(&kdc_rep(11, &["alice"], &["krbtgt", REALM], 18));
        assert!(KerberosDissector::detect(Transport::Tcp, &req));
        assert!(KerberosDissector::detect(Transport::Tcp, &rep));

        let mut krb = KerberosDissector::new(Transport::Tcp);
        let mut out = Vec::new();
        let split = req.len() / 2;
        assert_eq!(krb.feed(Direction::ToServer, &req[..split], &mut out), 0);
        assert_eq!(krb.feed(Direction::ToServer, &req, &mut out), req.len());
        assert!(out.is_empty(), "the request waits for its reply");

        assert_eq!(krb.feed(Direction::ToClient, &rep, &mut out), rep.len());
        krb.finish(&mut out);
        assert_eq!(
            out,
            vec![Finding::Kerberos {
                request_type: "AS".into(),
                etype: Some("aes256-cts-hmac-sha1-96".into()),
                requested_etypes: names(&["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96", "rc4-hmac"]),
                authenticator_etype: None,
                success: Some(true),
                client: Some("alice@EXAMPLE.ORG".into()),
                service: Some("krbtgt/EXAMPLE.ORG".into()),
            }]
        );
    }

    #[test]
    fn two_records_in_one_chunk_and_a_partial_third() {
        let req = tcp_record(&kdc_req(10, Some(&["bob"]), &["krbtgt", REALM], &[23]));
        let stream = [req.clone(), req.clone(), req[..7].to_vec()].concat();
        let mut krb = KerberosDissector::new(Transport::Tcp);
        let mut out = Vec::new();
        assert_eq!(krb.feed(Direction::ToServer, &stream, &mut out), 2 * req.len());
        krb.finish(&mut out);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|f| matches!(f, Finding::Kerberos { success: None, .. })));
    }

    #[test]
    fn tgs_exchange_with_error_over_udp() {
        let req = kdc_req(12, None, &["cifs", "fs1.example.org"], &[23]);
        let err = krb_error(7, &["cifs", "fs1.example.org"]); // KDC_ERR_S_PRINCIPAL_UNKNOWN
        assert!(KerberosDissector::detect(Transport::Udp, &req));
        assert!(KerberosDissector::detect(Transport::Udp, &err));

        let mut krb = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        krb.feed(Direction::ToServer, &req, &mut out);
        krb.feed(Direction::ToClient, &err, &mut out);
        krb.finish(&mut out);
        assert_eq!(
            out,
            vec![Finding::Kerberos {
                request_type: "TGS".into(),
                etype: None,
                requested_etypes: names(&["rc4-hmac"]),
                authenticator_etype: None,
                success: Some(false),
                client: None,
                service: Some("cifs/fs1.example.org".into()),
            }]
        );
    }

    #[test]
    fn tgs_rep_pairs_with_its_own_kind() {
        let mut krb = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        krb.feed(Direction::ToServer, &kdc_req(10, Some(&["carol"]), &["krbtgt", REALM], &[18]), &mut out);
        krb.feed(Direction::ToServer, &kdc_req(12, None, &["host", "db1"], &[18, 23]), &mut out);
        krb.feed(Direction::ToClient, &kdc_rep(13, &["carol"], &["host", "db1"], 23), &mut out);
        assert_eq!(out.len(), 1);
        assert!(matches!(
            &out[0],
            Finding::Kerberos { request_type, etype: Some(e), success: Some(true), .. }
                if request_type == "TGS" && e == "rc4-hmac"
        ));
        krb.finish(&mut out);
        assert!(matches!(&out[1], Finding::Kerberos { request_type, success: None, .. } if request_type == "AS"));
    }

    #[test]
    fn preauth_required_is_a_step_not_a_failure() {
        let mut krb = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        krb.feed(Direction::ToServer, &kdc_req(10, Some(&["erin"]), &["krbtgt", REALM], &[18]), &mut out);
        krb.feed(Direction::ToClient, &krb_error(25, &["krbtgt", REALM]), &mut out);
        assert!(out.is_empty(), "{out:?}");
        krb.feed(Direction::ToServer, &kdc_req(10, Some(&["erin"]), &["krbtgt", REALM], &[18]), &mut out);
        krb.feed(Direction::ToClient, &kdc_rep(11, &["erin"], &["krbtgt", REALM], 18), &mut out);
        krb.feed(Direction::ToClient, &krb_error(25, &["krbtgt", REALM]), &mut out);
        krb.finish(&mut out);
        assert_eq!(out.len(), 1, "one successful exchange: {out:?}");
        assert!(matches!(&out[0], Finding::Kerberos { success: Some(true), .. }));
    }

    #[test]
    fn replies_without_requests_are_reported() {
        let mut krb = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        krb.feed(Direction::ToClient, &kdc_rep(11, &["dave"], &["krbtgt", REALM], 17), &mut out);
        // KDC_ERR_C_PRINCIPAL_UNKNOWN: a real failure.
        krb.feed(Direction::ToClient, &krb_error(6, &["krbtgt", REALM]), &mut out);
        assert_eq!(
            out,
            vec![
                Finding::Kerberos {
                    request_type: "AS".into(),
                    etype: Some("aes128-cts-hmac-sha1-96".into()),
                    requested_etypes: vec![],
                    authenticator_etype: None,
                    success: Some(true),
                    client: Some("dave@EXAMPLE.ORG".into()),
                    service: Some("krbtgt/EXAMPLE.ORG".into()),
                },
                Finding::Kerberos {
                    request_type: "AS".into(),
                    etype: None,
                    requested_etypes: vec![],
                    authenticator_etype: None,
                    success: Some(false),
                    client: None,
                    service: Some("krbtgt/EXAMPLE.ORG".into()),
                },
            ]
        );
    }

    #[test]
    fn pending_requests_are_bounded() {
        let req = kdc_req(10, Some(&["eve"]), &["krbtgt", REALM], &[23]);
        let mut krb = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        for _ in 0..MAX_PENDING + 10 {
            krb.feed(Direction::ToServer, &req, &mut out);
        }
        assert_eq!(out.len(), 10, "the oldest requests are reported as unanswered");
        krb.finish(&mut out);
        assert_eq!(out.len(), MAX_PENDING + 10);
    }

    #[test]
    fn oversized_or_extended_records_stop_the_flow() {
        for header in [[0x00, 0x01, 0x00, 0x01], [0x80, 0x00, 0x00, 0x10]] {
            let mut data = header.to_vec();
            data.extend([TAG_AS_REQ; 16]);
            assert!(!KerberosDissector::detect(Transport::Tcp, &data));
            let mut krb = KerberosDissector::new(Transport::Tcp);
            let mut out = Vec::new();
            assert_eq!(krb.feed(Direction::ToServer, &data, &mut out), 0);
            assert!(krb.finished());
            let good = tcp_record(&kdc_req(10, Some(&["x"]), &["krbtgt", REALM], &[18]));
            assert_eq!(krb.feed(Direction::ToServer, &good, &mut out), 0);
            krb.finish(&mut out);
            assert!(out.is_empty());
        }
    }

    #[test]
    fn ap_req_in_spnego() {
        let ap = ap_req(23, &["cifs", "fs1.example.org"]);
        let expected = Some(Finding::Kerberos {
            request_type: "AP".into(),
            etype: Some("rc4-hmac".into()),
            requested_etypes: vec![],
            authenticator_etype: Some("rc4-hmac".into()),
            success: None,
            client: None,
            service: Some("cifs/fs1.example.org".into()),
        });
        // Through SPNEGO, under either krb5 OID, and as a bare krb5 token.
        assert_eq!(ap_req_in_gss(&spnego_init(&krb5_token(OID_KRB5, &ap))), expected);
        assert_eq!(ap_req_in_gss(&spnego_init(&krb5_token(OID_MS_KRB5, &ap))), expected);
        assert_eq!(ap_req_in_gss(&krb5_token(OID_KRB5, &ap)), expected);
        // A NegTokenResp carries its token in the same field.
        let resp = ctx(1, seq(&[ctx(0, tlv(0x0a, &[1])), ctx(2, octets(&krb5_token(OID_KRB5, &ap)))]));
        assert_eq!(ap_req_in_gss(&resp), expected);
    }

    #[test]
    fn gss_blobs_without_ap_req() {
        let ap = ap_req(18, &["http", "www"]);
        // Wrong TOK_ID (02 00 is an AP-REP), another mechanism, NTLMSSP, nothing.
        assert_eq!(ap_req_in_gss(&gss_token(OID_KRB5, &[0x02, 0x00], &ap)), None);
        assert_eq!(ap_req_in_gss(&spnego_init(&krb5_token(&[0x2b, 0x06, 0x01], &ap))), None);
        assert_eq!(ap_req_in_gss(&spnego_init(b"NTLMSSP\0\x01\0\0\0")), None);
        assert_eq!(ap_req_in_gss(&[]), None);
        // Every truncation of a valid blob fails cleanly.
        let blob = spnego_init(&krb5_token(OID_KRB5, &ap));
        for cut in 0..blob.len() {
            assert_eq!(ap_req_in_gss(&blob[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn garbage_and_truncations_do_not_panic() {
        let messages = [
            kdc_req(10, Some(&["alice"]), &["krbtgt", REALM], &[18, 17, 23]),
            kdc_rep(11, &["alice"], &["krbtgt", REALM], 18),
            krb_error(25, &["krbtgt", REALM]),
        ];
        let mut tcp = KerberosDissector::new(Transport::Tcp);
        let mut udp = KerberosDissector::new(Transport::Udp);
        let mut out = Vec::new();
        for msg in &messages {
            for cut in 0..msg.len() {
                udp.feed(Direction::ToServer, &msg[..cut], &mut out);
                let record = tcp_record(&msg[..cut]);
                assert_eq!(tcp.feed(Direction::ToServer, &record, &mut out), record.len());
            }
        }
        udp.feed(Direction::ToServer, &[0x6a, 0x84, 0xff, 0xff, 0xff, 0xff], &mut out);
        tcp.finish(&mut out);
        udp.finish(&mut out);
        assert!(out.is_empty(), "no truncated message parses: {out:?}");
    }

    #[test]
    fn etype_names() {
        assert_eq!(etype_name(EncryptionType(3)), "des-cbc-md5");
        assert_eq!(etype_name(EncryptionType(20)), "aes256-cts-hmac-sha384-192");
        assert_eq!(etype_name(EncryptionType(26)), "camellia256-cts-cmac");
        assert_eq!(etype_name(EncryptionType(-128)), "-128");
        assert_eq!(etype_name(EncryptionType(99)), "99");
    }

    /// Exchanges for the dissector contract's tests (`registry`): one over TCP, one over UDP.
    pub(crate) fn samples() -> Vec<(Transport, crate::wire::feeding::Transcript)> {
        let request = kdc_req(10, Some(&["alice"]), &["krbtgt", REALM], &[18, 17, 23]);
        let reply = kdc_rep(11, &["alice"], &["krbtgt", REALM], 18);
        vec![
            (
                Transport::Tcp,
                vec![(Direction::ToServer, tcp_record(&request)), (Direction::ToClient, tcp_record(&reply))],
            ),
            (
                Transport::Udp,
                vec![
                    (Direction::ToServer, kdc_req(12, None, &["host", "db1"], &[18, 23])),
                    (Direction::ToClient, kdc_rep(13, &["carol"], &["host", "db1"], 23)),
                    (Direction::ToServer, request),
                    (Direction::ToClient, krb_error(6, &["krbtgt", REALM])),
                ],
            ),
        ]
    }
}
