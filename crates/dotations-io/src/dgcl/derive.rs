//! Turning the cells of a DGCL file into a variable's values: conversions of one column, and
//! derivations from several (the canton chief town's population by a self-join, the largest
//! commune of an agglomeration, sums of parts…).
//!
//! In a derivation, an empty number cell counts as 0: the DGCL leaves the cells of communes a
//! dotation does not concern empty.

use std::collections::HashMap;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::model::Model;

use super::{is_text, normalize_code, Column, Conversion, DgclFile, Entry, Mapping, Rule, Values, MAX_CELL_ERRORS};

/// The columns an entry reads.
pub(super) fn columns(rule: &Rule) -> Vec<&Column> {
    match rule {
        Rule::Column { column, .. } | Rule::Prefix { column, .. } => vec![column],
        Rule::NotProvided(_) => vec![],
        Rule::SameCode { left, right } => vec![left, right],
        Rule::Lookup { column, within, value, .. } => vec![column, within, value],
        Rule::GroupMax { group, value } => vec![group, value],
        Rule::Sum(columns) => columns.iter().collect(),
        Rule::ValueIfPositive { test, value } => test.iter().chain(std::iter::once(value)).collect(),
    }
}

/// The values of an entry for every row of the file.
pub(super) fn evaluate(
    model: &Model,
    entry: &Entry,
    file: &DgclFile,
    mapping: &Mapping,
) -> Result<Values, Diagnostics> {
    let rows = file.rows.len();
    let bool_value = |b: bool| if b { 1.0 } else { 0.0 };
    let values = match &entry.rule {
        Rule::Column { column, conversion, empty } => {
            let index = file.index(column, mapping)?;
            return convert_column(model, file, index, conversion, *empty, entry);
        }
        Rule::NotProvided(value) => {
            if is_text(model, entry.var) {
                return Ok(Values::Texts(vec![String::new(); rows]));
            }
            vec![*value; rows]
        }
        Rule::Prefix { column, prefixes } => {
            let codes = codes(file, column, mapping)?;
            codes.iter().map(|code| bool_value(prefixes.iter().any(|p| code.starts_with(p.as_str())))).collect()
        }
        Rule::SameCode { left, right } => {
            let (left, right) = (codes(file, left, mapping)?, codes(file, right, mapping)?);
            left.iter().zip(&right).map(|(a, b)| bool_value(!a.is_empty() && a == b)).collect()
        }
        Rule::Lookup { column, within, value, missing } => {
            let keys = codes(file, column, mapping)?;
            let within = codes(file, within, mapping)?;
            let values = numbers(file, value, mapping)?;
            let position: HashMap<&str, usize> = within.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
            keys.iter().map(|key| position.get(key.as_str()).map_or(*missing, |row| values[*row])).collect()
        }
        Rule::GroupMax { group, value } => {
            let groups = numbers(file, group, mapping)?;
            let values = numbers(file, value, mapping)?;
            let mut largest: HashMap<u64, f64> = HashMap::new();
            for (g, v) in groups.iter().zip(&values) {
                let slot = largest.entry(g.to_bits()).or_insert(f64::NEG_INFINITY);
                *slot = slot.max(*v);
            }
            groups.iter().map(|g| if *g == 0.0 { 0.0 } else { largest[&g.to_bits()] }).collect()
        }
        Rule::Sum(columns) => sum(file, columns, mapping)?,
        Rule::ValueIfPositive { test, value } => {
            let test = sum(file, test, mapping)?;
            let values = numbers(file, value, mapping)?;
            test.iter().zip(&values).map(|(t, v)| if *t > 0.0 { *v } else { 0.0 }).collect()
        }
    };
    Ok(Values::Numbers(values))
}

fn sum(file: &DgclFile, columns: &[Column], mapping: &Mapping) -> Result<Vec<f64>, Diagnostics> {
    let mut total = vec![0.0; file.rows.len()];
    for column in columns {
        for (t, v) in total.iter_mut().zip(numbers(file, column, mapping)?) {
            *t += v;
        }
    }
    Ok(total)
}

/// The codes of a column, normalized.
fn codes(file: &DgclFile, column: &Column, mapping: &Mapping) -> Result<Vec<String>, Diagnostics> {
    let index = file.index(column, mapping)?;
    Ok(file.rows.iter().map(|row| normalize_code(&row[index])).collect())
}

/// The numbers of a column used in a derivation (an empty cell is 0).
fn numbers(file: &DgclFile, column: &Column, mapping: &Mapping) -> Result<Vec<f64>, Diagnostics> {
    let index = file.index(column, mapping)?;
    let mut errors = CellErrors::default();
    let values = file
        .rows
        .iter()
        .enumerate()
        .map(|(row, cells)| {
            let text = cells[index].trim();
            if text.is_empty() {
                return 0.0;
            }
            parse_number(text).unwrap_or_else(|| {
                errors.push(file, row, index, text, "a number", None);
                f64::NAN
            })
        })
        .collect();
    errors.into_result(values)
}

