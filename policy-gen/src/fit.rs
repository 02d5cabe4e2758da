//! `temper policy fit`: whether a target server fits the role a bundle was
//! learned on — what it is or has that the role was not or had not, and
//! every observed use of the target that the bundle's policy would break
//! (a share it would remove, a listener outside the allowlist, an SMB1
//! client it would cut off).

use crate::bundle::BundlePayload;
use crate::catalog::Catalog;
use crate::fingerprint::{RoleDifference, RoleFingerprint};
use crate::host_view::HostView;
use crate::simulate::{breaks_on, Break, SimulateError};
use serde::Serialize;
use temper_learner::Profile;

#[derive(Debug, Serialize)]
pub struct HostFit {
    pub host: String,
    pub differences: Vec<RoleDifference>,
    pub breaks: Vec<Break>,
}

impl HostFit {
    /// Nothing observed would break, and the target is the role's kind of host.
    pub fn fits(&self) -> bool {
        self.breaks.is_empty() && self.disqualifying().next().is_none()
    }

    /// Differences no exception can cover: a bundle learned on Linux means
    /// nothing on Windows, and one learned on a member server sets
    /// domain-wide settings a domain controller must not take as they are.
    pub fn disqualifying(&self) -> impl Iterator<Item = &RoleDifference> {
        self.differences.iter().filter(|d| d.disqualifies())
    }
}

/// Every host of `target` (or only `host`) against the bundle's role.
pub fn fit(
    payload: &BundlePayload,
    catalog: &Catalog,
    target: &Profile,
    host: Option<&str>,
) -> Result<Vec<HostFit>, SimulateError> {
    let mut out = Vec::new();
    for record in target.hosts()? {
        if host.is_some_and(|h| h != record.host) {
            continue;
        }
        let view = HostView::load(target, record)?;
        out.push(HostFit {
            host: view.name().to_string(),
            differences: payload.fingerprint.differences(&RoleFingerprint::of(&view)),
            breaks: breaks_on(&payload.policy, catalog, &payload.host, &view)?,
        });
    }
    Ok(out)
}
