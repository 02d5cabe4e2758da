//! Reading HKLM: a key that closes itself, and typed values. Every read is
//! best-effort: a missing key or value is `None`, which the host state
//! reports as "could not be read" rather than guessing a default.

use crate::windows::wide::{from_wide, from_wide_bytes, wide_strings};
use windows::core::{Owned, HSTRING, PWSTR};
use windows::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS};
use windows::Win32::System::Registry::{
    RegEnumKeyExW, RegEnumValueW, RegOpenKeyExW, RegQueryValueExW, HKEY, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY,
    REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ, REG_VALUE_TYPE,
};

/// Longest key name (255) and value name (16383) plus the NUL.
const MAX_KEY_NAME: usize = 256;
const MAX_VALUE_NAME: usize = 16_384;
/// A value can grow between the sizing call and the read; try again a few times.
const READ_ATTEMPTS: usize = 4;

#[derive(Debug)]
pub(crate) struct RegKey(Owned<HKEY>);

/// A key that exists but could not be opened (access denied, damaged hive).
#[derive(Debug)]
pub(crate) struct Unreadable;

impl RegKey {
    /// `HKLM\path`, opened for reading in the 64-bit view; `None` if it
    /// cannot be opened, for whatever reason.
    pub(crate) fn local_machine(path: &str) -> Option<RegKey> {
        open(HKEY_LOCAL_MACHINE, path).ok().flatten()
    }

    /// Tells a key that does not exist (`Ok(None)`: the setting is at its
    /// default) from one that cannot be read (`Err`).
    pub(crate) fn local_machine_checked(path: &str) -> Result<Option<RegKey>, Unreadable> {
        open(HKEY_LOCAL_MACHINE, path)
    }

    pub(crate) fn open(&self, path: &str) -> Option<RegKey> {
        open(*self.0, path).ok().flatten()
    }

    pub(crate) fn dword(&self, name: &str) -> Option<u32> {
        let (kind, data) = self.raw(name)?;
        (kind == REG_DWORD).then(|| data.get(..4)?.try_into().ok().map(u32::from_le_bytes)).flatten()
    }

    pub(crate) fn string(&self, name: &str) -> Option<String> {
        let (kind, data) = self.raw(name)?;
        (kind == REG_SZ || kind == REG_EXPAND_SZ).then(|| from_wide_bytes(&data))
    }

    /// A REG_MULTI_SZ as its strings, empty ones dropped.
    pub(crate) fn multi_string(&self, name: &str) -> Option<Vec<String>> {
        let (kind, data) = self.raw(name)?;
        if kind != REG_MULTI_SZ {
            return None;
        }
        Some(wide_strings(&data))
    }

    /// A REG_BINARY's bytes.
    pub(crate) fn binary(&self, name: &str) -> Option<Vec<u8>> {
        let (kind, data) = self.raw(name)?;
        (kind == REG_BINARY).then_some(data)
    }

    pub(crate) fn subkeys(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut buffer = [0u16; MAX_KEY_NAME];
        for index in 0.. {
            let mut length = buffer.len() as u32;
            // SAFETY: `buffer` holds `length` characters; the other outputs are not requested.
            let status = unsafe {
                RegEnumKeyExW(*self.0, index, Some(PWSTR(buffer.as_mut_ptr())), &mut length, None, None, None, None)
            };
            if status != ERROR_SUCCESS {
                if status != ERROR_NO_MORE_ITEMS {
                    tracing::debug!("registry: enumerating subkeys stopped: {status:?}");
                }
                break;
            }
            names.push(from_wide(&buffer[..length as usize]));
        }
        names
    }

    pub(crate) fn value_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut buffer = vec![0u16; MAX_VALUE_NAME];
        for index in 0.. {
            let mut length = buffer.len() as u32;
            // SAFETY: `buffer` holds `length` characters; type and data are not requested.
            let status = unsafe {
                RegEnumValueW(*self.0, index, Some(PWSTR(buffer.as_mut_ptr())), &mut length, None, None, None, None)
            };
            if status != ERROR_SUCCESS {
                if status != ERROR_NO_MORE_ITEMS {
                    tracing::debug!("registry: enumerating values stopped: {status:?}");
                }
                break;
            }
            names.push(from_wide(&buffer[..length as usize]));
        }
        names
    }

    fn raw(&self, name: &str) -> Option<(REG_VALUE_TYPE, Vec<u8>)> {
        let name = HSTRING::from(name);
        for _ in 0..READ_ATTEMPTS {
            let mut kind = REG_VALUE_TYPE::default();
            let mut size = 0u32;
            // SAFETY: a sizing call: no data buffer, valid out pointers.
            let status = unsafe { RegQueryValueExW(*self.0, &name, None, Some(&mut kind), None, Some(&mut size)) };
            if status != ERROR_SUCCESS {
                return None;
            }
            let mut data = vec![0u8; size as usize];
            // SAFETY: `data` holds `size` bytes, as the call is told.
            let status = unsafe {
                RegQueryValueExW(*self.0, &name, None, Some(&mut kind), Some(data.as_mut_ptr()), Some(&mut size))
            };
            if status == ERROR_MORE_DATA {
                continue;
            }
            if status != ERROR_SUCCESS {
                return None;
            }
            data.truncate(size as usize);
            return Some((kind, data));
        }
        None
    }
}

fn open(parent: HKEY, path: &str) -> Result<Option<RegKey>, Unreadable> {
    let mut key = HKEY::default();
    // SAFETY: `parent` is a predefined or open key; `key` is a valid out pointer.
    let status = unsafe { RegOpenKeyExW(parent, &HSTRING::from(path), None, KEY_READ | KEY_WOW64_64KEY, &mut key) };
    match status {
        // SAFETY: on success `key` is an open key that we own.
        ERROR_SUCCESS => Ok(Some(RegKey(unsafe { Owned::new(key) }))),
        ERROR_FILE_NOT_FOUND => Ok(None),
        status => {
            tracing::debug!("registry: cannot open key {path}: {status:?}");
            Err(Unreadable)
        }
    }
}

/// A value under HKLM as text, for `temper check`: DWORDs in decimal,
/// strings as they are, multi-strings joined by `;`. `Ok(None)` when the
/// key or value does not exist; `Err` when the key cannot be read.
pub fn read_local_machine_value(path: &str, name: &str) -> Result<Option<String>, String> {
    let key = match RegKey::local_machine_checked(path) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(None),
        Err(Unreadable) => return Err(format!("HKLM\\{path}: cannot be read")),
    };
    Ok(key
        .dword(name)
        .map(|v| v.to_string())
        .or_else(|| key.string(name))
        .or_else(|| key.multi_string(name).map(|v| v.join(";"))))
}
