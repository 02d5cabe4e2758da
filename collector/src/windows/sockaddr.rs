//! The address in a Windows SOCKADDR_IN or SOCKADDR_IN6, as the adapter
//! list hands them over. Family numbers from ws2def.h: Windows' AF_INET6
//! is 23, not the 10 of Linux.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const AF_INET: u16 = 2;
const AF_INET6: u16 = 23;

/// `None` for other families and for too few bytes.
pub fn sockaddr_ip(bytes: &[u8]) -> Option<IpAddr> {
    let family = u16::from_le_bytes(bytes.get(..2)?.try_into().ok()?);
    match family {
        // SOCKADDR_IN: family, port, then the address.
        AF_INET => {
            let a: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        // SOCKADDR_IN6: family, port, flow info, then the address.
        AF_INET6 => {
            let a: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_families_and_refuses_short_ones() {
        let v4 = [2, 0, 0x01, 0xBD, 10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(sockaddr_ip(&v4), Some("10.0.0.5".parse().unwrap()));
        let mut v6 = vec![23, 0, 0, 0, 0, 0, 0, 0];
        v6.extend_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(sockaddr_ip(&v6), Some("fe80::1".parse().unwrap()));
        assert_eq!(sockaddr_ip(&v6[..20]), None);
        assert_eq!(sockaddr_ip(&v4[..6]), None);
        assert_eq!(sockaddr_ip(&[10, 0, 0, 0, 127, 0, 0, 1]), None);
        assert_eq!(sockaddr_ip(&[2]), None);
    }
}
