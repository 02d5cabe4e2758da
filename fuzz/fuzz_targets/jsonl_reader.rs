//! The JSONL reader on arbitrary bytes: it must never panic, and whatever it
//! accepts must come back identical through the writer (the text form is
//! lossless and normalisation is idempotent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use temper_collector::jsonl::{JsonlReader, JsonlWriter};

fuzz_target!(|data: &[u8]| {
    for skip_invalid in [false, true] {
        let accepted: Vec<_> = JsonlReader::new(data, "fuzz").skip_invalid(skip_invalid).filter_map(Result::ok).collect();
        let mut writer = JsonlWriter::new(Vec::new());
        for obs in &accepted {
            writer.write(obs).expect("writing to memory");
        }
        let text = writer.into_inner();
        let again: Vec<_> = JsonlReader::new(text.as_slice(), "again").map(|r| r.expect("written text reads back")).collect();
        assert_eq!(again, accepted);
    }
});
