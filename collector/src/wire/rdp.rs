//! RDP connection negotiation (MS-RDPBCGR 1.3.1.1, 2.2.1.1, 2.2.1.2).
//!
//! Every RDP connection opens with an X.224 Connection Request and Confirm in
//! the clear, before any TLS or CredSSP. They say which security layers the
//! client offered and which one the server picked, which is what Temper needs
//! to know before requiring NLA. Only those two PDUs are read; everything
//! after the Confirm (TLS, MCS) is left to the caller.

use super::dissector::Dissector;
use super::{Direction, Finding};
use crate::versions::RdpSecurity;

/// TPKT header: version 3, reserved 0, u16 big-endian length of the whole PDU (RFC 1006 §6).
const TPKT_HEADER_LEN: usize = 4;
/// Fixed part of an X.224 CR or CC TPDU: LI, code, DST-REF, SRC-REF, class
/// option (MS-RDPBCGR 2.2.1.1 x224Crq, 2.2.1.2 x224Ccf).
const X224_FIXED_LEN: usize = 7;
/// TPDU codes, upper nibble of the second byte (X.224 §13.3, §13.4).
const X224_CONNECTION_REQUEST: u8 = 0xE0;
const X224_CONNECTION_CONFIRM: u8 = 0xD0;

// RDP_NEG_* structures: type, flags, length (always 8), a u32 (MS-RDPBCGR 2.2.1.1.1, 2.2.1.2.1, 2.2.1.2.2).
const RDP_NEG_LEN: usize = 8;
const TYPE_RDP_NEG_REQ: u8 = 0x01;
const TYPE_RDP_NEG_RSP: u8 = 0x02;
const TYPE_RDP_NEG_FAILURE: u8 = 0x03;

// Security protocol flags (MS-RDPBCGR 2.2.1.1.1 requestedProtocols).
const PROTOCOL_RDP: u32 = 0x0000_0000;
const PROTOCOL_HYBRID: u32 = 0x0000_0002;
const PROTOCOL_HYBRID_EX: u32 = 0x0000_0008;

/// The cookie line of a Connection Request (MS-RDPBCGR 2.2.1.1).
const COOKIE_PREFIX: &[u8] = b"Cookie: mstshash=";

/// Per-flow RDP negotiation state.
#[derive(Debug, Default)]
pub struct RdpDissector {
    /// A Connection Request was parsed.
    saw_request: bool,
    /// Security layers the client offered, weakest first.
    requested: Vec<RdpSecurity>,
    cookie: Option<String>,
    /// The Finding was emitted (on the Confirm, or at end of flow).
    reported: bool,
}

impl RdpDissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// A TPKT carrying an X.224 Connection Request.
    pub fn detect(data: &[u8]) -> bool {
        let Some(len) = tpkt_length(data) else { return false };
        let &[_, _, _, _, li, code, ..] = data else { return false };
        len >= TPKT_HEADER_LEN + X224_FIXED_LEN
            && usize::from(li) >= X224_FIXED_LEN - 1
            && code & 0xF0 == X224_CONNECTION_REQUEST
    }

    fn on_tpdu(&mut self, tpdu: &[u8], out: &mut Vec<Finding>) {
        let Some(code) = tpdu.get(1).map(|b| b & 0xF0) else { return };
        // Microsoft counts the variable data in LI, others do not, so the TPKT
        // length, not LI, bounds what follows the fixed part.
        let variable = tpdu.get(X224_FIXED_LEN..).unwrap_or_default();
        match code {
            X224_CONNECTION_REQUEST if !self.saw_request && tpdu.len() >= X224_FIXED_LEN => {
                self.saw_request = true;
                let (cookie, requested) = parse_request(variable);
                self.cookie = cookie;
                self.requested = requested;
            }
            X224_CONNECTION_CONFIRM if tpdu.len() >= X224_FIXED_LEN => {
                self.report(selected_security(variable), out);
            }
            _ => {}
        }
    }

    fn report(&mut self, security: Option<RdpSecurity>, out: &mut Vec<Finding>) {
        out.push(Finding::Rdp { security, requested: std::mem::take(&mut self.requested), cookie: self.cookie.take() });
        self.reported = true;
    }
}

impl Dissector for RdpDissector {
    /// Feeds reassembled in-order stream bytes of one direction starting at a
    /// TPKT boundary; returns the bytes consumed (whole TPKT PDUs only).
    ///
    /// Stops at the first bytes that are not a TPKT (the client's TLS
    /// ClientHello follows the Request) and once the Confirm was read, so the
    /// caller can hand what remains to a TLS dissector. The TPDU code says who
    /// sent a PDU, so `dir` is not needed.
    fn feed(&mut self, _dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        let mut consumed = 0;
        while !self.reported {
            let rest = &data[consumed..];
            let Some(len) = tpkt_length(rest) else { break };
            // The TPKT length is a u16, so waiting for the whole PDU is bounded.
            let Some(pdu) = rest.get(TPKT_HEADER_LEN..len) else { break };
            consumed += len;
            self.on_tpdu(pdu, out);
        }
        consumed
    }

