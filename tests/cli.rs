//! The command line on real files: the pipeline step by step, and clear
//! one-line errors with documented exit codes for bad input.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

const SMB1: &str = r#"{"v":1,"time":"2026-11-02T10:00:00Z","host":"fs01","source":"wire","kind":"protocol","protocol":"smb","version":"smb1","role":"server","local":{"port":445},"peer":{"ip":"10.0.8.20"}}"#;
const SHARE: &str = r#"{"v":1,"time":"2026-11-03T11:00:00Z","host":"fs01","source":"etw","kind":"share","share":"\\\\FS01\\scans","access":"write","protocol":"smb","peer":{"ip":"10.0.8.20"},"user":"svc"}"#;
const OS: &str = r#"{"v":1,"time":"2026-11-01T00:00:00Z","host":"fs01","source":"inventory","kind":"inventory","items":[{"category":"setting","name":"os","attrs":{"value":"windows"}}]}"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// JSONL: `host` served SMB `version` to `peer` once a day for 20 days.
fn daily_smb(host: &str, version: &str, peer: &str) -> String {
    (1..=20)
        .map(|d| {
            format!(
                r#"{{"v":1,"time":"2026-11-{d:02}T10:00:00Z","host":"{host}","source":"wire","kind":"protocol","protocol":"smb","version":"{version}","role":"server","local":{{"port":445}},"peer":{{"ip":"{peer}"}}}}"#
            ) + "\n"
        })
        .collect()
}

fn one_line_error(run: &Run) -> &str {
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{}", run.stderr);
    assert!(lines[0].starts_with("temper: error: "), "{}", lines[0]);
    lines[0]
}

#[test]
fn import_show_generate_report_render() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{SMB1}\n{SHARE}\n"));
    let run = ok(dir.path(), &["import", "jsonl", "a.jsonl", "--json"]);
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["observations"], 3);
    assert!(dir.path().join("temper.db").exists(), "default profile in the working directory");

    let show: Value = serde_json::from_str(&ok(dir.path(), &["profile", "show", "--json", "--facts"]).stdout).unwrap();
    let host = &show["hosts"][0];
    assert_eq!(host["host"], "fs01");
    assert_eq!(host["facts_by_kind"]["share"], 1);
    let coverage = host["coverage"].as_array().unwrap();
    assert!(coverage.iter().all(|c| c["inferred"] == true), "no coverage records: inferred");
    assert!(host["fact_list"].as_array().unwrap().iter().any(|f| f["fact"] == "smb share scans (write)"));

    // Two days cannot converge: without --accept-unconverged the SMB1 decision would be insufficient.
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "--accept-unconverged", "-o", "p.json"]);
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    let smb1 = policy["decisions"].as_array().unwrap().iter().find(|d| d["rule"] == "win-smb1-server").unwrap();
    assert_eq!(smb1["state"], "review", "one peer on one day");
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "learning.json"]);
    let learning: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("learning.json")).unwrap()).unwrap();
    let smb1 = learning["decisions"].as_array().unwrap().iter().find(|d| d["rule"] == "win-smb1-server").unwrap();
    assert_eq!(smb1["state"], "insufficient", "protocols are still learning after two days");

    let report = ok(dir.path(), &["report", "p.json"]).stdout;
    assert!(report.starts_with("# Temper policy report"));
    ok(dir.path(), &["report", "p.json", "--format", "markdown", "-o", "r.md"]);
    assert!(dir.path().join("r.md").exists());
    let rendered = ok(dir.path(), &["render", "p.json", "--out", "art"]);
    assert!(rendered.stdout.contains("fs01:"));
    assert!(dir.path().join("art/fs01/apply.ps1").exists());
}

#[test]
fn profile_env_var_and_flag_choose_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{SMB1}\n"));
    ok(dir.path(), &["--profile", "sub/x.db", "import", "jsonl", "a.jsonl"]);
    assert!(dir.path().join("sub/x.db").exists());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_temper"))
        .args(["profile", "show"])
        .current_dir(dir.path())
        .env("TEMPER_PROFILE", "sub/x.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("fs01"));
}

#[test]
fn decode_prints_normalised_observations_and_touches_no_profile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{SHARE}\n"));
    let run = ok(dir.path(), &["decode", "a.jsonl"]);
    let obs: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(obs["share"], "scans");
    assert_eq!(obs["detail"]["share_original"], "\\\\FS01\\scans");
    assert!(!dir.path().join("temper.db").exists());
}

