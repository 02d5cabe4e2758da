//! The HTML report's charts, drawn by plotters as inline SVG: learning
//! curves per category, calendar coverage, collector health over the window
//! and the decision mix per host. plotters' SVG backend escapes the text it
//! writes; the labels here are category and source names, dates and numbers.
//!
//! The colours are the charts' own (the page's CSS uses none of them), so a
//! screenshot shows where the charts drew.

use crate::document::CalendarCoverage;
use crate::document::CategoryConvergence;
use crate::document::SourceHealth;
use chrono::{Duration, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One colour per convergence category (ColorBrewer Dark2).
pub const CATEGORY_COLOURS: [(&str, RGBColor); 6] = [
    ("protocols", RGBColor(27, 158, 119)),
    ("shares", RGBColor(217, 95, 2)),
    ("services", RGBColor(117, 112, 179)),
    ("scripts", RGBColor(231, 41, 138)),
    ("logons", RGBColor(102, 166, 30)),
    ("ports", RGBColor(230, 171, 2)),
];
/// The quiet period the convergence criterion asks for, shaded.
pub const QUIET: RGBColor = RGBColor(222, 235, 247);
pub const CALENDAR_BAR: RGBColor = RGBColor(49, 130, 189);
pub const WATCHED: RGBColor = RGBColor(65, 171, 93);
pub const NOT_WATCHED: RGBColor = RGBColor(189, 189, 189);
pub const LOSSY: RGBColor = RGBColor(203, 24, 29);
/// Enforce, exception, review, insufficient (the order of `State::ALL`).
pub const STATE_COLOURS: [RGBColor; 4] =
    [RGBColor(35, 139, 69), RGBColor(253, 141, 60), RGBColor(158, 154, 200), RGBColor(107, 174, 214)];

const FONT: &str = "sans-serif";
const WIDTH: u32 = 555;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type ChartResult<T> = Result<T, String>;

fn drawn<T, E: std::fmt::Display>(result: Result<T, E>) -> ChartResult<T> {
    result.map_err(|e| format!("chart not drawn: {e}"))
}

fn category_colour(category: &str) -> RGBColor {
    CATEGORY_COLOURS.iter().find(|(name, _)| *name == category).map_or(BLACK, |(_, colour)| *colour)
}

/// Draws into a fresh SVG document of `height` pixels and returns it.
fn svg(height: u32, draw: impl FnOnce(&Area) -> ChartResult<()>) -> ChartResult<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        draw(&root)?;
        drawn(root.present())?;
    }
    Ok(out)
}

/// Draws the title and a row of colour keys across the top of `root`, and
/// returns the area below them for the chart.
fn titled<'a>(root: &Area<'a>, title: &str, keys: &[(&str, RGBColor)]) -> ChartResult<Area<'a>> {
    // Keys wrap onto a second row when they do not fit across.
    let widths: Vec<i32> = keys.iter().map(|(label, _)| 28 + 7 * label.chars().count() as i32).collect();
    let rows = if widths.iter().sum::<i32>() + 12 > WIDTH as i32 { 2 } else { 1 };
    let (head, body) = root.split_vertically(if keys.is_empty() { 30 } else { 34 + 18 * rows });
    drawn(head.draw(&Text::new(title.to_string(), (12, 8), (FONT, 16).into_font().style(FontStyle::Bold))))?;
    let (mut x, mut y) = (12, 32);
    for ((label, colour), width) in keys.iter().zip(widths) {
        if x + width > WIDTH as i32 - 12 {
            (x, y) = (12, y + 18);
        }
        drawn(head.draw(&Rectangle::new([(x, y), (x + 12, y + 12)], colour.filled())))?;
        drawn(head.draw(&Text::new(label.to_string(), (x + 16, y - 1), (FONT, 13))))?;
        x += width;
    }
    Ok(body)
}

