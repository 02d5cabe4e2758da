//! The Observation text form: one JSON object per line, `"v":1`.
//!
//! The reader streams (memory stays flat in file size), refuses keys outside
//! the contract, refuses unknown format versions outright, and names the file
//! and line of anything it cannot read. With `skip_invalid` it counts and
//! reports malformed lines instead of stopping, but never skips a line of an
//! unknown version: that is a format it does not understand, not a bad line.

use crate::observation::{Kind, Observation, COMMON_FIELDS, FORMAT_VERSION};
use serde_json::Value;
use std::fmt;
use std::io::{BufRead, Write};

/// Longest line accepted; longer lines are malformed (bounds memory on hostile input).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How many skipped-line reasons are kept for the report (all are counted).
const KEPT_SKIP_REASONS: usize = 20;

#[derive(Debug)]
pub enum JsonlError {
    /// A line that is not a valid observation.
    Malformed {
        file: String,
        line: u64,
        reason: String,
    },
    /// A line in a format version this build does not read.
    UnsupportedVersion {
        file: String,
        line: u64,
        version: String,
    },
    Io {
        file: String,
        line: u64,
        source: std::io::Error,
    },
}

impl fmt::Display for JsonlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonlError::Malformed { file, line, reason } => write!(f, "{file}:{line}: {reason}"),
            JsonlError::UnsupportedVersion { file, line, version } => write!(
                f,
                "{file}:{line}: observation format version {version} is not supported (this temper reads v{FORMAT_VERSION}); upgrade temper"
            ),
            JsonlError::Io { file, line, source } => write!(f, "{file}: read error after line {line}: {source}"),
        }
    }
}

impl std::error::Error for JsonlError {}

/// A line passed over under `skip_invalid`.
#[derive(Debug, Clone)]
pub struct SkippedLine {
    pub line: u64,
    pub reason: String,
}

/// Streams observations from JSONL text.
pub struct JsonlReader<R> {
    input: R,
    file: String,
    line: u64,
    skip_invalid: bool,
    skipped_count: u64,
    skipped: Vec<SkippedLine>,
    buffer: Vec<u8>,
    failed: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// `file` names the input in errors.
    pub fn new(input: R, file: impl Into<String>) -> Self {
        JsonlReader {
            input,
            file: file.into(),
            line: 0,
            skip_invalid: false,
            skipped_count: 0,
            skipped: Vec::new(),
            buffer: Vec::new(),
            failed: false,
        }
    }

    pub fn skip_invalid(mut self, skip: bool) -> Self {
        self.skip_invalid = skip;
        self
    }

    /// How many malformed lines were skipped, and the first few reasons.
    pub fn skipped(&self) -> (u64, &[SkippedLine]) {
        (self.skipped_count, &self.skipped)
    }

    pub fn lines_read(&self) -> u64 {
        self.line
    }

    /// Reads one raw line into the buffer; `Ok(false)` at end of input.
    fn read_line(&mut self) -> Result<bool, JsonlError> {
        self.buffer.clear();
        let mut limited = std::io::Read::take(&mut self.input, MAX_LINE_BYTES as u64 + 1);
        let n = limited.read_until(b'\n', &mut self.buffer).map_err(|source| JsonlError::Io {
            file: self.file.clone(),
            line: self.line,
            source,
        })?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buffer.len() > MAX_LINE_BYTES && !self.buffer.ends_with(b"\n") {
            // Drain the rest of the over-long line so the next read starts on a fresh line.
            loop {
                let chunk = self.input.fill_buf().map_err(|source| JsonlError::Io {
                    file: self.file.clone(),
                    line: self.line,
                    source,
                })?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|b| *b == b'\n') {
                    Some(at) => {
                        self.input.consume(at + 1);
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        self.input.consume(len);
                    }
                }
            }
            self.buffer.clear();
            self.buffer.extend_from_slice(b"\x00too-long");
        }
        Ok(true)
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Observation, JsonlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.read_line() {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match parse_line(&self.buffer) {
                Ok(obs) => return Some(Ok(obs)),
                Err(LineError::Version(version)) => {
                    self.failed = true;
                    return Some(Err(JsonlError::UnsupportedVersion {
                        file: self.file.clone(),
                        line: self.line,
                        version,
                    }));
                }
                Err(LineError::Malformed(reason)) if self.skip_invalid => {
                    self.skipped_count += 1;
                    if self.skipped.len() < KEPT_SKIP_REASONS {
                        self.skipped.push(SkippedLine { line: self.line, reason });
                    }
                }
                Err(LineError::Malformed(reason)) => {
                    self.failed = true;
                    return Some(Err(JsonlError::Malformed { file: self.file.clone(), line: self.line, reason }));
                }
            }
        }
    }
}

enum LineError {
    Malformed(String),
    Version(String),
}