    /// True once the negotiation is over (the Confirm was read, or
    /// [`finish`](RdpDissector::finish) was called).
    fn finished(&self) -> bool {
        self.reported
    }

    /// End of flow: reports what was learned even if no Confirm was seen
    /// (then with security `None`). Nothing is reported for a flow whose
    /// Connection Request was never read.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        if !self.reported && self.saw_request {
            self.report(None, out);
        }
        self.reported = true;
    }

    /// TLS or CredSSP follows the negotiation on the same connection.
    fn hands_over(&self) -> bool {
        true
    }
}

/// The length of the TPKT PDU that `data` starts with, if it starts with a
/// valid TPKT header (RFC 1006 §6; the length includes the header).
fn tpkt_length(data: &[u8]) -> Option<usize> {
    let &[3, 0, hi, lo, ..] = data else { return None };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    (len >= TPKT_HEADER_LEN).then_some(len)
}

/// The variable part of a Connection Request (MS-RDPBCGR 2.2.1.1): an
/// optional routing token or cookie line ending in CR LF, then an optional
/// RDP_NEG_REQ. Returns the cookie and the offered security layers.
fn parse_request(mut data: &[u8]) -> (Option<String>, Vec<RdpSecurity>) {
    let mut cookie = None;
    if data.first() != Some(&TYPE_RDP_NEG_REQ) {
        // A routing token ("Cookie: msts=...") or a cookie; either is one line.
        match data.windows(2).position(|w| w == b"\r\n") {
            Some(end) => {
                if let Some(name) = data[..end].strip_prefix(COOKIE_PREFIX).filter(|n| !n.is_empty()) {
                    cookie = Some(String::from_utf8_lossy(name).into_owned());
                }
                data = &data[end + 2..];
            }
            // An unterminated line: nothing after it can be located.
            None => data = &[],
        }
    }
    let requested = match neg_structure(data, TYPE_RDP_NEG_REQ) {
        Some(protocols) => requested_security(protocols),
        // A client that sends no RDP_NEG_REQ only speaks standard RDP security (MS-RDPBCGR 3.3.5.3.1).
        None => vec![RdpSecurity::Rdp],
    };
    (cookie, requested)
}

/// The security the server selected, from the variable part of a Connection
/// Confirm (MS-RDPBCGR 2.2.1.2). `None` when negotiation failed.
fn selected_security(data: &[u8]) -> Option<RdpSecurity> {
    match data.first() {
        // No RDP_NEG_RSP: a server that predates negotiation, standard RDP security.
        None => Some(RdpSecurity::Rdp),
        Some(&TYPE_RDP_NEG_RSP) => neg_structure(data, TYPE_RDP_NEG_RSP).map(security_of),
        // RDP_NEG_FAILURE: no security layer was agreed and the server closes.
        Some(&TYPE_RDP_NEG_FAILURE) => None,
        Some(_) => Some(RdpSecurity::Rdp),
    }
}

/// The u32 of an RDP_NEG_REQ/RSP/FAILURE of type `ty` at the start of `data`.
fn neg_structure(data: &[u8], ty: u8) -> Option<u32> {
    let &[t, _flags, len_lo, len_hi, a, b, c, d, ..] = data else { return None };
    (t == ty && usize::from(u16::from_le_bytes([len_lo, len_hi])) == RDP_NEG_LEN)
        .then(|| u32::from_le_bytes([a, b, c, d]))
}

/// The security layer a protocol value stands for. SSL, RDSTLS, RDSAAD and
/// anything newer all start with TLS from the RDP point of view.
fn security_of(protocol: u32) -> RdpSecurity {
    match protocol {
        PROTOCOL_RDP => RdpSecurity::Rdp,
        p if p & PROTOCOL_HYBRID_EX != 0 => RdpSecurity::CredSspEx,
        p if p & PROTOCOL_HYBRID != 0 => RdpSecurity::CredSsp,
        _ => RdpSecurity::Tls,
    }
}

