//! The SIDs every Windows machine shares: SDDL alias, SID and name, in one
//! table that both the SDDL reader (alias → SID) and the grants (SID →
//! name) use; and the domain-relative aliases, whose SID the text of a
//! descriptor does not give.

/// (SDDL alias, SID, name), from MS-DTYP 2.4.2.4 and 2.5.1.1.
const WELL_KNOWN: [(&str, &str, &str); 28] = [
    ("WD", "S-1-1-0", "Everyone"),
    ("CO", "S-1-3-0", "CREATOR OWNER"),
    ("CG", "S-1-3-1", "CREATOR GROUP"),
    ("OW", "S-1-3-4", "OWNER RIGHTS"),
    ("NU", "S-1-5-2", "NETWORK"),
    ("IU", "S-1-5-4", "INTERACTIVE"),
    ("SU", "S-1-5-6", "SERVICE"),
    ("AN", "S-1-5-7", "ANONYMOUS LOGON"),
    ("ED", "S-1-5-9", "ENTERPRISE DOMAIN CONTROLLERS"),
    ("PS", "S-1-5-10", "SELF"),
    ("AU", "S-1-5-11", "Authenticated Users"),
    ("RC", "S-1-5-12", "RESTRICTED"),
    ("SY", "S-1-5-18", "SYSTEM"),
    ("LS", "S-1-5-19", "LOCAL SERVICE"),
    ("NS", "S-1-5-20", "NETWORK SERVICE"),
    ("BA", "S-1-5-32-544", r"BUILTIN\Administrators"),
    ("BU", "S-1-5-32-545", r"BUILTIN\Users"),
    ("BG", "S-1-5-32-546", r"BUILTIN\Guests"),
    ("PU", "S-1-5-32-547", r"BUILTIN\Power Users"),
    ("AO", "S-1-5-32-548", r"BUILTIN\Account Operators"),
    ("SO", "S-1-5-32-549", r"BUILTIN\Server Operators"),
    ("PO", "S-1-5-32-550", r"BUILTIN\Print Operators"),
    ("BO", "S-1-5-32-551", r"BUILTIN\Backup Operators"),
    ("RE", "S-1-5-32-552", r"BUILTIN\Replicator"),
    ("RU", "S-1-5-32-554", r"BUILTIN\Pre-Windows 2000 Compatible Access"),
    ("RD", "S-1-5-32-555", r"BUILTIN\Remote Desktop Users"),
    ("NO", "S-1-5-32-556", r"BUILTIN\Network Configuration Operators"),
    ("AC", "S-1-15-2-1", "ALL APPLICATION PACKAGES"),
];

/// Aliases relative to the domain (or the machine), with the group's name.
const DOMAIN_RELATIVE: [(&str, &str); 12] = [
    ("LA", "Administrator"),
    ("LG", "Guest"),
    ("DA", "Domain Admins"),
    ("DU", "Domain Users"),
    ("DG", "Domain Guests"),
    ("DC", "Domain Computers"),
    ("DD", "Domain Controllers"),
    ("CA", "Cert Publishers"),
    ("SA", "Schema Admins"),
    ("EA", "Enterprise Admins"),
    ("PA", "Group Policy Creator Owners"),
    ("RO", "Enterprise Read-only Domain Controllers"),
];

/// The SID an SDDL alias stands for, when it is machine-independent.
pub fn sid_of_alias(alias: &str) -> Option<&'static str> {
    WELL_KNOWN.iter().find(|(a, _, _)| *a == alias).map(|(_, sid, _)| *sid)
}

/// The name of a well-known SID, or of a domain-relative alias kept as the trustee.
pub fn well_known_name(trustee: &str) -> Option<&'static str> {
    WELL_KNOWN
        .iter()
        .find(|(_, sid, _)| *sid == trustee)
        .map(|(_, _, name)| *name)
        .or_else(|| DOMAIN_RELATIVE.iter().find(|(alias, _)| *alias == trustee).map(|(_, name)| *name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_sids_are_each_listed_once() {
        let mut aliases: Vec<&str> =
            WELL_KNOWN.iter().map(|(a, _, _)| *a).chain(DOMAIN_RELATIVE.iter().map(|(a, _)| *a)).collect();
        let mut sids: Vec<&str> = WELL_KNOWN.iter().map(|(_, s, _)| *s).collect();
        let (alias_count, sid_count) = (aliases.len(), sids.len());
        aliases.sort();
        aliases.dedup();
        sids.sort();
        sids.dedup();
        assert_eq!((aliases.len(), sids.len()), (alias_count, sid_count));
        assert_eq!(sid_of_alias("AU"), Some("S-1-5-11"));
        assert_eq!(well_known_name("S-1-5-11"), Some("Authenticated Users"));
        assert_eq!(well_known_name("DU"), Some("Domain Users"));
        assert_eq!((sid_of_alias("DU"), well_known_name("S-1-5-21-1-2-3-500")), (None, None));
    }
}
