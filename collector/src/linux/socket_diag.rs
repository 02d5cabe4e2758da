//! Listening TCP sockets and bound, unconnected UDP sockets, as port →
//! socket inode, from the kernel's sock_diag netlink interface, which
//! filters by state in the kernel.
//!
//! `/proc/net/tcp` lists every socket, TIME_WAIT included: on a busy server,
//! or just after a connection storm, that is tens of thousands of lines the
//! kernel formats and the reader parses to find a handful of listeners (one
//! read took 90 ms of the observer's CPU during a 50,000-connect storm). A
//! dump asking for LISTEN walks only the kernel's listening hash. The /proc
//! tables stay as the fallback where sock_diag is unavailable.

use netlink_packet_core::{NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_DUMP, NLM_F_REQUEST};
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket, SocketAddr};
use std::io;

/// (port, socket inode) of every listening (`tcp`) or bound, unconnected
/// (`udp`) socket, in either family.
pub fn bound_sockets(transport: &str) -> io::Result<Vec<(u16, u64)>> {
    let (protocol, states) =
        if transport == "udp" { (IPPROTO_UDP, StateFlags::CLOSE) } else { (IPPROTO_TCP, StateFlags::LISTEN) };
    let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&SocketAddr::new(0, 0))?;
    let (mut sockets, mut buffer) = (Vec::new(), vec![0u8; 64 * 1024]);
    for (family, socket_id) in [(AF_INET, SocketId::new_v4()), (AF_INET6, SocketId::new_v6())] {
        let request =
            InetRequest { family, protocol, extensions: ExtensionFlags::empty(), states: states.clone(), socket_id };
        dump(&socket, request, &mut buffer, &mut sockets)?;
    }
    Ok(sockets)
}

/// Sends one dump request and reads its replies through `buffer`.
fn dump(socket: &Socket, request: InetRequest, buffer: &mut [u8], into: &mut Vec<(u16, u64)>) -> io::Result<()> {
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut message = NetlinkMessage::new(header, SockDiagMessage::InetRequest(request).into());
    message.finalize();
    let mut bytes = vec![0; message.buffer_len()];
    message.serialize(&mut bytes);
    socket.send(&bytes, 0)?;

    // A dump arrives as datagrams of several messages each, up to a Done.
    loop {
        let size = socket.recv(&mut &mut buffer[..], 0)?;
        let mut at = 0;
        while at < size {
            let reply = NetlinkMessage::<SockDiagMessage>::deserialize(&buffer[at..size])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("sock_diag reply: {e}")))?;
            match reply.payload {
                NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) => {
                    into.push((response.header.socket_id.source_port, u64::from(response.header.inode)));
                }
                NetlinkPayload::Done(_) => return Ok(()),
                NetlinkPayload::Error(e) => {
                    return Err(e.to_io());
                }
                _ => {}
            }
            let length = reply.header.length as usize;
            if length == 0 {
                break;
            }
            at += length;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream, UdpSocket};

    #[test]
    fn finds_listeners_and_bound_udp_sockets_but_not_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let client_port = client.local_addr().unwrap().port();
        let v6 = TcpListener::bind("[::1]:0").ok();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();

        let ports = |transport| bound_sockets(transport).unwrap().into_iter().map(|(port, _)| port).collect::<Vec<_>>();
        let tcp = ports("tcp");
        assert_eq!(tcp.iter().filter(|p| **p == port).count(), 1, "the listener is listed once");
        assert!(!tcp.contains(&client_port), "a connected socket is not a listener");
        if let Some(v6) = v6 {
            assert!(tcp.contains(&v6.local_addr().unwrap().port()), "IPv6 listeners are listed");
        }
        assert!(ports("udp").contains(&udp.local_addr().unwrap().port()));
    }
}
