//! Scale parameters applied to whole columns.

use dotations_params::ScaleAt;

/// A scale at one date, ready to be applied to values.
#[derive(Debug, Clone)]
pub struct ScaleTable {
    pub path: String,
    at: ScaleAt,
}

impl ScaleTable {
    pub fn new(path: String, at: ScaleAt) -> Self {
        ScaleTable { path, at }
    }

    pub fn calc(&self, x: f64) -> f64 {
        self.at.calc(x)
    }
}
