//! One file per event family; each exposes `decode*` functions over an
//! [`EventRecord`](super::EventRecord) (see [`super::decoder`] for which
//! provider and id each one reads).

pub mod firewall_connection;
pub mod logon;
pub mod ntlm_audit;
pub mod powershell;
pub mod process_creation;
pub mod remote_desktop;
pub mod schannel;
pub mod services;
pub mod share_access;
pub mod share_change;
pub mod smb_server;
pub mod spn_check;
