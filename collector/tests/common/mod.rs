//! Shared by the collector's integration tests.
#![allow(dead_code)]

/// The pcap corpus, or None (with a printed reason) when TEMPER_CORPUS is unset.
pub fn pcap_corpus() -> Option<std::path::PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join("pcap")),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}

/// The `.evtx` corpus, or None (with a printed reason) when TEMPER_CORPUS is unset.
pub fn evtx_corpus() -> Option<std::path::PathBuf> {
    match std::env::var_os("TEMPER_CORPUS") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join("evtx")),
        None => {
            eprintln!("skipped: TEMPER_CORPUS is not set");
            None
        }
    }
}
