//! This host's network interfaces and addresses (getifaddrs): where the TC
//! classifier attaches by default, and which addresses are the host's own.

use std::collections::BTreeSet;
use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interfaces {
    /// Interfaces that are up and carry an address, `lo` included.
    pub names: BTreeSet<String>,
    pub addresses: Vec<IpAddr>,
}

/// Reads the interfaces; empty when getifaddrs fails.
pub fn interfaces() -> Interfaces {
    let mut found = Interfaces::default();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list we free below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return found;
    }
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: `cursor` walks the list getifaddrs returned; each node is valid until freeifaddrs.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        if entry.ifa_addr.is_null() || entry.ifa_flags & libc::IFF_UP as u32 == 0 {
            continue;
        }
        // SAFETY: ifa_addr is non-null and its family says which sockaddr it is.
        let address = unsafe {
            match (*entry.ifa_addr).sa_family as i32 {
                libc::AF_INET => {
                    let v4 = &*(entry.ifa_addr as *const libc::sockaddr_in);
                    IpAddr::from(u32::from_be(v4.sin_addr.s_addr).to_be_bytes())
                }
                libc::AF_INET6 => {
                    let v6 = &*(entry.ifa_addr as *const libc::sockaddr_in6);
                    IpAddr::from(v6.sin6_addr.s6_addr)
                }
                _ => continue,
            }
        };
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.ifa_name) }.to_string_lossy().into_owned();
        found.names.insert(name);
        if !found.addresses.contains(&address) {
            found.addresses.push(address);
        }
    }
    // SAFETY: `list` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_up_with_its_address() {
        let found = interfaces();
        assert!(found.names.contains("lo"), "{found:?}");
        assert!(found.addresses.contains(&IpAddr::from([127, 0, 0, 1])), "{found:?}");
    }
}
