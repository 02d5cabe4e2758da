//! The HTML report of the demo policy, rendered by a real headless Chromium:
//! the charts must have drawn (their colours cover real areas of the
//! screenshot), the file must need nothing from the network, and observed
//! strings must not become markup. Skips with a printed reason when Chromium
//! is missing; fails instead when TEMPER_REQUIRE_LIVE=1 (CI installs it).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|name| Path::new("/usr/bin").join(name))
        .find(|path| path.exists());
    if found.is_none() {
        assert!(
            std::env::var("TEMPER_REQUIRE_LIVE").as_deref() != Ok("1"),
            "TEMPER_REQUIRE_LIVE=1 but Chromium is missing"
        );
        eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
    }
    found
}

/// Renders `html` to a PNG of 1280×`height` pixels and returns its RGB pixels.
fn screenshot(browser: &Path, html: &Path, height: u32) -> Vec<[u8; 3]> {
    let dir = html.parent().unwrap();
    let png_path = dir.join("report.png");
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", dir.join("chromium-profile").display()))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("--window-size=1280,{height}"))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(png_path.exists(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, height));
    let channels = info.color_type.samples();
    buf[..info.buffer_size()].chunks(channels).map(|px| [px[0], px[1], px[2]]).collect()
}

/// Pixels within a small distance of `rgb` (anti-aliasing blends edges).
fn pixels_of(pixels: &[[u8; 3]], rgb: (u8, u8, u8)) -> usize {
    let near = |a: u8, b: u8| a.abs_diff(b) <= 6;
    pixels.iter().filter(|p| near(p[0], rgb.0) && near(p[1], rgb.1) && near(p[2], rgb.2)).count()
}

#[test]
fn the_demo_report_draws_its_charts_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    ok(
        dir.path(),
        &["report", demo_dir().join("policy.json").to_str().unwrap(), "--format", "html", "-o", html.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&html).unwrap();
    // One decision-mix chart, then learning curves, calendar and health for each of the two hosts.
    assert_eq!(text.matches("<svg").count(), 7, "charts in the file");
    // Self-contained: nothing to fetch, nothing to run.
    for forbidden in ["<script", "src=", "href=\"http", "url(", "@import"] {
        assert!(!text.contains(forbidden), "report contains {forbidden}");
    }

    let pixels = screenshot(&browser, &html, 2600);
    // Chart colours from policy-gen/src/report/charts.rs; the page's CSS uses none of them.
    // A 12-pixel legend key is 144 pixels, so every bound is well above what keys alone give.
    let areas = [
        ("decision mix: enforce bars", (35, 139, 69), 3_000),
        ("decision mix: insufficient bars", (107, 174, 214), 2_000),
        ("calendar bars", (49, 130, 189), 20_000),
        ("health timeline: watched days", (65, 171, 93), 10_000),
        ("health timeline: the day wire lost events on fs01", (203, 24, 29), 150),
        ("learning curve: protocols", (27, 158, 119), 1_000),
        ("learning curve: logons", (102, 166, 30), 1_000),
        ("learning curves: the quiet period", (222, 235, 247), 20_000),
    ];
    let mut missing = Vec::new();
    for (what, rgb, at_least) in areas {
        let n = pixels_of(&pixels, rgb);
        eprintln!("{what}: {n} pixels");
        if n < at_least {
            missing.push(format!("{what}: {n} pixels of {rgb:?}, expected at least {at_least}"));
        }
    }
    assert!(missing.is_empty(), "charts did not draw:\n{}", missing.join("\n"));
}

#[test]
fn observed_strings_cannot_become_markup_in_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo_dir().join("policy.json")).unwrap()).unwrap();
    let hostile = "<img src=x onerror=alert(1)>\u{202e}evil\"'&";
    let decision = policy["decisions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|d| d["state"] == "exception" && !d["usage"][0]["peers"].as_array().unwrap().is_empty())
        .expect("an exception with peers");
    decision["reason"] = hostile.into();
    decision["usage"][0]["peers"][0]["value"] = hostile.into();
    policy["hosts"][0]["host"] = hostile.into();
    let path = dir.path().join("policy.json");
    std::fs::write(&path, serde_json::to_string(&policy).unwrap()).unwrap();
    let html = ok(dir.path(), &["report", path.to_str().unwrap(), "--format", "html"]).stdout;
    assert!(!html.contains("<img"), "observed markup reached the report");
    assert!(!html.contains('\u{202e}'), "a bidi override reached the report");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;\\u{202e}evil&quot;&#39;&amp;"));
}
