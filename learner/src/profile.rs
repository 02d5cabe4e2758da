//! The profile file: a SQLite database (WAL, file mode 0600) holding
//! aggregates, not raw events. All SQL in Temper lives in this crate.

use crate::coverage::{CoverageDelta, CoverageKey, Intervals};
use crate::delta::{Delta, HostStats, InventoryEntry};
use crate::distinct::DistinctSketch;
use crate::evidence::{Dimension, EvidenceSummary, Tally, DEFAULT_EVIDENCE_CAP};
use crate::fact_key::FactKey;
use crate::fact_stats::{decode_hours, encode_hours, FactStats};
use crate::fold::{fold_of, rank, FoldClass};
use crate::schema::{latest_version, APPLICATION_ID, MIGRATIONS};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}: no such profile (run `temper import` or `temper observe` first, or pass --profile)")]
    NotFound(PathBuf),
    #[error("{path}: not a Temper profile: {reason}")]
    NotAProfile { path: PathBuf, reason: String },
    #[error("{path}: profile schema version {found} is newer than this temper supports ({supported}); upgrade temper")]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("{path}: profile is damaged: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{other}: keeps {other_cap} evidence values per fact, {path} keeps {cap}; profiles merge only with the same cap")]
    CapMismatch { path: PathBuf, cap: usize, other: PathBuf, other_cap: usize },
}

pub struct Profile {
    conn: Connection,
    path: PathBuf,
    cap: usize,
}

impl Profile {
    /// Opens a profile, creating it (mode 0600) if it does not exist.
    pub fn create_or_open(path: &Path) -> Result<Profile, ProfileError> {
        if !path.exists() {
            create_private_file(path)?;
            return Profile::open_file(path, true);
        }
        Profile::open_file(path, false)
    }

    /// Creates a new profile keeping `cap` distinct evidence values exactly
    /// per fact and dimension (the default is [`DEFAULT_EVIDENCE_CAP`]).
    pub fn create_with_cap(path: &Path, cap: usize) -> Result<Profile, ProfileError> {
        create_private_file(path)?;
        let mut profile = Profile::open_file(path, true)?;
        let cap = cap.max(1);
        profile
            .conn
            .execute("UPDATE meta SET value = ?1 WHERE key = 'evidence_cap'", [cap.to_string()])
            .map_err(|e| classify(path, e))?;
        profile.cap = cap;
        Ok(profile)
    }

    /// Opens an existing profile; a missing file is an error, never created.
    pub fn open(path: &Path) -> Result<Profile, ProfileError> {
        if !path.exists() {
            return Err(ProfileError::NotFound(path.to_path_buf()));
        }
        Profile::open_file(path, false)
    }

