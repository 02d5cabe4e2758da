//! pcap and pcapng files (gzip-compressed too), read as a stream with
//! pcap-parser: memory stays flat in file size. A damaged or truncated file
//! yields every record before the damage, then an error naming the byte
//! offset where reading stopped.

use super::capture::{CaptureRecord, PacketTime};
use super::frame::decode_frame;
use chrono::{DateTime, Utc};
use pcap_parser::pcapng::Block;
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Buffer for one read; the largest block pcap-parser can hold at once.
const READ_BUFFER: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: not a pcap or pcapng capture")]
    NotACapture { file: String },
    /// `stats` describe what was read before the damage (it was all delivered).
    #[error("{file}: damaged capture at byte offset {offset}: {reason} ({} packet(s) before it were read)", stats.records)]
    Damaged { file: String, offset: u64, reason: String, stats: Box<CaptureStats> },
    /// Frames of a link type the decoder does not read: skipped, counted as
    /// lost; `stats` describe the rest, which was all delivered.
    #[error(
        "{file}: {} frame(s) of link type {link} ({}) were not read{}",
        stats.unread,
        super::frame::link_name(*link),
        if stats.records > 0 { format!("; the {} packet(s) of other link types were", stats.records) } else { String::new() }
    )]
    UnreadLinkType { file: String, link: i32, stats: Box<CaptureStats> },
}

/// What reading a capture found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames in the file.
    pub frames: u64,
    /// Frames that carried a TCP or UDP payload we could place.
    pub records: u64,
    /// Frames of a link type or protocol this decoder does not read.
    pub skipped: u64,
    /// Of those, frames of a link type it does not read (they may hold
    /// traffic it would have learned from), and the first such link type.
    pub unread: u64,
    pub unread_link: Option<i32>,
    /// Bytes of the (decompressed) file consumed.
    pub bytes: u64,
    pub first_packet: Option<PacketTime>,
    pub last_packet: Option<PacketTime>,
}

impl CaptureStats {
    pub fn first(&self) -> Option<DateTime<Utc>> {
        self.first_packet.map(PacketTime::utc)
    }
    pub fn last(&self) -> Option<DateTime<Utc>> {
        self.last_packet.map(PacketTime::utc)
    }
}

/// Whether `head` (the first bytes of a file) is a capture: pcap in either
/// byte order and time resolution, pcapng, or gzip (checked inside later).
pub fn looks_like_capture(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some(
            [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0xc3, 0xd4]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0x0a, 0x0d, 0x0d, 0x0a]
        )
    ) || head.starts_with(&[0x1f, 0x8b])
}