/// Distinct facts learned so far, per category and day of the window: a
/// curve that has flattened for the shaded quiet period has converged.
pub fn learning_curves(rows: &[&CategoryConvergence]) -> ChartResult<String> {
    let days = rows.iter().map(|r| r.new_per_day.len()).max().unwrap_or(0).max(2) as i32;
    let quiet = rows.iter().map(|r| r.quiet_needed).max().unwrap_or(0) as i32;
    let curves: Vec<(&str, Vec<(i32, u64)>)> = rows
        .iter()
        .map(|r| {
            let mut total = 0;
            let points = r
                .new_per_day
                .iter()
                .enumerate()
                .map(|(day, new)| {
                    total += new;
                    (day as i32, total)
                })
                .collect();
            (r.category.as_str(), points)
        })
        .collect();
    let top = curves.iter().filter_map(|(_, points)| points.last().map(|p| p.1)).max().unwrap_or(0).max(4);
    svg(300, |root| {
        let mut keys: Vec<(&str, RGBColor)> = curves.iter().map(|(name, _)| (*name, category_colour(name))).collect();
        keys.push(("quiet period needed", QUIET));
        let body = titled(root, "Distinct facts learned, cumulative", &keys)?;
        let mut chart = drawn(
            ChartBuilder::on(&body)
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(44)
                .build_cartesian_2d(0..days - 1, 0..top + top / 5 + 1),
        )?;
        drawn(
            chart
                .configure_mesh()
                .x_desc("day of the window")
                .y_desc("facts")
                .light_line_style(WHITE)
                .label_style((FONT, 12))
                .draw(),
        )?;
        if quiet > 0 && quiet < days {
            drawn(chart.draw_series(std::iter::once(Rectangle::new(
                [(days - 1 - quiet, 0), (days - 1, top + top / 5 + 1)],
                QUIET.filled(),
            ))))?;
        }
        for (name, points) in &curves {
            let colour = category_colour(name);
            drawn(chart.draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(3))))?;
        }
        Ok(())
    })
}

/// Days watched per weekday and per hour of the day, in the host's zone.
pub fn calendar(coverage: &CalendarCoverage) -> ChartResult<String> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    svg(230, |root| {
        let (left, right) = root.split_horizontally(215);
        bars(&left, "Days watched per weekday", &coverage.weekdays, &|i| WEEKDAYS[i].to_string())?;
        bars(&right, "Days watched per hour of the day", &coverage.hours, &|i| {
            if i % 3 == 0 {
                format!("{i:02}")
            } else {
                String::new()
            }
        })
    })
}

fn bars(area: &Area, caption: &str, values: &[u32], label: &dyn Fn(usize) -> String) -> ChartResult<()> {
    let top = values.iter().copied().max().unwrap_or(0).max(1);
    let mut chart = drawn(
        ChartBuilder::on(area)
            .caption(caption, (FONT, 14))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(32)
            .build_cartesian_2d((0..values.len() as i32 - 1).into_segmented(), 0..top + top / 5 + 1),
    )?;
    drawn(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(values.len())
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (*i as usize) < values.len() => label(*i as usize),
                _ => String::new(),
            })
            .label_style((FONT, 11))
            .draw(),
    )?;
    drawn(chart.draw_series(values.iter().enumerate().map(|(i, v)| {
        let mut bar = Rectangle::new(
            [(SegmentValue::Exact(i as i32), 0), (SegmentValue::Exact(i as i32 + 1), *v)],
            CALENDAR_BAR.filled(),
        );
        bar.set_margin(0, 0, 2, 2);
        bar
    })))?;
    Ok(())
}

/// What each source of a host did on each day of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayHealth {
    Watched,
    NotWatched,
    Lossy,
}

fn day_health(source: &SourceHealth, date: NaiveDate) -> DayHealth {
    if source.gaps.iter().any(|(from, to)| *from <= date && date <= *to) {
        DayHealth::NotWatched
    } else if source.lossy_dates.binary_search(&date).is_ok() {
        DayHealth::Lossy
    } else {
        DayHealth::Watched
    }
}