    /// `created`: this process made the file just now, so it may be empty.
    fn open_file(path: &Path, created: bool) -> Result<Profile, ProfileError> {
        let sql = |source| classify(path, source);
        // SQLite would take an empty file for a new database: a profile that
        // lost its bytes (a copy cut off, a truncated file) must not become
        // an empty profile that the next import or policy trusts.
        let len = std::fs::metadata(path).map_err(|source| ProfileError::Io { path: path.into(), source })?.len();
        if len == 0 && !created {
            return Err(ProfileError::NotAProfile {
                path: path.into(),
                reason: "the file is empty (a profile is never empty; remove it to start a new one)".into(),
            });
        }
        let conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(sql)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
        if version > latest_version() {
            return Err(ProfileError::TooNew { path: path.into(), found: version, supported: latest_version() });
        }
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(sql)?;
        if version == 0 && tables > 0 {
            return Err(ProfileError::NotAProfile {
                path: path.into(),
                reason: "it is a SQLite database of something else".into(),
            });
        }
        if version > 0 {
            check_integrity(&conn, path)?;
            let app: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = 'application'", [], |r| r.get(0))
                .optional()
                .map_err(sql)?;
            if app.as_deref() != Some(APPLICATION_ID) {
                return Err(ProfileError::NotAProfile { path: path.into(), reason: "no Temper profile marker".into() });
            }
        }
        // WAL: readers never block the observe loop's flush; NORMAL sync keeps
        // the file consistent on a crash (at most the last flush is lost).
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
        let mut profile = Profile { conn, path: path.to_path_buf(), cap: DEFAULT_EVIDENCE_CAP };
        profile.migrate(version)?;
        profile.cap = profile.meta("evidence_cap")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_EVIDENCE_CAP);
        Ok(profile)
    }

    fn migrate(&mut self, from: i64) -> Result<(), ProfileError> {
        if from == latest_version() {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| classify(&path, e))?;
        for (step, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            tx.execute_batch(sql).map_err(|e| classify(&path, e))?;
            tracing::debug!(profile = %path.display(), to = step + 1, "migrated profile schema");
        }
        if from == 0 {
            tx.execute("INSERT INTO meta (key, value) VALUES ('application', ?1)", [APPLICATION_ID])
                .map_err(|e| classify(&path, e))?;
            tx.execute("INSERT INTO meta (key, value) VALUES ('evidence_cap', ?1)", [DEFAULT_EVIDENCE_CAP.to_string()])
                .map_err(|e| classify(&path, e))?;
        }
        tx.pragma_update(None, "user_version", latest_version()).map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Distinct evidence values kept exactly per fact and dimension.
    pub fn evidence_cap(&self) -> usize {
        self.cap
    }

    pub fn schema_version(&self) -> i64 {
        latest_version()
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, ProfileError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> ProfileError {
        classify(&self.path, source)
    }

    /// Writes a batch in one transaction: all of it, or (on error) none of it.
    pub fn apply(&mut self, delta: &Delta) -> Result<(), ProfileError> {
        let cap = self.cap;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| classify(&path, e))?;
        write_delta(&tx, delta, cap).map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))
    }

    /// The whole profile as one batch (what `merge` applies to another profile).
    pub fn to_delta(&self) -> Result<Delta, ProfileError> {
        let mut delta = Delta::default();
        for fact in self.facts(None)? {
            delta.facts.insert((fact.host, fact.key), fact.stats);
        }
        delta.coverage = self.coverage_delta()?;
        for record in self.inventory(None)? {
            delta.inventory.insert(
                (record.host, record.category, record.name),
                InventoryEntry { attrs: record.attrs, first_seen: record.first_seen, last_seen: record.last_seen },
            );
        }
        for host in self.hosts()? {
            delta.hosts.insert(
                host.host,
                HostStats { first_seen: host.first_seen, last_seen: host.last_seen, observations: host.observations },
            );
        }
        Ok(delta)
    }

    /// Adds another profile's rows to this one: same host and key combine
    /// (counts add, first seen min, last seen max), other rows are copied,
    /// so hosts stay apart.
    /// The evidence bound holds per cap, so only profiles with the same cap merge.
    pub fn merge_from(&mut self, other: &Profile) -> Result<(), ProfileError> {
        if other.cap != self.cap {
            return Err(ProfileError::CapMismatch {
                path: self.path.clone(),
                cap: self.cap,
                other: other.path.clone(),
                other_cap: other.cap,
            });
        }
        let delta = other.to_delta()?;
        self.apply(&delta)
    }

    fn coverage_delta(&self) -> Result<CoverageDelta, ProfileError> {
        let mut delta = CoverageDelta::default();
        for w in self.coverage_windows(None)? {
            delta.add_window(
                CoverageKey { host: w.host, source: w.source, category: w.category, inferred: w.inferred },
                w.from,
                w.to,
            );
        }
        for l in self.losses(None)? {
            delta.losses.insert((l.host, l.source, l.category, l.day), l.lost);
        }
        Ok(delta)
    }
}

