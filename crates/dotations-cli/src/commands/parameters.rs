//! `dotations parameters`: every parameter's value at a date, as JSON.

use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::Diagnostics;
use dotations_params::ParameterTree;

pub fn run(dir: Option<&Path>, date: NaiveDate) -> Result<(), Diagnostics> {
    let tree = match dir {
        Some(dir) => ParameterTree::load_dir(dir)?,
        None => ParameterTree::from_files(dotations_rules::RuleFiles::embedded().parameters, "parameters")?,
    };
    println!("{}", tree.to_json_at(date));
    Ok(())
}
