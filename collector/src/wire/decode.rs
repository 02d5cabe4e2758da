//! A capture file to observations: read (capture_file), track flows and
//! dissect (flow), interpret (observations). A capture attests only to the
//! traffic it holds, so each host gets one `coverage` record: the capture's
//! time range and the protocols decoded for it.

use super::capture_file::{read_capture_from, CaptureError, CaptureStats};
use super::flow::{FlowFinding, FlowStats, FlowTracker};
use super::observations::{category_of, to_observation, HostNaming};
use crate::observation::{Coverage, Event, Observation};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Default, Clone)]
pub struct CaptureSummary {
    pub capture: CaptureStats,
    pub flows: FlowStats,
    /// Handshakes (protocol observations) per protocol.
    pub handshakes: BTreeMap<String, u64>,
    pub observations: u64,
}

/// Decodes a capture, handing every observation to `sink` (coverage last).
/// A damaged file still yields what was decoded before the damage; the
/// error comes back beside the summary.
pub fn decode_capture(
    path: &Path,
    naming: &HostNaming,
    sink: impl FnMut(Observation),
) -> Result<(CaptureSummary, Option<CaptureError>), CaptureError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| CaptureError::Io { file: name.clone(), source })?;
    decode_capture_from(&name, file, naming, sink)
}

/// As [`decode_capture`], from an open stream (`name` is used in errors).
pub fn decode_capture_from(
    name: &str,
    input: impl std::io::Read + Send,
    naming: &HostNaming,
    mut sink: impl FnMut(Observation),
) -> Result<(CaptureSummary, Option<CaptureError>), CaptureError> {
    let mut tracker = FlowTracker::new();
    let mut findings: Vec<FlowFinding> = Vec::new();
    let mut summary = CaptureSummary::default();
    let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Observations go out as their packets are read: memory stays flat however many handshakes a capture holds.
    let mut emit = |flow_findings: &mut Vec<FlowFinding>, summary: &mut CaptureSummary| {
        for found in flow_findings.drain(..) {
            let Some(obs) = to_observation(&found, naming) else { continue };
            if let Some(category) = category_of(&obs) {
                if let Some(protocol) = category.strip_prefix("protocol:") {
                    *summary.handshakes.entry(protocol.to_string()).or_insert(0) += 1;
                }
                covered.entry(obs.host.clone()).or_default().insert(category);
            }
            // A loss: its categories were watched, and lost some of what they saw.
            if let Event::Coverage(loss) = &obs.event {
                covered.entry(obs.host.clone()).or_default().extend(loss.categories.iter().cloned());
            }
            summary.observations += 1;
            sink(obs);
        }
    };
    let read = read_capture_from(name, input, |record| {
        tracker.observe(record, &mut findings);
        if !findings.is_empty() {
            emit(&mut findings, &mut summary);
        }
    });
    let (capture, damage) = match read {
        Ok(stats) => (stats, None),
        // What came before the damage was delivered: decode it, report the damage beside it.
        Err(error) => match &error {
            CaptureError::Damaged { stats, .. } | CaptureError::UnreadLinkType { stats, .. } => (**stats, Some(error)),
            _ => return Err(error),
        },
    };
    summary.capture = capture;
    summary.flows = tracker.finish(&mut findings);
    emit(&mut findings, &mut summary);
    if let (Some(from), Some(to)) = (capture.first(), capture.last()) {
        for (host, categories) in covered {
            // Frames of a link type not read may have held traffic of these categories.
            let lost = capture.unread;
            let event = Event::Coverage(Coverage { categories: categories.into_iter().collect(), from, to, lost });
            sink(Observation::new(to, host, "wire", event));
        }
    }
    Ok((summary, damage))
}
