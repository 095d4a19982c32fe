//! Evaluation: row-wise kernels, population operators and the plan runner.

pub mod constant;
pub mod distribute;
pub mod kernels;
pub mod population;
mod run;
pub mod scale;
pub mod value;

pub use run::{execute_step, Run};
pub use value::Value;
