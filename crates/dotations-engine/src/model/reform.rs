//! Reforms: a change to the law — parameter values, formulas for a period, new variables —
//! compiled into a model of its own, side by side with the baseline.
//!
//! A formula change replaces a variable's formula from `start` until `stop` (inclusive); after
//! `stop` the formula of the base law in force then applies again. Parameter changes follow
//! OpenFisca's `update(start, stop, value)`. Every error points at the place the change was
//! written (a scenario file, a test file).

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use dotations_params::{BracketField, ParamValue, ParameterTree};
use rust_decimal::Decimal;

use super::Model;

/// A change to the law, applied on top of a base model's files.
#[derive(Debug, Clone, Default)]
pub struct Reform {
    pub name: String,
    pub description: Option<String>,
    pub parameters: Vec<ParameterChange>,
    pub formulas: Vec<FormulaChange>,
    /// Rule text declaring new variables (or enumerations).
    pub additions: Vec<SourceText>,
}

/// A parameter given another value over a period.
#[derive(Debug, Clone)]
pub struct ParameterChange {
    pub path: String,
    pub start: NaiveDate,
    /// Last day of the change (inclusive); `None`: for good.
    pub stop: Option<NaiveDate>,
    pub edit: ParameterEdit,
    /// Where the change is written, for messages.
    pub location: Option<Location>,
}

#[derive(Debug, Clone)]
pub enum ParameterEdit {
    /// A new value (`None` ends the parameter).
    Value(Option<ParamValue>),
    /// A new threshold, amount or rate for one bracket of a scale.
    Bracket { index: usize, field: BracketField, value: Decimal },
}

/// A variable's formula replaced over a period.
#[derive(Debug, Clone)]
pub struct FormulaChange {
    pub variable: String,
    pub start: NaiveDate,
    /// Last day of the change (inclusive); `None`: for good.
    pub stop: Option<NaiveDate>,
    /// The formula's body (`let` bindings and an expression), located in its file.
    pub body: SourceText,
    pub location: Option<Location>,
}

impl Reform {
    /// Applies the parameter changes to a copy of a parameter tree.
    pub fn apply_parameters(&self, tree: &ParameterTree) -> Result<ParameterTree, Diagnostics> {
        let mut tree = tree.clone();
        let mut diagnostics = Diagnostics::new();
        for change in &self.parameters {
            let result = match &change.edit {
                ParameterEdit::Value(value) => tree.set_value(&change.path, change.start, change.stop, value.clone()),
                ParameterEdit::Bracket { index, field, value } => {
                    tree.set_bracket(&change.path, *index, *field, change.start, change.stop, *value)
                }
            };
            if let Err(message) = result {
                let help = match tree.get(&change.path) {
                    None => dotations_diagnostics::did_you_mean(&change.path, tree.paths()),
                    Some(_) => None,
                };
                diagnostics.push(
                    Diagnostic::error(format!("cannot change parameter `{}`: {message}", change.path))
                        .at_opt(change.location.clone())
                        .with_help_opt(help),
                );
            }
        }
        diagnostics.into_result(tree)
    }
}

impl Model {
    /// Compiles rule files and parameters with a reform applied.
    pub fn compile_with_reform(
        sources: Vec<SourceText>,
        parameters: &ParameterTree,
        reform: &Reform,
    ) -> Result<Model, Diagnostics> {
        let parameters = reform.apply_parameters(parameters)?;
        let mut sources = sources;
        sources.extend(reform.additions.iter().cloned());
        super::resolve::compile(sources, parameters, &reform.formulas)
    }

    /// This model with a reform applied (the model's own files, reformed).
    pub fn reformed(&self, reform: &Reform) -> Result<Model, Diagnostics> {
        Model::compile_with_reform(self.base_sources().to_vec(), &self.parameters, reform)
    }
}

/// The formulas of a variable, each with the file it comes from, with `new` spliced in over
/// `[start, stop]`: earlier formulas stay, the new one starts at `start`, and from the day after
/// `stop` the formula that was in force then applies again.
pub(super) fn splice<F: Clone>(
    formulas: Vec<(F, Option<NaiveDate>)>,
    new: F,
    start: NaiveDate,
    stop: Option<NaiveDate>,
    with_start: impl Fn(&F, NaiveDate) -> F,
) -> Vec<(F, Option<NaiveDate>)> {
    let before = |date: Option<NaiveDate>, limit: NaiveDate| date.is_none_or(|d| d < limit);
    let mut result: Vec<(F, Option<NaiveDate>)> = formulas.iter().filter(|(_, s)| before(*s, start)).cloned().collect();
    result.push((new, Some(start)));
    if let Some(resume) = stop.and_then(|stop| stop.succ_opt()) {
        let in_force = formulas.iter().rev().find(|(_, s)| s.is_none_or(|d| d <= resume));
        if let Some((formula, formula_start)) = in_force {
            if *formula_start != Some(resume) {
                result.push((with_start(formula, resume), Some(resume)));
            }
        }
        result.extend(formulas.iter().filter(|(_, s)| s.is_some_and(|d| d >= resume)).cloned());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn run(stop: Option<NaiveDate>) -> Vec<(String, Option<NaiveDate>)> {
        let base = vec![("base".to_string(), None), ("2023".to_string(), Some(date(2023, 1, 1)))];
        splice(base, "new".into(), date(2025, 1, 1), stop, |f, d| format!("{f}@{d}"))
    }

    #[test]
    fn a_change_for_good_replaces_later_formulas() {
        assert_eq!(
            run(None),
            [("base".into(), None), ("2023".into(), Some(date(2023, 1, 1))), ("new".into(), Some(date(2025, 1, 1)))]
        );
    }

    #[test]
    fn after_a_temporary_change_the_base_formula_resumes() {
        let spliced = run(Some(date(2025, 12, 31)));
        assert_eq!(spliced[2], ("new".into(), Some(date(2025, 1, 1))));
        assert_eq!(spliced[3], ("2023@2026-01-01".into(), Some(date(2026, 1, 1))));
    }
}
