//! Shared by the collector's integration tests.
#![allow(dead_code)]

/// A part of the shared corpus (`pcap`, `evtx`), or None (with a printed
/// reason) when TEMPER_CORPUS is unset.
pub fn corpus(part: &str) -> Option<std::path::PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join(part)),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}

pub fn pcap_corpus() -> Option<std::path::PathBuf> {
    corpus("pcap")
}

pub fn evtx_corpus() -> Option<std::path::PathBuf> {
    corpus("evtx")
}
