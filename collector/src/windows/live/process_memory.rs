//! This process's resident memory, for the observe loop's health lines.

use windows::Win32::System::ProcessStatus::{GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows::Win32::System::Threading::GetCurrentProcess;

/// The working set, in bytes.
pub fn resident_bytes() -> Option<u64> {
    let mut counters =
        PROCESS_MEMORY_COUNTERS { cb: size_of::<PROCESS_MEMORY_COUNTERS>() as u32, ..Default::default() };
    // SAFETY: the pseudo-handle needs no closing; `counters` is as large as `cb` says.
    unsafe { GetProcessMemoryInfo(GetCurrentProcess(), &mut counters, counters.cb) }.ok()?;
    u64::try_from(counters.WorkingSetSize).ok()
}
