//! NTLMSSP AUTHENTICATE messages (MS-NLMP 2.2.1.3): which response type a client really sent.
//!
//! Only the AUTHENTICATE (type 3) message says what the client *used*: NEGOTIATE and CHALLENGE
//! merely advertise. The response lengths tell LM, NTLMv1 and NTLMv2 apart (MS-NLMP 3.3.1, 3.3.2),
//! which is what `LmCompatibilityLevel` hardening needs to know before refusing LM and NTLMv1.
//!
//! The message is found by its signature wherever it is carried (raw, or wrapped in SPNEGO,
//! GSS-API, DCE-RPC, LDAP or SMB buffers), so callers need not unwrap those layers.

use super::bytes::{le16, le32, utf16le};
use super::Finding;
use crate::versions::NtlmVersion;

/// Every NTLMSSP message starts with this signature (MS-NLMP 2.2.1).
const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";
/// MessageType of an AUTHENTICATE message (MS-NLMP 2.2.1.3).
const MESSAGE_TYPE_AUTHENTICATE: u32 = 3;
/// NTLMSSP_NEGOTIATE_UNICODE (MS-NLMP 2.2.2.5, flag A): strings are UTF-16LE, else OEM.
const NEGOTIATE_UNICODE: u32 = 0x0000_0001;

/// Field offsets inside AUTHENTICATE (MS-NLMP 2.2.1.3). Each `*_FIELDS` is Len u16, MaxLen u16, BufferOffset u32.
const MESSAGE_TYPE_AT: usize = 8;
const LM_FIELDS_AT: usize = 12;
const NT_FIELDS_AT: usize = 20;
const DOMAIN_FIELDS_AT: usize = 28;
const USER_FIELDS_AT: usize = 36;
const WORKSTATION_FIELDS_AT: usize = 44;
const NEGOTIATE_FLAGS_AT: usize = 60;
/// Up to and including WorkstationFields: what every AUTHENTICATE must carry.
const MIN_LEN: usize = 52;
/// Up to and including NegotiateFlags (after EncryptedRandomSessionKeyFields).
const LEN_WITH_FLAGS: usize = 64;

/// Length of an LM, LMv2 or NTLMv1 response (MS-NLMP 2.2.2.3, 2.2.2.4, 2.2.2.6).
const V1_RESPONSE_LEN: usize = 24;

/// Finds the first NTLMSSP message (signature `b"NTLMSSP\0"`) in `blob` (raw, or inside
/// SPNEGO/GSS-API/DCE-RPC/LDAP/SMB buffers) and, if it is an AUTHENTICATE (type 3), parses it.
pub fn find_authenticate(blob: &[u8]) -> Option<Finding> {
    let start = blob.windows(SIGNATURE.len()).position(|w| w == SIGNATURE)?;
    // Offsets inside the message are relative to the signature; trailing bytes (e.g. a SPNEGO
    // mechListMIC) are harmless because every field is bounds-checked.
    parse_authenticate(&blob[start..])
}

/// Parses an AUTHENTICATE message starting at the signature.
pub fn parse_authenticate(msg: &[u8]) -> Option<Finding> {
    if msg.get(..SIGNATURE.len())? != SIGNATURE || le32(msg, MESSAGE_TYPE_AT)? != MESSAGE_TYPE_AUTHENTICATE {
        return None;
    }
    if msg.len() < MIN_LEN {
        return None;
    }
    let lm = payload(msg, LM_FIELDS_AT)?;
    let nt = payload(msg, NT_FIELDS_AT)?;
    let domain = payload(msg, DOMAIN_FIELDS_AT)?;
    let user = payload(msg, USER_FIELDS_AT)?;
    let workstation = payload(msg, WORKSTATION_FIELDS_AT)?;

    let unicode = negotiate_flags(msg).is_none_or(|flags| flags & NEGOTIATE_UNICODE != 0);
    let (version, anonymous) = classify(lm, nt, user.is_empty())?;
    Some(Finding::Ntlm {
        version,
        user: decode(user, unicode),
        domain: decode(domain, unicode),
        workstation: decode(workstation, unicode),
        anonymous,
    })
}

