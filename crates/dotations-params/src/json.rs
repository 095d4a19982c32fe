//! The JSON dump of a tree at a date (`dotations parameters --date`), numbers written exactly.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Entry, ParamValue};
use crate::ParameterTree;

/// A decimal as a JSON number, exactly: no exponent, no binary rounding.
///
/// The text is the one Python's `json.dumps` gives for the value OpenFisca loads from the same
/// YAML, within a float's range and precision: trailing zeros of the fraction are dropped
/// (`0.850` → `0.85`), and a whole number keeps `.0` when it was written with a fraction or an
/// exponent (`1.0`, `5.`, `1e3` are floats for PyYAML, printed `1.0`, `5.0`, `1000.0`) while an
/// integer literal prints without it (`7145440325`). Unlike Python, large and tiny values are
/// never printed with an exponent (`1e16` is `10000000000000000.0`).
pub fn number_text(number: Decimal) -> String {
    let was_float = number.scale() > 0;
    let text = number.normalize().to_string();
    if was_float && !text.contains('.') {
        format!("{text}.0")
    } else {
        text
    }
}

fn value_text(value: Option<&ParamValue>) -> String {
    match value {
        None => "null".to_string(),
        Some(ParamValue::Number(number)) => number_text(*number),
        Some(ParamValue::Bool(b)) => b.to_string(),
        Some(ParamValue::Text(text)) => serde_json::Value::from(text.as_str()).to_string(),
    }
}

impl ParameterTree {
    /// Every leaf's value on `date`, as one JSON object whose keys are the dotted paths in sorted
    /// order: a parameter maps to its value (`null` when it has none on that date), a scale to
    /// `{"brackets": [{"threshold": t, "amount": a}, …]}` with the brackets in force on that date
    /// as [`crate::Scale::at`] gives them (`rate` or `average_rate` instead of `amount` for rate
    /// scales). One leaf a line, so that two dumps diff well.
    pub fn to_json_at(&self, date: NaiveDate) -> String {
        let mut lines = Vec::new();
        for entry in self.leaves() {
            let key = serde_json::Value::from(entry.path()).to_string();
            let value = match entry {
                Entry::Parameter(parameter) => value_text(parameter.value_at(date)),
                Entry::Scale(scale) => {
                    let at = scale.at(date);
                    let field = at.kind.value_field().name();
                    let brackets: Vec<String> = at
                        .brackets
                        .iter()
                        .map(|(threshold, value)| {
                            format!(
                                "{{\"threshold\": {}, \"{field}\": {}}}",
                                number_text(*threshold),
                                number_text(*value)
                            )
                        })
                        .collect();
                    format!("{{\"brackets\": [{}]}}", brackets.join(", "))
                }
                Entry::Node(_) => continue,
            };
            lines.push(format!("  {key}: {value}"));
        }
        if lines.is_empty() {
            "{}".to_string()
        } else {
            format!("{{\n{}\n}}", lines.join(",\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn text(s: &str) -> String {
        number_text(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn numbers_print_as_python_prints_the_same_yaml_value() {
        assert_eq!(text("0.85"), "0.85");
        assert_eq!(text("0.850"), "0.85");
        assert_eq!(text("14533.98"), "14533.98");
        assert_eq!(text("7145440325"), "7145440325");
        assert_eq!(text("1.0"), "1.0");
        assert_eq!(text("1500.00"), "1500.0");
        assert_eq!(text("-0.5"), "-0.5");
        assert_eq!(text("0"), "0");
        assert_eq!(text("0.0000001"), "0.0000001");
        assert_eq!(text("999999999"), "999999999");
    }
}
