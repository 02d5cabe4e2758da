//! `temper import evtx` and `temper decode` on real `.evtx` files
//! (TEMPER_CORPUS), into a real profile.

mod common;

use common::{evtx_corpus, ok, temper};
use serde_json::Value;

#[test]
fn import_learns_shares_and_says_what_each_file_attests() {
    let Some(corpus) = evtx_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = corpus.join("lm_5145_remote_filecopy.evtx");
    let run = ok(dir.path(), &["import", "evtx", "--profile", "p.db", "--json", file.to_str().unwrap()]);
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["records"], 869);
    assert_eq!(summary["files"][0]["channels"][0], "Security");
    assert_eq!(summary["events"]["Microsoft-Windows-Security-Auditing/5145"], 869);

    let show: Value =
        serde_json::from_str(&ok(dir.path(), &["profile", "show", "--json", "--facts", "--profile", "p.db"]).stdout)
            .unwrap();
    let text = show.to_string();
    assert!(text.contains("pc01.example.corp"), "host named by Computer: {text}");
    assert!(text.contains(r#""share":"C$""#) || text.contains("C$"), "the C$ share was used: {text}");
    // The file holds 5140/5145 only: it attests shares, not logons.
    let coverage = show["hosts"][0]["coverage"].to_string();
    assert!(coverage.contains("share"), "{coverage}");
    assert!(!coverage.contains("logon"), "{coverage}");
}

#[test]
fn a_damaged_file_is_imported_as_far_as_readable_and_named() {
    let Some(corpus) = evtx_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = corpus.join("corrupt").join("zero_data_size_record.evtx");
    let run = temper(dir.path(), &["import", "evtx", "--profile", "p.db", file.to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("zero_data_size_record.evtx: chunk 0"), "{}", run.stderr);
    assert!(run.stdout.contains("449 records"), "{}", run.stdout);
    let facts = ok(dir.path(), &["profile", "show", "--facts", "--profile", "p.db"]).stdout;
    assert!(facts.contains("install"), "the 7045 services before and after the damage were kept: {facts}");
}

#[test]
fn directories_are_searched_and_decode_prints_jsonl() {
    let Some(corpus) = evtx_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(logs.join("nested")).unwrap();
    std::fs::copy(corpus.join("svc_4697_mimikatz.evtx"), logs.join("nested").join("a.evtx")).unwrap();
    std::fs::copy(corpus.join("ps_classic_400_800_spn_discovery.evtx"), logs.join("b.EVTX")).unwrap();
    std::fs::write(logs.join("notes.txt"), "not a log").unwrap();
    let run = ok(dir.path(), &["import", "evtx", "--profile", "p.db", "--host", "dc01", "logs"]);
    assert!(run.stdout.contains("in 2 file(s)"), "{}", run.stdout);

    let decoded = ok(dir.path(), &["decode", logs.join("b.EVTX").to_str().unwrap()]).stdout;
    let lines: Vec<Value> = decoded.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().all(|l| l["source"] == "evtx"));
    assert!(lines.iter().any(|l| l["kind"] == "script" && l["engine_version"] == "4.0"));
    assert_eq!(lines.last().unwrap()["kind"], "coverage", "coverage comes last");
}

#[test]
fn files_that_are_not_evtx_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Security.evtx"), b"MZ\x90\x00 definitely not a log").unwrap();
    let run = temper(dir.path(), &["import", "evtx", "--profile", "p.db", "Security.evtx"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("Security.evtx: not an .evtx file"), "{}", run.stderr);
    assert!(!dir.path().join("p.db").exists(), "nothing was created");
    let run = temper(dir.path(), &["import", "evtx", "--profile", "p.db", "missing.evtx"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("missing.evtx: no such file"), "{}", run.stderr);
}

#[test]
fn a_file_cut_inside_a_chunk_is_damaged_and_its_readable_records_imported() {
    let Some(corpus) = evtx_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(corpus.join("lm_5145_remote_filecopy.evtx")).unwrap();
    let records = |cut: usize, name: &str| {
        std::fs::write(dir.path().join(name), &whole[..cut]).unwrap();
        let run = temper(dir.path(), &["import", "evtx", "--profile", &format!("{name}.db"), "--json", name]);
        assert_eq!(run.code, 3, "a cut file is damage: {}\n{}", run.stdout, run.stderr);
        let summary: Value = serde_json::from_str(&run.stdout).unwrap();
        (summary["records"].as_u64().unwrap(), run.stderr)
    };
    // Cut 20,000 bytes into the fourth chunk: the records of the first three, and
    // those of the fourth before the cut, are imported; the damage names the chunk.
    let (at_boundary, stderr) = records(4096 + 3 * 65536, "boundary.evtx");
    assert!(stderr.contains("boundary.evtx: chunk 3: the file ends before this chunk"), "{stderr}");
    let (inside, stderr) = records(4096 + 3 * 65536 + 20_000, "inside.evtx");
    assert!(stderr.contains("inside.evtx: chunk 3: the file is cut 20000 bytes into this chunk"), "{stderr}");
    assert!(stderr.contains("the header lists 10 chunks"), "{stderr}");
    assert!(inside > at_boundary, "the partial chunk's records before the cut are read: {inside} vs {at_boundary}");
    assert!(inside < 869, "a cut file holds fewer than the whole file's 869 records: {inside}");
}