/// Reads a capture file, calling `on_record` for every TCP/UDP packet in order.
pub fn read_capture(path: &Path, on_record: impl FnMut(&CaptureRecord<'_>)) -> Result<CaptureStats, CaptureError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CaptureError::Io { file: name.clone(), source })?;
    read_capture_from(&name, file, on_record)
}

/// Reads a capture (gzip-compressed or not) from an open stream.
pub fn read_capture_from(
    name: &str,
    input: impl Read + Send,
    on_record: impl FnMut(&CaptureRecord<'_>),
) -> Result<CaptureStats, CaptureError> {
    // Peek at the magic, then hand the bytes back in front of the stream:
    // a BufReader in between would copy every read once more.
    // pcap-parser recognises the format from its first read, so the peeked
    // head must hold a whole pcapng section header, options included.
    let mut input = input;
    let mut head = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < head.len() {
        match input.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(CaptureError::Io { file: name.to_string(), source }),
        }
    }
    head.truncate(got);
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let whole = std::io::Cursor::new(head).chain(input);
    if gzip {
        read_stream(name, flate2::read::MultiGzDecoder::new(BufReader::new(whole)), on_record)
    } else {
        read_stream(name, whole, on_record)
    }
}

/// Reads a capture from any byte stream (`name` is used in errors).
pub fn read_stream(
    name: &str,
    input: impl Read + Send,
    mut on_record: impl FnMut(&CaptureRecord<'_>),
) -> Result<CaptureStats, CaptureError> {
    let mut reader = match create_reader(READ_BUFFER, input) {
        Ok(reader) => reader,
        Err(PcapError::HeaderNotRecognized | PcapError::Eof | PcapError::Incomplete(_)) => {
            return Err(CaptureError::NotACapture { file: name.to_string() })
        }
        Err(e) => {
            return Err(CaptureError::Damaged {
                file: name.to_string(),
                offset: 0,
                reason: format!("{e:?}"),
                stats: Box::default(),
            })
        }
    };
    let mut stats = CaptureStats::default();
    // Legacy pcap: one link type and a resolution from the header magic.
    let mut legacy_link = None;
    let mut legacy_nanos = false;
    // pcapng: per interface, its link type and timestamp resolution (units per second) and offset.
    let mut interfaces: Vec<(i32, u64, i64)> = Vec::new();
    let mut consumed: u64 = 0;
    loop {
        let damaged = |stats: &CaptureStats, consumed: u64, reason: String| CaptureError::Damaged {
            file: name.to_string(),
            offset: consumed,
            reason,
            stats: Box::new(CaptureStats { bytes: consumed, ..*stats }),
        };
        match reader.next() {
            Ok((size, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(header) => {
                        legacy_link = Some(header.network.0);
                        legacy_nanos = header.is_nanosecond_precision();
                    }
                    PcapBlockOwned::Legacy(packet) => {
                        stats.frames += 1;
                        let nanos = if legacy_nanos { packet.ts_usec as i64 } else { packet.ts_usec as i64 * 1_000 };
                        let time =
                            Some(PacketTime::from_parts(packet.ts_sec as i64, nanos.clamp(0, 999_999_999) as u32));
                        deliver(legacy_link, time, packet.data, packet.origlen, &mut stats, &mut on_record);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => interfaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        let resolution = idb.ts_resolution().unwrap_or(1_000_000);
                        interfaces.push((idb.linktype.0, resolution.max(1), idb.if_tsoffset));
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        stats.frames += 1;
                        let (link, time) = match interfaces.get(epb.if_id as usize) {
                            Some(&(link, resolution, offset)) => {
                                let units = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
                                (Some(link), ng_time(units, resolution, offset))
                            }
                            None => (None, None),
                        };
                        deliver(link, time, epb.data, epb.origlen, &mut stats, &mut on_record);
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        stats.frames += 1;
                        // Simple packets have no timestamp and belong to interface 0.
                        deliver(
                            interfaces.first().map(|i| i.0),
                            None,
                            spb.data,
                            spb.origlen,
                            &mut stats,
                            &mut on_record,
                        );
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                consumed += size as u64;
                reader.consume(size);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if let Err(e) = reader.refill() {
                    return Err(damaged(&stats, consumed, format!("read failed: {e:?}")));
                }
                if reader.reader_exhausted() {
                    // More bytes were needed but the file ended: a truncated last block.
                    match reader.next() {
                        Ok(_) => continue,
                        Err(PcapError::Eof) => break,
                        Err(_) => {
                            return Err(damaged(&stats, consumed, "truncated: the file ends inside a block".into()))
                        }
                    }
                }
            }
            Err(PcapError::UnexpectedEof) => {
                return Err(damaged(&stats, consumed, "truncated: the file ends inside a block".into()))
            }
            Err(e) => return Err(damaged(&stats, consumed, describe(&e))),
        }
    }
    stats.bytes = consumed;
    match stats.unread_link {
        Some(link) => Err(CaptureError::UnreadLinkType { file: name.to_string(), link, stats: Box::new(stats) }),
        None => Ok(stats),
    }
}

fn describe(error: &PcapError<&[u8]>) -> String {
    match error {
        PcapError::NomError(_, kind) => format!("malformed block ({kind:?})"),
        PcapError::OwnedNomError(_, kind) => format!("malformed block ({kind:?})"),
        PcapError::BufferTooSmall => "a block larger than 1 MiB".into(),
        other => format!("{other:?}"),
    }
}

fn ng_time(units: u64, per_second: u64, offset_seconds: i64) -> Option<PacketTime> {
    let seconds = (units / per_second) as i64 + offset_seconds;
    let nanos = ((units % per_second) as u128 * 1_000_000_000 / per_second as u128) as u32;
    Some(PacketTime::from_parts(seconds, nanos))
}

/// One frame, `wire_len` bytes long on the wire (more than `frame` when the
/// snap length cut it: the TCP bytes it lost become a hole in their stream).
fn deliver(
    link: Option<i32>,
    time: Option<PacketTime>,
    frame: &[u8],
    wire_len: u32,
    stats: &mut CaptureStats,
    on_record: &mut impl FnMut(&CaptureRecord<'_>),
) {
    let (Some(link), Some(time)) = (link, time) else {
        stats.skipped += 1;
        return;
    };
    if !super::frame::reads_link(link) {
        stats.skipped += 1;
        stats.unread += 1;
        stats.unread_link.get_or_insert(link);
        return;
    }
    match decode_frame(link, time, frame) {
        Some(mut record) => {
            let cut = (wire_len as usize).saturating_sub(frame.len());
            if cut > 0 && record.transport == crate::observation::Transport::Tcp {
                record.wire_len = Some((record.payload.len() + cut) as u32);
            }
            stats.records += 1;
            stats.first_packet = Some(stats.first_packet.map_or(time, |t| t.min(time)));
            stats.last_packet = Some(stats.last_packet.map_or(time, |t| t.max(time)));
            on_record(&record);
        }
        None => stats.skipped += 1,
    }
}
