//! Listening sockets and their processes, from the IP Helper owner-PID
//! tables (what `netstat -ano` shows).

use crate::windows::host_state::ListenerEntry;
use crate::windows::listener_table::{listeners, table_port, Socket};
use crate::windows::wide::from_wide;
use std::ffi::c_void;
use std::mem::offset_of;
use windows::core::{Owned, PWSTR};
use windows::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, NO_ERROR};
use windows::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, GetExtendedUdpTable, MIB_TCP6ROW_OWNER_PID, MIB_TCP6TABLE_OWNER_PID, MIB_TCPROW_OWNER_PID,
    MIB_TCPTABLE_OWNER_PID, MIB_UDP6ROW_OWNER_PID, MIB_UDP6TABLE_OWNER_PID, MIB_UDPROW_OWNER_PID,
    MIB_UDPTABLE_OWNER_PID, TCP_TABLE_OWNER_PID_LISTENER, UDP_TABLE_OWNER_PID,
};
use windows::Win32::Networking::WinSock::{AF_INET, AF_INET6};
use windows::Win32::System::Threading::{
    OpenProcess, QueryFullProcessImageNameW, PROCESS_NAME_WIN32, PROCESS_QUERY_LIMITED_INFORMATION,
};

/// The table can grow between the sizing call and the read.
const READ_ATTEMPTS: usize = 4;

/// TCP listeners and bound UDP ports outside the dynamic range, IPv4 and IPv6 merged.
pub(crate) fn list() -> Vec<ListenerEntry> {
    let mut sockets = Vec::new();
    let tcp = |family: u16| {
        read_table(|buffer, size| {
            // SAFETY: `buffer` is None or holds `*size` bytes, as the call is told.
            unsafe { GetExtendedTcpTable(buffer, size, false, family.into(), TCP_TABLE_OWNER_PID_LISTENER, 0) }
        })
    };
    let udp = |family: u16| {
        read_table(|buffer, size| {
            // SAFETY: as above.
            unsafe { GetExtendedUdpTable(buffer, size, false, family.into(), UDP_TABLE_OWNER_PID, 0) }
        })
    };
    if let Some(table) = tcp(AF_INET.0) {
        for row in rows::<MIB_TCPROW_OWNER_PID>(&table, offset_of!(MIB_TCPTABLE_OWNER_PID, table)) {
            sockets.push(Socket { transport: "tcp", port: table_port(row.dwLocalPort), pid: row.dwOwningPid });
        }
    }
    if let Some(table) = tcp(AF_INET6.0) {
        for row in rows::<MIB_TCP6ROW_OWNER_PID>(&table, offset_of!(MIB_TCP6TABLE_OWNER_PID, table)) {
            sockets.push(Socket { transport: "tcp", port: table_port(row.dwLocalPort), pid: row.dwOwningPid });
        }
    }
    if let Some(table) = udp(AF_INET.0) {
        for row in rows::<MIB_UDPROW_OWNER_PID>(&table, offset_of!(MIB_UDPTABLE_OWNER_PID, table)) {
            sockets.push(Socket { transport: "udp", port: table_port(row.dwLocalPort), pid: row.dwOwningPid });
        }
    }
    if let Some(table) = udp(AF_INET6.0) {
        for row in rows::<MIB_UDP6ROW_OWNER_PID>(&table, offset_of!(MIB_UDP6TABLE_OWNER_PID, table)) {
            sockets.push(Socket { transport: "udp", port: table_port(row.dwLocalPort), pid: row.dwOwningPid });
        }
    }
    listeners(sockets, image_path)
}

/// The table in u64 storage (the rows need 4-byte alignment); `None` on failure.
fn read_table(fetch: impl Fn(Option<*mut c_void>, &mut u32) -> u32) -> Option<Vec<u64>> {
    let mut size = 0u32;
    for _ in 0..READ_ATTEMPTS {
        let status = fetch(None, &mut size);
        if status != ERROR_INSUFFICIENT_BUFFER.0 && status != NO_ERROR.0 {
            tracing::debug!("listeners: cannot size the socket table: error {status}");
            return None;
        }
        let mut storage = vec![0u64; (size as usize).div_ceil(8).max(1)];
        size = (storage.len() * 8) as u32;
        match fetch(Some(storage.as_mut_ptr().cast()), &mut size) {
            status if status == NO_ERROR.0 => return Some(storage),
            status if status == ERROR_INSUFFICIENT_BUFFER.0 => continue,
            status => {
                tracing::debug!("listeners: cannot read the socket table: error {status}");
                return None;
            }
        }
    }
    None
}

/// The rows of an owner-PID table: a u32 count, then rows from `rows_at`.
fn rows<Row: Copy>(table: &[u64], rows_at: usize) -> Vec<Row> {
    let bytes = table.len() * 8;
    // SAFETY: `table` is non-empty (read_table allocates at least 8 bytes) and aligned for u32.
    let count = unsafe { table.as_ptr().cast::<u32>().read() } as usize;
    let fits = bytes.saturating_sub(rows_at) / size_of::<Row>();
    // SAFETY: at most `fits` rows, all inside the buffer, which is 8-byte aligned
    // (the rows need 4) and written by the table call.
    unsafe { std::slice::from_raw_parts(table.as_ptr().cast::<u8>().add(rows_at).cast::<Row>(), count.min(fits)) }
        .to_vec()
}

/// The process's image path; `None` when it cannot be opened (protected, gone).
fn image_path(pid: u32) -> Option<String> {
    // SAFETY: opening by id with limited query rights has no preconditions.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid) }.ok()?;
    // SAFETY: OpenProcess succeeded; the handle is ours to close.
    let process = unsafe { Owned::new(process) };
    let mut buffer = vec![0u16; 32_768];
    let mut length = buffer.len() as u32;
    // SAFETY: `buffer` holds `length` characters.
    unsafe { QueryFullProcessImageNameW(*process, PROCESS_NAME_WIN32, PWSTR(buffer.as_mut_ptr()), &mut length) }
        .ok()?;
    Some(from_wide(&buffer[..(length as usize).min(buffer.len())]))
}
