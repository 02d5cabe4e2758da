//! The HTML report of the demo policy, rendered by a real headless Chromium:
//! the charts must have drawn (their colours cover real areas of the
//! screenshot), the page must fit 1280 and 1920 pixel screens (no element
//! beyond the right edge, the Decisions table on screen), the file must need
//! nothing from the network, and observed strings must not become markup. Skips with a printed reason when Chromium
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

/// Chromium, headless, on `page` in a window of `width`×`height`, with `extra` arguments.
fn chromium_on(browser: &Path, page: &Path, width: u32, height: u32, extra: &[String]) -> std::process::Output {
    let dir = page.parent().unwrap();
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", dir.join("chromium-profile").display()))
        .arg(format!("--window-size={width},{height}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// Renders `page` to a PNG of `width`×`height` pixels and returns its RGB pixels.
fn screenshot(browser: &Path, page: &Path, width: u32, height: u32, extra: &[String]) -> Vec<[u8; 3]> {
    let png_path = page.with_file_name(format!("screenshot-{width}.png"));
    let mut args = vec![format!("--screenshot={}", png_path.display())];
    args.extend_from_slice(extra);
    let out = chromium_on(browser, page, width, height, &args);
    assert!(png_path.exists(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (width, height));
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

    let pixels = screenshot(&browser, &html, 1280, 2600, &[]);
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

/// A page that shows the report in a frame of the given width, measures
/// every element of the report against it, writes what sticks out into
/// `#result`, and scrolls the frame to the Decisions table. The report
/// itself stays as written: its policy forbids scripts, the frame's does not.
fn measuring_frame(width: u32) -> String {
    format!(
        r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="report" src="report.html" style="border:0;width:{width}px;height:1400px;display:block"></iframe>
<pre id="result">not measured</pre>
<script>
const frame = document.getElementById("report");
frame.addEventListener("load", () => {{
  const page = frame.contentDocument, width = page.documentElement.clientWidth, over = [];
  for (const e of page.body.querySelectorAll("*")) {{
    const box = e.getBoundingClientRect();
    if (box.right > width + 0.5) over.push(e.tagName + ": " + (e.textContent || "").slice(0, 80));
  }}
  frame.contentWindow.scrollTo(0, page.getElementById("decisions").getBoundingClientRect().top - 8);
  document.getElementById("result").textContent =
    JSON.stringify({{ width, scroll_width: page.documentElement.scrollWidth, sticking_out: over.length, first: over.slice(0, 8) }});
}});
</script></body></html>"#
    )
}

#[test]
fn the_demo_report_fits_1280_and_1920_pixel_screens_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    ok(
        dir.path(),
        &["report", demo_dir().join("policy.json").to_str().unwrap(), "--format", "html", "-o", html.to_str().unwrap()],
    );
    let frame = dir.path().join("frame.html");
    let flags = ["--allow-file-access-from-files".to_string(), "--virtual-time-budget=10000".to_string()];
    for width in [1280u32, 1920] {
        std::fs::write(&frame, measuring_frame(width)).unwrap();
        // Every element of the whole report, not only what a screenshot shows.
        let mut args = flags.to_vec();
        args.push("--dump-dom".into());
        let dom = String::from_utf8_lossy(&chromium_on(&browser, &frame, width, 1400, &args).stdout).into_owned();
        let json = dom.split("<pre id=\"result\">").nth(1).and_then(|r| r.split("</pre>").next()).expect("a result");
        let unescaped = json.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        let measured: serde_json::Value = serde_json::from_str(&unescaped).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(measured["width"], width, "{measured}");
        assert_eq!(measured["scroll_width"], width, "the report scrolls sideways at {width} px: {measured}");
        assert_eq!(measured["sticking_out"], 0, "elements stick out at {width} px: {measured}");

        // The Decisions table, as a reader sees it: drawn, and nothing beyond the page's right edge.
        let pixels = screenshot(&browser, &frame, width, 1400, &flags);
        let header_cells = pixels_of(&pixels, (0xf4, 0xf4, 0xf4));
        assert!(
            header_cells > 20_000,
            "the Decisions table's header is not on screen at {width} px ({header_cells} pixels)"
        );
        let margin = (width.saturating_sub(1560 + 48)) / 2 + 24;
        let beyond: usize = pixels
            .chunks(width as usize)
            .map(|row| row[(width - margin + 2) as usize..].iter().filter(|p| p.iter().any(|c| *c < 240)).count())
            .sum();
        assert_eq!(beyond, 0, "something is drawn right of the report's column at {width} px");
    }
}
