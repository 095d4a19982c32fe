//! The scenario file: a named change to the law (parameters, formulas, new variables) and the
//! effects it is expected to have. See `docs/scenarios.md` for the format.

use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use dotations_engine::model::{FormulaChange, ParameterChange, ParameterEdit, Reform, YEARS};
use dotations_engine::Model;
use dotations_params::{BracketField, ParamValue};
use marked_yaml::types::MarkedMappingNode;
use marked_yaml::Node;

use crate::expectation::{self, Expectation};
use crate::yaml::{self, Locator};

/// A scenario: a reform of the law and what it should do.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was read from, as named by the user.
    pub path: String,
    /// Its title (`name:`).
    pub name: String,
    pub description: Option<String>,
    /// The year its expectations were worked out for (`year:`), used when none is given.
    pub year: Option<i32>,
    /// The change to the law, ready for [`Model::reformed`].
    pub reform: Reform,
    /// Variables to show in the impact besides the dotations (`show:`).
    pub show: Vec<NamedVariable>,
    pub expectations: Vec<Expectation>,
    /// The file's text, to show its lines in messages.
    source: SourceText,
}

/// A variable named in a scenario, with where it is named.
#[derive(Debug, Clone)]
pub struct NamedVariable {
    pub name: String,
    pub location: Location,
}

const TOP_KEYS: &[&str] =
    &["name", "description", "year", "parameters", "formulas", "new_variables", "show", "expectations"];
const PARAMETER_KEYS: &[&str] = &["parameter", "start", "stop", "value", "bracket", "threshold", "amount", "rate"];
const FORMULA_KEYS: &[&str] = &["variable", "start", "stop", "formula"];

