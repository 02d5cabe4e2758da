//! Loading Temper's eBPF programs with aya and reading their ring buffers
//! (Linux only). The objects are committed beside their sources in
//! `collector/bpf/` (rebuilt and checked by `collector/bpf/build.sh`), so a
//! plain `cargo build` needs no clang.

mod boot_clock;
mod error;
mod exec_source;
mod flow_source;
mod listeners;
mod program;
mod ring_reader;
mod tcp_source;

/// What [`kernel_btf`] returns and the sources' `load` take.
pub use aya::Btf;
pub use error::EbpfError;
pub use exec_source::{ExecSource, DEFAULT_RING_BYTES};
pub use flow_source::{FlowSource, TcHook, FLOW_CATEGORIES};
pub use program::kernel_btf;
pub use tcp_source::TcpSource;
