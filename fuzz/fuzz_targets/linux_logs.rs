//! Log lines an attacker can shape (an ssh user name, a share path, a sudo
//! command) through the sshd/sudo and Samba full_audit parsers: an
//! observation or nothing, never a panic; what they produce validates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::linux::auth_log::{parse_auth_message, split_syslog};
use temper_collector::linux::samba_audit::parse_audit_line;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let time = chrono::DateTime::UNIX_EPOCH;
    let (program, message) = split_syslog(line);
    for obs in [parse_auth_message(program, message, "h", time), parse_audit_line(line, "h", time)].into_iter().flatten() {
        obs.validate().expect("parsers produce valid observations");
    }
});
