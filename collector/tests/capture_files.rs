//! Reading real capture files: the Zeek corpus (TEMPER_CORPUS) and damaged copies of it.

mod common;

use std::path::PathBuf;
use temper_collector::wire::capture_file::{read_capture, CaptureError};

fn captures(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("pcap" | "pcapng" | "cap")))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_capture_reads_completely() {
    let Some(dir) = common::pcap_corpus() else { return };
    let files = captures(&dir);
    assert!(files.len() >= 19, "{} captures in {}", files.len(), dir.display());
    for file in files {
        let mut payload_bytes = 0usize;
        let stats = read_capture(&file, |r| payload_bytes += r.payload.len()).unwrap_or_else(|e| panic!("{e}"));
        assert!(stats.records > 0, "{}: no TCP/UDP packets", file.display());
        assert_eq!(stats.bytes, std::fs::metadata(&file).unwrap().len(), "{}: not read to the end", file.display());
        assert!(stats.first().unwrap() <= stats.last().unwrap());
        eprintln!(
            "{}: {} frames, {} records, {} skipped, {payload_bytes} payload bytes",
            file.display(),
            stats.frames,
            stats.records,
            stats.skipped
        );
    }
}

#[test]
fn truncated_and_corrupt_captures_name_the_offset_and_keep_what_came_before() {
    let Some(dir) = common::pcap_corpus() else { return };
    let original = std::fs::read(dir.join("smb3.pcap")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let full = read_capture(&dir.join("smb3.pcap"), |_| {}).unwrap();

    let truncated = tmp.path().join("truncated.pcap");
    std::fs::write(&truncated, &original[..original.len() - 37]).unwrap();
    let mut seen = 0;
    let err = read_capture(&truncated, |_| seen += 1).unwrap_err();
    assert!(matches!(err, CaptureError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("byte offset"), "{err}");
    assert_eq!(seen as u64, full.records - 1, "every packet before the cut was delivered");

    // A record header claiming a huge length in the middle of the file.
    let mut corrupt = original.clone();
    let at = 24 + 16 + usize::from_le_bytes([original[32], original[33], original[34], original[35], 0, 0, 0, 0]);
    corrupt[at + 8..at + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let path = tmp.path().join("corrupt.pcap");
    std::fs::write(&path, &corrupt).unwrap();
    let mut seen = 0;
    let err = read_capture(&path, |_| seen += 1).unwrap_err();
    let CaptureError::Damaged { offset, stats, .. } = err else { panic!("{err}") };
    assert_eq!(offset, at as u64, "the offset of the bad record");
    assert_eq!((stats.records, seen), (1, 1));

    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "hello, not a capture\n").unwrap();
    assert!(matches!(read_capture(&text, |_| {}).unwrap_err(), CaptureError::NotACapture { .. }));
}

#[test]
fn gzip_compressed_captures_read_like_the_original() {
    let Some(dir) = common::pcap_corpus() else { return };
    let original = std::fs::read(dir.join("dce_rpc_ntlm.pcapng")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("x.pcapng.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &original).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let mut a = Vec::new();
    let mut b = Vec::new();
    read_capture(&dir.join("dce_rpc_ntlm.pcapng"), |r| a.push((r.src, r.dst, r.payload.to_vec()))).unwrap();
    read_capture(&gz, |r| b.push((r.src, r.dst, r.payload.to_vec()))).unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}