impl Scenario {
    /// Reads and checks a scenario file. Every mistake is reported, each at its line.
    pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostics::from(Diagnostic::error(format!("cannot read the scenario {}: {e}", path.display())))
        })?;
        Scenario::parse(&SourceText::new(path.display().to_string(), text))
    }

    /// Reads a scenario from its text.
    pub fn parse(source: &SourceText) -> Result<Scenario, Diagnostics> {
        let node = yaml::parse(source)?;
        let at = Locator { source };
        let mut diagnostics = Diagnostics::new();
        let Node::Mapping(top) = &node else {
            return Err(Diagnostic::error("a scenario file holds `key: value` lines at its top level")
                .at(at.node(&node))
                .into());
        };
        diagnostics.extend(at.unknown_keys(top, TOP_KEYS, "a scenario"));
        let mut scenario = Scenario {
            path: source.path().to_string(),
            name: String::new(),
            description: None,
            year: None,
            reform: Reform::default(),
            show: Vec::new(),
            expectations: Vec::new(),
            source: source.clone(),
        };
        match top.get_node("name") {
            Some(node) => collect(at.text(node, "`name`"), &mut diagnostics, |name| scenario.name = name),
            None => diagnostics.push(
                Diagnostic::error("the scenario has no `name`")
                    .at(at.node(&node))
                    .with_help("start the file with a title, e.g. `name: Hausse de la DSR de 150 M€`"),
            ),
        }
        if let Some(node) = top.get_node("description") {
            collect(at.text(node, "`description`"), &mut diagnostics, |d| scenario.description = Some(d));
        }
        if let Some(node) = top.get_node("year") {
            let year = at.integer(node, "`year`").and_then(|year| match i32::try_from(year) {
                Ok(year) if YEARS.contains(&year) => Ok(year),
                _ => Err(Diagnostic::error(format!(
                    "`year` must be a year from {} to {}, not {year}",
                    YEARS.start(),
                    YEARS.end()
                ))
                .at(at.node(node))),
            });
            collect(year, &mut diagnostics, |year| scenario.year = Some(year));
        }
        for item in top.get_node("parameters").map(|n| at.items(n)).unwrap_or_default() {
            collect(parameter_change(&at, item), &mut diagnostics, |c| scenario.reform.parameters.push(c));
        }
        for item in top.get_node("formulas").map(|n| at.items(n)).unwrap_or_default() {
            collect(formula_change(&at, item), &mut diagnostics, |c| scenario.reform.formulas.push(c));
        }
        if let Some(node) = top.get_node("new_variables") {
            let text = at.rule_text(node, "the new variables");
            collect(text, &mut diagnostics, |text| scenario.reform.additions.push(text));
        }
        for item in top.get_node("show").map(|n| at.items(n)).unwrap_or_default() {
            collect(named_variable(&at, item, "a variable to show"), &mut diagnostics, |v| scenario.show.push(v));
        }
        for item in top.get_node("expectations").map(|n| at.items(n)).unwrap_or_default() {
            match expectation::parse(&at, item) {
                Ok(expectation) => scenario.expectations.push(expectation),
                Err(errors) => diagnostics.extend(errors),
            }
        }
        diagnostics.extend(overlaps(scenario.reform.parameters.iter().map(|c| {
            let target = match &c.edit {
                ParameterEdit::Value(_) => format!("`{}`", c.path),
                ParameterEdit::Bracket { index, field, .. } => {
                    format!("the {} of bracket {index} of `{}`", field.name(), c.path)
                }
            };
            (target, c.start, c.stop, c.location.clone())
        })));
        diagnostics.extend(overlaps(
            scenario.reform.formulas.iter().map(|c| (format!("`{}`", c.variable), c.start, c.stop, c.location.clone())),
        ));
        scenario.reform.name = scenario.name.clone();
        scenario.reform.description = scenario.description.clone();
        diagnostics.into_result(scenario)
    }

    /// The baseline model with this scenario's reform applied, after checking that every
    /// variable the scenario names exists (errors point at the scenario file).
    pub fn reformed(&self, base: &Model) -> Result<Model, Diagnostics> {
        let reform = base.reformed(&self.reform).map_err(|d| self.with_file_lines(d))?;
        let mut diagnostics = Diagnostics::new();
        let mut check = |named: &NamedVariable, needs_baseline: bool| {
            let found_in_reform = reform.variable_id(&named.name).is_some();
            if !found_in_reform {
                diagnostics.push(reform.unknown_variable(&named.name).at(named.location.clone()));
            } else if needs_baseline && base.variable_id(&named.name).is_none() {
                diagnostics.push(
                    Diagnostic::error(format!(
                        "`{}` exists only in the reform: it has no baseline value to compare with",
                        named.name
                    ))
                    .at(named.location.clone())
                    .with_help("compare the reform's value only (`of: reform`, the default)"),
                );
            }
            if let Some(variable) = reform.variable(&named.name) {
                if variable.value_type == dotations_engine::model::ValueType::Text {
                    diagnostics.push(
                        Diagnostic::error(format!("`{}` is a text: it has no amount to compare", named.name))
                            .at(named.location.clone()),
                    );
                }
            }
        };
        for named in &self.show {
            check(named, false);
        }
        for expectation in &self.expectations {
            for (named, needs_baseline) in expectation.variables() {
                check(named, needs_baseline);
            }
        }
        diagnostics.into_result(reform)
    }

    /// Shows the scenario file's own lines under messages that point into it: a formula
    /// written on its key's line (`formula: 2 * x`) is parsed alone, and its message would
    /// otherwise show blanks where the key is.
    pub fn with_file_lines(&self, diagnostics: Diagnostics) -> Diagnostics {
        let lines: Vec<&str> = self.source.text().lines().collect();
        Diagnostics(
            diagnostics
                .into_iter()
                .map(|mut diagnostic| {
                    if let Some(location) = diagnostic.location.as_mut() {
                        if &*location.file == self.source.path() {
                            if let Some(line) = location.line.checked_sub(1).and_then(|i| lines.get(i)) {
                                location.line_text = Some(line.to_string());
                            }
                        }
                    }
                    diagnostic
                })
                .collect(),
        )
    }

    /// Every variable the scenario names (shown or in an expectation), without repetition.
    pub fn variables(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let named = self.show.iter().chain(self.expectations.iter().flat_map(|e| e.variables().map(|(n, _)| n)));
        for variable in named {
            if !names.contains(&variable.name) {
                names.push(variable.name.clone());
            }
        }
        names
    }
}