/// The layers a requestedProtocols bit set offers, weakest first, deduplicated.
fn requested_security(protocols: u32) -> Vec<RdpSecurity> {
    if protocols == PROTOCOL_RDP {
        return vec![RdpSecurity::Rdp];
    }
    let mut layers: Vec<RdpSecurity> =
        (0..u32::BITS).map(|bit| protocols & (1 << bit)).filter(|&flag| flag != 0).map(security_of).collect();
    layers.sort_unstable();
    layers.dedup();
    layers
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const PROTOCOL_SSL: u32 = 0x1;
    const PROTOCOL_RDSTLS: u32 = 0x4;

    /// A TPKT around an X.224 TPDU with the given code and variable part; LI
    /// counts the variable part, as Microsoft's stack does.
    fn tpdu(code: u8, variable: &[u8]) -> Vec<u8> {
        let li = (X224_FIXED_LEN - 1 + variable.len()) as u8;
        let mut x224 = vec![li, code, 0x00, 0x00, 0x12, 0x34, 0x00];
        x224.extend_from_slice(variable);
        let len = (TPKT_HEADER_LEN + x224.len()) as u16;
        [vec![3, 0], len.to_be_bytes().to_vec(), x224].concat()
    }

    fn neg(ty: u8, value: u32) -> Vec<u8> {
        [vec![ty, 0x00, 0x08, 0x00], value.to_le_bytes().to_vec()].concat()
    }

    fn request(cookie: Option<&str>, protocols: Option<u32>) -> Vec<u8> {
        let mut variable = Vec::new();
        if let Some(cookie) = cookie {
            variable.extend(format!("Cookie: mstshash={cookie}\r\n").bytes());
        }
        if let Some(protocols) = protocols {
            variable.extend(neg(TYPE_RDP_NEG_REQ, protocols));
        }
        tpdu(X224_CONNECTION_REQUEST, &variable)
    }

    fn run(client: &[u8], server: &[u8]) -> Vec<Finding> {
        let mut rdp = RdpDissector::new();
        let mut out = Vec::new();
        assert_eq!(rdp.feed(Direction::ToServer, client, &mut out), client.len());
        assert_eq!(rdp.feed(Direction::ToClient, server, &mut out), server.len());
        rdp.finish(&mut out);
        out
    }

    #[test]
    fn hybrid_selected() {
        let cr = request(Some("AWAKECODI"), Some(PROTOCOL_SSL | PROTOCOL_HYBRID));
        assert!(RdpDissector::detect(&cr));
        let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, PROTOCOL_HYBRID));
        assert!(!RdpDissector::detect(&cc));
        assert_eq!(
            run(&cr, &cc),
            vec![Finding::Rdp {
                security: Some(RdpSecurity::CredSsp),
                requested: vec![RdpSecurity::Tls, RdpSecurity::CredSsp],
                cookie: Some("AWAKECODI".into()),
            }]
        );
    }

    #[test]
    fn legacy_confirm_without_neg_rsp() {
        let cr = request(Some("admin"), None);
        let cc = tpdu(X224_CONNECTION_CONFIRM, &[]);
        assert_eq!(
            run(&cr, &cc),
            vec![Finding::Rdp {
                security: Some(RdpSecurity::Rdp),
                requested: vec![RdpSecurity::Rdp],
                cookie: Some("admin".into()),
            }]
        );
    }

    #[test]
    fn negotiation_failure() {
        let cr = request(None, Some(PROTOCOL_RDP));
        let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_FAILURE, 0x2)); // SSL_NOT_ALLOWED_BY_SERVER
        assert_eq!(
            run(&cr, &cc),
            vec![Finding::Rdp { security: None, requested: vec![RdpSecurity::Rdp], cookie: None }]
        );
    }

    #[test]
    fn selected_protocol_mapping() {
        let cases = [
            (PROTOCOL_RDP, RdpSecurity::Rdp),
            (PROTOCOL_SSL, RdpSecurity::Tls),
            (PROTOCOL_HYBRID, RdpSecurity::CredSsp),
            (PROTOCOL_HYBRID_EX, RdpSecurity::CredSspEx),
            (PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX, RdpSecurity::CredSspEx),
            (PROTOCOL_RDSTLS, RdpSecurity::Tls),
            (0x10, RdpSecurity::Tls), // PROTOCOL_RDSAAD
        ];
        for (selected, expected) in cases {
            let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, selected));
            let out = run(&request(None, Some(0x1f)), &cc);
            assert!(matches!(&out[..], [Finding::Rdp { security: Some(s), .. }] if *s == expected), "{selected:#x}");
        }
    }

    #[test]
    fn requested_layers_are_deduplicated_weakest_first() {
        assert_eq!(
            requested_security(PROTOCOL_HYBRID_EX | PROTOCOL_RDSTLS | PROTOCOL_HYBRID | PROTOCOL_SSL),
            vec![RdpSecurity::Tls, RdpSecurity::CredSsp, RdpSecurity::CredSspEx]
        );
        assert_eq!(requested_security(PROTOCOL_RDP), vec![RdpSecurity::Rdp]);
    }

    #[test]
    fn routing_token_is_not_a_cookie() {
        let mut variable = b"Cookie: msts=3640205228.15629.0000\r\n".to_vec();
        variable.extend(neg(TYPE_RDP_NEG_REQ, PROTOCOL_SSL));
        let cr = tpdu(X224_CONNECTION_REQUEST, &variable);
        let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, PROTOCOL_SSL));
        assert_eq!(
            run(&cr, &cc),
            vec![Finding::Rdp { security: Some(RdpSecurity::Tls), requested: vec![RdpSecurity::Tls], cookie: None }]
        );
    }

    #[test]
    fn no_confirm_reports_at_finish() {
        let cr = request(Some("bob"), Some(PROTOCOL_SSL | PROTOCOL_HYBRID | PROTOCOL_HYBRID_EX));
        let mut rdp = RdpDissector::new();
        let mut out = Vec::new();
        // Arrives in pieces; a partial PDU is not consumed.
        assert_eq!(rdp.feed(Direction::ToServer, &cr[..3], &mut out), 0);
        assert_eq!(rdp.feed(Direction::ToServer, &cr[..cr.len() - 1], &mut out), 0);
        assert_eq!(rdp.feed(Direction::ToServer, &cr, &mut out), cr.len());
        assert!(!rdp.finished());
        rdp.finish(&mut out);
        rdp.finish(&mut out);
        assert_eq!(
            out,
            vec![Finding::Rdp {
                security: None,
                requested: vec![RdpSecurity::Tls, RdpSecurity::CredSsp, RdpSecurity::CredSspEx],
                cookie: Some("bob".into()),
            }]
        );
    }

    #[test]
    fn stops_at_tls_and_after_confirm() {
        let cr = request(None, Some(PROTOCOL_SSL));
        let client_hello = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5];
        let client = [cr.clone(), client_hello.to_vec()].concat();
        let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, PROTOCOL_SSL));
        let server = [cc.clone(), tpdu(0xF0, &[1, 2, 3])].concat();

        let mut rdp = RdpDissector::new();
        let mut out = Vec::new();
        assert_eq!(rdp.feed(Direction::ToServer, &client, &mut out), cr.len());
        assert_eq!(rdp.feed(Direction::ToClient, &server, &mut out), cc.len());
        assert!(rdp.finished());
        assert_eq!(rdp.feed(Direction::ToClient, &server[cc.len()..], &mut out), 0);
        rdp.finish(&mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn detect_rejects_other_traffic() {
        assert!(!RdpDissector::detect(&[]));
        assert!(!RdpDissector::detect(&[3, 0, 0, 11]));
        assert!(!RdpDissector::detect(b"GET / HTTP/1.1\r\n"));
        assert!(!RdpDissector::detect(&[0x16, 0x03, 0x01, 0x00, 0x2e, 0xe0]));
        // A TPKT too short to hold a CR.
        assert!(!RdpDissector::detect(&[3, 0, 0, 6, 6, 0xe0]));
    }

    #[test]
    fn truncated_and_odd_pdus_do_not_panic() {
        let cr = request(Some("AWAKECODI"), Some(PROTOCOL_SSL));
        let cc = tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, PROTOCOL_SSL));
        for cut in 0..cr.len().max(cc.len()) {
            // A TPKT whose length covers only a prefix of the TPDU.
            let shrink = |pdu: &[u8]| {
                let mut pdu = pdu[..cut.min(pdu.len())].to_vec();
                if pdu.len() >= TPKT_HEADER_LEN {
                    let len = pdu.len() as u16;
                    pdu[2..4].copy_from_slice(&len.to_be_bytes());
                }
                pdu
            };
            let mut rdp = RdpDissector::new();
            let mut out = Vec::new();
            let (client, server) = (shrink(&cr), shrink(&cc));
            assert!(rdp.feed(Direction::ToServer, &client, &mut out) <= client.len());
            assert!(rdp.feed(Direction::ToClient, &server, &mut out) <= server.len());
            rdp.finish(&mut out);
            assert!(out.len() <= 1);
        }
    }

    /// A negotiation for the dissector contract's tests (`registry`).
    pub(crate) fn samples() -> Vec<crate::wire::feeding::Transcript> {
        vec![vec![
            (Direction::ToServer, request(Some("AWAKECODI"), Some(PROTOCOL_SSL | PROTOCOL_HYBRID))),
            (Direction::ToClient, tpdu(X224_CONNECTION_CONFIRM, &neg(TYPE_RDP_NEG_RSP, PROTOCOL_HYBRID))),
        ]]
    }
}
