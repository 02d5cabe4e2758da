//! The TCP eBPF program on the real kernel: an accept on a test listener
//! is a server connection attributed to the listener's process (not to
//! whatever task ran the softirq), and the connect is a client connection
//! of the connecting process. Needs root and kernel BTF; skips with a
//! printed reason elsewhere, fails instead when TEMPER_REQUIRE_LIVE=1.
#![cfg(target_os = "linux")]

mod common;

use common::{load_kernel_source, run_source};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::time::Duration;
use temper_collector::ebpf::live::{TcpSource, DEFAULT_RING_BYTES};
use temper_collector::Role;

fn own_comm() -> String {
    std::fs::read_to_string("/proc/self/comm").unwrap().trim().to_string()
}

#[test]
fn accepts_belong_to_the_listener_and_connects_to_the_connector() {
    let Some(source) = load_kernel_source("tcp", |btf| TcpSource::load(btf, "testhost", DEFAULT_RING_BYTES)) else {
        return;
    };
    let running = run_source(move |stop, sink| source.run(stop, sink));

    // The listener exists after the source started: its owner is found on demand.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Let the load-time scan of /proc age, so the owner is looked up on demand.
    std::thread::sleep(Duration::from_millis(300));
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.write_all(b"hello").unwrap();
        // A server keeps listening: the owner is looked up while it does.
        listener
    });
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut greeting = String::new();
    client.read_to_string(&mut greeting).unwrap();
    assert_eq!(greeting, "hello");
    let listener = server.join().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let sink = running.stop();
    drop(listener);

    let me = (std::process::id(), own_comm());
    let observations = sink.observations.lock().unwrap();
    let accepted = observations
        .iter()
        .find(|o| o.role == Some(Role::Server) && o.local.as_ref().and_then(|l| l.port) == Some(port))
        .expect("the accept was seen");
    let owner = accepted.process.as_ref().expect("attributed to the listener's owner");
    assert_eq!((owner.pid, owner.name.clone()), (Some(me.0), me.1.clone()));
    assert_eq!(accepted.peer.as_ref().unwrap().ip, Some("127.0.0.1".parse().unwrap()));

    let connected = observations
        .iter()
        .find(|o| o.role == Some(Role::Client) && o.peer.as_ref().and_then(|p| p.port) == Some(port))
        .expect("the connect was seen");
    assert_eq!(connected.process.as_ref().unwrap().pid, Some(me.0));
    assert_eq!(sink.lost.load(Ordering::Relaxed), 0);
}
