//! One value written in a test, read for a variable of the model: numbers (or arithmetic in a
//! string), booleans, enumeration items by name, ISO dates, texts. Every mistake is located.

use chrono::NaiveDate;
use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use dotations_engine::model::{date_to_days, ValueType, VarId};
use dotations_engine::Model;
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Node;

use crate::yaml::{self, classify, Locator, Scalar};
use dotations_engine::eval::constant;

/// A value as the engine carries it, and as the test wrote it (for reports).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Written {
    pub value: f64,
    pub text: String,
}

/// Whether a value is given as an input (it must be exact) or expected as an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Input,
    Output,
}

/// Reads values of a test file for the variables of a model.
#[derive(Clone, Copy)]
pub(crate) struct ValueReader<'a> {
    pub model: &'a Model,
    pub locator: Locator<'a>,
}

impl ValueReader<'_> {
    /// The value of `var` written in `node` (a scalar).
    pub fn value(&self, var: VarId, node: &Node, role: Role) -> Result<Written, Diagnostics> {
        let variable = &self.model.variables[var];
        let Some(scalar) = yaml::scalar(node) else {
            return Err(self.wrong(var, node, "").into());
        };
        let text = scalar.as_str().to_string();
        let written = |value| Ok(Written { value, text: text.clone() });
        if let Some(error) = yaml::yaml11_integer(scalar) {
            return Err(error.at(self.locator.scalar(scalar)).into());
        }
        match (variable.value_type, classify(scalar)) {
            (_, Scalar::Null) => Err(Diagnostic::error(format!("missing value for `{}`", variable.name))
                .at(self.locator.node(node))
                .into()),
            (ValueType::Number | ValueType::Money | ValueType::Integer, Scalar::Number(n)) => {
                self.whole(var, n, scalar, role)?;
                written(n)
            }
            (ValueType::Number | ValueType::Money | ValueType::Integer, Scalar::Text(_)) => {
                let value = constant::evaluate(&self.locator.scalar_source(scalar))
                    .map_err(|errors| self.locator.with_file_lines(errors))?;
                self.whole(var, value, scalar, role)?;
                if yaml::parse_number(text.trim()).is_some() {
                    written(value)
                } else {
                    Ok(Written { value, text: format!("{text} = {}", dotations_engine::model::format_number(value)) })
                }
            }
            (ValueType::Boolean, Scalar::Bool(b)) => Ok(Written { value: f64::from(u8::from(b)), text: b.to_string() }),
            (ValueType::Boolean, Scalar::Number(n)) if n == 0.0 || n == 1.0 => {
                Ok(Written { value: n, text: if n == 1.0 { "true" } else { "false" }.into() })
            }
            (ValueType::Date, Scalar::Text(t)) => match parse_date(t) {
                Some(date) => written(date_to_days(date)),
                None => Err(self.wrong(var, node, "dates are written YYYY-MM-DD, e.g. 2019-01-01").into()),
            },
            (ValueType::Enum(e), Scalar::Text(t)) => {
                let items = &self.model.enums[e].items;
                match self.model.enums[e].index_of(t) {
                    Some(index) => written(index as f64),
                    None => {
                        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
                        let help = did_you_mean(t, names.iter().copied()).unwrap_or_else(|| {
                            format!("the items of `{}` are: {}", self.model.enums[e].name, names.join(", "))
                        });
                        Err(Diagnostic::error(format!(
                            "`{t}` is not an item of `{}`, the type of `{}`",
                            self.model.enums[e].name, variable.name
                        ))
                        .at(self.locator.scalar(scalar))
                        .with_help(help)
                        .into())
                    }
                }
            }
            _ => Err(self.wrong(var, node, "").into()),
        }
    }

    /// A text input (identifiers, names).
    pub fn text(&self, var: VarId, node: &Node) -> Result<String, Diagnostics> {
        match yaml::scalar(node) {
            Some(scalar) if classify(scalar) != Scalar::Null => Ok(scalar.as_str().to_string()),
            _ => Err(self.wrong(var, node, "").into()),
        }
    }

    /// Inputs of integer variables must be whole: OpenFisca would silently truncate them.
    fn whole(&self, var: VarId, value: f64, scalar: &MarkedScalarNode, role: Role) -> Result<(), Diagnostic> {
        let variable = &self.model.variables[var];
        if role == Role::Input && variable.value_type == ValueType::Integer && value.fract() != 0.0 {
            return Err(Diagnostic::error(format!(
                "`{}` is an integer variable; {value} is not a whole number",
                variable.name
            ))
            .at(self.locator.scalar(scalar))
            .with_help("OpenFisca would truncate it; write the whole number you mean"));
        }
        // The engine's integers are 64-bit, as the reference's: beyond, a value would be clamped.
        let integer = variable.value_type == ValueType::Integer;
        if role == Role::Input && integer && !dotations_engine::eval::kernels::is_in_integer_range(value) {
            return Err(Diagnostic::error(format!(
                "`{}` is an integer variable; {} is beyond the range of its integers (±2^63)",
                variable.name,
                scalar.as_str().trim()
            ))
            .at(self.locator.scalar(scalar)));
        }
        Ok(())
    }

    /// A value of the wrong type for its variable.
    pub fn wrong(&self, var: VarId, node: &Node, help: &str) -> Diagnostic {
        let variable = &self.model.variables[var];
        let expected = match variable.value_type {
            ValueType::Number | ValueType::Money => "a number".to_string(),
            ValueType::Integer => "a whole number".to_string(),
            ValueType::Boolean => "a boolean (true or false)".to_string(),
            ValueType::Date => "a date (YYYY-MM-DD)".to_string(),
            ValueType::Text => "a text".to_string(),
            ValueType::Enum(e) => format!("an item of `{}`", self.model.enums[e].name),
        };
        let diagnostic =
            Diagnostic::error(format!("`{}` takes {expected}, not {}", variable.name, yaml::describe(node)))
                .at(self.locator.node(node));
        if help.is_empty() {
            diagnostic
        } else {
            diagnostic.with_help(help)
        }
    }
}

/// A date written exactly `YYYY-MM-DD` that exists in the calendar.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let shape_ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}
