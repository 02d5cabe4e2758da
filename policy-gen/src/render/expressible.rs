//! Whether the artifacts can write a decision's value safely. Observed
//! names reach configuration files only through `escape`; a name that no
//! escaping can carry (a user name with a space for `AllowUsers`, a unit
//! name with a quote) is refused rather than written. Generation asks the
//! same question first, so a decision the artifacts would refuse never looks
//! applied: it goes to `review` with the reason (`evaluate`), and a
//! reviewer's reject cannot push it to `enforce` (`review`).

use crate::document::Decision;
use crate::escape::{samba_section_name, sshd_user_pattern};
use crate::rule::RenderSpec;

/// The detail key that records why the value cannot be written.
pub const NOT_RENDERABLE: &str = "not_renderable";

/// Plain names (units, algorithms) that go into files and commands unquoted.
pub fn plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
}

/// Why the artifacts cannot write `decision`'s value, if they cannot.
pub fn refusal(render: &RenderSpec, decision: &Decision) -> Option<String> {
    let text = || decision.value.as_str().unwrap_or_default();
    match render {
        RenderSpec::SshdAllowUsers => {
            let unsafe_users: Vec<String> = decision
                .value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .filter(|u| sshd_user_pattern(u).is_none())
                .map(|u| format!("{u:?}"))
                .collect();
            // Leaving a user out would lock them out; writing the name could
            // widen the list (wildcards) or break the file.
            (!unsafe_users.is_empty()).then(|| {
                format!(
                    "AllowUsers not written, user name(s) that sshd_config cannot express safely: {}",
                    unsafe_users.join(", ")
                )
            })
        }
        RenderSpec::ModprobeBlacklist => {
            let name = text();
            let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            (!plain).then(|| format!("module name {name:?} is not a plain name"))
        }
        RenderSpec::SshdRemoveAlgorithms { .. } => {
            (!plain_name(text())).then(|| format!("algorithm name {:?} is not a plain name", text()))
        }
        RenderSpec::SambaShare { .. } => samba_section_name(text())
            .is_none()
            .then(|| format!("share name {:?} cannot be written as an smb.conf section", text())),
        RenderSpec::SystemdDisable => {
            (!plain_name(text())).then(|| format!("unit name {:?} is not a plain name", text()))
        }
        // A name usermod and /etc/shadow take as one plain word (no `:` or spaces).
        RenderSpec::AccountExpire => (!plain_name(text()) || text().starts_with('-'))
            .then(|| format!("account name {:?} is not a plain name", text())),
        // Windows artifacts carry every observed string as a PowerShell
        // literal; the other renderings write catalog values and numbers.
        _ => None,
    }
}
