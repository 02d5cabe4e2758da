//! The `insufficient` rule: a decision that relies on something *not* having
//! been seen is only as good as the watching.
//!
//! A category is insufficiently watched on a host when its covered time is
//! shorter than `min_days`, or when its losses weigh more than
//! `max_lossy_share` of the days it covers (default 10%). A lossy day weighs
//! the share of its events that were lost, lost / (lost + seen): one burst on
//! one day of a six-week window, or a capture's routine dropped segment on a
//! busy day, does not poison the category; a source that loses much of what
//! it sees every few days does. A subject that appeared during the window (a
//! listener or share first seen late) counts only from its first sighting.

use crate::document::CoverageNote;
use crate::host_view::HostView;

#[derive(Debug, Clone, Copy)]
pub struct Sufficiency {
    pub min_days: f64,
    pub max_lossy_share: f64,
}

impl Default for Sufficiency {
    fn default() -> Self {
        Sufficiency { min_days: 14.0, max_lossy_share: 0.10 }
    }
}

impl Sufficiency {
    /// Coverage notes for `categories`, and why they are insufficient, if they are.
    pub fn check(
        &self,
        host: &HostView,
        categories: &[String],
        since: Option<i64>,
    ) -> (Vec<CoverageNote>, Option<String>) {
        let mut notes = Vec::new();
        let mut problems = Vec::new();
        for category in categories {
            let assessed = host.coverage(category, since);
            let (days_covered, lossy, share) =
                (assessed.days_covered, assessed.lossy_days.len(), assessed.lossy_share());
            if assessed.sources.is_empty() {
                problems.push(format!("no source watched {category}"));
            } else if days_covered < self.min_days {
                let from = if since.is_some() { " since it appeared" } else { "" };
                problems
                    .push(format!("{category} watched for {days_covered:.1} days{from} (minimum {})", self.min_days));
            } else if share > self.max_lossy_share {
                problems.push(format!(
                    "{category} lost events on {lossy} of {} days, weighing {:.0}% of them (lost against seen, per day; at most {:.0}%)",
                    assessed.days_touched,
                    share * 100.0,
                    self.max_lossy_share * 100.0
                ));
            }
            notes.push(CoverageNote {
                category: category.clone(),
                days_covered: (days_covered * 10.0).round() / 10.0,
                lossy_days: lossy,
                days_touched: assessed.days_touched,
                inferred: assessed.inferred,
                sources: assessed.sources.iter().cloned().collect(),
            });
        }
        let problem = (!problems.is_empty()).then(|| problems.join("; "));
        (notes, problem)
    }
}
