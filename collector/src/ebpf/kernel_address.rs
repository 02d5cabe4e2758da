//! Addresses as the eBPF programs record them: a family and 16 bytes, of
//! which IPv4 uses the first four. IPv4-mapped IPv6 (a dual-stack socket
//! serving IPv4) reads as the IPv4 address it is.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const AF_INET6: u16 = 10;

/// `bytes` must hold 16 bytes.
pub fn kernel_address(family: u16, bytes: &[u8]) -> IpAddr {
    if family == AF_INET6 {
        let v6 = Ipv6Addr::from(<[u8; 16]>::try_from(bytes).expect("16 bytes"));
        v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6))
    } else {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    }
}
