//! The compiled model: entities, enumerations, variables with typed formulas, input columns,
//! and the parameter tree they read.
//!
//! [`Model::compile`] parses every rule file, resolves every name against the whole model and
//! the parameters, type-checks every formula and looks for dependency cycles. It reports all the
//! problems it finds at once; a model that compiles can be planned for any year.

mod functions;
pub mod ir;
pub mod reform;
mod resolve;
pub mod types;
mod typing;

use std::collections::HashMap;

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use dotations_params::ParameterTree;

pub use functions::FUNCTIONS;
pub use ir::*;
pub use reform::{FormulaChange, ParameterChange, ParameterEdit, Reform};
pub use types::*;

/// A legal reference attached to a variable.
#[derive(Debug, Clone, PartialEq)]
pub struct LegalReference {
    pub title: Option<String>,
    pub url: Option<String>,
}

/// A variable: its declaration and its formulas, sorted by start date.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value_type: ValueType,
    pub entity: EntityId,
    pub period: PeriodKind,
    pub label: Option<String>,
    pub references: Vec<LegalReference>,
    pub unit: Option<String>,
    pub documentation: Option<String>,
    /// The value when neither an input nor a formula gives one (as `f64`, see [`Kind`]).
    pub default: f64,
    /// After this date the formulas no longer apply (the default does).
    pub end: Option<NaiveDate>,
    pub formulas: Vec<Formula>,
    pub origin: Origin,
}

impl Variable {
    /// Whether the variable is computed by a formula at some date (otherwise it is an input).
    pub fn is_computed(&self) -> bool {
        !self.formulas.is_empty()
    }

    /// The formula that applies to `year` (the latest starting on or before January 1), if any.
    pub fn formula_for(&self, year: i32) -> Option<(usize, &Formula)> {
        let instant = NaiveDate::from_ymd_opt(year, 1, 1)?;
        if self.end.is_some_and(|end| instant > end) {
            return None;
        }
        self.formulas.iter().enumerate().rev().find(|(_, f)| f.start.is_none_or(|start| start <= instant))
    }
}

/// A formula valid from `start` (or from the beginning) until the next formula's start.
#[derive(Debug, Clone)]
pub struct Formula {
    pub start: Option<NaiveDate>,
    /// `let` bindings, in order; `Node::Local(i)` reads the i-th.
    pub bindings: Vec<TExpr>,
    pub expr: TExpr,
    /// The formula's text in its file.
    pub origin: Origin,
}

/// An input column that gives a variable's value at a period computed per row.
#[derive(Debug, Clone)]
pub struct InputColumn {
    pub name: String,
    pub label: Option<String>,
    pub var: VarId,
    /// The year each row's value belongs to.
    pub year: TExpr,
    pub origin: Origin,
}

/// A compiled model.
#[derive(Debug, Clone)]
pub struct Model {
    pub entities: Vec<Entity>,
    pub enums: Vec<EnumType>,
    pub variables: Vec<Variable>,
    pub columns: Vec<InputColumn>,
    pub parameters: ParameterTree,
    pub sources: Vec<SourceText>,
    /// How many of `sources` are rule files (the others hold a reform's formulas).
    base_files: usize,
    variable_names: HashMap<String, VarId>,
    /// Variables declared by declarations with a syntax error (reported): not unknown, so
    /// that their readers do not report them again (see [`dotations_lang::Parsed`]).
    unreadable: std::collections::HashSet<String>,
}

impl Model {
    /// Parses, resolves and checks rule files against a parameter tree.
    pub fn compile(sources: Vec<SourceText>, parameters: ParameterTree) -> Result<Model, Diagnostics> {
        resolve::compile(sources, parameters, &[])
    }

    /// The rule files the model was compiled from (without a reform's formulas).
    pub fn base_sources(&self) -> &[SourceText] {
        &self.sources[..self.base_files]
    }

    pub fn variable_id(&self, name: &str) -> Option<VarId> {
        self.variable_names.get(name).copied()
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variable_id(name).map(|id| &self.variables[id])
    }

    pub fn entity_id(&self, name: &str) -> Option<EntityId> {
        self.entities.iter().position(|e| e.name == name || e.plural == name)
    }

    /// The person entity: the one whose rows are communes.
    pub fn person_entity(&self) -> EntityId {
        0
    }

    /// The located place a piece of the model comes from.
    pub fn location(&self, origin: Origin) -> Location {
        self.sources[origin.file].location(origin.span.start, origin.span.len())
    }

    /// The text of a piece of the model (e.g. a formula), as written.
    pub fn text(&self, origin: Origin) -> &str {
        &self.sources[origin.file].text()[origin.span.start..origin.span.end]
    }

    /// An error about an unknown variable name, with a did-you-mean.
    pub fn unknown_variable(&self, name: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error(format!("unknown variable `{name}`"));
        if self.parameters.get(name).is_some() {
            return diagnostic.with_note(format!("`{name}` is a parameter, not a variable"));
        }
        // Names are lower case: `DSU_MONTANT` is `dsu_montant`, which a distance does not find.
        let lower = name.to_lowercase();
        let help = match self.variable_id(&lower) {
            Some(_) if lower != name => Some(format!("did you mean `{lower}`?")),
            _ => dotations_diagnostics::did_you_mean(name, self.variables.iter().map(|v| v.name.as_str())),
        };
        diagnostic.with_help_opt(help)
    }

    /// Formats a run-time value of a variable for output (CSV, JSON, messages).
    pub fn format_value(&self, var: VarId, value: f64) -> String {
        format_value(self, self.variables[var].value_type, value)
    }
}

/// Formats a value of a type: integers without decimals, booleans as 0/1, dates ISO, enum items
/// by name, numbers in the shortest form that reads back to the same `f64`.
pub fn format_value(model: &Model, value_type: ValueType, value: f64) -> String {
    match value_type {
        ValueType::Integer if value.is_finite() => format!("{}", value as i64),
        ValueType::Boolean => if value != 0.0 { "1" } else { "0" }.to_string(),
        ValueType::Date => days_to_date(value).map_or_else(|| "NaN".to_string(), |d| d.format("%Y-%m-%d").to_string()),
        ValueType::Enum(e) => {
            model.enums[e].items.get(value as usize).map_or_else(|| format!("{value}"), |item| item.name.clone())
        }
        _ => format_number(value),
    }
}

/// A number in the shortest decimal form that reads back to the same `f64`.
pub fn format_number(value: f64) -> String {
    if value == 0.0 {
        "0".to_string() // also for -0.0
    } else {
        format!("{value}")
    }
}
