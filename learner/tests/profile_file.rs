//! The profile file itself: permissions, schema versioning, and clear errors
//! for files that are missing, damaged, foreign or too new.

use rusqlite::Connection;
use temper_learner::{Profile, ProfileError};

#[test]
fn created_private_in_wal_mode_with_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/temper.db");
    let profile = Profile::create_or_open(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    drop(profile);
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    // Reopening an up-to-date profile changes nothing.
    Profile::open(&path).unwrap();
}

#[test]
fn missing_profile_is_not_created_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    let err = Profile::open(&path).err().unwrap();
    assert!(matches!(err, ProfileError::NotFound(_)));
    assert!(err.to_string().contains("no such profile"), "{err}");
    assert!(!path.exists());
}

#[test]
fn garbage_file_is_not_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, b"this is not sqlite at all, just some bytes that go on for a while....").unwrap();
    let err = Profile::open(&path).err().unwrap();
    assert!(matches!(err, ProfileError::NotAProfile { .. }), "{err:?}");
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
}

#[test]
fn damaged_profile_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    {
        let mut profile = Profile::create_or_open(&path).unwrap();
        let mut agg = temper_learner::Aggregator::for_profile(&profile);
        for i in 0..400 {
            let obs: temper_collector::Observation = serde_json::from_str(&format!(
                r#"{{"v":1,"time":"2026-11-02T10:00:00Z","host":"h{i}","source":"ebpf","kind":"module","name":"mod{i}"}}"#
            ))
            .unwrap();
            agg.ingest(&obs);
        }
        agg.flush(&mut profile).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    }
    // Overwrite pages past the header with junk.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192, "profile has several pages");
    for b in &mut bytes[4096..8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Profile::open(&path).err().unwrap();
    assert!(matches!(err, ProfileError::Damaged { .. } | ProfileError::NotAProfile { .. }), "{err:?}");
    assert_eq!(err.to_string().lines().count(), 1, "one line, whatever SQLite lists: {err}");
}

#[test]
fn an_empty_file_is_never_taken_for_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    for err in [Profile::open(&path).err().unwrap(), Profile::create_or_open(&path).err().unwrap()] {
        assert!(matches!(err, ProfileError::NotAProfile { .. }), "{err:?}");
        assert!(err.to_string().contains("the file is empty"), "{err}");
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "nothing was written into it");
}

#[test]
fn a_profile_missing_a_table_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.db");
    drop(Profile::create_or_open(&path).unwrap());
    Connection::open(&path).unwrap().execute_batch("DROP TABLE fact_days;").unwrap();
    let err = Profile::open(&path).err().unwrap();
    assert!(matches!(err, ProfileError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().ends_with("profile is damaged: its table `fact_days` is missing"), "{err}");
}

#[test]
fn foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path).unwrap().execute_batch("CREATE TABLE customers (id INTEGER);").unwrap();
    let err = Profile::open(&path).err().unwrap();
    assert!(err.to_string().contains("not a Temper profile"), "{err}");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(Profile::create_or_open(&path).unwrap());
    Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let err = Profile::open(&path).err().unwrap();
    assert!(matches!(err, ProfileError::TooNew { found: 99, .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade temper"));
}