#[test]
fn merge_keeps_hosts_apart_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{SMB1}\n"));
    write(dir.path(), "b.jsonl", &format!("{}\n", SMB1.replace("fs01", "fs02")));
    ok(dir.path(), &["--profile", "a.db", "import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["--profile", "b.db", "import", "jsonl", "b.jsonl"]);
    ok(dir.path(), &["profile", "merge", "a.db", "b.db", "a.db", "-o", "group.db"]);
    let show: Value =
        serde_json::from_str(&ok(dir.path(), &["--profile", "group.db", "profile", "show", "--json"]).stdout).unwrap();
    let hosts: Vec<(&str, u64)> = show["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["host"].as_str().unwrap(), h["observations"].as_u64().unwrap()))
        .collect();
    assert_eq!(hosts, vec![("fs01", 2), ("fs02", 1)]);
    let again = temper(dir.path(), &["profile", "merge", "a.db", "-o", "group.db"]);
    assert_eq!(again.code, 4);
    assert!(one_line_error(&again).contains("already exists"));
}

#[test]
fn malformed_jsonl_names_file_and_line_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.jsonl", &format!("{SMB1}\n"));
    write(dir.path(), "bad.jsonl", &format!("{SMB1}\n{{\"v\":1,\"kind\":\n{SHARE}\n"));
    ok(dir.path(), &["import", "jsonl", "good.jsonl"]);
    let before = ok(dir.path(), &["profile", "show", "--json"]).stdout;
    let run = temper(dir.path(), &["import", "jsonl", "good.jsonl", "bad.jsonl"]);
    assert_eq!(run.code, 3);
    let line = one_line_error(&run);
    assert!(line.contains("bad.jsonl:2:"), "{line}");
    assert!(line.contains("nothing was imported"), "{line}");
    assert_eq!(ok(dir.path(), &["profile", "show", "--json"]).stdout, before, "the profile is unchanged");

    let skipped = ok(dir.path(), &["import", "jsonl", "--skip-invalid", "bad.jsonl"]);
    assert!(
        skipped.stdout.contains("imported 2 observations") && skipped.stdout.contains("skipped 1 malformed line"),
        "{}",
        skipped.stdout
    );
    assert!(skipped.stdout.contains("bad.jsonl:2:"));
}

#[test]
fn unknown_observation_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "v2.jsonl", &format!("{}\n", SMB1.replace("\"v\":1", "\"v\":2")));
    let run = temper(dir.path(), &["import", "jsonl", "--skip-invalid", "v2.jsonl"]);
    assert_eq!(run.code, 3);
    assert!(one_line_error(&run).contains("v2.jsonl:1: observation format version 2 is not supported"));
}

#[test]
fn missing_profile_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = temper(dir.path(), &["policy", "generate"]);
    assert_eq!(run.code, 4);
    assert!(one_line_error(&run).contains("temper.db: no such profile"));
    assert!(!dir.path().join("temper.db").exists(), "reading commands never create a profile");
    let run = temper(dir.path(), &["profile", "show"]);
    assert_eq!(run.code, 4);
}

#[test]
fn corrupt_profile_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "temper.db",
        "SQLite format 3\0 but then garbage garbage garbage garbage garbage garbage garbage",
    );
    let run = temper(dir.path(), &["profile", "show"]);
    assert_eq!(run.code, 4);
    let line = one_line_error(&run);
    assert!(
        line.contains("temper.db") && (line.contains("not a Temper profile") || line.contains("damaged")),
        "{line}"
    );
    let run = temper(dir.path(), &["import", "jsonl", "-"]);
    assert_eq!(run.code, 4, "importing into a corrupt profile is refused too: {}", run.stderr);
}

