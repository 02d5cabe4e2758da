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

/// Reads every record of `path`; records for which `wanted(provider, id)`
/// holds are converted and given to `sink` in file order.
pub fn read_evtx(
    path: &Path,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    sink: impl FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
    check_evtx(path)?;
    let file = path.display().to_string();
    let parser = EvtxParser::from_path(path)
        .map_err(|e| EvtxFileError::Header { file: file.clone(), message: error_chain(&e) })?;
    read_parser(file, parser, threads, wanted, sink)
}

/// As [`read_evtx`], from bytes in memory (`name` is used in messages).
pub fn read_evtx_bytes(
    name: &str,
    bytes: Vec<u8>,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    sink: impl FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
    let file = name.to_string();
    if bytes.get(..EVTX_MAGIC.len()) != Some(&EVTX_MAGIC[..]) {
        return Err(EvtxFileError::NotEvtx { file });
    }
    let parser = EvtxParser::from_buffer(bytes)
        .map_err(|e| EvtxFileError::Header { file: file.clone(), message: error_chain(&e) })?;
    read_parser(file, parser, threads, wanted, sink)
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
    file: String,
    parser: EvtxParser<T>,
    threads: usize,
    wanted: fn(&str, u32) -> bool,
    mut sink: impl FnMut(EventRecord),
) -> Result<EvtxFileStats, EvtxFileError> {
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
                stats.damage(Damage { file: file.clone(), chunk: None, record: Some(record), message })
            }
            Err(error) => {
                let (chunk, record) = locate(&error);
                stats.damage(Damage { file: file.clone(), chunk, record, message: describe(&error) });
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
