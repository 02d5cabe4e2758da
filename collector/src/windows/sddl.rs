//! The DACL of a security descriptor written in SDDL, the text form that
//! Security event 5143 (a share was modified) carries in `NewSD`, and that
//! Samba's `sharesec --viewsddl` prints.
//!
//! Written here rather than taken from a crate: the `sddl` crate pulls in
//! clap, lalrpop and a DFIR type library for what is a few dozen lines
//! when only the DACL's allow and deny entries are wanted, and
//! `windows-sddl` reads the binary form only.

use super::security_descriptor::{AccessEntry, Dacl};
use super::well_known_sids::sid_of_alias;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unreadable SDDL at character {position}: {reason}")]
pub struct SddlError {
    /// Byte offset into the text.
    pub position: usize,
    pub reason: String,
}

fn error(position: usize, reason: impl Into<String>) -> SddlError {
    SddlError { position, reason: reason.into() }
}

/// The DACL of `text` (`O:BAG:SYD:(A;OICI;FA;;;BA)(A;;0x1200a9;;;WD)`).
/// A descriptor without `D:`, or with `D:NO_ACCESS_CONTROL`, has no DACL.
pub fn dacl_of_sddl(text: &str) -> Result<Dacl, SddlError> {
    let Some((start, body)) = component(text, 'D')? else { return Ok(Dacl::Unrestricted) };
    let flags_end = body.find('(').unwrap_or(body.len());
    let flags = body[..flags_end].trim();
    if !flags.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(error(start, format!("unreadable DACL flags {flags:?}")));
    }
    if flags.contains("NO_ACCESS_CONTROL") {
        return Ok(Dacl::Unrestricted);
    }
    let mut entries = Vec::new();
    let mut rest = &body[flags_end..];
    let mut at = start + flags_end;
    while !rest.is_empty() {
        if !rest.starts_with('(') {
            return Err(error(at, "expected '(' to open an access entry"));
        }
        let close = closing_paren(rest).ok_or_else(|| error(at, "an access entry is not closed"))?;
        if let Some(entry) = access_entry(&rest[1..close], at + 1)? {
            entries.push(entry);
        }
        at += close + 1;
        rest = &rest[close + 1..];
    }
    Ok(Dacl::Entries(entries))
}

/// The text of component `letter` (`O`, `G`, `D`, `S`) and its offset:
/// components run until the next `X:` outside parentheses.
fn component(text: &str, letter: char) -> Result<Option<(usize, &str)>, SddlError> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut nesting = Nesting::default();
    for (i, &b) in bytes.iter().enumerate() {
        let outside = nesting.depth == 0 && !nesting.quoted;
        if !nesting.step(b) {
            return Err(error(i, "unbalanced ')'"));
        }
        if outside && matches!(b, b'O' | b'G' | b'D' | b'S') && bytes.get(i + 1) == Some(&b':') {
            starts.push(i);
        }
    }
    if starts.first().is_some_and(|&first| !text[..first].trim().is_empty())
        || (starts.is_empty() && !text.trim().is_empty())
    {
        return Err(error(0, "expected a component such as 'D:'"));
    }
    for (index, &begin) in starts.iter().enumerate() {
        if bytes[begin] == letter as u8 {
            let end = starts.get(index + 1).copied().unwrap_or(text.len());
            return Ok(Some((begin + 2, &text[begin + 2..end])));
        }
    }
    Ok(None)
}

/// Parenthesis depth outside quoted strings: conditional and
/// resource-attribute entries nest parentheses and quote strings, and a
/// quoted `(` or `)` must not end an entry (it would hide the next one).
#[derive(Default)]
struct Nesting {
    depth: usize,
    quoted: bool,
}

impl Nesting {
    /// Takes one byte; false on a `)` that closes nothing.
    fn step(&mut self, b: u8) -> bool {
        match b {
            b'"' => self.quoted = !self.quoted,
            b'(' if !self.quoted => self.depth += 1,
            b')' if !self.quoted => match self.depth.checked_sub(1) {
                Some(depth) => self.depth = depth,
                None => return false,
            },
            _ => {}
        }
        true
    }
}

