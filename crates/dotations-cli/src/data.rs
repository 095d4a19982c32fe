//! The embedded default data: a synthetic France of 35 000 communes (inputs for 2024 and 2025),
//! shared with the web server through the `dotations-data` crate.

pub use dotations_data::{embedded_pending, embedded_table, YEARS};

use std::path::Path;

use dotations_diagnostics::Diagnostics;
use dotations_engine::Model;
use dotations_io::InputTable;

/// Reads an input table of the user's, warning on stderr of each column that seems a variable
/// misspelt (its values would not be used).
pub fn read_input(model: &Model, path: &Path, year: i32) -> Result<InputTable, Diagnostics> {
    let table = dotations_io::read_table(model, path, year)?;
    warn_misspelt_columns(model, &table, path);
    Ok(table)
}

/// Prints the warnings of [`InputTable::misspelt_columns`].
pub fn warn_misspelt_columns(model: &Model, table: &InputTable, path: &Path) {
    let warnings = table.misspelt_columns(model, &path.display().to_string());
    if !warnings.is_empty() {
        eprint!("{warnings}");
    }
}
