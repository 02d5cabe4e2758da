//! Reads this host's inventory (Linux only): files and the commands an
//! administrator would run. A command or file that is missing leaves its
//! part out (a host without Samba has no Samba shares); nothing here fails.

use super::*;
use crate::ebpf::proc_sockets::{listening_inodes, socket_inode, TCP_LISTEN, UDP_UNCONNECTED};
use crate::inventory::{settings, InventoryCategory, InventoryItem};
use crate::observation::{Event, Inventory, Observation, ProcessRef};
use chrono::Utc;
use std::collections::HashMap;
use std::process::Command;

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn run(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    if !output.status.success() {
        tracing::debug!(program, status = %output.status, "inventory command failed");
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Ports with a listening (TCP) or bound, unconnected (UDP) socket,
/// kernel sockets (NFS, WireGuard) included: only the socket tables are read.
pub fn listening_ports(transport: &str) -> std::collections::HashSet<u16> {
    bound_sockets(transport).into_iter().map(|(port, _)| port).collect()
}

/// (port, socket inode) of listening (TCP) or bound, unconnected (UDP)
/// sockets: from sock_diag, else from the /proc tables.
fn bound_sockets(transport: &str) -> Vec<(u16, u64)> {
    match super::socket_diag::bound_sockets(transport) {
        Ok(sockets) => sockets,
        Err(e) => {
            tracing::debug!(transport, "sock_diag unavailable ({e}); reading /proc/net/{transport}");
            let state = if transport == "udp" { UDP_UNCONNECTED } else { TCP_LISTEN };
            [format!("/proc/net/{transport}"), format!("/proc/net/{transport}6")]
                .iter()
                .filter_map(|table| read(table))
                .flat_map(|text| listening_inodes(&text, state))
                .collect()
        }
    }
}

/// Listening ports of `transport` (`tcp` or `udp`) and the process holding each socket.
pub fn listener_owners(transport: &str) -> HashMap<u16, ProcessRef> {
    let inodes: HashMap<u64, u16> = bound_sockets(transport).into_iter().map(|(port, inode)| (inode, port)).collect();
    let mut owners = HashMap::new();
    let Ok(processes) = std::fs::read_dir("/proc") else { return owners };
    for process in processes.flatten() {
        let Some(pid) = process.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else { continue };
        for fd in fds.flatten() {
            let Some(port) = std::fs::read_link(fd.path())
                .ok()
                .and_then(|link| socket_inode(&link.to_string_lossy()))
                .and_then(|inode| inodes.get(&inode))
            else {
                continue;
            };
            let name = std::fs::read_to_string(process.path().join("comm")).unwrap_or_default().trim().to_string();
            owners.entry(*port).or_insert(ProcessRef { pid: Some(pid), name });
        }
    }
    owners
}

fn listeners() -> Vec<InventoryItem> {
    let mut items = Vec::new();
    for transport in ["tcp", "udp"] {
        let mut owned: Vec<(u16, ProcessRef)> = listener_owners(transport).into_iter().collect();
        owned.sort_by_key(|(port, _)| *port);
        for (port, process) in owned {
            items.push(
                InventoryItem::new(InventoryCategory::Listener, format!("{}:{port}", process.name))
                    .with_attr("port", port)
                    .with_attr("transport", transport)
                    .with_attr("process", process.name.as_str()),
            );
        }
    }
    items
}

/// `PRETTY_NAME` of os-release(5), unquoted.
fn os_release_name(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_string())
        .filter(|v| !v.is_empty())
}

/// The `inventory` observation for this host, now.
pub fn read_inventory(host: &str) -> Observation {
    let mut items = vec![InventoryItem::new(InventoryCategory::Setting, settings::OS).with_attr("value", "linux")];
    if let Some(version) = read("/etc/os-release").as_deref().and_then(os_release_name) {
        items.push(InventoryItem::new(InventoryCategory::Setting, settings::OS_VERSION).with_attr("value", version));
    }
    let localtime = std::fs::read_link("/etc/localtime").ok().map(|p| p.to_string_lossy().into_owned());
    if let Some(zone) = timezone::timezone(read("/etc/timezone").as_deref(), localtime.as_deref()) {
        items.push(InventoryItem::new(InventoryCategory::Setting, settings::TIMEZONE).with_attr("value", zone));
    }
    items.extend(listeners());
    if let (Some(units), Some(files)) = (
        run("systemctl", &["list-units", "--type=service,socket", "--all", "--no-legend", "--plain", "--no-pager"]),
        run("systemctl", &["list-unit-files", "--type=service,socket", "--no-legend", "--plain", "--no-pager"]),
    ) {
        items.extend(systemd_units::systemd_units(&units, &files));
    }
    if let Some(testparm) = run("testparm", &["-s", "--suppress-prompt"]) {
        items.extend(samba_shares::samba_inventory(&testparm));
    }
    if let Some(exports) = read("/etc/exports") {
        items.extend(nfs_exports::nfs_exports(&exports));
    }
    if let Some(modules) = read("/proc/modules") {
        items.extend(kernel_modules::loaded_modules(&modules));
    }
    if let Some(passwd) = read("/etc/passwd") {
        items.extend(accounts::login_accounts(&passwd));
    }
    let program_dirs: Vec<&std::path::Path> =
        installed_programs::PROGRAM_DIRS.iter().map(std::path::Path::new).collect();
    items.extend(installed_programs::installed_programs(&program_dirs));
    if let Some(sshd) = run("sshd", &["-T"]).or_else(|| run("/usr/sbin/sshd", &["-T"])) {
        items.extend(sshd_settings::sshd_settings(&sshd));
    }
    for (kind, files) in [
        ("openssl", vec!["/etc/ssl/openssl.cnf".to_string()]),
        ("nginx", config_files("/etc/nginx")),
        ("apache", config_files("/etc/apache2").into_iter().chain(config_files("/etc/httpd")).collect()),
    ] {
        for file in files {
            if let Some(text) = read(&file) {
                items.extend(tls_minimums::tls_minimums(kind, &file, &text));
            }
        }
    }
    Observation::new(Utc::now(), host, "inventory", Event::Inventory(Inventory { items }))
}

/// `*.conf` files below a configuration directory (links followed, bounded depth).
fn config_files(dir: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, depth: usize, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && depth < 4 {
                walk(&path, depth + 1, out);
            } else if path.extension().is_some_and(|e| e == "conf") || path.ends_with("nginx.conf") {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(dir), 0, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::os_release_name;

    #[test]
    fn os_release_pretty_name_is_unquoted() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(os_release_name(text).as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(os_release_name("ID=alpine\n"), None);
    }
}
