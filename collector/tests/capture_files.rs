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

/// A pcap file of `frames` with link type `link` (microsecond timestamps).
fn legacy_pcap(link: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(262_144u32.to_le_bytes());
    out.extend(link.to_le_bytes());
    for (i, frame) in frames.iter().enumerate() {
        out.extend((1_800_000_000u32 + i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend((frame.len() as u32).to_le_bytes());
        out.extend(frame);
    }
    out
}

/// A pcapng file with one interface per link type and each frame on its interface.
fn pcapng(links: &[u16], frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let padded = body.len().div_ceil(4) * 4;
        let total = (12 + padded) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend(total.to_le_bytes());
        b.extend(body);
        b.resize(8 + padded, 0);
        b.extend(total.to_le_bytes());
        b
    }
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    let mut out = block(0x0a0d_0d0a, &shb);
    for link in links {
        let mut idb = link.to_le_bytes().to_vec();
        idb.extend(0u16.to_le_bytes());
        idb.extend(262_144u32.to_le_bytes());
        out.extend(block(1, &idb));
    }
    for (i, (interface, frame)) in frames.iter().enumerate() {
        let micros = (1_800_000_000u64 + i as u64) * 1_000_000;
        let mut epb = interface.to_le_bytes().to_vec();
        epb.extend(((micros >> 32) as u32).to_le_bytes());
        epb.extend((micros as u32).to_le_bytes());
        epb.extend((frame.len() as u32).to_le_bytes());
        epb.extend((frame.len() as u32).to_le_bytes());
        epb.extend(frame);
        out.extend(block(6, &epb));
    }
    out
}

/// The Ethernet frames of a committed capture of this crate.
fn frames_of(name: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/captures").join(name);
    let bytes = std::fs::read(path).unwrap();
    // Legacy pcap: a 24-byte header, then 16-byte record headers.
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
        frames.push(bytes[at + 16..at + 16 + len].to_vec());
        at += 16 + len;
    }
    frames
}

#[test]
fn a_capture_of_a_link_type_not_read_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let wireless = tmp.path().join("wlan.pcap");
    std::fs::write(&wireless, legacy_pcap(105, &frames_of("tls1_3.pcap"))).unwrap();
    let err = read_capture(&wireless, |_| panic!("no frame of this link type is read")).unwrap_err();
    let CaptureError::UnreadLinkType { link, stats, .. } = &err else { panic!("{err}") };
    assert_eq!((*link, stats.unread, stats.records), (105, frames_of("tls1_3.pcap").len() as u64, 0));
    assert!(err.to_string().contains("link type 105 (IEEE 802.11 wireless) were not read"), "{err}");
}

#[test]
fn unread_frames_beside_read_ones_are_decoded_around_and_counted_as_lost() {
    use temper_collector::wire::decode::decode_capture;
    use temper_collector::wire::observations::HostNaming;
    use temper_collector::Event;
    let tmp = tempfile::tempdir().unwrap();
    let mixed = tmp.path().join("mixed.pcapng");
    let mut frames: Vec<(u32, Vec<u8>)> = frames_of("tls1_3.pcap").into_iter().map(|f| (0, f)).collect();
    frames.insert(3, (1, vec![0x08, 0x02, 0, 0, 0xff, 0xff]));
    frames.insert(5, (1, vec![0x88, 0x42, 0, 0]));
    std::fs::write(&mixed, pcapng(&[1, 127], &frames)).unwrap();
    let mut observations = Vec::new();
    let (summary, error) = decode_capture(&mixed, &HostNaming::default(), |o| observations.push(o)).unwrap();
    assert!(matches!(error, Some(CaptureError::UnreadLinkType { link: 127, .. })), "{error:?}");
    assert_eq!(summary.handshakes.get("tls"), Some(&1), "the Ethernet interface's handshake is decoded");
    let lost: Vec<u64> = observations
        .iter()
        .filter_map(|o| match &o.event {
            Event::Coverage(c) => Some(c.lost),
            _ => None,
        })
        .collect();
    assert_eq!(lost, [2], "the two unread frames may have held traffic: the coverage says so");
}

#[test]
fn nflog_captures_are_read() {
    use temper_collector::wire::decode::decode_capture;
    use temper_collector::wire::observations::HostNaming;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/captures/nflog.pcap");
    let (summary, error) = decode_capture(&path, &HostNaming::default(), |_| {}).unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(summary.handshakes.get("tls"), Some(&1), "{summary:?}");
}