/// The index of the `)` that closes the `(` at 0.
fn closing_paren(text: &str) -> Option<usize> {
    let mut nesting = Nesting::default();
    for (i, b) in text.bytes().enumerate() {
        nesting.step(b);
        if nesting.depth == 0 && !nesting.quoted {
            return Some(i);
        }
    }
    None
}

/// `type;flags;rights;object;inherited object;sid[;...]`.
fn access_entry(text: &str, at: usize) -> Result<Option<AccessEntry>, SddlError> {
    // The first six fields hold no quotes or parentheses; a seventh
    // (a condition or attribute) may hold `;` and is not read.
    let fields: Vec<&str> = text.splitn(7, ';').collect();
    if fields.len() < 6 {
        return Err(error(at, format!("an access entry has {} fields, not 6", fields.len())));
    }
    let offset = |index: usize| at + fields[..index].iter().map(|f| f.len() + 1).sum::<usize>();
    let allow = match fields[0].trim() {
        "A" | "OA" => true,
        "D" | "OD" => false,
        // Callback (conditional), audit, alarm, label and attribute entries
        // grant nothing unconditionally.
        kind if !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_uppercase()) => return Ok(None),
        kind => return Err(error(at, format!("unknown entry type {kind:?}"))),
    };
    let flags = fields[1].trim();
    if !flags.len().is_multiple_of(2) || !flags.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(error(offset(1), format!("unreadable entry flags {flags:?}")));
    }
    let inherit_only = flags.as_bytes().chunks(2).any(|pair| pair == b"IO");
    let mask =
        rights(fields[2].trim()).ok_or_else(|| error(offset(2), format!("unreadable rights {:?}", fields[2])))?;
    let trustee =
        trustee(fields[5].trim()).ok_or_else(|| error(offset(5), format!("unreadable SID {:?}", fields[5])))?;
    Ok(Some(AccessEntry { allow, trustee, mask, inherit_only }))
}

/// A number (`0x` hexadecimal, a leading `0` octal, else decimal, as
/// MS-DTYP 2.5.1.1 says) or a run of two-letter right codes.
fn rights(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.strip_prefix('0') {
            Some(octal) if !octal.is_empty() => u32::from_str_radix(octal, 8).ok(),
            _ => text.parse().ok(),
        };
    }
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes().chunks(2).try_fold(0u32, |mask, code| Some(mask | right_code(code)?))
}

/// MS-DTYP 2.5.1.1's right codes: generic, standard, file, registry and
/// directory-service rights (the last share their bits with file rights).
fn right_code(code: &[u8]) -> Option<u32> {
    Some(match code {
        b"GA" => 0x1000_0000,
        b"GX" => 0x2000_0000,
        b"GW" => 0x4000_0000,
        b"GR" => 0x8000_0000,
        b"SD" => 0x0001_0000,
        b"RC" => 0x0002_0000,
        b"WD" => 0x0004_0000,
        b"WO" => 0x0008_0000,
        b"FA" => 0x001f_01ff,
        b"FR" => 0x0012_0089,
        b"FW" => 0x0012_0116,
        b"FX" => 0x0012_00a0,
        b"KA" => 0x000f_003f,
        b"KR" | b"KX" => 0x0002_0019,
        b"KW" => 0x0002_0006,
        b"CC" => 0x1,
        b"DC" => 0x2,
        b"LC" => 0x4,
        b"SW" => 0x8,
        b"RP" => 0x10,
        b"WP" => 0x20,
        b"DT" => 0x40,
        b"LO" => 0x80,
        b"CR" => 0x100,
        // Mandatory-label policy bits, not access rights.
        b"NR" | b"NW" | b"NX" => 0,
        _ => return None,
    })
}

