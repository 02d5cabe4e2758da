//! The parser floor for `bench/evtx.sh`: what `evtx_dump -o jsonl` does
//! (parse every chunk, render every record as JSON) inside one process,
//! with no output written, over every `.evtx` file in the directories given.
//! `temper import evtx` does this and more, so it cannot be faster.

use evtx::{EvtxParser, ParserSettings};
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("evtx")) {
            out.push(path);
        }
    }
}

fn main() {
    let threads: usize = std::env::var("THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files);
    }
    let (mut records, mut bytes, mut errors) = (0u64, 0u64, 0u64);
    for file in files {
        let mut parser = EvtxParser::from_path(&file)
            .expect("an .evtx file")
            .with_configuration(ParserSettings::new().num_threads(threads));
        for record in parser.records_json_bytes() {
            match record {
                Ok(r) => {
                    records += 1;
                    bytes += r.data.len() as u64;
                }
                Err(_) => errors += 1,
            }
        }
    }
    println!("{records} records, {bytes} bytes of JSON, {errors} errors");
}
