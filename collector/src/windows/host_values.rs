//! Host settings as Windows stores them, in the host state's words: the
//! product type as a domain role, a share's definition, a service's start
//! type and state. The live layer reads the raw values.

use super::host_state::ShareEntry;

/// `ProductType` (`WinNT`, `ServerNT`, `LanmanNT`) as a domain role.
/// `joined` (is the host in a domain?) is asked only of a server.
pub fn domain_role(product_type: &str, joined: impl FnOnce() -> Option<bool>) -> Option<String> {
    let role = match product_type.trim().to_ascii_lowercase().as_str() {
        "lanmannt" => "domain_controller",
        "servernt" => {
            if joined()? {
                "member_server"
            } else {
                "standalone"
            }
        }
        "winnt" => "workstation",
        _ => return None,
    };
    Some(role.to_string())
}

/// A share from its `LanmanServer\Shares` value: lines such as
/// `Path=C:\Data` and `Remark=...`; names in any case, empty values absent.
pub fn share_entry(name: String, lines: &[String]) -> ShareEntry {
    let field = |wanted: &str| {
        lines.iter().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.eq_ignore_ascii_case(wanted) && !v.is_empty()).then(|| v.to_string())
        })
    };
    ShareEntry { path: field("Path"), remark: field("Remark"), name, ..Default::default() }
}

/// QUERY_SERVICE_CONFIG `dwStartType`: winnt.h's SERVICE_BOOT_START (0) to SERVICE_DISABLED (4).
pub fn start_type_name(start_type: u32) -> Option<&'static str> {
    Some(match start_type {
        0 => "boot",
        1 => "system",
        2 => "auto",
        3 => "manual",
        4 => "disabled",
        _ => return None,
    })
}

/// SERVICE_STATUS `dwCurrentState`: winsvc.h's SERVICE_STOPPED (1) to SERVICE_PAUSED (7).
pub fn service_state_name(state: u32) -> &'static str {
    match state {
        1 => "stopped",
        2 => "start_pending",
        3 => "stop_pending",
        4 => "running",
        5 => "continue_pending",
        6 => "pause_pending",
        7 => "paused",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_roles_ask_about_the_domain_only_for_servers() {
        let never = || -> Option<bool> { panic!("a workstation or controller needs no join status") };
        assert_eq!(domain_role(" LanmanNT ", never).as_deref(), Some("domain_controller"));
        assert_eq!(domain_role("WinNT", never).as_deref(), Some("workstation"));
        assert_eq!(domain_role("ServerNT", || Some(true)).as_deref(), Some("member_server"));
        assert_eq!(domain_role("servernt", || Some(false)).as_deref(), Some("standalone"));
        assert_eq!(domain_role("ServerNT", || None), None);
        assert_eq!(domain_role("Embedded", never), None);
    }

    #[test]
    fn shares_read_path_and_remark_lines() {
        let lines =
            ["CSCFlags=0", "MaxUses=4294967295", "path=D:\\Shares\\Data", "Remark=", "Type=0"].map(String::from);
        let share = share_entry("Data".into(), &lines);
        assert_eq!(
            share,
            ShareEntry { name: "Data".into(), path: Some("D:\\Shares\\Data".into()), ..Default::default() }
        );
        let with_remark = share_entry("Logs".into(), &["Remark=a=b".to_string(), "no equals sign".to_string()]);
        assert_eq!(with_remark.remark.as_deref(), Some("a=b"));
        assert_eq!(with_remark.path, None);
    }

    #[test]
    fn service_values_have_names() {
        assert_eq!(start_type_name(3), Some("manual"));
        assert_eq!(start_type_name(5), None);
        assert_eq!(service_state_name(4), "running");
        assert_eq!(service_state_name(0), "unknown");
    }
}
