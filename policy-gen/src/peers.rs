//! Known peers: a peers file tags addresses and networks (`scanner`,
//! `monitoring`, `backup`, ...). Use that only scanner peers made never
//! holds a setting back: the decision lists it apart. And peers that behave
//! like scanners (many ports or protocol versions, in a short burst) are
//! flagged so a reviewer can tag them.
//!
//! The file: one `ADDRESS[/PREFIX] TAG` per line, `#` comments.

use crate::document::{ScannerSuspect, Usage};
use crate::host_view::HostView;
use ipnet::IpNet;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use temper_learner::time_buckets::day_of;
use temper_learner::{Dimension, FactKey};

/// The tag that means "probes everything": its use is never a need.
pub const SCANNER: &str = "scanner";

/// A peer counts as scanner-like when it touched at least this many service
/// ports, or this many versions of one protocol, within two days.
const SCANNER_PORTS: usize = 10;
const SCANNER_VERSIONS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum PeersError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid { path: PathBuf, line: usize, message: String },
}

#[derive(Debug, Clone, Default)]
pub struct PeerTags {
    entries: Vec<(IpNet, String)>,
}

impl PeerTags {
    pub fn load(path: &Path) -> Result<PeerTags, PeersError> {
        let text = std::fs::read_to_string(path).map_err(|source| PeersError::Io { path: path.into(), source })?;
        PeerTags::parse(&text).map_err(|(line, message)| PeersError::Invalid { path: path.into(), line, message })
    }

    pub fn parse(text: &str) -> Result<PeerTags, (usize, String)> {
        let mut entries = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(address), Some(tag), None) = (words.next(), words.next(), words.next()) else {
                return Err((index + 1, format!("expected `ADDRESS[/PREFIX] TAG`, found {line:?}")));
            };
            let net = match address.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match address.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => return Err((index + 1, format!("{address:?} is not an address or network"))),
                },
            };
            entries.push((net.trunc(), tag.to_ascii_lowercase()));
        }
        // The most specific network wins.
        entries.sort_by_key(|(net, _)| std::cmp::Reverse(net.prefix_len()));
        Ok(PeerTags { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tag of a peer as evidence names it (an address), if any.
    pub fn tag_of(&self, peer: &str) -> Option<&str> {
        let ip: IpAddr = peer.parse().ok()?;
        self.entries.iter().find(|(net, _)| net.contains(&ip)).map(|(_, tag)| tag.as_str())
    }

    /// Whether every peer behind this use is a tagged scanner (and the list is complete).
    pub fn scanner_only(&self, usage: &Usage) -> bool {
        usage.evidence_exact
            && !usage.peers.is_empty()
            && usage.peers.iter().all(|p| self.tag_of(&p.value) == Some(SCANNER))
    }
}

/// Untagged peers of `host` that touched many ports or many versions of a
/// protocol within two days.
pub fn scanner_suspects(host: &HostView, tags: &PeerTags) -> Vec<ScannerSuspect> {
    #[derive(Default)]
    struct Seen {
        ports: BTreeSet<u16>,
        versions: BTreeMap<String, BTreeSet<String>>,
        days: BTreeSet<i64>,
    }
    let mut by_peer: BTreeMap<String, Seen> = BTreeMap::new();
    for fact in &host.facts {
        let Some(peers) = fact.stats.evidence(Dimension::Peer) else { continue };
        for (peer, tally) in &peers.values {
            let seen = by_peer.entry(peer.clone()).or_default();
            seen.days.insert(day_of(tally.first_seen));
            seen.days.insert(day_of(tally.last_seen));
            match &fact.key {
                FactKey::Connection { port: Some(port), .. } => {
                    seen.ports.insert(*port);
                }
                FactKey::Protocol { negotiated, port, .. } => {
                    if let Some(port) = port {
                        seen.ports.insert(*port);
                    }
                    seen.versions
                        .entry(negotiated.protocol().to_string())
                        .or_default()
                        .insert(negotiated.version_str().to_string());
                }
                _ => {}
            }
        }
    }
    by_peer
        .into_iter()
        .filter(|(peer, _)| tags.tag_of(peer).is_none())
        .filter_map(|(peer, seen)| {
            let span = match (seen.days.first(), seen.days.last()) {
                (Some(a), Some(b)) => b - a + 1,
                _ => 0,
            };
            let versions = seen.versions.values().map(BTreeSet::len).max().unwrap_or(0);
            (span <= 2 && (seen.ports.len() >= SCANNER_PORTS || versions >= SCANNER_VERSIONS)).then(|| ScannerSuspect {
                host: host.name().to_string(),
                peer,
                ports: seen.ports.len(),
                versions,
                days: span as usize,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_network_tags_a_peer() {
        let tags = PeerTags::parse("10.0.0.0/8 internal\n10.0.5.0/24 scanner # nessus\n10.0.5.9 monitoring\n").unwrap();
        assert_eq!(tags.tag_of("10.0.5.7"), Some("scanner"));
        assert_eq!(tags.tag_of("10.0.5.9"), Some("monitoring"));
        assert_eq!(tags.tag_of("10.1.0.1"), Some("internal"));
        assert_eq!(tags.tag_of("192.0.2.1"), None);
        assert_eq!(tags.tag_of("fs01"), None, "names are not addresses");
        assert_eq!(PeerTags::parse("10.0.0.1\n").unwrap_err().0, 1);
        assert!(PeerTags::parse("ten scanner\n").unwrap_err().1.contains("not an address"));
    }
}