#[test]
fn an_empty_or_damaged_profile_is_one_line_and_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.db", "");
    let run = temper(dir.path(), &["--profile", "empty.db", "policy", "generate", "-o", "p.json"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(one_line_error(&run).contains("empty.db: not a Temper profile: the file is empty"));
    assert!(!dir.path().join("p.json").exists(), "no policy from an empty profile");

    write(dir.path(), "a.jsonl", &format!("{OS}\n{SMB1}\n"));
    ok(dir.path(), &["--profile", "dropped.db", "import", "jsonl", "a.jsonl"]);
    let conn = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TABLE evidence'); c.commit()",
        ])
        .arg(dir.path().join("dropped.db"))
        .status()
        .expect("python3 runs");
    assert!(conn.success());
    let run = temper(dir.path(), &["--profile", "dropped.db", "policy", "generate", "-o", "p.json"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(one_line_error(&run).contains("dropped.db: profile is damaged: its table `evidence` is missing"));
}

#[test]
fn usage_errors_are_2_and_a_missing_profile_is_4() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{}\n{SMB1}\n", OS.replace("fs01", "fs02")));
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
    ok(dir.path(), &["keygen", "-o", "k"]);
    let run = temper(dir.path(), &["policy", "bundle", "p.json", "--key", "k", "-o", "b.bundle"]);
    assert_eq!(run.code, 2, "which host is a usage question: {}", run.stderr);
    assert!(one_line_error(&run).contains("choose one with --host"));
    ok(dir.path(), &["policy", "bundle", "p.json", "--key", "k", "--host", "FS01", "-o", "b.bundle"]);
    let run =
        temper(dir.path(), &["--profile", "absent.db", "apply", "b.bundle", "--trusted-key", "k.pub", "--root", "r"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(one_line_error(&run).contains("no profile of this host at absent.db"));
}

#[test]
fn a_policy_naming_an_unknown_rule_is_exit_5_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{SMB1}\n"));
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "-o", "p.json"]);
    let text = std::fs::read_to_string(dir.path().join("p.json")).unwrap();
    let renamed = text.replacen("\"rule\": \"win-smb1-server\"", "\"rule\": \"win-retired-rule\"", 1);
    assert_ne!(renamed, text);
    write(dir.path(), "old.json", &renamed);
    for args in [
        &["report", "old.json"][..],
        &["render", "old.json", "-o", "out"],
        &["policy", "simulate", "old.json"],
        &["review", "old.json"],
        &["check", "old.json"],
        &["policy", "diff", "p.json", "old.json"],
    ] {
        let run = temper(dir.path(), args);
        assert_eq!(run.code, 5, "{args:?}: {}", run.stderr);
        assert!(one_line_error(&run).contains("old.json: the policy names rule win-retired-rule"), "{args:?}");
    }
}

#[test]
fn unknown_policy_version_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{SMB1}\n"));
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "-o", "p.json"]);
    let text = std::fs::read_to_string(dir.path().join("p.json")).unwrap().replace("\"version\": 1", "\"version\": 2");
    write(dir.path(), "p.json", &text);
    for args in [vec!["report", "p.json"], vec!["render", "p.json", "--out", "x"]] {
        let run = temper(dir.path(), &args);
        assert_eq!(run.code, 5, "{args:?}");
        assert!(one_line_error(&run).contains("p.json: policy version 2 is not supported"));
    }
    write(dir.path(), "not.json", "[1, 2");
    let run = temper(dir.path(), &["report", "not.json"]);
    assert_eq!(run.code, 5);
    assert!(one_line_error(&run).contains("not.json:1:"));
}

#[test]
fn missing_input_file_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = temper(dir.path(), &["import", "jsonl", "nope.jsonl"]);
    assert_eq!(run.code, 3);
    assert!(one_line_error(&run).contains("nope.jsonl"));
    assert_eq!(temper(dir.path(), &["policy", "frobnicate"]).code, 2);
}

#[test]
fn rules_listing_matches_the_documented_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let markdown = ok(dir.path(), &["rules", "--markdown"]).stdout;
    let committed = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md")).unwrap();
    assert_eq!(
        markdown, committed,
        "docs/rules.md is stale: regenerate it with `temper rules --markdown > docs/rules.md`"
    );
    let json: Value = serde_json::from_str(&ok(dir.path(), &["rules", "--json"]).stdout).unwrap();
    assert!(json.as_array().unwrap().len() >= 15);
}

