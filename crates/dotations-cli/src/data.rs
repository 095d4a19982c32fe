//! The embedded default data: a synthetic France of 35 000 communes (inputs for 2024 and 2025).

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::Model;
use dotations_io::InputTable;

const FRANCE_2024: &[u8] = include_bytes!("../../../data/france_synthetique_2024.csv.gz");
const FRANCE_2025: &[u8] = include_bytes!("../../../data/france_synthetique_2025.csv.gz");

/// The years the embedded data covers.
pub const YEARS: [i32; 2] = [2024, 2025];

/// Reads the embedded inputs of `year`.
pub fn embedded_table(model: &Model, year: i32) -> Result<InputTable, Diagnostics> {
    let bytes = match year {
        2024 => FRANCE_2024,
        2025 => FRANCE_2025,
        _ => {
            return Err(Diagnostic::error(format!("there is no embedded data for {year}"))
                .with_help(format!(
                    "the embedded synthetic France covers {YEARS:?}; give your own data with --input FILE.csv"
                ))
                .into())
        }
    };
    let name = format!("embedded data ({year})");
    dotations_io::read_table_from(model, flate2::read::GzDecoder::new(bytes), &name, year)
}