/// Keeps a value or records its errors.
fn collect<T, E: Into<Diagnostics>>(result: Result<T, E>, diagnostics: &mut Diagnostics, keep: impl FnOnce(T)) {
    match result {
        Ok(value) => keep(value),
        Err(errors) => diagnostics.extend(errors.into()),
    }
}

pub(crate) fn named_variable(at: &Locator, node: &Node, what: &str) -> Result<NamedVariable, Diagnostic> {
    let scalar = at.expect_scalar(node, what)?;
    let name = scalar.as_str().trim().to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Diagnostic::error(format!("`{name}` is not a variable name")).at(at.scalar(scalar)));
    }
    Ok(NamedVariable { name, location: at.scalar(scalar) })
}

/// Reads one list item (a mapping) with `read`, reporting its unknown keys along with the
/// errors of the keys it knows.
pub(crate) fn item<T>(
    at: &Locator,
    node: &Node,
    allowed: &[&str],
    what: &str,
    read: impl FnOnce(&MarkedMappingNode) -> Result<T, Diagnostic>,
) -> Result<T, Diagnostics> {
    let mapping = at.expect_mapping(node, what)?;
    let mut errors = Diagnostics(at.unknown_keys(mapping, allowed, what));
    match read(mapping) {
        Ok(value) => errors.into_result(value),
        Err(error) => {
            errors.push(error);
            Err(errors)
        }
    }
}

/// A required key's node, or an error pointing at the item.
fn required<'n>(at: &Locator, mapping: &'n MarkedMappingNode, key: &str, what: &str) -> Result<&'n Node, Diagnostic> {
    mapping.get_node(key).ok_or_else(|| {
        let location = mapping.keys().next().map(|k| at.scalar(k));
        Diagnostic::error(format!("{what} has no `{key}`")).at_opt(location)
    })
}

/// `start` and the optional `stop`, checked to be in order.
fn period(at: &Locator, mapping: &MarkedMappingNode, what: &str) -> Result<(NaiveDate, Option<NaiveDate>), Diagnostic> {
    let start = at.date(required(at, mapping, "start", what)?, "`start`")?;
    let stop = match mapping.get_node("stop") {
        Some(node) => {
            let stop = at.date(node, "`stop`")?;
            if stop < start {
                return Err(Diagnostic::error(format!("`stop` ({stop}) is before `start` ({start})"))
                    .at(at.node(node))
                    .with_help("`stop` is the last day of the change, e.g. 2025-12-31 for the year 2025"));
            }
            Some(stop)
        }
        None => None,
    };
    Ok((start, stop))
}

/// An error for each change whose period overlaps an earlier change of the same thing: one
/// of them would silently win over the other.
fn overlaps(
    changes: impl Iterator<Item = (String, NaiveDate, Option<NaiveDate>, Option<Location>)>,
) -> Vec<Diagnostic> {
    let changes: Vec<_> = changes.collect();
    let mut errors = Vec::new();
    for (index, (target, start, stop, location)) in changes.iter().enumerate() {
        let earlier = changes[..index].iter().find(|(other, other_start, other_stop, _)| {
            other == target && stop.is_none_or(|stop| *other_start <= stop) && other_stop.is_none_or(|s| *start <= s)
        });
        if let Some((_, other_start, other_stop, other_location)) = earlier {
            let period = |start: &NaiveDate, stop: &Option<NaiveDate>| match stop {
                Some(stop) => format!("{start} to {stop}"),
                None => format!("from {start}"),
            };
            let line = other_location.as_ref().map_or(String::new(), |l| format!(" (line {})", l.line));
            errors.push(
                Diagnostic::error(format!("{target} is changed twice over the same days"))
                    .at_opt(location.clone())
                    .with_note(format!(
                        "this change is {}, the change above{line} {}",
                        period(start, stop),
                        period(other_start, other_stop)
                    ))
                    .with_help("give the first change a `stop` before the second starts, or keep one"),
            );
        }
    }
    errors
}