fn write_delta(tx: &Transaction<'_>, delta: &Delta, cap: usize) -> rusqlite::Result<()> {
    // Facts in a stable order, so equal profiles get equal row ids.
    let mut facts: Vec<(&(String, FactKey), &FactStats)> = delta.facts.iter().collect();
    facts.sort_by(|a, b| a.0.cmp(b.0));
    let mut classes: std::collections::BTreeSet<(&str, FoldClass)> = std::collections::BTreeSet::new();
    for ((host, key), stats) in facts {
        write_fact(tx, host, key, stats, cap)?;
        if let Some((class, _)) = fold_of(key) {
            classes.insert((host.as_str(), class));
        }
    }
    // Flushes and merges alike: the stored facts of each touched class stay within its limit.
    for (host, class) in &classes {
        enforce_fold(tx, host, class, cap)?;
    }
    for (key, set) in &delta.coverage.windows {
        let mut merged = Intervals::default();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT from_ms, to_ms FROM coverage WHERE host=?1 AND source=?2 AND category=?3 AND inferred=?4",
            )?;
            let rows = stmt.query_map(params![key.host, key.source, key.category, key.inferred], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (f, t) = row?;
                merged.add(f, t);
            }
        }
        merged.union(set);
        tx.execute(
            "DELETE FROM coverage WHERE host=?1 AND source=?2 AND category=?3 AND inferred=?4",
            params![key.host, key.source, key.category, key.inferred],
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO coverage (host, source, category, inferred, from_ms, to_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (f, t) in merged.pairs() {
            insert.execute(params![key.host, key.source, key.category, key.inferred, f, t])?;
        }
    }
    let mut loss = tx.prepare_cached(
        "INSERT INTO coverage_loss (host, source, category, day, lost) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (host, source, category, day) DO UPDATE SET lost = lost + excluded.lost",
    )?;
    for ((host, source, category, day), lost) in &delta.coverage.losses {
        loss.execute(params![host, source, category, day, *lost as i64])?;
    }
    for ((host, category, name), entry) in &delta.inventory {
        let existing: Option<(String, i64, i64)> = tx
            .query_row(
                "SELECT attrs, first_seen, last_seen FROM inventory WHERE host=?1 AND category=?2 AND name=?3",
                params![host, category.as_str(), name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let mut merged = entry.clone();
        if let Some((attrs, first, last)) = existing {
            let stored = InventoryEntry {
                attrs: serde_json::from_str(&attrs).unwrap_or_default(),
                first_seen: first,
                last_seen: last,
            };
            let mut base = stored;
            base.merge(entry);
            merged = base;
        }
        tx.execute(
            "INSERT INTO inventory (host, category, name, attrs, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (host, category, name) DO UPDATE SET attrs = excluded.attrs,
                first_seen = excluded.first_seen, last_seen = excluded.last_seen",
            params![host, category.as_str(), name, merged.attrs_text(), merged.first_seen, merged.last_seen],
        )?;
    }
    let mut hosts = tx.prepare_cached(
        "INSERT INTO hosts (host, first_seen, last_seen, observations) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (host) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
            last_seen = max(last_seen, excluded.last_seen), observations = observations + excluded.observations",
    )?;
    for (host, stats) in &delta.hosts {
        hosts.execute(params![host, stats.first_seen, stats.last_seen, stats.observations as i64])?;
    }
    Ok(())
}

fn write_fact(tx: &Transaction<'_>, host: &str, key: &FactKey, stats: &FactStats, cap: usize) -> rusqlite::Result<()> {
    let key_text = key.to_text();
    let existing: Option<(i64, i64, i64, i64, Vec<u8>)> = tx
        .query_row(
            "SELECT id, count, first_seen, last_seen, hours FROM facts WHERE host=?1 AND key=?2",
            params![host, key_text],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let (id, merged) = match existing {
        None => {
            tx.execute(
                "INSERT INTO facts (host, kind, key, count, first_seen, last_seen, hours) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    host,
                    key.kind().as_str(),
                    key_text,
                    stats.count as i64,
                    stats.first_seen,
                    stats.last_seen,
                    encode_hours(&stats.hours)
                ],
            )?;
            (tx.last_insert_rowid(), stats.clone())
        }
        Some((id, count, first, last, hours)) => {
            let mut stored = FactStats {
                count: count as u64,
                first_seen: first,
                last_seen: last,
                days: BTreeMap::new(),
                hours: decode_hours(&hours).unwrap_or_else(|| vec![0; crate::time_buckets::HOURS_PER_WEEK]),
                evidence: read_evidence(tx, FactRows::One(id))?.remove(&id).unwrap_or_default(),
            };
            stored.merge(stats, cap);
            tx.execute(
                "UPDATE facts SET count=?2, first_seen=?3, last_seen=?4, hours=?5 WHERE id=?1",
                params![id, stored.count as i64, stored.first_seen, stored.last_seen, encode_hours(&stored.hours)],
            )?;
            (id, stored)
        }
    };
    let mut days = tx.prepare_cached(
        "INSERT INTO fact_days (fact_id, day, count) VALUES (?1, ?2, ?3)
         ON CONFLICT (fact_id, day) DO UPDATE SET count = count + excluded.count",
    )?;
    for (day, n) in &stats.days {
        days.execute(params![id, day, *n as i64])?;
    }
    // Evidence is rewritten whole: a Misra–Gries reduction may drop values.
    tx.execute("DELETE FROM evidence WHERE fact_id=?1", [id])?;
    tx.execute("DELETE FROM evidence_totals WHERE fact_id=?1", [id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO evidence (fact_id, dimension, value, count, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut totals = tx.prepare_cached(
        "INSERT INTO evidence_totals (fact_id, dimension, total, undercount, dropped, distinct_sketch)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (dimension, summary) in &merged.evidence {
        for (value, tally) in &summary.values {
            insert.execute(params![
                id,
                dimension.as_str(),
                value,
                tally.count as i64,
                tally.first_seen,
                tally.last_seen
            ])?;
        }
        totals.execute(params![
            id,
            dimension.as_str(),
            summary.total as i64,
            summary.undercount as i64,
            summary.dropped as i64,
            summary.sketch.as_ref().map(DistinctSketch::to_bytes)
        ])?;
    }
    Ok(())
}

/// One stored fact's whole aggregate.
fn read_fact_stats(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<FactStats> {
    let (count, first_seen, last_seen, hours): (i64, i64, i64, Vec<u8>) =
        tx.query_row("SELECT count, first_seen, last_seen, hours FROM facts WHERE id=?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let mut days = BTreeMap::new();
    {
        let mut stmt = tx.prepare_cached("SELECT day, count FROM fact_days WHERE fact_id=?1")?;
        for row in stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (day, n) = row?;
            days.insert(day, n as u64);
        }
    }
    Ok(FactStats {
        count: count as u64,
        first_seen,
        last_seen,
        days,
        hours: decode_hours(&hours).unwrap_or_else(|| vec![0; crate::time_buckets::HOURS_PER_WEEK]),
        evidence: read_evidence(tx, FactRows::One(id))?.remove(&id).unwrap_or_default(),
    })
}

fn delete_fact(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<()> {
    for table in ["fact_days", "evidence", "evidence_totals"] {
        tx.execute(&format!("DELETE FROM {table} WHERE fact_id=?1"), [id])?;
    }
    tx.execute("DELETE FROM facts WHERE id=?1", [id])?;
    Ok(())
}

/// Keeps at most its limit of facts of `class` on `host`: the lowest
/// ranks; the others are folded into the class's folded fact (see `fold`).
fn enforce_fold(tx: &Transaction<'_>, host: &str, class: &FoldClass, cap: usize) -> rusqlite::Result<()> {
    let folded = FactKey::Folded { class: class.clone() };
    let mut members: Vec<(u64, String, i64)> = Vec::new();
    {
        let mut stmt = tx.prepare_cached("SELECT id, key FROM facts WHERE host=?1 AND kind=?2")?;
        for row in stmt
            .query_map(params![host, folded.kind().as_str()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        {
            let (id, text) = row?;
            let Ok(key) = FactKey::from_text(&text) else { continue };
            if let Some((of, identity)) = fold_of(&key) {
                if &of == class {
                    members.push((rank(&key), identity, id));
                }
            }
        }
    }
    if members.len() <= class.limit() {
        return Ok(());
    }
    members.sort_unstable();
    let mut fold = FactStats::empty();
    for (_, identity, id) in &members[class.limit()..] {
        let stats = read_fact_stats(tx, *id)?;
        fold.absorb_member(identity, &stats, cap);
        delete_fact(tx, *id)?;
    }
    write_fact(tx, host, &folded, &fold, cap)
}

/// Whose per-fact rows (days, evidence) to read.
#[derive(Clone, Copy)]
pub(crate) enum FactRows<'a> {
    One(i64),
    OfHost(&'a str),
    All,
}

impl FactRows<'_> {
    /// A `WHERE` clause over `fact_id` with one parameter, `?1`.
    pub(crate) fn filter(self) -> &'static str {
        match self {
            FactRows::One(_) => "WHERE fact_id = ?1",
            FactRows::OfHost(_) => "WHERE fact_id IN (SELECT id FROM facts WHERE host = ?1)",
            FactRows::All => "WHERE ?1 IS NULL",
        }
    }

    pub(crate) fn param(self) -> rusqlite::types::Value {
        match self {
            FactRows::One(id) => rusqlite::types::Value::Integer(id),
            FactRows::OfHost(host) => rusqlite::types::Value::Text(host.to_string()),
            FactRows::All => rusqlite::types::Value::Null,
        }
    }
}

/// Evidence of the selected facts, by fact id.
pub(crate) fn read_evidence(
    conn: &Connection,
    rows: FactRows<'_>,
) -> rusqlite::Result<HashMap<i64, BTreeMap<Dimension, EvidenceSummary>>> {
    let mut out: HashMap<i64, BTreeMap<Dimension, EvidenceSummary>> = HashMap::new();
    let (filter, fact) = (rows.filter(), rows.param());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT fact_id, dimension, total, undercount, dropped, distinct_sketch FROM evidence_totals {filter}"
    ))?;
    let rows = stmt.query_map([&fact], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<Vec<u8>>>(5)?,
        ))
    })?;
    for row in rows {
        let (id, dim, total, undercount, dropped, sketch) = row?;
        let Some(dimension) = Dimension::parse(&dim) else { continue };
        let summary = out.entry(id).or_default().entry(dimension).or_default();
        summary.total = total as u64;
        summary.undercount = undercount as u64;
        summary.dropped = dropped as u64;
        // An unreadable sketch is started afresh from the listed values by
        // the next merge; the counts beside it are exact anyway.
        summary.sketch = sketch.as_deref().and_then(DistinctSketch::from_bytes);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT fact_id, dimension, value, count, first_seen, last_seen FROM evidence {filter}"
    ))?;
    let rows = stmt.query_map([&fact], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            Tally { count: r.get::<_, i64>(3)? as u64, first_seen: r.get(4)?, last_seen: r.get(5)? },
        ))
    })?;
    for row in rows {
        let (id, dim, value, tally) = row?;
        let Some(dimension) = Dimension::parse(&dim) else { continue };
        out.entry(id).or_default().entry(dimension).or_default().values.insert(value, tally);
    }
    Ok(out)
}

