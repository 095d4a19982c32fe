//! The what-if path shared by `dotations sweep` and `dotations solve`: the law in force is
//! computed once, keeping every intermediate value; each variant of one parameter is then
//! planned with the model's formulas and the other parameter values (no recompiling), and
//! computed again only where the change reaches (`Plan::run_incremental`).
//!
//! A variant sets the parameter from January 1 of the year on, as a scenario's
//! `start: YEAR-01-01` without `stop` would: values read at an earlier date (a rate of N-1)
//! keep the law in force.

pub mod root;
pub mod target;

use chrono::NaiveDate;
use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceText};
use dotations_engine::eval::population::pairwise_sum;
use dotations_engine::eval::{Run, Value};
use dotations_engine::model::{Model, VarId};
use dotations_engine::plan;
use dotations_engine::{Computed, Dataset, MissingInputs};
use dotations_params::{Entry, ParamValue, ParameterTree};
use rust_decimal::Decimal;

/// A parameter to vary, checked against the model.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its dotted path; a scale's bracket as `scale.brackets[i].amount` (or `.threshold`).
    pub path: String,
    /// Its value under the law in force on January 1 of the year (`None`: it has none then).
    pub current: Option<Decimal>,
}

impl Parameter {
    /// Checks that `path` names a number parameter (or a bracket field) of the model; errors
    /// point into the argument `argument` (e.g. `PARAM`), with a did-you-mean.
    pub fn resolve(model: &Model, path: &str, year: i32, argument: &str) -> Result<Parameter, Diagnostic> {
        let source = SourceText::new(argument, path.to_string());
        let here = source.location(0, path.len());
        let parameters = &model.parameters;
        match parameters.get(path) {
            Some(Entry::Parameter(parameter)) => match parameter.value_at(january_first(year)) {
                Some(ParamValue::Bool(_)) => {
                    Err(Diagnostic::error(format!("`{path}` is a yes/no parameter: only numbers can be varied"))
                        .at(here))
                }
                Some(value) => Ok(Parameter { path: path.to_string(), current: value.as_number() }),
                None => Ok(Parameter { path: path.to_string(), current: None }),
            },
            Some(Entry::Scale(scale)) => {
                let field = scale.kind.value_field().name();
                Err(Diagnostic::error(format!("`{path}` is a scale: vary one field of one of its brackets"))
                    .at(here)
                    .with_help(format!(
                        "its {} brackets count from 0: `{path}.brackets[0].{field}`, `{path}.brackets[0].threshold`",
                        scale.brackets.len()
                    )))
            }
            Some(Entry::Node(_)) => {
                Err(Diagnostic::error(format!("`{path}` is a node of the parameters, not a value"))
                    .at(here)
                    .with_help_opt(children_help(parameters, path)))
            }
            None => Err(unknown(parameters, path).at(here)),
        }
    }
}

/// Why a path is not found: a bracket past the last one, or a near miss.
fn unknown(parameters: &ParameterTree, path: &str) -> Diagnostic {
    if let Some((scale_path, _)) = path.split_once(".brackets[") {
        if let Some(scale) = parameters.scale(scale_path) {
            let field = scale.kind.value_field().name();
            return Diagnostic::error(format!("no bracket field `{path}`")).with_help(format!(
                "`{scale_path}` has {} brackets (0 to {}), each with `threshold` and `{field}`",
                scale.brackets.len(),
                scale.brackets.len().saturating_sub(1)
            ));
        }
    }
    Diagnostic::error(format!("unknown parameter `{path}`")).with_help_opt(did_you_mean(path, parameters.paths()))
}

fn children_help(parameters: &ParameterTree, path: &str) -> Option<String> {
    let prefix = format!("{path}.");
    let children: Vec<&str> = parameters
        .paths()
        .into_iter()
        .filter(|p| p.strip_prefix(&prefix).is_some_and(|rest| !rest.contains('.')))
        .collect();
    (!children.is_empty()).then(|| format!("its children: {}", children.join(", ")))
}

pub fn january_first(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1 exists")
}

/// A number as written on the command line: `2_900_000_000`, `0.85`, `-3`, `1e9`.
pub fn number(text: &str) -> Option<Decimal> {
    let clean = text.trim().replace('_', "");
    if clean.is_empty() || clean.starts_with('+') {
        return None;
    }
    clean.parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&clean).ok()).map(|d| d.normalize())
}

