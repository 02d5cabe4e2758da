//! NTLM and Kerberos tokens inside protocols Temper does not dissect in full:
//! NTLMSSP travels raw inside LDAP binds, DCE/RPC auth verifiers and SASL,
//! and base64-encoded in HTTP `Authorization: NTLM`/`Negotiate` headers
//! (after a 401). Scanning for the message signature finds it in all of them.

use super::{kerberos, ntlmssp, Finding};
use base64::Engine;

/// An AUTHENTICATE message: the signature plus message type 3.
const RAW_AUTHENTICATE: &[u8] = b"NTLMSSP\0\x03\0\0\0";
/// The same, base64-encoded at the start of a token.
const BASE64_AUTHENTICATE: &[u8] = b"TlRMTVNTUAAD";
const NEGOTIATE_SCHEME: &[u8] = b"Negotiate ";

/// Finds authentication tokens in `data`. Returns how far the bytes were
/// fully scanned: a token that may continue past the end is left for later.
pub fn scan(data: &[u8], out: &mut Vec<Finding>) -> usize {
    let mut settled = data.len().saturating_sub(RAW_AUTHENTICATE.len());
    for at in find_all(data, RAW_AUTHENTICATE) {
        match ntlmssp::parse_authenticate(&data[at..]) {
            Some(finding) => out.push(finding),
            // Perhaps cut short: wait for more bytes, unless plenty are already here.
            None if data.len() - at < 4096 => settled = settled.min(at),
            None => {}
        }
    }
    for at in find_all(data, BASE64_AUTHENTICATE) {
        match base64_token(&data[at..]) {
            Some(token) => out.extend(ntlmssp::find_authenticate(&token)),
            None if data.len() - at < 8192 => settled = settled.min(at),
            None => {}
        }
    }
    for at in find_all(data, NEGOTIATE_SCHEME) {
        let start = at + NEGOTIATE_SCHEME.len();
        match base64_token(&data[start..]) {
            Some(token) => {
                out.extend(kerberos::ap_req_in_gss(&token));
                // Raw NTLMSSP inside SPNEGO: the base64 scan above does not see it.
                if !data[start..].starts_with(BASE64_AUTHENTICATE) {
                    out.extend(ntlmssp::find_authenticate(&token));
                }
            }
            None if data.len() - start < 16384 => settled = settled.min(at),
            None => {}
        }
    }
    settled
}

/// Every position of `needle` (SIMD substring search: this runs over every
/// byte of unidentified flows until their scan budget is spent).
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(haystack, needle)
}

/// A base64 token ending at whitespace; `None` until its end is in `data`.
fn base64_token(data: &[u8]) -> Option<Vec<u8>> {
    let end = data.iter().position(|b| b.is_ascii_whitespace())?;
    base64::engine::general_purpose::STANDARD.decode(&data[..end]).ok()
}
