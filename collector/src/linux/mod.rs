//! What exists on a Linux host (the inventory), read from the files and
//! commands an administrator would use. The parsers are platform-neutral
//! and tested with real outputs; [`read_inventory`] (Linux only) runs them
//! on this host.

pub mod accounts;
pub mod auth_log;
pub mod installed_programs;
#[cfg(target_os = "linux")]
pub mod interfaces;
#[cfg(target_os = "linux")]
pub mod inventory_source;
pub mod kernel_modules;
#[cfg(target_os = "linux")]
pub mod log_follower;
pub mod nfs_exports;
#[cfg(target_os = "linux")]
mod reader;
pub mod samba_audit;
pub mod samba_shares;
#[cfg(target_os = "linux")]
mod socket_diag;
pub mod sshd_settings;
pub mod systemd_units;
pub mod timezone;
pub mod tls_minimums;

#[cfg(target_os = "linux")]
pub use reader::{listener_owners, listening_ports, read_inventory};