/// `FROM..TO`, each a [`number`]; errors point into the argument `argument`.
pub fn range(text: &str, argument: &str) -> Result<(Decimal, Decimal), Diagnostic> {
    let source = SourceText::new(argument, text.to_string());
    let Some((from, to)) = text.split_once("..") else {
        return Err(Diagnostic::error(format!("`{text}` is not a range"))
            .at(source.location(0, text.len()))
            .with_help("write FROM..TO, e.g. 400_000_000..600_000_000"));
    };
    let read = |part: &str, offset: usize| {
        number(part).ok_or_else(|| {
            Diagnostic::error(format!("`{}` is not a number", part.trim()))
                .at(source.location(offset, part.len().max(1)))
                .with_help("numbers are written 1500000, 1_500_000, 0.85 or 1.5e6")
        })
    };
    Ok((read(from, 0)?, read(to, from.len() + 2)?))
}

/// The `--set PATH=VALUE` changes: other parameters set, from January 1 of the year, in every
/// variant (not in the law in force the variants are compared with).
/// `varied` is the parameter the command varies: setting it too would be overridden.
pub fn fixed_changes(
    model: &Model,
    sets: &[String],
    year: i32,
    varied: &str,
) -> Result<Vec<(String, Decimal)>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut changes: Vec<(String, Decimal)> = Vec::new();
    for text in sets {
        let source = SourceText::new("--set", text.clone());
        let Some((path, value)) = text.split_once('=') else {
            diagnostics.push(
                Diagnostic::error(format!("`{text}` does not say which value to set"))
                    .at(source.location(0, text.len()))
                    .with_help(
                        "write PATH=VALUE, e.g. --set dotation_solidarite_urbaine.augmentation_montant=300_000_000",
                    ),
            );
            continue;
        };
        let path = path.trim();
        let resolved = match Parameter::resolve(model, path, year, "--set") {
            Ok(resolved) => resolved,
            Err(error) => {
                diagnostics.push(error);
                continue;
            }
        };
        let at = source.location(0, path.len());
        if resolved.path == varied {
            diagnostics.push(
                Diagnostic::error(format!("--set names `{varied}`, the parameter the command varies"))
                    .at(at)
                    .with_help("each value tried sets it: leave it out of --set"),
            );
            continue;
        }
        if changes.iter().any(|(other, _)| *other == resolved.path) {
            diagnostics.push(Diagnostic::error(format!("--set gives `{}` twice", resolved.path)).at(at));
            continue;
        }
        let path = resolved.path.as_str();
        match number(value) {
            Some(number) => changes.push((path.to_string(), number)),
            None => diagnostics.push(
                Diagnostic::error(format!("`{}` is not a number", value.trim()))
                    .at(source.location(text.len() - value.len(), value.len().max(1)))
                    .with_help("numbers are written 1500000, 1_500_000, 0.85 or 1.5e6"),
            ),
        }
    }
    diagnostics.into_result(changes)
}

/// The communes' table: the file given, or the embedded data of the year.
pub fn read_table(
    model: &Model,
    input: Option<&std::path::Path>,
    year: i32,
) -> Result<dotations_io::InputTable, Diagnostics> {
    match input {
        Some(path) => crate::data::read_input(model, path, year),
        None => crate::data::embedded_table(model, year),
    }
}

/// The rule files: a directory's, or the embedded law.
pub fn rule_files(dir: Option<&std::path::Path>) -> Result<dotations_rules::RuleFiles, Diagnostics> {
    match dir {
        Some(dir) => dotations_rules::RuleFiles::from_dir(dir),
        None => Ok(dotations_rules::RuleFiles::embedded()),
    }
}

/// The decimal a solver's point stands for: the shortest text that reads back as that `f64`,
/// read exactly, so that the value printed is the value computed.
pub fn decimal_of(x: f64) -> Decimal {
    let text = format!("{x}");
    text.parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&text).ok()).unwrap_or_default().normalize()
}

/// The law in force, computed once with every intermediate kept, and the variants of one
/// parameter computed from it.
pub struct WhatIf<'a> {
    pub model: &'a Model,
    pub dataset: &'a Dataset,
    pub year: i32,
    pub targets: Vec<VarId>,
    pub parameter: Parameter,
    /// Other parameters set for every variant (`--set PATH=VALUE`), not for the law in force.
    pub fixed: Vec<(String, Decimal)>,
    /// The law in force.
    pub base: Computed<'a>,
}

