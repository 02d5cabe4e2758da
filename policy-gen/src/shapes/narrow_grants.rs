//! `narrow_grants`: for each share that was used, a proposal a reviewer can
//! compare with the share's grants — only the users seen, read-only where no
//! write or delete was seen. Always `review`, never enforced by itself:
//! group membership is not observed, so only a human can turn "these users"
//! into the right groups.
//!
//! Where the inventory holds the share's or its folder's grants (Windows:
//! `share_grants`, `folder_grants`), only a share that lets any account
//! change its files is proposed. Over SMB a user gets the lesser of the
//! share's and the folder's rights, so a share is broad only when every
//! level that is known grants a trustee any account belongs to change or
//! full rights; Everyone Full on the share over a narrow folder (what
//! Microsoft recommends) needs nothing. Where no grants are known (Samba,
//! older profiles), every used share is proposed.

use super::Proposal;
use crate::host_view::HostView;
use crate::rarity::assess_usages;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use temper_observation::share_grants::{from_attr, Grant, Rights};
use temper_observation::share_name::same_share;

use temper_learner::{Dimension, FactKey, InventoryRecord};
use temper_observation::{Access, InventoryCategory, ShareProtocol};

pub fn evaluate(protocol: ShareProtocol, host: &HostView) -> Vec<Proposal> {
    host.inventory_of(InventoryCategory::Share)
        .filter(|share| match share.attr_str("protocol") {
            Some(p) => p == protocol.as_str(),
            // Windows inventories list SMB shares without a protocol.
            None => protocol == ShareProtocol::Smb,
        })
        // Administrative shares (C$, IPC$, ADMIN$) are the system's own.
        .filter(|share| !share.name.ends_with('$'))
        .filter_map(|share| {
            let facts: Vec<&temper_learner::Fact> = host
                .facts
                .iter()
                .filter(|f| {
                    matches!(&f.key, FactKey::Share { protocol: p, share: s, .. } if *p == protocol && same_share(s, &share.name))
                })
                .collect();
            if facts.is_empty() {
                // Never used: the unused-shares rule proposes removing it.
                return None;
            }
            let written = facts.iter().any(|f| matches!(&f.key, FactKey::Share { access: Access::Write | Access::Delete, .. }));
            let mut users = BTreeSet::new();
            let mut users_complete = true;
            for fact in &facts {
                if let Some(summary) = fact.stats.evidence(Dimension::User) {
                    users.extend(summary.values.keys().cloned());
                    users_complete &= summary.dropped == 0;
                }
            }
            let grants = KnownGrants::of(share);
            if grants.as_ref().is_some_and(|g| !g.any_account_may_change) {
                // A known level already keeps most accounts from changing files.
                return None;
            }
            let access = if written { "change" } else { "read" };
            let mut value = json!({ "users": users.iter().collect::<Vec<_>>(), "access": access });
            if let Some(grants) = &grants {
                value["remove"] = json!(grants.broad.iter().map(placed).collect::<Vec<_>>());
            }
            let mut proposal = Proposal::new(value, "a proposal, for a reviewer");
            proposal.subject = Some(format!("share {}", share.name));
            proposal.usage_is_allowed = true;
            proposal.usage = assess_usages(&facts);
            proposal.watched_since = Some(share.first_seen);
            let who = if users.is_empty() {
                "grant only the groups that need it (no user names were recorded)".to_string()
            } else {
                let list = users.iter().cloned().collect::<Vec<_>>().join(", ");
                let partial = if users_complete { "" } else { " (the heaviest users; evidence overflowed, so there may be more)" };
                format!("grant only {list}{partial}")
            };
            let how = if written { "with change rights (writes were seen)" } else { "read-only (no write or delete was seen)" };
            proposal.hold_back = Some(match &grants {
                None => format!(
                    "share grants are not in the inventory, so Temper cannot tell whether this narrows them: \
                     compare with the share and folder permissions and {who}, {how}"
                ),
                Some(grants) => format!(
                    "{} {} any account change its files{}: remove {} and {who}, {how}{}",
                    listed(&grants.broad),
                    if grants.broad.len() == 1 { "lets" } else { "let" },
                    grants.unread.map(|level| format!(" (the {level}'s permissions were not read)")).unwrap_or_default(),
                    if grants.broad.len() == 1 { "it" } else { "them" },
                    if grants.narrow.is_empty() {
                        String::new()
                    } else {
                        format!(". Narrower grants already there: {}", listed(&grants.narrow))
                    }
                ),
            });
            if !share.attrs.is_empty() {
                proposal.detail.insert("inventory".into(), Value::Object(share.attrs.clone()));
            }
            Some(proposal)
        })
        .collect()
}

/// Trustees any account belongs to (or can act as) over SMB.
const ANY_ACCOUNT: [&str; 5] = [
    "S-1-1-0",      // Everyone
    "S-1-5-11",     // Authenticated Users
    "S-1-5-7",      // ANONYMOUS LOGON
    "S-1-5-2",      // NETWORK: in every SMB session's token
    "S-1-5-32-545", // BUILTIN\Users: holds Authenticated Users and Domain Users
];

/// A share's known grants: the broad ones (any account may change files)
/// and the rest, each with where it is granted.
struct KnownGrants {
    broad: Vec<(&'static str, Grant)>,
    narrow: Vec<(&'static str, Grant)>,
    /// Every known level grants any account change rights.
    any_account_may_change: bool,
    /// The level whose grants were not read, when one was.
    unread: Option<&'static str>,
}

impl KnownGrants {
    /// `None` when neither the share's nor the folder's grants are known.
    fn of(share: &InventoryRecord) -> Option<KnownGrants> {
        let levels = [("share", "share_grants"), ("folder", "folder_grants")];
        let mut grants =
            KnownGrants { broad: Vec::new(), narrow: Vec::new(), any_account_may_change: true, unread: None };
        let mut known = 0;
        for (on, attr) in levels {
            let Some(list) = from_attr(share.attrs.get(attr)) else {
                grants.unread = Some(on);
                continue;
            };
            known += 1;
            let mut broad_here = false;
            for grant in list {
                let any_account = ANY_ACCOUNT.contains(&grant.trustee.as_str());
                if any_account && grant.rights >= Rights::Change {
                    broad_here = true;
                    grants.broad.push((on, grant));
                } else if !any_account && !is_system_principal(&grant.trustee) {
                    grants.narrow.push((on, grant));
                }
            }
            grants.any_account_may_change &= broad_here;
        }
        (known > 0).then_some(grants)
    }
}

/// SYSTEM, Administrators, the owner and service SIDs are on nearly every
/// folder; listing them would not help a reviewer choose groups.
fn is_system_principal(trustee: &str) -> bool {
    matches!(trustee, "S-1-5-18" | "S-1-5-32-544" | "S-1-3-0" | "S-1-3-4") || trustee.starts_with("S-1-5-80-")
}

/// `Everyone (change) on the share`.
fn placed((on, grant): &(&str, Grant)) -> String {
    format!("{} on the {on}", grant.label())
}

/// `Everyone (change) on the share and CORP\Finance (full) on the folder`.
fn listed(grants: &[(&str, Grant)]) -> String {
    let items: Vec<String> = grants.iter().map(placed).collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}
