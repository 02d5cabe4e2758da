//! The policy file: round trip, and clear refusals of what it is not.

mod common;

use common::*;
use temper_policy::{Policy, PolicyError};

#[test]
fn saves_and_loads_identically() {
    let policy = policy_of(&linux_host("web", 20));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.json");
    policy.save(&path).unwrap();
    assert_eq!(Policy::load(&path).unwrap(), policy);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"format\": \"temper-policy\"") && text.contains("\"version\": 1"));
}

#[test]
fn unknown_version_not_a_policy_and_bad_json_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.json");
    let policy = policy_of(&linux_host("web", 20));
    policy.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace("\"version\": 1", "\"version\": 9");
    std::fs::write(&path, text).unwrap();
    let err = Policy::load(&path).unwrap_err();
    assert!(matches!(err, PolicyError::UnsupportedVersion { .. }));
    assert!(err.to_string().contains("policy version 9 is not supported"), "{err}");

    std::fs::write(&path, r#"{"hello": "world"}"#).unwrap();
    assert!(matches!(Policy::load(&path).unwrap_err(), PolicyError::NotAPolicy { .. }));

    std::fs::write(&path, "{\n  \"format\": \"temper-policy\",\n  oops\n}").unwrap();
    let err = Policy::load(&path).unwrap_err().to_string();
    assert!(err.contains("p.json:3:"), "{err}");
}
