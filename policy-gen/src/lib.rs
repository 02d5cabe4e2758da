//! temper-policy: the rule catalog, decisions, policies, reports and
//! enforcement artifacts (docs/architecture.md). It reads profiles only
//! through the learner's read API.

pub mod apply;
pub mod bundle;
pub mod catalog;
pub mod catalog_doc;
pub mod compare;
pub mod diff;
pub mod document;
pub mod drift;
pub mod escape;
pub mod evaluate;
pub mod fingerprint;
pub mod fit;
pub mod floods;
pub mod host_view;
pub mod inbound_use;
pub mod peers;
pub mod quarantine;
pub mod rarity;
pub mod render;
pub mod report;
pub mod review;
pub mod rule;
pub mod shapes;
pub mod signing;
pub mod simulate;
pub mod sufficiency;
pub mod usage_matcher;

pub use catalog::Catalog;
pub use document::{Decision, Policy, PolicyError, Scope, State};
pub use evaluate::{generate, PolicyOptions};
pub use sufficiency::Sufficiency;