#[test]
fn review_verdicts_are_honoured_and_simulate_and_diff_report_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{}", daily_smb("fs01", "smb1", "10.0.8.20")));
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
    let listing = ok(dir.path(), &["review", "p.json"]).stdout;
    assert!(listing.contains("win-smb1-server --host fs01: exception — pending"), "{listing}");

    let refused = temper(
        dir.path(),
        &[
            "review",
            "p.json",
            "accept",
            "win-smb1-server",
            "--host",
            "fs01",
            "--reviewer",
            "ops",
            "--reason",
            "scanner",
        ],
    );
    assert_eq!(refused.code, 3, "accepting needs an expiry");
    assert!(one_line_error(&refused).contains("--expires"));
    let unknown = temper(
        dir.path(),
        &["review", "p.json", "reject", "win-nope", "--host", "fs01", "--reviewer", "ops", "--reason", "x"],
    );
    assert_eq!(unknown.code, 3);
    assert!(one_line_error(&unknown).contains("no decision of rule win-nope on host fs01"));

    ok(
        dir.path(),
        &[
            "review",
            "p.json",
            "reject",
            "win-smb1-server",
            "--host",
            "fs01",
            "--reviewer",
            "ops",
            "--reason",
            "replace the scanner",
        ],
    );
    let file = std::fs::read_to_string(dir.path().join("p.review.toml")).unwrap();
    assert!(file.contains("verdict = \"reject\"") && file.contains("reviewer = \"ops\""), "{file}");

    // p2.json's own review file would be p2.review.toml: point it at p.json's.
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p2.json", "--review", "p.review.toml"]);
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("p2.json")).unwrap()).unwrap();
    let smb1 = policy["decisions"].as_array().unwrap().iter().find(|d| d["rule"] == "win-smb1-server").unwrap();
    assert_eq!(smb1["state"], "enforce");
    assert_eq!(smb1["verdict"]["reviewer"], "ops");
    assert_eq!(policy["review"]["verdicts"], 1);

    let simulated = temper(dir.path(), &["policy", "simulate", "p2.json"]);
    assert_eq!(simulated.code, 8, "the rejected exception would break SMB1: {}", simulated.stdout);
    assert!(
        simulated.stdout.contains("fs01 win-smb1-server [rejected by ops: enforced on purpose]"),
        "{}",
        simulated.stdout
    );
    assert!(simulated.stdout.contains("by 10.0.8.20"));
    let clean = temper(dir.path(), &["policy", "simulate", "p.json", "--json"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let clean: Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(clean["breaks"], serde_json::json!([]));

    let compare = ok(dir.path(), &["policy", "compare", "p.json", "--pick-strictest", "best.json"]).stdout;
    assert!(compare.contains("cis-l1") && compare.contains("strict"), "{compare}");
    assert!(compare.contains("cis-l1: win-smb1-server on fs01 would break:"), "{compare}");
    let best = temper(dir.path(), &["policy", "simulate", "best.json"]);
    assert_eq!(best.code, 0, "the picked combination breaks nothing: {}", best.stdout);
    assert_eq!(temper(dir.path(), &["policy", "compare", "p.json", "--baseline", "cis-l9"]).code, 3);

    let diff = ok(dir.path(), &["policy", "diff", "p.json", "p2.json"]).stdout;
    assert!(diff.contains("~ fs01 win-smb1-server: exception → enforce"), "{diff}");
    assert!(diff.contains("Rejected by ops: replace the scanner."));
}

#[test]
fn keygen_bundle_verify_and_fit_with_documented_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.jsonl", &format!("{OS}\n{}", daily_smb("fs01", "smb3.1.1", "10.0.8.20")));
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
    let keygen = ok(dir.path(), &["keygen", "--out", "release", "--name", "release team"]).stdout;
    assert!(keygen.contains("release.pub"), "{keygen}");
    assert_eq!(temper(dir.path(), &["keygen", "--out", "release"]).code, 9, "never overwrites a key");
    ok(dir.path(), &["keygen", "--out", "other"]);

    ok(dir.path(), &["policy", "bundle", "p.json", "--key", "release", "-o", "fs01.bundle"]);
    let verified =
        ok(dir.path(), &["policy", "verify", "fs01.bundle", "--trusted-key", "release.pub", "--json"]).stdout;
    let verified: Value = serde_json::from_str(&verified).unwrap();
    assert_eq!((verified["verified"].as_bool(), verified["host"].as_str()), (Some(true), Some("fs01")));
    assert_eq!(verified["signer"]["name"], "release team");

    let unknown = temper(dir.path(), &["policy", "verify", "fs01.bundle", "--trusted-key", "other.pub"]);
    assert_eq!(unknown.code, 9);
    assert!(one_line_error(&unknown).contains("not among the 1 trusted key(s)"));
    let mut bytes = std::fs::read(dir.path().join("fs01.bundle")).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(dir.path().join("bad.bundle"), bytes).unwrap();
    let modified = temper(dir.path(), &["policy", "verify", "bad.bundle", "--trusted-key", "release.pub"]);
    assert_eq!(modified.code, 9);
    assert!(one_line_error(&modified).contains("modified after signing"));

    // Signed by `other`, labelled as `release`: refused, and never said to be release's.
    let release_id = verified["signer"]["id"].as_str().unwrap().to_string();
    ok(dir.path(), &["policy", "bundle", "p.json", "--key", "other", "-o", "other.bundle"]);
    let forged = std::fs::read_to_string(dir.path().join("other.bundle")).unwrap();
    let release_line =
        std::fs::read_to_string(dir.path().join("fs01.bundle")).unwrap().lines().nth(1).unwrap().to_string();
    let other_line = forged.lines().nth(1).unwrap().to_string();
    let other_id = other_line.split(' ').nth(1).unwrap().to_string();
    let relabelled = forged.replacen(&format!("signer {other_id} "), &format!("signer {release_id} "), 1);
    write(dir.path(), "relabelled.bundle", &relabelled);
    let run = temper(dir.path(), &["policy", "verify", "relabelled.bundle", "--trusted-key", "release.pub"]);
    assert_eq!(run.code, 9);
    let line = one_line_error(&run);
    assert!(
        line.contains(&format!("signed by key {other_id}")) && line.contains(&format!("claims to be key {release_id}")),
        "{line}"
    );
    write(dir.path(), "swapped.bundle", &forged.replacen(&other_line, &release_line, 1));
    let run = temper(dir.path(), &["policy", "verify", "swapped.bundle", "--trusted-key", "release.pub"]);
    assert_eq!(run.code, 9);
    assert!(
        one_line_error(&run).contains(&format!("does not verify with the trusted key {release_id}")),
        "{}",
        run.stderr
    );

    // A key name is one printable line.
    let run = temper(dir.path(), &["keygen", "-o", "evil", "--name", "ops\ntemper-ed25519 AAAA injected"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!dir.path().join("evil.pub").exists());

    // The same profile fits its own role; an SMB1 client on the target does not.
    let fit = ok(dir.path(), &["policy", "fit", "fs01.bundle", "--trusted-key", "release.pub"]).stdout;
    assert!(fit.contains("fs01 fits the role of fs01"), "{fit}");
    write(
        dir.path(),
        "b.jsonl",
        &format!("{}\n{}", OS.replace("fs01", "fs02"), daily_smb("fs02", "smb1", "10.0.8.77")),
    );
    ok(dir.path(), &["--profile", "fs02.db", "import", "jsonl", "b.jsonl"]);
    let misfit =
        temper(dir.path(), &["--profile", "fs02.db", "policy", "fit", "fs01.bundle", "--trusted-key", "release.pub"]);
    assert_eq!(misfit.code, 8, "{}\n{}", misfit.stdout, misfit.stderr);
    assert!(misfit.stdout.contains("fs02 does not fit the role of fs01"), "{}", misfit.stdout);
    assert!(misfit.stdout.contains("would break: win-smb1-server"), "{}", misfit.stdout);
}

#[test]
fn fleet_outliers_name_the_host_that_differs() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for n in 1..=4 {
        lines.push(format!(r#"{{"v":1,"time":"2026-11-01T00:00:00Z","host":"web{n}","source":"inventory","kind":"inventory","items":[{{"category":"setting","name":"os","attrs":{{"value":"linux"}}}}]}}"#));
        lines.push(format!(r#"{{"v":1,"time":"2026-11-02T10:00:00Z","host":"web{n}","source":"wire","kind":"protocol","protocol":"tls","version":"tls1.3","role":"server","local":{{"port":443}},"peer":{{"ip":"10.0.1.{n}"}}}}"#));
    }
    lines.push(r#"{"v":1,"time":"2026-11-03T10:00:00Z","host":"web4","source":"wire","kind":"protocol","protocol":"tls","version":"tls1.0","role":"server","local":{"port":443},"peer":{"ip":"10.0.7.15"}}"#.into());
    write(dir.path(), "fleet.jsonl", &(lines.join("\n") + "\n"));
    ok(dir.path(), &["import", "jsonl", "fleet.jsonl"]);
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    assert_eq!(
        policy["fleet_outliers"],
        serde_json::json!([{ "platform": "linux", "fact": "tls tls1.0 (inbound) on port 443", "hosts": ["web4"], "of": 4 }])
    );
    let report = ok(dir.path(), &["report", "p.json"]).stdout;
    assert!(report.contains("| linux | tls tls1.0 (inbound) on port 443 | web4 | 4 |"), "{report}");
}
