//! `narrow_grants`: for each share that was used, a proposal a reviewer can
//! compare with the share's grants — only the users seen, read-only where no
//! write or delete was seen. The grants themselves are not in the inventory,
//! so Temper cannot tell whether the proposal narrows anything (a share
//! granted to Everyone, or already to exactly these users): the decision is
//! always `review`, never enforced by itself.

use super::Outcome;
use crate::host_view::HostView;
use crate::rarity::assess_usages;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use temper_collector::share_name::same_share;
use temper_collector::{Access, InventoryCategory, ShareProtocol};
use temper_learner::{Dimension, FactKey};

pub fn evaluate(protocol: ShareProtocol, host: &HostView) -> Vec<Outcome> {
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
            let access = if written { "change" } else { "read" };
            let mut outcome = Outcome::new(
                json!({ "users": users.iter().collect::<Vec<_>>(), "access": access }),
                "a proposal, for a reviewer",
            );
            outcome.subject = Some(format!("share {}", share.name));
            outcome.usage_is_allowed = true;
            outcome.usage = assess_usages(&facts);
            outcome.watched_since = Some(share.first_seen);
            let who = if users.is_empty() {
                "no user names were recorded, so keep the grants to the groups that need them".to_string()
            } else {
                let list = users.iter().cloned().collect::<Vec<_>>().join(", ");
                let partial = if users_complete { "" } else { " (the heaviest users; evidence overflowed, so there may be more)" };
                format!("grant only {list}{partial}")
            };
            let how = if written { "with change rights (writes were seen)" } else { "read-only (no write or delete was seen)" };
            outcome.hold_back = Some(format!(
                "share grants are not in the inventory, so Temper cannot tell whether this narrows them: \
                 compare with the share and folder permissions and {who}, {how}"
            ));
            if !share.attrs.is_empty() {
                outcome.detail.insert("inventory".into(), Value::Object(share.attrs.clone()));
            }
            Some(outcome)
        })
        .collect()
}
