//! Linux kernel sources (eBPF). The programs are C in `collector/bpf/`,
//! compiled by clang and committed; what their records mean is decoded
//! here, platform-neutral and tested anywhere. The [`live`] layer
//! (Linux only) loads the programs with aya and reads their ring buffers.

pub mod exec_event;
pub mod flow_record;
pub mod kernel_address;
#[cfg(target_os = "linux")]
pub mod live;
pub mod passwd;
pub mod proc_sockets;
pub mod tcp_event;
