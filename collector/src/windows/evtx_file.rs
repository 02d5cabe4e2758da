//! Reading `.evtx` files with the `evtx` crate, damage and all.
//!
//! The crate parses chunks on its own thread pool; rendering and reading
//! back each record happen there too (in the closure given to
//! `serialized_records`), so only wanted records, already converted, reach
//! the caller's thread. A damaged chunk or record is counted and named
//! (file, chunk or record number) and the rest of the file is still read.

use super::event_record::EventRecord;
use super::evtx_json::{peek_channel, peek_provider_and_id, read_header};
use chrono::{DateTime, Utc};
use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The first eight bytes of every `.evtx` file.
const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";

/// How many damage reports are kept per file (the count is always exact).
const DAMAGE_KEPT: usize = 20;
/// The file header block and the chunks after it (both fixed by the format).
const HEADER_BLOCK: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;
/// Where the header keeps its chunk count (u16, little-endian).
const CHUNK_COUNT_AT: usize = 42;

#[derive(Debug, thiserror::Error)]
pub enum EvtxFileError {
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: not an .evtx file (it does not start with `ElfFile`)")]
    NotEvtx { file: String },
    #[error("{file}: unreadable .evtx header: {message}")]
    Header { file: String, message: String },
}

/// Where a file was damaged, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    pub file: String,
    pub chunk: Option<u64>,
    pub record: Option<u64>,
    pub message: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(chunk) = self.chunk {
            write!(f, ": chunk {chunk}")?;
        }
        if let Some(record) = self.record {
            write!(f, ": record {record}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What reading one file produced.
#[derive(Debug, Default, Clone)]
pub struct EvtxFileStats {
    /// Records read (good ones; damaged ones are in `damaged`).
    pub records: u64,
    /// Records handed to the sink (the ones a decoder wants).
    pub wanted: u64,
    /// Chunks or records that could not be read.
    pub damaged: u64,
    /// The first [`DAMAGE_KEPT`] of them.
    pub damage: Vec<Damage>,
    /// Channels the file holds records of.
    pub channels: std::collections::BTreeSet<String>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl EvtxFileStats {
    /// A record read: its time widens the range, its channel joins the list.
    fn note_record(&mut self, time: DateTime<Utc>, channel: Option<&str>) {
        self.records += 1;
        self.first = Some(self.first.map_or(time, |t| t.min(time)));
        self.last = Some(self.last.map_or(time, |t| t.max(time)));
        if let Some(channel) = channel.filter(|c| !c.is_empty() && !self.channels.contains(*c)) {
            self.channels.insert(channel.to_string());
        }
    }

    fn damage(&mut self, damage: Damage) {
        self.damaged += 1;
        if self.damage.len() < DAMAGE_KEPT {
            self.damage.push(damage);
        }
    }

    /// Adds what a second read of the same file found.
    fn absorb(&mut self, other: EvtxFileStats) {
        self.records += other.records;
        self.wanted += other.wanted;
        self.damaged += other.damaged;
        let room = DAMAGE_KEPT.saturating_sub(self.damage.len());
        self.damage.extend(other.damage.into_iter().take(room));
        self.channels.extend(other.channels);
        self.first = self.first.into_iter().chain(other.first).min();
        self.last = self.last.into_iter().chain(other.last).max();
    }
}

/// One rendered record, as a parser thread hands it over.
enum Item {
    Wanted(Box<EventRecord>),
    /// Read but not wanted: only its channel and time matter.
    Other {
        time: DateTime<Utc>,
        channel: Option<String>,
    },
    Bad {
        record: u64,
        message: String,
    },
}

/// Checks that `path` is an `.evtx` file before any parsing.
pub fn check_evtx(path: &Path) -> Result<(), EvtxFileError> {
    let file = path.display().to_string();
    let mut magic = [0u8; 8];
    let mut handle = std::fs::File::open(path).map_err(|source| EvtxFileError::Io { file: file.clone(), source })?;
    let read = handle.read(&mut magic).map_err(|source| EvtxFileError::Io { file: file.clone(), source })?;
    if read < magic.len() || &magic != EVTX_MAGIC {
        return Err(EvtxFileError::NotEvtx { file });
    }
    Ok(())
}

/// True when the file starts like an `.evtx` file.
pub fn is_evtx(path: &Path) -> bool {
    check_evtx(path).is_ok()
}

/// Where a file ends short of what its chunks and header promise: cut by a
/// copy taken while the log was written, a crash, or a transfer that stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    /// The chunk the file ends in (or the first one missing).
    chunk: u64,
    /// Bytes of that chunk the file holds (0: it ends at a chunk boundary).
    held: u64,
    /// Chunks the header lists.
    listed: u64,
}

impl Cut {
    /// `None` for a file whose chunks are whole and all there.
    fn of(len: u64, header: &[u8]) -> Option<Cut> {
        let body = len.checked_sub(HEADER_BLOCK)?;
        let listed = header.get(CHUNK_COUNT_AT..CHUNK_COUNT_AT + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        let (whole, held) = (body / CHUNK_SIZE, body % CHUNK_SIZE);
        (held > 0 || whole < u64::from(listed)).then_some(Cut { chunk: whole, held, listed: u64::from(listed) })
    }

    fn damage(self, file: &str) -> Damage {
        let missing = if self.listed > self.chunk + 1 {
            format!(
                "; the header lists {} chunks, so chunks {} to {} are missing",
                self.listed,
                self.chunk + 1,
                self.listed - 1
            )
        } else {
            String::new()
        };
        let message = if self.held > 0 {
            format!(
                "the file is cut {} bytes into this chunk (of {CHUNK_SIZE}): the records before the cut were read, the rest is lost{missing}",
                self.held
            )
        } else {
            format!("the file ends before this chunk{missing}")
        };
        Damage { file: file.to_string(), chunk: Some(self.chunk), record: None, message }
    }
}

/// Reads every record of `path`; records for which `wanted(provider, id)`
/// holds are converted and given to `sink` in file order. A file cut inside
/// a chunk is damage, named, and the records of the partial chunk before
/// the cut are read too.
pub fn read_evtx(
    path: &Path,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    mut sink: impl FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
    check_evtx(path)?;
    let file = path.display().to_string();
    let io = |source| EvtxFileError::Io { file: file.clone(), source };
    let len = std::fs::metadata(path).map_err(io)?.len();
    let mut header = vec![0u8; HEADER_BLOCK as usize];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut header)).map_err(io)?;
    header.truncate(read);
    let parser = EvtxParser::from_path(path)
        .map_err(|e| EvtxFileError::Header { file: file.clone(), message: error_chain(&e) })?;
    let mut stats = read_parser(&file, parser, threads, wanted, &mut sink)?;
    if let Some(cut) = Cut::of(len, &header) {
        if cut.held > 0 {
            let tail = read_tail(path, cut).map_err(io)?;
            read_partial_chunk(&file, &header, tail, wanted, &mut sink, &mut stats)?;
        }
        stats.damage(cut.damage(&file));
    }
    Ok(stats)
}

/// As [`read_evtx`], from bytes in memory (`name` is used in messages).
pub fn read_evtx_bytes(
    name: &str,
    bytes: Vec<u8>,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    mut sink: impl FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
    let file = name.to_string();
    if bytes.get(..EVTX_MAGIC.len()) != Some(&EVTX_MAGIC[..]) {
        return Err(EvtxFileError::NotEvtx { file });
    }
    let cut = Cut::of(bytes.len() as u64, &bytes);
    let tail = cut.filter(|c| c.held > 0).map(|c| {
        let start = (HEADER_BLOCK + c.chunk * CHUNK_SIZE) as usize;
        (bytes[..HEADER_BLOCK as usize].to_vec(), bytes[start..].to_vec())
    });
    let parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EvtxFileError::Header { file: file.clone(), message: error_chain(&e) })?;
    let mut stats = read_parser(&file, parser, threads, wanted, &mut sink)?;
    if let Some(cut) = cut {
        if let Some((header, tail)) = tail {
            read_partial_chunk(&file, &header, tail, wanted, &mut sink, &mut stats)?;
        }
        stats.damage(cut.damage(&file));
    }
    Ok(stats)
}

