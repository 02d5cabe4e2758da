//! The demo's outputs against the baselines committed in tests/golden, as
//! Zeek's btest baselines do: the policy (a versioned file format), the
//! report a reviewer reads and every rendered artifact. A change to any of
//! them fails here and shows in review as a diff of tests/golden.
//!
//! Regenerate after an intended change:
//!
//! ```sh
//! TEMPER_UPDATE_GOLDEN=1 cargo test --test golden
//! ```
//!
//! The only volatile value, the time the policy was generated, is written
//! as `<generated>`, and the profile's path with a `/` on every platform;
//! `policy.reg` (UTF-16LE on disk) is kept as UTF-8 text so that its diff
//! can be read.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The demo's outputs that are baselined, by their path under the golden directory.
fn outputs(demo: &Path) -> BTreeMap<String, String> {
    let policy = std::fs::read_to_string(demo.join("policy.json")).unwrap();
    let generated: chrono::DateTime<chrono::Utc> =
        serde_json::from_str::<serde_json::Value>(&policy).unwrap()["generated_at"].as_str().unwrap().parse().unwrap();
    // Longest first: the shorter forms are prefixes of the longer ones.
    let mut forms = [
        serde_json::to_value(generated).unwrap().as_str().unwrap().to_string(),
        generated.to_rfc3339(),
        generated.format("%Y-%m-%dT%H:%M:%S").to_string(),
        generated.format("%Y-%m-%d %H:%M UTC").to_string(),
    ];
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    // Windows writes the profile's path with a backslash (escaped in JSON).
    let normalise = |text: String| {
        let text = text.replace(r"out\\profile.db", "out/profile.db").replace(r"out\profile.db", "out/profile.db");
        forms.iter().fold(text, |t, form| t.replace(form.as_str(), "<generated>"))
    };

    let mut out = BTreeMap::new();
    out.insert("policy.json".to_string(), normalise(policy));
    out.insert("report.md".to_string(), normalise(std::fs::read_to_string(demo.join("report.md")).unwrap()));
    let artifacts = demo.join("artifacts");
    for file in files_under(&artifacts) {
        let relative = file.strip_prefix(&artifacts).unwrap().to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(&file).unwrap();
        let (name, text) = if relative.ends_with(".reg") {
            (format!("artifacts/{relative}.utf8"), utf16le_text(&bytes))
        } else {
            (format!("artifacts/{relative}"), String::from_utf8(bytes).expect("text artifacts"))
        };
        out.insert(name, normalise(text));
    }
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn utf16le_text(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16(&units).expect("policy.reg is UTF-16LE")
}

#[test]
fn the_demos_policy_report_and_artifacts_match_their_baselines() {
    let produced = outputs(&demo_dir());
    let golden = golden_dir();
    if std::env::var("TEMPER_UPDATE_GOLDEN").as_deref() == Ok("1") {
        let _ = std::fs::remove_dir_all(&golden);
        for (name, text) in &produced {
            let path = golden.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        eprintln!("baselines rewritten in {}", golden.display());
        return;
    }
    let committed: BTreeMap<String, String> = files_under(&golden)
        .into_iter()
        .map(|f| {
            let name = f.strip_prefix(&golden).unwrap().to_string_lossy().replace('\\', "/");
            (name, std::fs::read_to_string(&f).unwrap())
        })
        .collect();
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&produced),
        names(&committed),
        "the demo writes other files than tests/golden holds (regenerate: TEMPER_UPDATE_GOLDEN=1 cargo test --test golden)"
    );
    for (name, text) in &produced {
        let baseline = &committed[name];
        if text != baseline {
            let line = text.lines().zip(baseline.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!(
                "{name} differs from tests/golden/{name} from line {}:\n  now:      {}\n  baseline: {}\n(regenerate after an intended change: TEMPER_UPDATE_GOLDEN=1 cargo test --test golden)",
                line + 1,
                text.lines().nth(line).unwrap_or("<end>"),
                baseline.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}
