//! Reforms: changing a parameter's value over a period, with OpenFisca's `Parameter.update`
//! semantics (`openfisca_core/parameters/parameter.py`).

use chrono::NaiveDate;
use dotations_diagnostics::Location;
use rust_decimal::Decimal;

use crate::load::Item;
use crate::metadata::Metadata;
use crate::model::{BracketField, DatedValue, ParamValue, Parameter};
use crate::tree::bracket_path;
use crate::ParameterTree;

/// Where values set by a reform say they come from.
fn reform_location() -> Location {
    Location::new("<reform>", 1, 1)
}

impl ParameterTree {
    /// Sets the parameter at `path` (a bracket field path works too) to `value` from `start` to
    /// `stop` included, or from `start` on when `stop` is `None`; `None` as the value removes the
    /// parameter over the period. After `stop`, the value that was in force the day after `stop`
    /// resumes, as with OpenFisca's `parameter.update(start=…, stop=…, value=…)`.
    pub fn set_value(
        &mut self,
        path: &str,
        start: NaiveDate,
        stop: Option<NaiveDate>,
        value: Option<ParamValue>,
    ) -> Result<(), String> {
        check_period(start, stop)?;
        let (parameter, in_bracket) = self.parameter_mut(path)?;
        if in_bracket && value.as_ref().is_some_and(|v| v.as_number().is_none()) {
            return Err(format!("`{path}` is a bracket field: its values are numbers"));
        }
        // A value of another kind than the parameter's would fail in every formula that reads it.
        let kind = |value: &ParamValue| match value {
            ParamValue::Number(_) => ("numbers", "a number"),
            ParamValue::Bool(_) => ("booleans", "a boolean"),
            ParamValue::Text(_) => ("texts", "a text"),
        };
        let held = parameter.values.iter().find_map(|entry| entry.value.as_ref()).map(kind);
        if let (Some((held, _)), Some((new, given))) = (held, value.as_ref().map(kind)) {
            if held != new {
                return Err(format!("its values are {held}, and {given} is given"));
            }
        }
        update(&mut parameter.values, start, stop, value);
        Ok(())
    }

    /// Sets a field of bracket `index` (0-based) of the scale at `path`, as [`Self::set_value`]
    /// does for a parameter. The field is the threshold or the scale's own amount or rate field.
    pub fn set_bracket(
        &mut self,
        path: &str,
        index: usize,
        field: BracketField,
        start: NaiveDate,
        stop: Option<NaiveDate>,
        value: Decimal,
    ) -> Result<(), String> {
        check_period(start, stop)?;
        let Some(Item::Scale(scale)) = self.items.get_mut(path) else {
            return Err(format!("no scale `{path}`"));
        };
        let wanted = scale.kind.value_field();
        if field != BracketField::Threshold && field != wanted {
            return Err(format!(
                "`{path}` is a `{}` scale: its brackets have `threshold` and `{}`, not `{}`",
                scale.kind.name(),
                wanted.name(),
                field.name()
            ));
        }
        let count = scale.brackets.len();
        let Some(bracket) = scale.brackets.get_mut(index) else {
            return Err(format!("`{path}` has {count} brackets: there is no bracket {index}"));
        };
        let parameter =
            bracket.field_mut(field).ok_or_else(|| format!("bracket {index} of `{path}` has no `{}`", field.name()))?;
        update(&mut parameter.values, start, stop, Some(ParamValue::Number(value)));
        Ok(())
    }

    /// The parameter at `path`, and whether it is a bracket field.
    fn parameter_mut(&mut self, path: &str) -> Result<(&mut Parameter, bool), String> {
        if self.items.contains_key(path) {
            return match self.items.get_mut(path).expect("the key was just found") {
                Item::Parameter(parameter) => Ok((parameter, false)),
                Item::Node(_) => Err(format!("`{path}` is a node, not a parameter")),
                Item::Scale(_) => Err(format!("`{path}` is a scale: set its brackets with `set_bracket`")),
            };
        }
        let not_found = || format!("no parameter `{path}`");
        let (scale, index, field) = bracket_path(path).ok_or_else(not_found)?;
        let Some(Item::Scale(scale)) = self.items.get_mut(scale) else {
            return Err(not_found());
        };
        let parameter = scale.brackets.get_mut(index).and_then(|b| b.field_mut(field)).ok_or_else(not_found)?;
        Ok((parameter, true))
    }
}

