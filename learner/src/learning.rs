//! What the analytics say of one profile: convergence per host and
//! category, and the fleet's outliers. Computed by the `analytics` feature;
//! built without it, both are empty (not assessed).

use crate::convergence::CategoryConvergence;
use crate::fleet::FleetOutlier;

#[derive(Debug, Clone, Default)]
pub struct Learning {
    pub convergence: Vec<CategoryConvergence>,
    pub fleet_outliers: Vec<FleetOutlier>,
}