fn parameter_change(at: &Locator, node: &Node) -> Result<ParameterChange, Diagnostics> {
    item(at, node, PARAMETER_KEYS, "a parameter change", |mapping| parameter_change_of(at, mapping))
}

fn parameter_change_of(at: &Locator, mapping: &MarkedMappingNode) -> Result<ParameterChange, Diagnostic> {
    let what = "a parameter change";
    let path_node = required(at, mapping, "parameter", what)?;
    let path = at.text(path_node, "`parameter`")?;
    let (start, stop) = period(at, mapping, what)?;
    let fields =
        [("threshold", BracketField::Threshold), ("amount", BracketField::Amount), ("rate", BracketField::Rate)];
    let given: Vec<_> = fields.iter().filter(|(key, _)| mapping.get_node(key).is_some()).collect();
    let edit = match (mapping.get_node("bracket"), mapping.get_node("value")) {
        (Some(bracket), value) => {
            if let Some(value) = value {
                return Err(Diagnostic::error("a bracket change gives `threshold`, `amount` or `rate`, not `value`")
                    .at(at.node(value)));
            }
            let index = at.integer(bracket, "`bracket`")?;
            let index = usize::try_from(index).map_err(|_| {
                Diagnostic::error("`bracket` is the index of a bracket: 0 for the first").at(at.node(bracket))
            })?;
            let [(key, field)] = given.as_slice() else {
                return Err(Diagnostic::error("a bracket change gives exactly one of `threshold`, `amount`, `rate`")
                    .at(at.node(bracket)));
            };
            let value = at.number(mapping.get_node(key).expect("checked"), &format!("`{key}`"))?;
            ParameterEdit::Bracket { index, field: *field, value }
        }
        (None, Some(value)) => {
            if let Some((key, _)) = given.first() {
                let key_node = at.key(mapping, key).expect("present");
                return Err(Diagnostic::error(format!("`{key}` changes a scale's bracket: say which with `bracket`"))
                    .at(at.scalar(key_node)));
            }
            ParameterEdit::Value(parameter_value(at, value)?)
        }
        (None, None) => {
            return Err(Diagnostic::error("the parameter change has no `value`")
                .at(at.node(path_node))
                .with_help("give `value: …`, or `bracket: INDEX` and `threshold`, `amount` or `rate` for a scale"))
        }
    };
    Ok(ParameterChange { path, start, stop, edit, location: Some(at.node(path_node)) })
}

/// A parameter's new value: a number, `true`/`false`, a quoted text, or `null` to end it.
fn parameter_value(at: &Locator, node: &Node) -> Result<Option<ParamValue>, Diagnostic> {
    let scalar = at.expect_scalar(node, "`value`")?;
    if at.is_null(scalar) {
        return Ok(None);
    }
    if let Some(boolean) = at.boolean(scalar) {
        return Ok(Some(ParamValue::Bool(boolean)));
    }
    if !scalar.may_coerce() {
        return Ok(Some(ParamValue::Text(scalar.as_str().to_string())));
    }
    Ok(Some(ParamValue::Number(at.number(node, "`value`")?)))
}

fn formula_change(at: &Locator, node: &Node) -> Result<FormulaChange, Diagnostics> {
    item(at, node, FORMULA_KEYS, "a formula change", |mapping| formula_change_of(at, mapping))
}

fn formula_change_of(at: &Locator, mapping: &MarkedMappingNode) -> Result<FormulaChange, Diagnostic> {
    let what = "a formula change";
    let variable = named_variable(at, required(at, mapping, "variable", what)?, "`variable`")?;
    let (start, stop) = period(at, mapping, what)?;
    let body = at.rule_text(required(at, mapping, "formula", what)?, "the formula")?;
    if body.text().trim().is_empty() {
        return Err(Diagnostic::error("the formula is empty").at(variable.location));
    }
    Ok(FormulaChange { variable: variable.name, start, stop, body, location: Some(variable.location) })
}