/// A SID string, or an SDDL alias: the aliases of the SIDs that decide
/// breadth, and of common built-in groups, become their SID; any other
/// two-letter alias (domain-relative, or one this table lacks) stays as
/// the alias rather than failing the whole descriptor.
fn trustee(text: &str) -> Option<String> {
    if text.starts_with("S-") {
        return windows_sddl::Sid::parse(text).map(|sid| sid.to_string());
    }
    if let Some(sid) = sid_of_alias(text) {
        return Some(sid.to_string());
    }
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase())).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(allow: bool, trustee: &str, mask: u32, inherit_only: bool) -> AccessEntry {
        AccessEntry { allow, trustee: trustee.into(), mask, inherit_only }
    }

    /// Microsoft's example of event 5143's `NewSD`.
    #[test]
    fn reads_the_documented_5143_descriptor() {
        let text = "O:BAG:DAD:(D;;FA;;;S-1-5-21-3457937927-2839227994-823803824-1104)(A;OICI;FA;;;WD)(A;OICI;FA;;;BA)";
        let dacl = dacl_of_sddl(text).unwrap();
        assert_eq!(
            dacl,
            Dacl::Entries(vec![
                entry(false, "S-1-5-21-3457937927-2839227994-823803824-1104", 0x1f01ff, false),
                entry(true, "S-1-1-0", 0x1f01ff, false),
                entry(true, "S-1-5-32-544", 0x1f01ff, false),
            ])
        );
    }

    #[test]
    fn reads_flags_hex_masks_codes_and_domain_aliases() {
        let text = "D:PAI(A;OICIIO;0x1301bf;;;AU)(A;;GRGX;;;DU)(XA;;FA;;;WD;(@User.Dept==\"x\"))(AU;SA;FA;;;WD)";
        let dacl = dacl_of_sddl(text).unwrap();
        assert_eq!(
            dacl,
            Dacl::Entries(vec![entry(true, "S-1-5-11", 0x1301bf, true), entry(true, "DU", 0xa000_0000, false)])
        );
    }

    #[test]
    fn quoted_parentheses_do_not_hide_an_entry() {
        let text = r#"D:(XA;;FA;;;BA;(@User.x=="("))(A;;FA;;;WD)(XA;;FA;;;BA;(@User.y==")"))"#;
        assert_eq!(dacl_of_sddl(text).unwrap(), Dacl::Entries(vec![entry(true, "S-1-1-0", 0x1f01ff, false)]));
    }

    #[test]
    fn unlisted_aliases_stay_and_numbers_follow_their_base() {
        let text = "D:(A;;0x1200a9;;;IS)(A;;01777;;;WR)(A;;2032127;;;MU)";
        assert_eq!(
            dacl_of_sddl(text).unwrap(),
            Dacl::Entries(vec![
                entry(true, "IS", 0x1200a9, false),
                entry(true, "WR", 0o1777, false),
                entry(true, "MU", 0x1f01ff, false),
            ])
        );
    }

    #[test]
    fn no_dacl_is_unrestricted() {
        assert_eq!(dacl_of_sddl("O:BAG:SY").unwrap(), Dacl::Unrestricted);
        assert_eq!(dacl_of_sddl("D:NO_ACCESS_CONTROL").unwrap(), Dacl::Unrestricted);
        assert_eq!(dacl_of_sddl("D:").unwrap(), Dacl::Entries(Vec::new()));
    }

    #[test]
    fn garbage_is_an_error_with_its_position() {
        assert_eq!(dacl_of_sddl("D:(A;;FA;;;WD").unwrap_err().position, 2);
        assert_eq!(dacl_of_sddl("D:(A;;QQ;;;WD)").unwrap_err().position, 6);
        assert_eq!(dacl_of_sddl("D:(A;;FA;;;Zz)").unwrap_err().position, 11);
        assert_eq!(dacl_of_sddl("D:(A;;FA)").unwrap_err().position, 3);
        assert_eq!(dacl_of_sddl("D:x(A;;FA;;;WD)").unwrap_err().position, 2);
        assert!(dacl_of_sddl("no descriptor").is_err());
        assert!(dacl_of_sddl("D:)(").is_err());
    }
}
