//! The exception report, in Markdown (for review in a merge request) and in
//! self-contained HTML with charts (for reading).

mod charts;
pub mod html;
pub mod markdown;
pub mod outline;
pub mod wording;

pub use html::html;
pub use markdown::markdown;
pub use wording::state_label;
