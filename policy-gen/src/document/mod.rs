//! The policy document: the types `policy.json` is made of (its format is
//! docs/policy-format.md, versioned by `POLICY_VERSION`). They sit at the
//! bottom of this crate: evaluation, review, peers, reports and renderers
//! build on them, and they depend on none of those. What the learner
//! assessed enters through `learned`, the one place its types are converted.

pub mod decision;
pub mod flood;
pub mod learned;
pub mod policy;
pub mod scanner_suspect;
pub mod state;
pub mod verdict;

pub use decision::{CoverageNote, Decision, Held, Hold, Usage, Witness};
pub use flood::Flood;
pub use learned::{CalendarCoverage, CategoryConvergence, ConvergenceState, FleetOutlier, Period, SourceHealth};
pub use policy::{
    HostSummary, NotApplicable, Parameters, Policy, PolicyError, ProfileRef, ReviewApplied, POLICY_FORMAT,
    POLICY_VERSION,
};
pub use scanner_suspect::ScannerSuspect;
pub use state::{Scope, State};
pub use verdict::{AppliedVerdict, Outcome};
