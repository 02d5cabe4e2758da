//! The read API policy-gen and the CLI use: typed records, no SQL outside
//! this crate.

use crate::fact_key::FactKey;
use crate::fact_stats::{decode_hours, FactStats};
use crate::profile::{read_evidence, FactRows, Profile, ProfileError};
use crate::time_buckets::HOURS_PER_WEEK;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use temper_observation::InventoryCategory;

#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub host: String,
    pub key: FactKey,
    pub stats: FactStats,
}

/// A fact without its daily buckets, hours or evidence: what fleet-wide
/// analyses need, at a fraction of the memory of [`Fact`].
#[derive(Debug, Clone, PartialEq)]
pub struct FactSummary {
    pub host: String,
    pub key: FactKey,
    pub count: u64,
    pub first_seen: i64,
    pub last_seen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRecord {
    pub host: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub observations: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageWindow {
    pub host: String,
    pub source: String,
    pub category: String,
    pub inferred: bool,
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossRecord {
    pub host: String,
    pub source: String,
    pub category: String,
    pub day: i64,
    pub lost: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRecord {
    pub host: String,
    pub category: InventoryCategory,
    pub name: String,
    pub attrs: Map<String, Value>,
    pub first_seen: i64,
    pub last_seen: i64,
}

impl InventoryRecord {
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).and_then(Value::as_str)
    }
}

fn host_filter(host: Option<&str>) -> &'static str {
    if host.is_some() {
        "host = ?1"
    } else {
        "?1 IS NULL"
    }
}

impl Profile {
    pub fn hosts(&self) -> Result<Vec<HostRecord>, ProfileError> {
        let run = || -> rusqlite::Result<Vec<HostRecord>> {
            let mut stmt =
                self.conn().prepare("SELECT host, first_seen, last_seen, observations FROM hosts ORDER BY host")?;
            let rows = stmt.query_map([], |r| {
                Ok(HostRecord {
                    host: r.get(0)?,
                    first_seen: r.get(1)?,
                    last_seen: r.get(2)?,
                    observations: r.get::<_, i64>(3)? as u64,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Facts of one host, or of all hosts, ordered by host and key.
    pub fn facts(&self, host: Option<&str>) -> Result<Vec<Fact>, ProfileError> {
        let run = || -> Result<Vec<Fact>, ProfileError> {
            let sql = format!(
                "SELECT id, host, key, count, first_seen, last_seen, hours FROM facts WHERE {} ORDER BY host, key",
                host_filter(host)
            );
            let mut stmt = self.conn().prepare(&sql).map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([host], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Vec<u8>>(6)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            // Only the selected host's days and evidence: policy generation reads host by host.
            let selected = host.map_or(FactRows::All, FactRows::OfHost);
            let mut days = self.fact_days(selected).map_err(|e| self.err(e))?;
            let mut evidence = read_evidence(self.conn(), selected).map_err(|e| self.err(e))?;
            let mut facts = Vec::new();
            for row in rows {
                let (id, host, key_text, count, first_seen, last_seen, hours) = row.map_err(|e| self.err(e))?;
                let damaged = |reason: String| ProfileError::Damaged { path: self.path().into(), reason };
                let key = self.fact_key(id, &key_text)?;
                let hours = decode_hours(&hours).ok_or_else(|| {
                    damaged(format!("fact {id} has an hour histogram that is not {HOURS_PER_WEEK} counters"))
                })?;
                facts.push(Fact {
                    host,
                    key,
                    stats: FactStats {
                        count: count as u64,
                        first_seen,
                        last_seen,
                        days: days.remove(&id).unwrap_or_default(),
                        hours,
                        evidence: evidence.remove(&id).unwrap_or_default(),
                    },
                });
            }
            Ok(facts)
        };
        run()
    }

    /// Every fact's key, count and first and last sighting, ordered by host and key.
    pub fn fact_summaries(&self) -> Result<Vec<FactSummary>, ProfileError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, host, key, count, first_seen, last_seen FROM facts ORDER BY host, key")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, host, key_text, count, first_seen, last_seen) = row.map_err(|e| self.err(e))?;
            let key = self.fact_key(id, &key_text)?;
            out.push(FactSummary { host, key, count: count as u64, first_seen, last_seen });
        }
        Ok(out)
    }

    /// A stored fact key, or the profile named as damaged.
    fn fact_key(&self, id: i64, text: &str) -> Result<FactKey, ProfileError> {
        FactKey::from_text(text).map_err(|e| ProfileError::Damaged {
            path: self.path().into(),
            reason: format!("fact {id} has an unreadable key: {e}"),
        })
    }

    fn fact_days(&self, rows: FactRows<'_>) -> rusqlite::Result<HashMap<i64, BTreeMap<i64, u64>>> {
        let mut out: HashMap<i64, BTreeMap<i64, u64>> = HashMap::new();
        let mut stmt = self.conn().prepare(&format!("SELECT fact_id, day, count FROM fact_days {}", rows.filter()))?;
        let rows =
            stmt.query_map([rows.param()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
        for row in rows {
            let (id, day, count) = row?;
            out.entry(id).or_default().insert(day, count as u64);
        }
        Ok(out)
    }

    pub fn coverage_windows(&self, host: Option<&str>) -> Result<Vec<CoverageWindow>, ProfileError> {
        let run = || -> rusqlite::Result<Vec<CoverageWindow>> {
            let sql = format!(
                "SELECT host, source, category, inferred, from_ms, to_ms FROM coverage WHERE {}
                 ORDER BY host, source, category, inferred, from_ms",
                host_filter(host)
            );
            let mut stmt = self.conn().prepare(&sql)?;
            let rows = stmt.query_map([host], |r| {
                Ok(CoverageWindow {
                    host: r.get(0)?,
                    source: r.get(1)?,
                    category: r.get(2)?,
                    inferred: r.get(3)?,
                    from: r.get(4)?,
                    to: r.get(5)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    pub fn losses(&self, host: Option<&str>) -> Result<Vec<LossRecord>, ProfileError> {
        let run = || -> rusqlite::Result<Vec<LossRecord>> {
            let sql = format!(
                "SELECT host, source, category, day, lost FROM coverage_loss WHERE {} ORDER BY host, source, category, day",
                host_filter(host)
            );
            let mut stmt = self.conn().prepare(&sql)?;
            let rows = stmt.query_map([host], |r| {
                Ok(LossRecord {
                    host: r.get(0)?,
                    source: r.get(1)?,
                    category: r.get(2)?,
                    day: r.get(3)?,
                    lost: r.get::<_, i64>(4)? as u64,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    pub fn inventory(&self, host: Option<&str>) -> Result<Vec<InventoryRecord>, ProfileError> {
        let run = || -> Result<Vec<InventoryRecord>, ProfileError> {
            let sql = format!(
                "SELECT host, category, name, attrs, first_seen, last_seen FROM inventory WHERE {}
                 ORDER BY host, category, name",
                host_filter(host)
            );
            let mut stmt = self.conn().prepare(&sql).map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([host], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            let mut out = Vec::new();
            for row in rows {
                let (host, category, name, attrs, first_seen, last_seen) = row.map_err(|e| self.err(e))?;
                let damaged = |reason: String| ProfileError::Damaged { path: self.path().into(), reason };
                let category: InventoryCategory = serde_json::from_value(Value::String(category.clone()))
                    .map_err(|_| damaged(format!("unknown inventory category `{category}`")))?;
                let attrs =
                    serde_json::from_str(&attrs).map_err(|e| damaged(format!("inventory attrs of {name}: {e}")))?;
                out.push(InventoryRecord { host, category, name, attrs, first_seen, last_seen });
            }
            Ok(out)
        };
        run()
    }
}