/// Tells the response type and whether this is a null session, from the raw LM and NT
/// challenge responses. Shared with SMB1's non-extended SESSION_SETUP_ANDX, which carries the
/// same two responses without NTLMSSP framing (MS-CIFS 2.2.4.53.1).
///
/// Returns `None` when the lengths fit no response type (an NT response of 1..=23 bytes, or an
/// unusual LM response with no NT response from a named user): better no finding than a wrong one.
pub(crate) fn classify(lm: &[u8], nt: &[u8], user_empty: bool) -> Option<(NtlmVersion, bool)> {
    // MS-NLMP 3.2.5.1.2: anonymous when the user name and NT response are empty and the LM
    // response is empty or Z(1).
    let anonymous = user_empty && nt.is_empty() && (lm.is_empty() || lm == [0]);
    let version = match nt.len() {
        // NTLMv2: NTProofStr (16) plus the variable-length client challenge blob (MS-NLMP 2.2.2.8).
        n if n > V1_RESPONSE_LEN => NtlmVersion::NtlmV2,
        // NTLMv1, with or without extended session security (MS-NLMP 3.3.1).
        V1_RESPONSE_LEN => NtlmVersion::NtlmV1,
        0 if lm.len() == V1_RESPONSE_LEN => NtlmVersion::Lm,
        // A null session is not a client's NTLMv1 use (`anonymous` says so), but it still needs a version.
        0 if anonymous => NtlmVersion::NtlmV1,
        _ => return None,
    };
    Some((version, anonymous))
}

/// NegotiateFlags, if the message has them. Some old implementations send a short form that
/// ends after WorkstationFields; there the payload starts before offset 64, so bytes 52..64 are
/// not the session key and flags fields. Without flags, names are read as Unicode, which is what
/// every current client negotiates.
fn negotiate_flags(msg: &[u8]) -> Option<u32> {
    let payload_start = [LM_FIELDS_AT, NT_FIELDS_AT, DOMAIN_FIELDS_AT, USER_FIELDS_AT, WORKSTATION_FIELDS_AT]
        .into_iter()
        .filter(|&at| le16(msg, at).is_some_and(|len| len > 0))
        .filter_map(|at| le32(msg, at + 4))
        .min();
    if payload_start.is_some_and(|start| usize::try_from(start).is_ok_and(|start| start < LEN_WITH_FLAGS)) {
        return None;
    }
    le32(msg, NEGOTIATE_FLAGS_AT)
}

/// Resolves a Len/MaxLen/BufferOffset descriptor at `at` to its bytes, bounds-checked against
/// the message. A zero length yields an empty slice whatever the offset says: there are no
/// bytes to check, and senders differ in what they put there.
fn payload(msg: &[u8], at: usize) -> Option<&[u8]> {
    let len = usize::from(le16(msg, at)?);
    let offset = usize::try_from(le32(msg, at + 4)?).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    msg.get(offset..offset.checked_add(len)?)
}

