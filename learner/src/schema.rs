//! The profile's schema, versioned with SQLite's `user_version`. Migrations
//! only go forward: `MIGRATIONS[i]` takes a profile from version `i` to
//! `i + 1`. A profile newer than this build is refused, never downgraded.

pub const APPLICATION_ID: &str = "temper-profile";

pub const MIGRATIONS: &[&str] = &[
    // 0 → 1: the first schema.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE hosts (
        host TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        observations INTEGER NOT NULL
    );
    -- One row per host and fact key (canonical JSON of FactKey).
    CREATE TABLE facts (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        hours BLOB NOT NULL,
        UNIQUE (host, key)
    );
    CREATE TABLE fact_days (
        fact_id INTEGER NOT NULL REFERENCES facts(id),
        day INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (fact_id, day)
    ) WITHOUT ROWID;
    CREATE TABLE evidence (
        fact_id INTEGER NOT NULL REFERENCES facts(id),
        dimension TEXT NOT NULL,
        value TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (fact_id, dimension, value)
    ) WITHOUT ROWID;
    CREATE TABLE evidence_totals (
        fact_id INTEGER NOT NULL REFERENCES facts(id),
        dimension TEXT NOT NULL,
        total INTEGER NOT NULL,
        undercount INTEGER NOT NULL,
        dropped INTEGER NOT NULL,
        PRIMARY KEY (fact_id, dimension)
    ) WITHOUT ROWID;
    CREATE TABLE coverage (
        host TEXT NOT NULL,
        source TEXT NOT NULL,
        category TEXT NOT NULL,
        inferred INTEGER NOT NULL,
        from_ms INTEGER NOT NULL,
        to_ms INTEGER NOT NULL,
        PRIMARY KEY (host, source, category, inferred, from_ms)
    ) WITHOUT ROWID;
    CREATE TABLE coverage_loss (
        host TEXT NOT NULL,
        source TEXT NOT NULL,
        category TEXT NOT NULL,
        day INTEGER NOT NULL,
        lost INTEGER NOT NULL,
        PRIMARY KEY (host, source, category, day)
    ) WITHOUT ROWID;
    CREATE TABLE inventory (
        host TEXT NOT NULL,
        category TEXT NOT NULL,
        name TEXT NOT NULL,
        attrs TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (host, category, name)
    ) WITHOUT ROWID;
    "#,
    // 1 → 2: how many distinct values an overflowed evidence summary was
    // given (a sketch, see `distinct`); NULL while the summary is exact.
    r#"
    ALTER TABLE evidence_totals ADD COLUMN distinct_sketch BLOB;
    "#,
];

/// Every table of the latest schema: a profile missing one is damaged.
pub const TABLES: &[&str] =
    &["meta", "hosts", "facts", "fact_days", "evidence", "evidence_totals", "coverage", "coverage_loss", "inventory"];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}