impl<'a> WhatIf<'a> {
    pub fn new(
        model: &'a Model,
        dataset: &'a Dataset,
        year: i32,
        targets: Vec<VarId>,
        parameter: Parameter,
        fixed: Vec<(String, Decimal)>,
    ) -> Result<WhatIf<'a>, Diagnostics> {
        let plan = plan::build(model, dataset, year, &targets, MissingInputs::Error)?;
        let run = plan.run_keeping_all(model, dataset)?;
        let base = Computed { model, plan, run };
        Ok(WhatIf { model, dataset, year, targets, parameter, fixed, base })
    }

    /// The parameters a variant starts from: the law in force with the `--set` changes. Each
    /// worker keeps one copy and sets the varied value into it again for every variant.
    pub fn scratch(&self) -> Result<ParameterTree, Diagnostics> {
        let mut parameters = self.model.parameters.clone();
        for (path, value) in &self.fixed {
            set(&mut parameters, path, self.year, *value)?;
        }
        Ok(parameters)
    }

    /// Computes the variant where the parameter is `value` from January 1 of the year on.
    pub fn variant(&self, scratch: &mut ParameterTree, value: Decimal) -> Result<Computed<'a>, Diagnostics> {
        let note = |found: Diagnostics| -> Diagnostics {
            let mut noted = Diagnostics::new();
            for d in found {
                noted.push(d.with_note(format!("with `{}` = {value}", self.parameter.path)));
            }
            noted
        };
        set(scratch, &self.parameter.path, self.year, value)?;
        let plan = plan::build_with_parameters(
            self.model,
            scratch,
            self.dataset,
            self.year,
            &self.targets,
            MissingInputs::Error,
        )
        .map_err(note)?;
        let run: Run = plan.run_incremental(self.model, self.dataset, &self.base.plan, &self.base.run).map_err(note)?;
        Ok(Computed { model: self.model, plan, run })
    }
}

fn set(parameters: &mut ParameterTree, path: &str, year: i32, value: Decimal) -> Result<(), Diagnostics> {
    parameters
        .set_value(path, january_first(year), None, Some(ParamValue::Number(value)))
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot set `{path}` to {value}: {e}"))))
}

/// A variable's values in a computed plan (a national variable: one per État).
pub fn values<'c>(computed: &'c Computed<'_>, var: VarId) -> Option<&'c Value> {
    computed.value(var, computed.plan.year)
}

/// The total of a variable: the sum over its rows, as the summary adds them (numpy's pairwise
/// sum). With `amount` (see [`is_amount_per_commune`]), a column of one value in every row is
/// a national amount the model stores on every commune (an envelope): its total is that value,
/// as `dotations scenario` reports it, not that value times the communes.
pub fn total(value: &Value, amount: bool) -> f64 {
    let column = value.to_column(value.rows());
    match column.split_first() {
        Some((first, rest)) if amount && !rest.is_empty() && rest.iter().all(|v| v.to_bits() == first.to_bits()) => {
            *first
        }
        _ => match value {
            Value::Scalar(v) => *v,
            _ => pairwise_sum(&column),
        },
    }
}

/// Whether a variable's values are amounts per commune (not booleans, not national values):
/// those whose [`total`] may be a national amount stored on every commune.
pub fn is_amount_per_commune(model: &Model, var: VarId) -> bool {
    let variable = &model.variables[var];
    variable.entity == model.person_entity() && variable.value_type != dotations_engine::model::ValueType::Boolean
}

/// How many rows are positive (true): the communes that receive a dotation.
pub fn positive(value: &Value) -> usize {
    match value {
        Value::Column(column) => column.iter().filter(|v| **v > 0.0).count(),
        Value::Packed(column) => (0..column.len()).filter(|row| column.at(*row) > 0.0).count(),
        Value::Scalar(v) => usize::from(*v > 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_written_on_the_command_line() {
        assert_eq!(number("2_900_000_000"), Some(Decimal::from(2_900_000_000u64)));
        assert_eq!(number("0.85").map(|d| d.to_string()), Some("0.85".into()));
        assert_eq!(number("-3"), Some(Decimal::from(-3)));
        assert_eq!(number("1.5e6"), Some(Decimal::from(1_500_000)));
        assert_eq!(number("abc"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn ranges_are_located() {
        assert_eq!(range("-5..1_000", "FROM..TO").unwrap(), (Decimal::from(-5), Decimal::from(1000)));
        let error = range("100..1O0", "FROM..TO").unwrap_err().to_string();
        assert!(error.contains("FROM..TO:1:6"), "{error}");
        assert!(range("100", "FROM..TO").unwrap_err().to_string().contains("not a range"));
    }

    #[test]
    fn solver_points_print_as_short_decimals() {
        assert_eq!(decimal_of(2045.5).to_string(), "2045.5");
        assert_eq!(decimal_of(0.1 + 0.2).to_string(), "0.30000000000000004");
        assert_eq!(decimal_of(1e-7).to_string(), "0.0000001");
    }
}