fn check_period(start: NaiveDate, stop: Option<NaiveDate>) -> Result<(), String> {
    match stop {
        Some(stop) if stop < start => Err(format!("the period ends ({stop}) before it starts ({start})")),
        _ => Ok(()),
    }
}

/// `Parameter.update`: entries before `start` stay; one entry at `start` holds the new value;
/// entries within the period go; if the period ends, an entry the day after `stop` brings back
/// the value then in force (unless an entry already starts that day), `null` if there was none;
/// later entries stay.
fn update(values: &mut Vec<DatedValue>, start: NaiveDate, stop: Option<NaiveDate>, value: Option<ParamValue>) {
    let after = stop.and_then(|stop| stop.succ_opt());
    let mut later: Vec<DatedValue> = match after {
        Some(after) => values.iter().filter(|entry| entry.start >= after).cloned().collect(),
        None => Vec::new(),
    };
    let resumed =
        after.filter(|after| later.first().map(|entry| entry.start) != Some(*after)).map(|after| {
            match values.iter().rev().find(|entry| entry.start < after) {
                Some(in_force) => DatedValue { start: after, ..in_force.clone() },
                None => {
                    DatedValue { start: after, value: None, location: reform_location(), metadata: Metadata::default() }
                }
            }
        });
    values.retain(|entry| entry.start < start);
    values.push(DatedValue { start, value, location: reform_location(), metadata: Metadata::default() });
    values.extend(resumed);
    values.append(&mut later);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn entry(start: NaiveDate, value: i64) -> DatedValue {
        DatedValue {
            start,
            value: Some(ParamValue::Number(value.into())),
            location: Location::new("f.yaml", 1, 1),
            metadata: Metadata::default(),
        }
    }

    fn summary(values: &[DatedValue]) -> Vec<(String, Option<String>)> {
        values.iter().map(|v| (v.start.to_string(), v.value.as_ref().map(ToString::to_string))).collect()
    }

    fn s(date: &str, value: Option<&str>) -> (String, Option<String>) {
        (date.to_string(), value.map(str::to_string))
    }

    #[test]
    fn a_bounded_update_resumes_the_old_value() {
        let mut values = vec![entry(date(2015, 1, 1), 1), entry(date(2020, 1, 1), 2)];
        update(&mut values, date(2018, 1, 1), Some(date(2021, 6, 30)), Some(ParamValue::Number(9.into())));
        assert_eq!(
            summary(&values),
            [s("2015-01-01", Some("1")), s("2018-01-01", Some("9")), s("2021-07-01", Some("2"))]
        );
    }

    #[test]
    fn an_open_update_replaces_everything_after_start() {
        let mut values = vec![entry(date(2015, 1, 1), 1), entry(date(2020, 1, 1), 2)];
        update(&mut values, date(2016, 1, 1), None, None);
        assert_eq!(summary(&values), [s("2015-01-01", Some("1")), s("2016-01-01", None)]);
    }

    #[test]
    fn an_entry_starting_the_day_after_stop_is_kept() {
        let mut values = vec![entry(date(2015, 1, 1), 1), entry(date(2020, 1, 1), 2)];
        update(&mut values, date(2016, 1, 1), Some(date(2019, 12, 31)), Some(ParamValue::Bool(true)));
        assert_eq!(
            summary(&values),
            [s("2015-01-01", Some("1")), s("2016-01-01", Some("true")), s("2020-01-01", Some("2"))]
        );
    }

    #[test]
    fn an_update_before_the_first_value_ends_with_null() {
        let mut values = vec![entry(date(2020, 1, 1), 2)];
        update(&mut values, date(2010, 1, 1), Some(date(2010, 12, 31)), Some(ParamValue::Number(5.into())));
        assert_eq!(summary(&values), [s("2010-01-01", Some("5")), s("2011-01-01", None), s("2020-01-01", Some("2"))]);
    }
}
