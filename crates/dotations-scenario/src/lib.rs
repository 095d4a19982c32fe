//! Scenarios: a change to the law of the dotations, written by a legal expert in a YAML file
//! (`scenarios/*.yaml`), run against the law in force, with the effects it is expected to have.
//!
//! A scenario names parameter changes, formula replacements and new variables — a
//! [`Reform`](dotations_engine::model::Reform) for the engine — and expectations such as "the
//! DSR grows by 150 M€", "no commune loses more than 5 %", "10 000 communes are eligible".
//! [`Scenario::load`] reads the file; [`Impact::compute`] computes the same inputs under the
//! baseline and the reformed law; [`Scenario::check`] measures each expectation; [`report`]
//! renders totals, counts and breakdowns by demographic strate for a terminal, and the
//! per-commune CSV file. The format is documented in `docs/scenarios.md`.
//!
//! Invariants: every mistake in a scenario file is reported with its file, line and column —
//! unknown keys with a did-you-mean, bad dates, malformed numbers, an unknown parameter or
//! variable, and errors inside a formula, which is kept as a piece of the YAML file
//! ([`SourceText::piece`](dotations_diagnostics::SourceText::piece)) so the language's own
//! messages point into it. Numbers are read exactly (decimals, `1_000_000`). A scenario never
//! changes the baseline: both laws are compiled side by side from the same files.
//!
//! ```
//! use dotations_diagnostics::SourceText;
//! use dotations_scenario::Scenario;
//!
//! let source = SourceText::new("scenarios/exemple.yaml", r#"
//! name: Seuil abaissé
//! parameters:
//!   - parameter: dotation.seuil_rang
//!     start: 2025-01-01
//!     value: 2
//! expectations:
//!   - eligible: eligible
//!     at_most: 2
//! "#);
//! let scenario = Scenario::parse(&source).unwrap();
//! assert_eq!(scenario.reform.parameters[0].path, "dotation.seuil_rang");
//! assert_eq!(scenario.variables(), ["eligible"]);
//!
//! let typo = SourceText::new("scenarios/faute.yaml", "name: x\nparameter:\n  - parameter: a\n");
//! let error = Scenario::parse(&typo).unwrap_err().to_string();
//! assert!(error.contains("scenarios/faute.yaml:2:1"), "{error}");
//! assert!(error.contains("did you mean `parameters`?"), "{error}");
//! ```
#![forbid(unsafe_code)]
// A `Diagnostic` is large, but it is built once per mistake: boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod expectation;
pub mod format;
mod impact;
pub mod report;
mod scenario;
mod yaml;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::{Dataset, Model};

pub use expectation::{Bound, Comparison, Expectation, Measure, Of, Outcome};
pub use impact::{Grouping, Impact, Side, Threshold, VariableImpact, DEFAULT_GROUPING, DOTATIONS};
pub use scenario::{NamedVariable, Scenario};
pub use yaml::Amount;

impl Scenario {
    /// The variables whose impact is reported: the dotations the model has, then every
    /// variable the scenario names.
    pub fn reported_variables(&self, model: &Model) -> Vec<String> {
        let mut names: Vec<String> =
            DOTATIONS.iter().filter(|name| model.variable_id(name).is_some()).map(|n| n.to_string()).collect();
        for name in self.variables() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// What the impact alone would not tell: the changes of the scenario that change nothing in
    /// `year` (see [`Self::unused_formulas`] and [`Self::changes_after`]).
    pub fn warnings(&self, model: &Model, dataset: &Dataset, year: i32) -> Vec<Diagnostic> {
        let mut warnings = self.unused_formulas(model, dataset, year);
        warnings.extend(self.changes_after(year));
        warnings
    }

    /// A warning for each change that starts after January 1 of `year`: a year's parameters
    /// are read on January 1 and its formulas chosen at that date, so such a change is not in
    /// force in `year` (a scenario of 2025 computed for 2024 changes nothing).
    pub fn changes_after(&self, year: i32) -> Vec<Diagnostic> {
        let Some(first_day) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) else { return Vec::new() };
        let parameters = self.reform.parameters.iter().map(|c| (c.start, &c.path, c.location.clone()));
        let formulas = self.reform.formulas.iter().map(|c| (c.start, &c.variable, c.location.clone()));
        parameters
            .chain(formulas)
            .filter(|(start, ..)| *start > first_day)
            .map(|(start, name, location)| {
                Diagnostic::warning(format!(
                    "the change of `{name}` starts on {start}, after January 1 {year}: it is not in force in {year}"
                ))
                .at_opt(location)
                .with_help(format!("start it on {year}-01-01 or before, or compute a later year"))
            })
            .collect()
    }

    /// A warning for each formula of the scenario that the data leaves unused: a variable the
    /// data gives for `year` is taken as given, as OpenFisca takes an input, and the impact
    /// alone would not tell that the formula changed nothing.
    pub fn unused_formulas(&self, model: &Model, dataset: &Dataset, year: i32) -> Vec<Diagnostic> {
        self.reform
            .formulas
            .iter()
            .filter(|change| {
                model.variable_id(&change.variable).and_then(|var| dataset.input(model, var, year)).is_some()
            })
            .map(|change| {
                Diagnostic::warning(format!(
                    "`{}` is given by the data for {year}: the scenario's formula for it is not used",
                    change.variable
                ))
                .at_opt(change.location.clone())
                .with_help("remove the column from the data to compute it with the formula")
            })
            .collect()
    }

    /// Checks every expectation: one result each (an error when it cannot be measured), and the
    /// diagnostics of those that failed, located at the expectation.
    pub fn check(&self, impact: &Impact) -> (Vec<Result<Outcome, Diagnostic>>, Diagnostics) {
        let results: Vec<Result<Outcome, Diagnostic>> = self.expectations.iter().map(|e| e.check(impact)).collect();
        let mut failures = Diagnostics::new();
        for (expectation, result) in self.expectations.iter().zip(&results) {
            match result {
                Ok(outcome) if outcome.passed => {}
                Ok(outcome) => {
                    let mut failure = Diagnostic::error(format!(
                        "expectation not met: {} = {}, expected {}",
                        outcome.what, outcome.shown, outcome.expected
                    ))
                    .at(expectation.location.clone());
                    if let Some(label) = &expectation.label {
                        failure = failure.with_note(label.clone());
                    }
                    failures.push(failure);
                }
                Err(error) => failures.push(error.clone()),
            }
        }
        (results, failures)
    }
}
