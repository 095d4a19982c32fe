//! `dotations parameters`: every parameter's value at a date, as JSON.

use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::Diagnostics;
use dotations_params::ParameterTree;

/// `rules` is a rule directory (its `parameters/` is read), `dir` a parameter directory.
pub fn run(rules: Option<&Path>, dir: Option<&Path>, date: NaiveDate) -> Result<(), Diagnostics> {
    let tree = match (rules, dir) {
        (_, Some(dir)) => ParameterTree::load_dir(dir)?,
        (Some(rules), None) => ParameterTree::load_dir(&rules.join("parameters"))?,
        (None, None) => ParameterTree::from_files(dotations_rules::RuleFiles::embedded().parameters, "parameters")?,
    };
    println!("{}", tree.to_json_at(date));
    Ok(())
}