/// Creates the profile file readable by its owner only: it holds user names,
/// addresses and command lines.
fn create_private_file(path: &Path) -> Result<(), ProfileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ProfileError::Io { path: path.into(), source })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(|source| ProfileError::Io { path: path.into(), source })
}

/// SQLite's own check, and every table of the schema present: one line
/// naming the first problem and how many more there are.
fn check_integrity(conn: &Connection, path: &Path) -> Result<(), ProfileError> {
    let sql = |source| classify(path, source);
    let mut statement = conn.prepare("PRAGMA quick_check").map_err(sql)?;
    let problems: Vec<String> = statement
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?
        .into_iter()
        .flat_map(|row| row.lines().map(str::to_string).collect::<Vec<_>>())
        // "*** in database main ***" heads SQLite's list: it names no problem.
        .filter(|line| line != "ok" && !line.starts_with("*** in database"))
        .collect();
    if let Some(first) = problems.first() {
        let more = match problems.len() - 1 {
            0 => String::new(),
            n => format!(" (and {n} more problem(s))"),
        };
        return Err(ProfileError::Damaged { path: path.into(), reason: format!("{first}{more}") });
    }
    let mut statement = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").map_err(sql)?;
    let present: Vec<String> =
        statement.query_map([], |r| r.get(0)).map_err(sql)?.collect::<Result<Vec<_>, _>>().map_err(sql)?;
    if let Some(missing) = crate::schema::TABLES.iter().find(|t| !present.iter().any(|p| p == *t)) {
        return Err(ProfileError::Damaged { path: path.into(), reason: format!("its table `{missing}` is missing") });
    }
    Ok(())
}

/// Turns SQLite's "not a database" and "malformed" into a clear profile error.
fn classify(path: &Path, source: rusqlite::Error) -> ProfileError {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            ProfileError::NotAProfile { path: path.into(), reason: "the file is not a SQLite database".into() }
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            ProfileError::Damaged { path: path.into(), reason: "the SQLite file is corrupt".into() }
        }
        _ => ProfileError::Sqlite { path: path.into(), source },
    }
}
