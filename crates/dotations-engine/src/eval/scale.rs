//! Scale parameters applied to whole columns.

use dotations_params::{ScaleAt, ScaleF64};

/// A scale at one date, with its brackets in `f64`, ready to be applied to values.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleTable {
    pub path: String,
    scale: ScaleF64,
}

impl ScaleTable {
    pub fn new(path: String, at: ScaleAt) -> Self {
        ScaleTable { path, scale: at.to_f64() }
    }

    #[inline]
    pub fn calc(&self, x: f64) -> f64 {
        self.scale.calc(x)
    }
}
