//! temper-learner: the profile (its tables: docs/design-notes.md). Observations
//! are aggregated in memory and flushed into a SQLite file that stays small after
//! weeks: aggregates, not events. Profiles of identical servers merge row by
//! row. Nothing here knows that rules exist.

pub mod aggregator;
#[cfg(feature = "analytics")]
pub mod analytics;
pub mod calendar;
pub mod convergence;
pub mod coverage;
pub mod coverage_assessment;
pub mod delta;
pub mod digest;
pub mod distinct;
pub mod evidence;
pub mod fact_key;
pub mod fact_stats;
pub mod fleet;
pub mod fold;
pub mod learning;
pub mod observer;
#[cfg(feature = "analytics")]
pub mod parquet_export;
pub mod profile;
pub mod read;
pub mod schema;
pub mod source_health;
pub mod time_buckets;

pub use aggregator::Aggregator;
pub use coverage_assessment::{assess_category, assess_category_since, CategoryCoverage};
pub use evidence::{Dimension, EvidenceSummary, Tally, DEFAULT_EVIDENCE_CAP};
pub use fact_key::FactKey;
pub use fact_stats::FactStats;
pub use fold::FoldClass;
pub use profile::{Profile, ProfileError};
pub use read::{CoverageWindow, Fact, FactSummary, HostRecord, InventoryRecord, LossRecord};
