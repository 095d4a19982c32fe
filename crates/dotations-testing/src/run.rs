//! Running one test: compute each expected variable for its year on the test's dataset, with
//! OpenFisca's semantics for what is not given (defaults, the spiral rule), and compare.

use std::collections::HashMap;
use std::sync::Arc;

use dotations_diagnostics::{Diagnostic, Diagnostics, Location};
use dotations_engine::eval::{Run, Value};
use dotations_engine::model::{format_value, ValueType, VarId};
use dotations_engine::plan::{DefaultReason, Plan, Source};
use dotations_engine::{Computed, Dataset, MissingInputs, Model, Simulation};

use crate::situation::{Check, Prepared};
use crate::trace::{self, Focus};

/// A test's result.
#[derive(Debug, Clone)]
pub enum TestResult {
    Passed,
    /// The outputs that differ from what the test expects.
    Failed(Vec<Failure>),
    /// The test could not run: a mistake in the test, or a computation error.
    Error(Diagnostics),
}

/// An output that differs from what the test expects.
#[derive(Debug, Clone)]
pub struct Failure {
    pub variable: String,
    pub year: i32,
    /// Where the expected value is written.
    pub location: Location,
    /// How values were compared (`absolute margin 0`, `compared exactly`…).
    pub margin: String,
    /// The entity of the variable (`commune`, `etat`).
    pub entity: String,
    /// How many rows the test checks for this output.
    pub checked: usize,
    /// The rows whose value differs.
    pub mismatches: Vec<Mismatch>,
    /// With `--verbose`: how the first differing value was computed.
    pub trace: Option<String>,
}

/// One row whose value differs.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The row as the test knows it: `#2` (third value of the lists) or `"a"` (a named commune).
    pub id: String,
    pub expected: String,
    pub actual: String,
    /// `actual − expected`, for numbers.
    pub difference: Option<f64>,
}

/// How `run` presents rows and traces.
pub(crate) struct RunOptions {
    pub verbose: bool,
    pub max_depth: usize,
}

/// One computation of a test: a plan and its values.
pub(crate) struct Computation {
    pub plan: Plan,
    pub run: Run,
}

impl Computation {
    /// The value of a variable for a year, if this computation planned it.
    pub fn value(&self, model: &Model, var: VarId, year: i32) -> Option<&Value> {
        let key = Dataset::key(model, var, year);
        self.plan.node(var, key).map(|node| self.run.slot(node.slot))
    }
}

/// The computations of a test so far, and which of them computed each value kept for later
/// outputs (see [`run`]).
#[derive(Default)]
pub(crate) struct History {
    pub computations: Vec<Computation>,
    pub origin: HashMap<(VarId, i32), usize>,
}

/// Computes and compares every check of a prepared test, in the order the test writes them.
///
/// As an OpenFisca simulation caches every value it computes, each value computed for one
/// output is kept for the next ones: a later output that reads it (say, last year's amount)
/// gets it instead of recomputing it, where a fresh computation would cut the recursion with
/// the spiral rule. Values cut by the spiral rule are not kept, as OpenFisca does not cache them.
pub(crate) fn run(model: &Model, prepared: &Prepared, options: &RunOptions) -> TestResult {
    let mut dataset = prepared.dataset.clone();
    let mut history = History::default();
    let mut failures = Vec::new();
    for check in &prepared.checks {
        let simulation = Simulation::new(model, &dataset, MissingInputs::Default);
        let computation = match simulation.compute_ids(check.year, &[check.var]) {
            Ok(Computed { plan, run, .. }) => Computation { plan, run },
            Err(mut errors) => {
                let name = &model.variables[check.var].name;
                for error in &mut errors.0 {
                    error.notes.push(format!("while computing `{name}` for {} ({})", check.year, check.location));
                }
                return TestResult::Error(errors);
            }
        };
        let kept = cacheable(model, &dataset, &computation);
        history.computations.push(computation);
        let context = Context { model, prepared, dataset: &dataset, history: &history, options };
        if let Some(failure) = compare(&context, check) {
            failures.push(failure);
        }
        for (var, year, values) in kept {
            dataset.set_input(model, var, year, values).expect("a computed column has one value per row");
            history.origin.insert((var, year), history.computations.len() - 1);
        }
    }
    if failures.is_empty() {
        TestResult::Passed
    } else {
        TestResult::Failed(failures)
    }
}

/// The values a computation produced that an OpenFisca simulation would cache: those of
/// formulas and defaults, not the spiral rule's cuts, nor `otherwise` values (which are not
/// the variable's own value), nor what is already given.
fn cacheable(model: &Model, dataset: &Dataset, computation: &Computation) -> Vec<(VarId, i32, Arc<[f64]>)> {
    computation
        .plan
        .nodes
        .iter()
        .filter(|node| {
            matches!(
                node.source,
                Source::Formula(_) | Source::Default(DefaultReason::NoFormula | DefaultReason::NotGiven)
            )
        })
        .filter(|node| model.variables[node.var].value_type != ValueType::Text)
        .filter(|node| !dataset.has_input(model, node.var, node.year))
        .map(|node| {
            let rows = dataset.size(model.variables[node.var].entity);
            (node.var, node.year, computation.run.slot(node.slot).to_column(rows))
        })
        .collect()
}

