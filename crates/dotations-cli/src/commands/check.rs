//! `dotations check`: load everything, report every error.

use std::path::Path;

use dotations_diagnostics::Diagnostics;

pub fn run(rules: Option<&Path>) -> Result<(), Diagnostics> {
    let model = dotations_rules::load(rules)?;
    let formulas: usize = model.variables.iter().map(|v| v.formulas.len()).sum();
    let computed = model.variables.iter().filter(|v| v.is_computed()).count();
    println!(
        "ok: {} variables ({} computed, {} formulas), {} parameters, {} rule files",
        model.variables.len(),
        computed,
        formulas,
        model.parameters.leaves().count(),
        model.sources.len()
    );
    Ok(())
}
