//! A test's `reforms: [name, …]`: each name is a scenario file (see `docs/scenarios.md`), whose
//! change to the law the test runs on. OpenFisca names a Python reform class; here a name is
//! looked up as a file:
//!
//! 1. a name ending in `.yaml`/`.yml` or holding a `/` is a path, relative to the test file's
//!    directory (or to the current directory);
//! 2. otherwise `scenarios/NAME.yaml` in the rule directory given with `--rules`;
//! 3. otherwise `scenarios/NAME.yaml` in the test file's directory or the nearest parent
//!    directory that has one (the repository's `scenarios/` for its tests).
//!
//! Several reforms apply together, in order, as one change.

use std::path::{Path, PathBuf};

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::model::Reform;
use dotations_engine::Model;
use dotations_scenario::Scenario;

use crate::format::Named;

/// The scenario file a reform name designates.
pub(crate) fn resolve(name: &Named, test_file: &Path, rules: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    // `t.yaml` has the empty path for directory: it is `.`.
    let test_dir = test_file.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let is_path = name.name.ends_with(".yaml") || name.name.ends_with(".yml") || name.name.contains('/');
    let mut candidates = Vec::new();
    if is_path {
        candidates.push(test_dir.join(&name.name));
        candidates.push(PathBuf::from(&name.name));
    } else {
        let file = format!("{}.yaml", name.name);
        if let Some(rules) = rules {
            candidates.push(rules.join("scenarios").join(&file));
        }
        for dir in test_dir.ancestors() {
            candidates.push(dir.join("scenarios").join(&file));
        }
        // A test named from its own directory (`.`) has no parents to search but those of its
        // absolute path.
        if let Ok(absolute) = std::path::absolute(test_dir) {
            candidates.extend(absolute.ancestors().skip(1).map(|dir| dir.join("scenarios").join(&file)));
        }
    }
    if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
        return Ok(found);
    }
    let places = if is_path {
        format!(
            "{} (from the test's directory), then {} (from the current directory)",
            test_dir.join(&name.name).display(),
            name.name
        )
    } else {
        let rules = rules.map(|r| format!("{}, then ", r.join("scenarios").display())).unwrap_or_default();
        format!("{rules}`scenarios/` in {} and its parent directories", test_dir.display())
    };
    Err(Diagnostic::error(format!("no scenario file for the reform `{}`", name.name))
        .at(name.location.clone())
        .with_note(format!("looked for {}.yaml in {places}", name.name.trim_end_matches(".yaml")))
        .with_help("a reform is a scenario file: `scenarios/NAME.yaml` next to the rules, or a path to a .yaml file"))
}

/// The model with the reforms of a test applied together.
pub(crate) fn reformed(base: &Model, files: &[(PathBuf, Named)]) -> Result<Model, Diagnostics> {
    let mut merged = Reform::default();
    let mut names = Vec::new();
    for (path, named) in files {
        let scenario = Scenario::load(path).map_err(|mut errors| {
            for error in &mut errors.0 {
                error.notes.push(format!("in the reform `{}` ({})", named.name, named.location));
            }
            errors
        })?;
        names.push(scenario.reform.name.clone());
        merged.parameters.extend(scenario.reform.parameters);
        merged.formulas.extend(scenario.reform.formulas);
        merged.additions.extend(scenario.reform.additions);
    }
    merged.name = names.join(" + ");
    base.reformed(&merged)
}
