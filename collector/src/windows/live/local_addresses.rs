//! This host's own addresses, which tell the live wire source whether a
//! flow's server is here (inbound) or elsewhere (this host as a client).

use crate::windows::sockaddr::sockaddr_ip;
use std::net::IpAddr;
use windows::Win32::Foundation::{ERROR_BUFFER_OVERFLOW, NO_ERROR};
use windows::Win32::NetworkManagement::IpHelper::{
    GetAdaptersAddresses, GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_DNS_SERVER, GAA_FLAG_SKIP_FRIENDLY_NAME,
    GAA_FLAG_SKIP_MULTICAST, IP_ADAPTER_ADDRESSES_LH,
};
use windows::Win32::Networking::WinSock::AF_UNSPEC;

/// Microsoft's advice for the first GetAdaptersAddresses buffer.
const FIRST_BUFFER: usize = 15 * 1024;
const READ_ATTEMPTS: usize = 4;

/// Unicast addresses of every adapter, IPv4 and IPv6; empty if they cannot be read.
pub fn local_addresses() -> Vec<IpAddr> {
    let flags =
        GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER | GAA_FLAG_SKIP_FRIENDLY_NAME;
    let mut size = FIRST_BUFFER as u32;
    for _ in 0..READ_ATTEMPTS {
        // u64 storage: the records hold pointers and need their alignment.
        let mut storage = vec![0u64; (size as usize).div_ceil(8)];
        let first = storage.as_mut_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
        // SAFETY: `storage` holds `size` bytes, as the call is told.
        let status = unsafe { GetAdaptersAddresses(u32::from(AF_UNSPEC.0), flags, None, Some(first), &mut size) };
        if status == ERROR_BUFFER_OVERFLOW.0 {
            continue;
        }
        if status != NO_ERROR.0 {
            tracing::warn!("cannot list this host's addresses: error {status}");
            return Vec::new();
        }
        let mut addresses = Vec::new();
        let mut adapter = first.cast_const();
        while !adapter.is_null() {
            // SAFETY: the adapters form a list inside `storage`, alive for this loop.
            let record = unsafe { &*adapter };
            let mut unicast = record.FirstUnicastAddress.cast_const();
            while !unicast.is_null() {
                // SAFETY: as above, for each adapter's unicast list.
                let entry = unsafe { &*unicast };
                // SAFETY: the socket address is `iSockaddrLength` bytes inside `storage`.
                if let Some(ip) =
                    unsafe { sockaddr_bytes(entry.Address.lpSockaddr.cast(), entry.Address.iSockaddrLength) }
                        .and_then(sockaddr_ip)
                {
                    addresses.push(ip);
                }
                unicast = entry.Next.cast_const();
            }
            adapter = record.Next.cast_const();
        }
        return addresses;
    }
    tracing::warn!("cannot list this host's addresses: the adapter list kept growing");
    Vec::new()
}

/// The bytes of a socket address.
///
/// # Safety
/// `address` is null or points to `length` readable bytes that outlive `'a`.
unsafe fn sockaddr_bytes<'a>(address: *const u8, length: i32) -> Option<&'a [u8]> {
    if address.is_null() {
        return None;
    }
    let length = usize::try_from(length).ok()?;
    // SAFETY: the caller promises `length` readable bytes.
    Some(unsafe { std::slice::from_raw_parts(address, length) })
}
