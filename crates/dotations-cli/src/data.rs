//! The embedded default data: a synthetic France of 35 000 communes (inputs for 2024 and 2025),
//! shared with the web server through the `dotations-data` crate.

pub use dotations_data::{embedded_pending, embedded_table, YEARS};
