//! Who owns a listening socket, from `/proc` (the fallback where sock_diag,
//! linux/socket_diag.rs, is unavailable): `/proc/net/tcp{,6}` maps a
//! listening port to a socket inode, and `/proc/PID/fd/*` links
//! (`socket:[INODE]`) map the inode to a process. Inbound accepts fire in
//! softirq context, so this, not the running task, names their process.

use std::collections::HashMap;

/// `st` of a listening TCP socket (LISTEN).
pub const TCP_LISTEN: &str = "0A";
/// `st` of an unconnected UDP socket, the UDP counterpart of listening.
pub const UDP_UNCONNECTED: &str = "07";

/// Listening ports and their socket inodes from `/proc/net/{tcp,udp}{,6}`
/// text (`sl local_address rem_address st ... inode`), for sockets in `state`.
pub fn listening_inodes(proc_net: &str, state: &str) -> HashMap<u16, u64> {
    proc_net
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, st, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            if *st != state {
                return None;
            }
            let port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
            Some((port, inode.parse().ok()?))
        })
        .collect()
}

/// The inode of an fd link target `socket:[12345]`.
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_and_socket_links() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21483 1 0000000000000000 100 0 0 10 0\n   1: 0100007F:A5B2 0100007F:0016 01 00000000:00000000 02:000A7B0C 00000000  1000        0 99812 2 0000000000000000 20 4 30 10 -1\n";
        let listeners = listening_inodes(text, TCP_LISTEN);
        assert_eq!(listeners.get(&22), Some(&21483));
        assert_eq!(listeners.len(), 1, "established sockets are not listeners");
        assert_eq!(socket_inode("socket:[21483]"), Some(21483));
        assert_eq!(socket_inode("pipe:[1]"), None);
    }
}
