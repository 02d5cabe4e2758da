//! Packet captures on the command line: naming hosts, detecting files,
//! decoding with a progress bar.

use crate::args::HostOptions;
use crate::exit::{fail, BAD_INPUT};
use crate::progress;
use std::io::Read;
use std::path::Path;
use temper_collector::wire::capture_file::{looks_like_capture, CaptureError};
use temper_collector::wire::decode::{decode_capture_from, CaptureSummary};
use temper_collector::wire::observations::HostNaming;
use temper_collector::Observation;

pub fn naming(options: &HostOptions) -> anyhow::Result<HostNaming> {
    let mut naming = HostNaming { fixed: options.host.clone(), ..Default::default() };
    if let Some(path) = &options.host_map {
        let text = std::fs::read_to_string(path).map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
        naming.by_address =
            HostNaming::parse_map(&text).map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
    }
    Ok(naming)
}

/// Whether a file is a packet capture (by its first bytes).
pub fn is_capture(path: &Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).is_ok_and(|n| looks_like_capture(&head[..n]))
}

/// Decodes one capture with a progress bar; damage comes back beside the summary.
pub fn decode(
    path: &Path,
    naming: &HostNaming,
    sink: impl FnMut(Observation),
) -> anyhow::Result<(CaptureSummary, Option<CaptureError>)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| fail(BAD_INPUT, format!("{name}: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::bytes(size, &name);
    let result = decode_capture_from(&name, bar.wrap_read(file), naming, sink);
    bar.finish_and_clear();
    Ok(result?)
}
