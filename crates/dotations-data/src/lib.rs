//! The embedded default data: a synthetic France of 35 000 communes, inputs for 2024 and 2025.
//!
//! The command line (`dotations compute`) and the web server (`dotations serve`) both run on it
//! when no input table is given; it lives in its own crate so that the 8 MB of compressed CSV is
//! embedded once in the binary. The tables are `static`s: a `const` slice may be copied into
//! each place that uses it (it was, once, and made the binary 8 MB larger). Invariant: a year
//! that the data does not cover is a diagnostic that says which years it covers, never an empty
//! table.
#![forbid(unsafe_code)]

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::Model;
use dotations_io::{InputTable, PendingTable};

static FRANCE_2024: &[u8] = include_bytes!("../../../data/france_synthetique_2024.csv.gz");
static FRANCE_2025: &[u8] = include_bytes!("../../../data/france_synthetique_2025.csv.gz");

/// The years the embedded data covers.
pub const YEARS: [i32; 2] = [2024, 2025];

/// The bytes of the embedded table of `year` (gzipped CSV), as embedded: what a reproducibility
/// stamp hashes.
pub fn embedded_bytes(year: i32) -> Option<&'static [u8]> {
    match year {
        2024 => Some(FRANCE_2024),
        2025 => Some(FRANCE_2025),
        _ => None,
    }
}

/// Reads the embedded inputs of `year` for `model`.
pub fn embedded_table(model: &Model, year: i32) -> Result<InputTable, Diagnostics> {
    embedded_pending(year)?.parse(model, year)
}

/// Starts decompressing the embedded inputs of `year` on a thread of their own, before the
/// model that reads them is ready.
pub fn embedded_pending(year: i32) -> Result<PendingTable, Diagnostics> {
    let Some(bytes) = embedded_bytes(year) else {
        return Err(Diagnostic::error(format!("there is no embedded data for {year}"))
            .with_help(format!(
                "the embedded synthetic France covers {YEARS:?}; give your own data with --input FILE.csv"
            ))
            .into());
    };
    Ok(PendingTable::start(flate2::read::GzDecoder::new(bytes), format!("embedded data ({year})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_year_reads_and_others_are_refused() {
        let model = dotations_rules::load(None).expect("the embedded rules compile");
        for year in YEARS {
            let table = embedded_table(&model, year).expect("the embedded data reads");
            assert!(table.dataset.size(model.person_entity()) > 30_000, "{year}");
        }
        let error = embedded_table(&model, 2019).err().expect("2019 is not embedded").to_string();
        assert!(error.contains("there is no embedded data for 2019"), "{error}");
        assert!(error.contains("[2024, 2025]"), "{error}");
    }
}
