//! Run-time values: one number for the run, or one per row of an entity.

use std::sync::Arc;

/// A computed or given value. Booleans, dates and enum items are carried as `f64` too (see
/// [`crate::model::Kind`]), so every kernel works on one representation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Column(Arc<[f64]>),
}

impl Value {
    /// The value of row `i` (a scalar has the same value for every row).
    pub fn at(&self, i: usize) -> f64 {
        match self {
            Value::Scalar(v) => *v,
            Value::Column(c) => c[i],
        }
    }

    pub fn as_column(&self) -> Option<&Arc<[f64]>> {
        match self {
            Value::Column(c) => Some(c),
            Value::Scalar(_) => None,
        }
    }

    /// A column of `len` rows (a scalar is repeated).
    pub fn to_column(&self, len: usize) -> Arc<[f64]> {
        match self {
            Value::Column(c) => c.clone(),
            Value::Scalar(v) => vec![*v; len].into(),
        }
    }
}