/// The bytes of the chunk a cut file ends in.
fn read_tail(path: &Path, cut: Cut) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(HEADER_BLOCK + cut.chunk * CHUNK_SIZE))?;
    let mut tail = Vec::with_capacity(cut.held as usize);
    f.take(cut.held).read_to_end(&mut tail)?;
    Ok(tail)
}

/// The records of a partial chunk before its cut. The `evtx` crate reads
/// only whole chunks, so the chunk is padded to its size and read on its
/// own; the padding reads as the end of the chunk's records.
fn read_partial_chunk(
    file: &str,
    header: &[u8],
    mut tail: Vec<u8>,
    wanted: fn(&str, u32) -> bool,
    sink: &mut dyn FnMut(EventRecord),
    stats: &mut EvtxFileStats,
) -> Result<(), EvtxFileError> {
    tail.resize(CHUNK_SIZE as usize, 0);
    let mut bytes = header.to_vec();
    bytes.resize(HEADER_BLOCK as usize, 0);
    bytes.extend(tail);
    let parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EvtxFileError::Header { file: file.to_string(), message: error_chain(&e) })?;
    let partial = read_parser(file, parser, 1, wanted, sink)?;
    stats.absorb(partial);
    Ok(())
}

/// One record as the `evtx` crate renders it (JSON) to an [`EventRecord`],
/// whatever its provider; `Ok(None)` when the record names no provider.
pub fn record_from_json(json: &[u8], record_id: u64) -> Result<Option<EventRecord>, String> {
    let header = read_header(json)?;
    if header.provider.is_empty() {
        return Ok(None);
    }
    header.into_record(record_id, DateTime::UNIX_EPOCH).map(Some)
}