/// What a comparison needs: the test, the dataset and the computations so far (the last one
/// is the check's).
struct Context<'a> {
    model: &'a Model,
    prepared: &'a Prepared,
    dataset: &'a Dataset,
    history: &'a History,
    options: &'a RunOptions,
}

fn compare(context: &Context<'_>, check: &Check) -> Option<Failure> {
    let Context { model, prepared, options, .. } = *context;
    let variable = &model.variables[check.var];
    let entity = variable.entity;
    let current = context.history.computations.len() - 1;
    let Some(value) = context.history.computations[current].value(model, check.var, check.year) else {
        // The plan computes every target; a missing value would be an engine bug, reported
        // as a failure rather than a panic.
        let error = Diagnostic::error(format!("`{}` was not computed for {}", variable.name, check.year));
        return Some(Failure {
            variable: variable.name.clone(),
            year: check.year,
            location: check.location.clone(),
            margin: String::new(),
            entity: model.entities[entity].name.clone(),
            checked: check.expected.len(),
            mismatches: Vec::new(),
            trace: Some(error.to_string()),
        });
    };
    let numeric = matches!(variable.value_type, ValueType::Number | ValueType::Money | ValueType::Integer);
    let (absolute, relative) = match (check.absolute, check.relative) {
        (None, None) => (Some(0.0), None),
        margins => margins,
    };
    let mut mismatches = Vec::new();
    let mut first_row = None;
    for (row, expected) in &check.expected {
        let actual = value.at(*row);
        let equal = if numeric {
            within(expected.value, actual, absolute, relative)
        } else if variable.value_type == ValueType::Boolean {
            (expected.value != 0.0) == (actual != 0.0)
        } else {
            expected.value == actual
        };
        if !equal {
            first_row.get_or_insert(*row);
            mismatches.push(Mismatch {
                id: row_id(prepared, entity, *row),
                expected: expected.text.clone(),
                actual: show(model, variable.value_type, actual),
                difference: numeric.then_some(actual - expected.value),
            });
        }
    }
    let first_row = first_row?;
    let margin = if numeric { describe_margin(absolute, relative) } else { "compared exactly".to_string() };
    let trace = options.verbose.then(|| {
        let focus =
            if model.entities[entity].is_group() { Focus::Group(entity, first_row) } else { Focus::Row(first_row) };
        let label = format!("{} {}", model.entities[entity].name, row_id(prepared, entity, first_row));
        let tree = trace::Tree {
            model,
            dataset: context.dataset,
            history: context.history,
            focus,
            max_depth: options.max_depth,
        };
        tree.render(current, check.var, check.year, &label)
    });
    Some(Failure {
        variable: variable.name.clone(),
        year: check.year,
        location: check.location.clone(),
        margin,
        entity: model.entities[entity].name.clone(),
        checked: check.expected.len(),
        mismatches,
        trace,
    })
}

/// Whether a computed value is within the margins of the expected one. As OpenFisca's
/// `assert_near`: both are rounded to single precision (`float32`, the storage type of
/// OpenFisca's float variables), then `|actual − expected| ≤ absolute` and
/// `|actual − expected| ≤ |relative × expected|`, each when given.
pub(crate) fn within(expected: f64, actual: f64, absolute: Option<f64>, relative: Option<f64>) -> bool {
    let (expected, actual) = (expected as f32, actual as f32);
    let difference = (expected - actual).abs();
    absolute.is_none_or(|margin| difference <= margin as f32)
        && relative.is_none_or(|margin| difference <= (margin as f32 * expected).abs())
}

fn describe_margin(absolute: Option<f64>, relative: Option<f64>) -> String {
    let number = dotations_engine::model::format_number;
    match (absolute, relative) {
        (Some(a), None) => format!("absolute margin {}", number(a)),
        (None, Some(r)) => format!("relative margin {}", number(r)),
        (Some(a), Some(r)) => format!("absolute margin {}, relative margin {}", number(a), number(r)),
        (None, None) => "absolute margin 0".to_string(),
    }
}

/// How a row is named in reports: `"a"` when the test names it, `#2` (its position in the
/// lists, from 0 as OpenFisca numbers them) otherwise.
pub(crate) fn row_id(prepared: &Prepared, entity: usize, row: usize) -> String {
    if prepared.named {
        format!("\"{}\"", prepared.dataset.ids(entity)[row])
    } else {
        format!("#{row}")
    }
}

/// A value as a test writes it: `true`/`false`, whole numbers without decimals, enumeration
/// items by name, ISO dates.
pub(crate) fn show(model: &Model, value_type: ValueType, value: f64) -> String {
    match value_type {
        ValueType::Boolean => if value != 0.0 { "true" } else { "false" }.to_string(),
        _ => format_value(model, value_type, value),
    }
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn values_are_compared_in_single_precision_as_openfisca_does() {
        assert!(within(545_248_126.0, 545_248_130.0, Some(0.0), None), "the same float32");
        assert!(!within(1000.0, 1000.5, Some(0.0), None));
        assert!(within(1000.0, 1000.5, Some(0.5), None));
        assert!(within(1000.0, 1010.0, None, Some(0.01)));
        assert!(!within(1000.0, 1011.0, None, Some(0.01)));
        assert!(!within(1000.0, 1011.0, Some(20.0), Some(0.01)), "both margins hold");
        assert!(!within(0.0, f64::NAN, Some(1.0), None));
    }
}