/// Decodes a name: UTF-16LE (a trailing odd byte is ignored) or OEM, read as Latin-1 because the
/// code page is not on the wire. Empty names (and trailing NULs some clients add) become `None`.
fn decode(bytes: &[u8], unicode: bool) -> Option<String> {
    let text: String = if unicode { utf16le(bytes) } else { bytes.iter().map(|&b| char::from(b)).collect() };
    let text = text.trim_end_matches('\0');
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (MS-NLMP 2.2.2.5, flag P).
    const NEGOTIATE_ESS: u32 = 0x0008_0000;
    /// NTLMSSP_NEGOTIATE_OEM (flag B).
    const NEGOTIATE_OEM: u32 = 0x0000_0002;

    /// Payload of one AUTHENTICATE, in the order MS-NLMP 2.2.1.3 lists the fields.
    #[derive(Default)]
    pub(crate) struct Auth<'a> {
        pub lm: &'a [u8],
        pub nt: &'a [u8],
        pub domain: &'a str,
        pub user: &'a str,
        pub workstation: &'a str,
        pub flags: u32,
    }

    fn encode(s: &str, unicode: bool) -> Vec<u8> {
        if unicode {
            s.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else {
            // Latin-1, as the decoder reads OEM strings.
            s.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect()
        }
    }

    /// Builds an AUTHENTICATE message: the 64-byte fixed part, an 8-byte Version and a 16-byte
    /// MIC (as Windows sends them), then the payloads.
    pub(crate) fn authenticate(a: &Auth) -> Vec<u8> {
        let unicode = a.flags & NEGOTIATE_UNICODE != 0;
        let fields: [Vec<u8>; 6] = [
            a.lm.to_vec(),
            a.nt.to_vec(),
            encode(a.domain, unicode),
            encode(a.user, unicode),
            encode(a.workstation, unicode),
            vec![0x55; 16], // EncryptedRandomSessionKey
        ];
        let mut msg = SIGNATURE.to_vec();
        msg.extend(MESSAGE_TYPE_AUTHENTICATE.to_le_bytes());
        let mut offset = 64 + 8 + 16;
        for field in &fields {
            let len = u16::try_from(field.len()).unwrap();
            msg.extend(len.to_le_bytes());
            msg.extend(len.to_le_bytes());
            msg.extend(u32::try_from(offset).unwrap().to_le_bytes());
            offset += field.len();
        }
        msg.extend(a.flags.to_le_bytes());
        msg.extend([10, 0, 0x4f, 0x45, 0, 0, 0, 15]); // Version: 10.0.17742, NTLMSSP_REVISION_W2K3
        msg.extend([0; 16]); // MIC
        assert_eq!(msg.len(), 88);
        for field in fields {
            msg.extend(field);
        }
        msg
    }

    /// An NTLMv2 response: NTProofStr, then a client challenge blob (MS-NLMP 2.2.2.7).
    pub(crate) fn ntlmv2_response() -> Vec<u8> {
        let mut r = vec![0xAB; 16];
        r.extend([1, 1, 0, 0, 0, 0, 0, 0]);
        r.extend([0x11; 8]); // timestamp
        r.extend([0x22; 8]); // client challenge
        r.extend([0; 4]);
        r.extend([2, 0, 8, 0]); // MsvAvNbDomainName, 8 bytes
        r.extend(encode("CORP", true));
        r.extend([0; 4]); // MsvAvEOL
        r
    }

    fn ntlm(msg: &[u8]) -> (NtlmVersion, Option<String>, Option<String>, Option<String>, bool) {
        match parse_authenticate(msg) {
            Some(Finding::Ntlm { version, user, domain, workstation, anonymous }) => {
                (version, user, domain, workstation, anonymous)
            }
            other => panic!("expected an Ntlm finding, got {other:?}"),
        }
    }

    #[test]
    fn ntlmv2_with_unicode_names() {
        let nt = ntlmv2_response();
        let msg = authenticate(&Auth {
            lm: &[0; 24], // LMv2 zeroed, as Windows sends alongside NTLMv2 with a MIC
            nt: &nt,
            domain: "CORP",
            user: "jdoé",
            workstation: "WS-07",
            flags: NEGOTIATE_UNICODE | NEGOTIATE_ESS,
        });
        assert_eq!(
            ntlm(&msg),
            (NtlmVersion::NtlmV2, Some("jdoé".into()), Some("CORP".into()), Some("WS-07".into()), false)
        );
    }

    #[test]
    fn ntlmv1_with_oem_names_and_ess() {
        // NTLM2 session security: LM carries the client challenge padded with zeros (MS-NLMP 3.3.1),
        // yet the NT response is still 24 bytes of NTLMv1.
        let mut lm = vec![0x33; 8];
        lm.extend([0; 16]);
        let msg = authenticate(&Auth {
            lm: &lm,
            nt: &[0x44; 24],
            domain: "WORKGROUP",
            user: "scanner\u{e9}",
            workstation: "",
            flags: NEGOTIATE_OEM | NEGOTIATE_ESS,
        });
        assert_eq!(
            ntlm(&msg),
            (NtlmVersion::NtlmV1, Some("scanner\u{e9}".into()), Some("WORKGROUP".into()), None, false)
        );
    }

    #[test]
    fn lm_only() {
        let msg = authenticate(&Auth { lm: &[0x66; 24], user: "OLDPC", flags: NEGOTIATE_OEM, ..Auth::default() });
        assert_eq!(ntlm(&msg), (NtlmVersion::Lm, Some("OLDPC".into()), None, None, false));
    }

    #[test]
    fn anonymous_sessions() {
        for lm in [&[][..], &[0][..]] {
            let msg = authenticate(&Auth { lm, workstation: "WS", flags: NEGOTIATE_UNICODE, ..Auth::default() });
            assert_eq!(ntlm(&msg), (NtlmVersion::NtlmV1, None, None, Some("WS".into()), true));
        }
        // A user name makes it a (strange) named logon, not a null session.
        let msg = authenticate(&Auth { lm: &[0], user: "bob", flags: NEGOTIATE_UNICODE, ..Auth::default() });
        assert_eq!(parse_authenticate(&msg), None);
    }

    #[test]
    fn nonsense_response_lengths_give_nothing() {
        let msg = authenticate(&Auth { nt: &[1; 16], user: "bob", flags: NEGOTIATE_UNICODE, ..Auth::default() });
        assert_eq!(parse_authenticate(&msg), None);
    }

    #[test]
    fn found_inside_wrappers_and_only_when_authenticate() {
        let nt = ntlmv2_response();
        let msg = authenticate(&Auth { nt: &nt, user: "u", flags: NEGOTIATE_UNICODE, ..Auth::default() });
        // A made-up outer wrapper (SPNEGO NegTokenResp-like prefix) and a trailing mechListMIC.
        let mut blob = vec![0xa1, 0x82, 0x01, 0x00, 0x30, 0x81, 0xfc, 0xa2, 0x81, 0xf9, 0x04, 0x81, 0xf6];
        blob.extend(&msg);
        blob.extend([0xa3, 0x12, 0x04, 0x10]);
        blob.extend([0x77; 16]);
        assert!(matches!(find_authenticate(&blob), Some(Finding::Ntlm { version: NtlmVersion::NtlmV2, .. })));

        // The first message found is a NEGOTIATE (type 1): nothing, even if an AUTHENTICATE follows.
        let mut negotiate = SIGNATURE.to_vec();
        negotiate.extend(1u32.to_le_bytes());
        negotiate.extend([0; 24]);
        let mut both = negotiate.clone();
        both.extend(&msg);
        assert_eq!(find_authenticate(&negotiate), None);
        assert_eq!(find_authenticate(&both), None);
        assert_eq!(find_authenticate(b"no signature here"), None);
    }

    #[test]
    fn short_form_without_flags_is_read_as_unicode() {
        // Signature, type and five field descriptors only; the payload starts at 52.
        let user = encode("legacy", true);
        let mut msg = SIGNATURE.to_vec();
        msg.extend(MESSAGE_TYPE_AUTHENTICATE.to_le_bytes());
        let mut offset = 52u32;
        for len in [24usize, 24, 0, user.len(), 0] {
            let len16 = u16::try_from(len).unwrap();
            msg.extend(len16.to_le_bytes());
            msg.extend(len16.to_le_bytes());
            msg.extend(offset.to_le_bytes());
            offset += u32::try_from(len).unwrap();
        }
        msg.extend([0x12; 48]);
        msg.extend(&user);
        assert_eq!(ntlm(&msg), (NtlmVersion::NtlmV1, Some("legacy".into()), None, None, false));
    }

    #[test]
    fn truncated_and_out_of_bounds_messages_are_rejected() {
        let nt = ntlmv2_response();
        let msg =
            authenticate(&Auth { nt: &nt, user: "user", domain: "D", flags: NEGOTIATE_UNICODE, ..Auth::default() });
        // Cutting anywhere before the end of the user name leaves some field out of bounds (the
        // trailing session key is not read).
        for cut in 0..msg.len() - 16 {
            assert_eq!(parse_authenticate(&msg[..cut]), None, "cut at {cut}");
        }
        // An offset pointing past the end, and one that overflows when the length is added.
        for offset in [msg.len() as u32, u32::MAX] {
            let mut bad = msg.clone();
            bad[NT_FIELDS_AT + 4..NT_FIELDS_AT + 8].copy_from_slice(&offset.to_le_bytes());
            assert_eq!(parse_authenticate(&bad), None);
        }
        // Wrong message type, wrong signature.
        let mut bad = msg.clone();
        bad[MESSAGE_TYPE_AT] = 2;
        assert_eq!(parse_authenticate(&bad), None);
        let mut bad = msg;
        bad[0] = b'n';
        assert_eq!(parse_authenticate(&bad), None);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(prefix in proptest::collection::vec(any::<u8>(), 0..64),
                                       body in proptest::collection::vec(any::<u8>(), 0..256)) {
            // Put a signature and type 3 in front of the noise so the field parsing is exercised.
            let mut blob = prefix;
            blob.extend(SIGNATURE);
            blob.extend(MESSAGE_TYPE_AUTHENTICATE.to_le_bytes());
            blob.extend(&body);
            let _ = find_authenticate(&blob);
            let _ = find_authenticate(&body);
            let _ = parse_authenticate(&body);
        }
    }
}