fn read_parser<T: std::io::Read + std::io::Seek + Send + 'static>(
    file: &str,
    parser: EvtxParser<T>,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    sink: &mut dyn FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
    // Checksums are not required: a chunk whose checksum fails still holds
    // readable records, and the damage is named where a record cannot be read.
    let settings = ParserSettings::new().num_threads(threads.max(1));
    let mut parser = parser.with_configuration(settings);
    let mut stats = EvtxFileStats::default();
    let items = parser.serialized_records(move |record| {
        let record = record?;
        let record_id = record.event_record_id;
        let fallback = to_chrono(record.timestamp);
        let rendered = record.into_json_bytes()?;
        Ok(convert(&rendered.data, record_id, fallback, wanted))
    });
    for item in items {
        match item {
            Ok(Item::Wanted(record)) => {
                stats.wanted += 1;
                stats.note_record(record.time, Some(&record.channel));
                sink(*record);
            }
            Ok(Item::Other { time, channel }) => stats.note_record(time, channel.as_deref()),
            Ok(Item::Bad { record, message }) => {
                stats.damage(Damage { file: file.to_string(), chunk: None, record: Some(record), message })
            }
            Err(error) => {
                let (chunk, record) = locate(&error);
                stats.damage(Damage { file: file.to_string(), chunk, record, message: describe(&error) });
            }
        }
    }
    Ok(stats)
}

fn convert(json: &[u8], record_id: u64, fallback: DateTime<Utc>, wanted: fn(&str, u32) -> bool) -> Item {
    if let Some((provider, id)) = peek_provider_and_id(json) {
        if !wanted(provider, id) {
            // The record header's time is close enough for the file's time range.
            return Item::Other { time: fallback, channel: peek_channel(json).map(str::to_string) };
        }
    }
    let header = match read_header(json) {
        Ok(header) => header,
        Err(message) => return Item::Bad { record: record_id, message },
    };
    if wanted(&header.provider, header.event_id) {
        return match header.into_record(record_id, fallback) {
            Ok(record) => Item::Wanted(Box::new(record)),
            Err(message) => Item::Bad { record: record_id, message },
        };
    }
    let channel = header.channel().map(str::to_string);
    // The record header's time is close enough for the file's time range.
    Item::Other { time: fallback, channel }
}

fn to_chrono(timestamp: evtx::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(timestamp.as_nanosecond().clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// The chunk and record an `evtx` error is about, where it says.
fn locate(error: &EvtxError) -> (Option<u64>, Option<u64>) {
    match error {
        EvtxError::FailedToParseChunk { chunk_id, .. } => (Some(*chunk_id), None),
        EvtxError::FailedToParseRecord { record_id, .. } => (None, Some(*record_id)),
        EvtxError::FailedToReadRecordAt { chunk, .. } => (*chunk, None),
        _ => (None, None),
    }
}

/// What went wrong, without repeating the position [`locate`] already gives.
fn describe(error: &EvtxError) -> String {
    match error {
        EvtxError::FailedToParseChunk { source, .. } => error_chain(source.as_ref()),
        EvtxError::FailedToParseRecord { source, .. } => error_chain(source.as_ref()),
        other => error_chain(other),
    }
}

/// An error with its causes, one after the other.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
