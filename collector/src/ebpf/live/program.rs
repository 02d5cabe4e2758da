//! Loading a `tp_btf` program: relocated against the running kernel's BTF,
//! attached, and its ring buffer taken. Every kernel source loads this way.

use super::error::EbpfError;
use super::ring_reader::{ring_size, RingReader};
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use std::path::Path;

const BTF_PATH: &str = "/sys/kernel/btf/vmlinux";

/// The running kernel's BTF. Parsing it costs megabytes: parse it once and
/// load every program with it.
pub fn kernel_btf() -> Result<Btf, EbpfError> {
    if !Path::new(BTF_PATH).exists() {
        return Err(EbpfError::NoBtf(BTF_PATH.into()));
    }
    Btf::from_sys_fs().map_err(|e| EbpfError::from_load("btf", &e))
}

/// Loads `object`, attaches its program `function` to the `tracepoint`,
/// and takes its `{name}_events` ring buffer (sized to `ring_bytes`) and
/// `{name}_lost` counter. Dropping the returned `Ebpf` detaches it.
pub(super) fn load_tp_btf(
    btf: &Btf,
    name: &'static str,
    object: &[u8],
    function: &str,
    tracepoint: &str,
    ring_bytes: u32,
) -> Result<(Ebpf, RingReader), EbpfError> {
    let failed = |e: &dyn std::error::Error| EbpfError::from_load(name, e);
    let events = format!("{name}_events");
    let mut bpf = EbpfLoader::new()
        .btf(Some(btf))
        .map_max_entries(&events, ring_size(ring_bytes))
        .load(object)
        .map_err(|e| failed(&e))?;
    let program: &mut BtfTracePoint = bpf
        .program_mut(function)
        .ok_or_else(|| EbpfError::Program { program: name, message: format!("no {function} program in the object") })?
        .try_into()
        .map_err(|e| failed(&e))?;
    program.load(tracepoint, btf).map_err(|e| failed(&e))?;
    program.attach().map_err(|e| failed(&e))?;
    let ring = RingReader::take(&mut bpf, name, &events, &format!("{name}_lost"))?;
    Ok((bpf, ring))
}