/// Parses and checks one line against the contract, then normalises it.
fn parse_line(bytes: &[u8]) -> Result<Observation, LineError> {
    if bytes.starts_with(b"\x00too-long") {
        return Err(LineError::Malformed(format!("line longer than {MAX_LINE_BYTES} bytes")));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| LineError::Malformed(format!("not UTF-8 ({e})")))?;
    let value: Value =
        serde_json::from_str(text.trim_end()).map_err(|e| LineError::Malformed(format!("not JSON: {e}")))?;
    let Value::Object(map) = &value else {
        return Err(LineError::Malformed("not a JSON object".into()));
    };
    match map.get("v") {
        None => return Err(LineError::Malformed("missing `v` (the observation format version)".into())),
        Some(v) if v.as_u64() == Some(FORMAT_VERSION) => {}
        Some(other) => return Err(LineError::Version(other.to_string())),
    }
    let kind: Kind = match map.get("kind").and_then(Value::as_str) {
        None => return Err(LineError::Malformed("missing `kind`".into())),
        Some(k) => k.parse().map_err(LineError::Malformed)?,
    };
    if let Some(key) =
        map.keys().find(|k| !COMMON_FIELDS.contains(&k.as_str()) && !kind.own_fields().contains(&k.as_str()))
    {
        return Err(LineError::Malformed(format!(
            "unknown field `{key}` for kind `{kind}` (extra data belongs in `detail`)"
        )));
    }
    let mut obs: Observation =
        serde_json::from_value(value).map_err(|e| LineError::Malformed(format!("invalid {kind} observation: {e}")))?;
    obs.normalize();
    obs.validate().map_err(LineError::Malformed)?;
    Ok(obs)
}

/// Writes observations as JSONL.
pub struct JsonlWriter<W: Write> {
    out: W,
}

impl<W: Write> JsonlWriter<W> {
    pub fn new(out: W) -> Self {
        JsonlWriter { out }
    }

    pub fn write(&mut self, obs: &Observation) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, obs)?;
        self.out.write_all(b"\n")
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"fs01","source":"etw","kind":"share","share":"\\\\FS01\\scans","access":"write","protocol":"smb","peer":{"ip":"10.0.4.17"}}"#;

    fn read_all(text: &str, skip: bool) -> (Vec<Result<Observation, JsonlError>>, u64) {
        let mut reader = JsonlReader::new(text.as_bytes(), "in.jsonl").skip_invalid(skip);
        let items: Vec<_> = reader.by_ref().collect();
        (items, reader.skipped().0)
    }

    #[test]
    fn reads_and_normalises() {
        let (items, _) = read_all(&format!("{GOOD}\n\n{GOOD}\n"), false);
        assert_eq!(items.len(), 2);
        let obs = items[0].as_ref().unwrap();
        assert_eq!(obs.detail_str("share_original"), Some(r"\\FS01\scans"));
    }

    #[test]
    fn malformed_line_names_file_and_line() {
        let text = format!("{GOOD}\n{{\"v\":1,\"kind\":\"share\"\n{GOOD}\n");
        let (items, _) = read_all(&text, false);
        let err = items.iter().find_map(|r| r.as_ref().err()).unwrap().to_string();
        assert!(err.starts_with("in.jsonl:2: not JSON"), "{err}");
        assert_eq!(items.len(), 2, "reading stops at the first error");
    }

    #[test]
    fn skip_invalid_counts_lines() {
        let text = format!("{GOOD}\nnot json\n{GOOD}\n[1]\n");
        let (items, skipped) = read_all(&text, true);
        assert_eq!(items.iter().filter(|r| r.is_ok()).count(), 2);
        assert_eq!(skipped, 2);
    }

    #[test]
    fn unknown_version_is_refused_even_when_skipping() {
        let text = GOOD.replace("\"v\":1", "\"v\":2");
        let (items, _) = read_all(&format!("{text}\n"), true);
        let err = items[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("format version 2 is not supported"), "{err}");
    }

    #[test]
    fn keys_outside_the_contract_are_refused() {
        let text = GOOD.replace("\"access\"", "\"extra\":1,\"access\"");
        let (items, _) = read_all(&format!("{text}\n"), false);
        let err = items[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("unknown field `extra` for kind `share`"), "{err}");
    }

    #[test]
    fn wrong_types_and_versions_are_explained() {
        let bad_version = r#"{"v":1,"time":"2026-11-02T10:15:00Z","host":"h","source":"s","kind":"protocol","protocol":"tls","version":"TLSv1"}"#;
        let (items, _) = read_all(bad_version, false);
        let err = items[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("in.jsonl:1:") && err.contains("not a canonical TlsVersion"), "{err}");
        let (items, _) = read_all("\u{feff}{}", false);
        assert!(items[0].is_err());
    }

    #[test]
    fn over_long_line_is_malformed_and_reading_resumes() {
        let long = format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_LINE_BYTES + 10));
        let text = format!("{long}\n{GOOD}\n");
        let (items, skipped) = read_all(&text, true);
        assert_eq!(skipped, 1);
        assert_eq!(items.len(), 1);
        assert!(items[0].is_ok());
    }

    #[test]
    fn writer_output_reads_back() {
        let (items, _) = read_all(GOOD, false);
        let obs = items.into_iter().next().unwrap().unwrap();
        let mut writer = JsonlWriter::new(Vec::new());
        writer.write(&obs).unwrap();
        let text = String::from_utf8(writer.into_inner()).unwrap();
        let (again, _) = read_all(&text, false);
        assert_eq!(again[0].as_ref().unwrap(), &obs);
    }
}