/// One row per source, one cell per day: watched, not watched, or lost events.
pub fn health_timeline(first_day: NaiveDate, sources: &[&SourceHealth]) -> ChartResult<String> {
    let days = sources.iter().map(|s| s.window_days).max().unwrap_or(1).max(1) as i32;
    let rows = sources.len().max(1) as i32;
    let height = 100 + 26 * rows as u32;
    svg(height, |root| {
        let keys = [("watched", WATCHED), ("not watched", NOT_WATCHED), ("events lost", LOSSY)];
        let body = titled(root, "Collector health per source and day", &keys)?;
        let mut chart = drawn(
            ChartBuilder::on(&body)
                .margin(10)
                .x_label_area_size(26)
                .y_label_area_size(120)
                .build_cartesian_2d(0..days, (0..rows - 1).into_segmented()),
        )?;
        let names: Vec<&str> = sources.iter().map(|s| s.source.as_str()).collect();
        drawn(
            chart
                .configure_mesh()
                .disable_mesh()
                .y_labels(names.len())
                .y_label_formatter(&|v| row_label(&names, v))
                .x_label_formatter(&|d| (first_day + Duration::days(*d as i64)).format("%m-%d").to_string())
                .label_style((FONT, 12))
                .draw(),
        )?;
        for (row, source) in sources.iter().enumerate() {
            drawn(chart.draw_series(runs(first_day, days, source).into_iter().map(|(from, to, health)| {
                let colour = match health {
                    DayHealth::Watched => WATCHED,
                    DayHealth::NotWatched => NOT_WATCHED,
                    DayHealth::Lossy => LOSSY,
                };
                row_bar(from, to, row, rows, colour)
            })))?;
        }
        Ok(())
    })
}

/// Row charts (health, decision mix) list their first row at the top, as the
/// tables beside them read; plotters counts segments from the bottom.
fn row_label(labels: &[&str], segment: &SegmentValue<i32>) -> String {
    match segment {
        SegmentValue::CenterOf(i) => labels
            .len()
            .checked_sub(1 + *i as usize)
            .and_then(|row| labels.get(row))
            .map_or(String::new(), |l| l.to_string()),
        _ => String::new(),
    }
}

/// A bar over `[from, to)` in `row` (0 at the top) of a chart of `rows` rows.
fn row_bar(from: i32, to: i32, row: usize, rows: i32, colour: RGBColor) -> Rectangle<(i32, SegmentValue<i32>)> {
    let y = rows - 1 - row as i32;
    let mut bar = Rectangle::new([(from, SegmentValue::Exact(y)), (to, SegmentValue::Exact(y + 1))], colour.filled());
    bar.set_margin(3, 3, 0, 0);
    bar
}

/// Runs of days with the same health, as [from, to) day offsets.
fn runs(first_day: NaiveDate, days: i32, source: &SourceHealth) -> Vec<(i32, i32, DayHealth)> {
    let mut out: Vec<(i32, i32, DayHealth)> = Vec::new();
    for day in 0..days {
        let health = day_health(source, first_day + Duration::days(day as i64));
        match out.last_mut() {
            Some((_, to, last)) if *last == health => *to = day + 1,
            _ => out.push((day, day + 1, health)),
        }
    }
    out
}

/// Decisions per state for each host, stacked.
pub fn decision_mix(hosts: &[(String, [usize; 4])]) -> ChartResult<String> {
    let rows = hosts.len().max(1) as i32;
    let top = hosts.iter().map(|(_, c)| c.iter().sum::<usize>()).max().unwrap_or(0).max(1) as i32;
    let height = 110 + 30 * rows as u32;
    svg(height, |root| {
        let names = ["enforce", "exception", "review", "insufficient"];
        let keys: Vec<(&str, RGBColor)> = names.iter().copied().zip(STATE_COLOURS).collect();
        let body = titled(root, "Decisions per host", &keys)?;
        let mut chart = drawn(
            ChartBuilder::on(&body)
                .margin(10)
                .x_label_area_size(26)
                .y_label_area_size(120)
                .build_cartesian_2d(0..top + 1, (0..rows - 1).into_segmented()),
        )?;
        let labels: Vec<String> = hosts.iter().map(|(h, _)| truncated(h, 18)).collect();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        drawn(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(WHITE)
                .y_labels(labels.len())
                .y_label_formatter(&|v| row_label(&labels, v))
                .label_style((FONT, 12))
                .draw(),
        )?;
        for (row, (_, counts)) in hosts.iter().enumerate() {
            let mut x = 0;
            let mut cells = Vec::new();
            for (state, n) in counts.iter().enumerate() {
                let n = *n as i32;
                if n > 0 {
                    cells.push(row_bar(x, x + n, row, rows, STATE_COLOURS[state]));
                }
                x += n;
            }
            drawn(chart.draw_series(cells))?;
        }
        Ok(())
    })
}

/// At most `max` characters, with an ellipsis when cut: axis labels have no room for more.
fn truncated(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).chain(std::iter::once('…')).collect()
    }
}
