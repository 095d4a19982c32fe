//! `dotations check`: load everything, report every error.

use std::path::Path;

use dotations_diagnostics::Diagnostics;

/// Compiles the rules and reads the files that name their variables: the summary table
/// (`formulas/synthese.yaml`) and the chain file (`chain.yaml`), so that a variable renamed in
/// the rules and not there is found now, not by the command that reads them.
pub fn run(rules: Option<&Path>) -> Result<(), Diagnostics> {
    let files = match rules {
        Some(dir) => dotations_rules::RuleFiles::from_dir(dir)?,
        None => dotations_rules::RuleFiles::embedded(),
    };
    let summary = files.summary.clone();
    let model = files.compile()?;
    let mut diagnostics = Diagnostics::new();
    if let Some((path, text)) = &summary {
        if let Err(errors) = crate::summary::load(&model, path, text) {
            diagnostics.extend(errors.0);
        }
    }
    if let Err(errors) = super::chain_spec::ChainSpec::load(&model, None, rules) {
        diagnostics.extend(errors.0);
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let formulas: usize = model.variables.iter().map(|v| v.formulas.len()).sum();
    let computed = model.variables.iter().filter(|v| v.is_computed()).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    println!(
        "ok: {} ({computed} computed, {}), {}, {}",
        plural(model.variables.len(), "variable"),
        plural(formulas, "formula"),
        plural(model.parameters.leaves().count(), "parameter"),
        plural(model.sources.len(), "rule file"),
    );
    Ok(())
}