/// Converts one column.
fn convert_column(
    model: &Model,
    file: &DgclFile,
    index: usize,
    conversion: &Conversion,
    empty: Option<f64>,
    entry: &Entry,
) -> Result<Values, Diagnostics> {
    if matches!(conversion, Conversion::Code | Conversion::Text) {
        let texts = file.rows.iter().map(|row| row[index].trim().to_string());
        return Ok(Values::Texts(match conversion {
            Conversion::Code => texts.map(|t| normalize_code(&t)).collect(),
            _ => texts.collect(),
        }));
    }
    let mut errors = CellErrors::default();
    let mut values = Vec::with_capacity(file.rows.len());
    for (row, cells) in file.rows.iter().enumerate() {
        let text = cells[index].trim();
        if text.is_empty() {
            match empty {
                Some(value) => values.push(value),
                None => {
                    let help = format!(
                        "if an empty cell means a value, say it in the entry of `{}`: `empty: 0`",
                        model.variables[entry.var].name
                    );
                    errors.push(file, row, index, text, "a value (the cell is empty)", Some(help));
                    values.push(f64::NAN);
                }
            }
            continue;
        }
        match convert(model, conversion, text) {
            Ok(value) => values.push(value),
            Err((expected, help)) => {
                errors.push(file, row, index, text, expected, help);
                values.push(f64::NAN);
            }
        }
    }
    errors.into_result(Values::Numbers(values))
}

/// Converts one non-empty cell; on failure, what was expected and a hint.
fn convert(model: &Model, conversion: &Conversion, text: &str) -> Result<f64, (&'static str, Option<String>)> {
    match conversion {
        Conversion::Number => parse_number(text).ok_or(("a number", None)),
        Conversion::Percent => parse_number(text).map(|v| v / 100.0).ok_or(("a percentage", None)),
        Conversion::Integer => integer(text).ok_or(("a whole number within ±2^63", None)),
        Conversion::Boolean { truthy, falsy } => {
            if truthy.iter().any(|w| w.eq_ignore_ascii_case(text)) {
                Ok(1.0)
            } else if falsy.iter().any(|w| w.eq_ignore_ascii_case(text)) {
                Ok(0.0)
            } else {
                let help = format!("the mapping reads {} as true and {} as false", truthy.join("/"), falsy.join("/"));
                Err(("a yes/no value", Some(help)))
            }
        }
        Conversion::Enum { enumeration, codes } => {
            codes.iter().find(|(code, _)| code == text).map(|(_, item)| *item as f64).ok_or_else(|| {
                let items = &model.enums[*enumeration].items;
                let known: Vec<String> = codes.iter().map(|(c, i)| format!("{c} → {}", items[*i].name)).collect();
                ("a code of the mapping", Some(format!("the mapping knows the codes {}", known.join(", "))))
            })
        }
        Conversion::Code | Conversion::Text => Ok(0.0),
    }
}

/// A number written the French way (`1 234,56`, quoted in the file) or the English way.
pub(super) fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
    if cleaned.matches(',').count() > 1 || (cleaned.contains(',') && cleaned.contains('.')) {
        return None;
    }
    let value = cleaned.replace(',', ".").parse::<f64>().ok()?;
    value.is_finite().then_some(value)
}

/// Cell errors of a column, at most [`MAX_CELL_ERRORS`] reported.
#[derive(Default)]
struct CellErrors {
    diagnostics: Diagnostics,
    count: usize,
}

impl CellErrors {
    fn push(&mut self, file: &DgclFile, row: usize, column: usize, text: &str, expected: &str, help: Option<String>) {
        self.count += 1;
        if self.count <= MAX_CELL_ERRORS {
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "row {}, column `{}`: `{text}` is not {expected}",
                    row + 1,
                    file.headers[column]
                ))
                .at(file.cell_location(row, column))
                .with_help_opt(help),
            );
        }
    }

    fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.count > MAX_CELL_ERRORS {
            self.diagnostics.push(Diagnostic::error(format!(
                "… and {} more cells of this column that cannot be read",
                self.count - MAX_CELL_ERRORS
            )));
        }
        self.diagnostics.into_result(value)
    }
}

/// A whole number an integer variable holds (within ±2^63), written the French way.
fn integer(text: &str) -> Option<f64> {
    parse_number(text).filter(|v| v.fract() == 0.0 && dotations_engine::eval::kernels::is_in_integer_range(*v))
}

#[cfg(test)]
mod tests {
    use super::{integer, parse_number};

    #[test]
    fn numbers_are_read_the_french_way() {
        assert_eq!(parse_number("1234,56"), Some(1234.56));
        assert_eq!(parse_number("1 234,5"), Some(1234.5));
        assert_eq!(parse_number("1\u{a0}234"), Some(1234.0));
        assert_eq!(parse_number("-0,25"), Some(-0.25));
        assert_eq!(parse_number("12.5"), Some(12.5));
        assert_eq!(parse_number("1.234,5"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("OUI"), None);
    }

    #[test]
    fn an_integer_is_whole_and_within_64_bits() {
        assert_eq!(integer("1 234"), Some(1234.0));
        for text in ["12,5", "100000000000000000000", "OUI"] {
            assert_eq!(integer(text), None, "{text}");
        }
    }
}
