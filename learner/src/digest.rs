//! A content hash of a profile, so a policy names exactly the data it was
//! learned from. Row ids and file layout do not enter it: two profiles with
//! the same facts, coverage and inventory have the same digest.

use crate::profile::{Profile, ProfileError};
use sha2::{Digest, Sha256};

impl Profile {
    /// Hex SHA-256 over a canonical dump of the profile's content.
    pub fn digest(&self) -> Result<String, ProfileError> {
        let mut hash = Sha256::new();
        let mut line = |text: String| {
            hash.update(text.as_bytes());
            hash.update(b"\n");
        };
        for h in self.hosts()? {
            line(format!("host\t{}\t{}\t{}\t{}", h.host, h.first_seen, h.last_seen, h.observations));
        }
        for f in self.facts(None)? {
            let s = &f.stats;
            line(format!(
                "fact\t{}\t{}\t{}\t{}\t{}\t{:?}\t{:?}",
                f.host,
                f.key.to_text(),
                s.count,
                s.first_seen,
                s.last_seen,
                s.days,
                s.hours
            ));
            for (dimension, summary) in &s.evidence {
                line(format!(
                    "evidence\t{}\t{}\t{}\t{}",
                    dimension.as_str(),
                    summary.total,
                    summary.undercount,
                    summary.dropped
                ));
                if let Some(sketch) = &summary.sketch {
                    line(format!(
                        "sketch\t{}",
                        sketch.to_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
                    ));
                }
                for (value, t) in &summary.values {
                    line(format!("value\t{value:?}\t{}\t{}\t{}", t.count, t.first_seen, t.last_seen));
                }
            }
        }
        for w in self.coverage_windows(None)? {
            line(format!("coverage\t{}\t{}\t{}\t{}\t{}\t{}", w.host, w.source, w.category, w.inferred, w.from, w.to));
        }
        for l in self.losses(None)? {
            line(format!("loss\t{}\t{}\t{}\t{}\t{}", l.host, l.source, l.category, l.day, l.lost));
        }
        for i in self.inventory(None)? {
            line(format!(
                "inventory\t{}\t{}\t{:?}\t{}\t{}\t{}",
                i.host,
                i.category.as_str(),
                i.name,
                serde_json::Value::Object(i.attrs.clone()),
                i.first_seen,
                i.last_seen
            ));
        }
        Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}
