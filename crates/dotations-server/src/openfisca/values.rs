//! Values of a situation: reading a JSON value for a variable as OpenFisca's
//! `Variable.check_set_value` does, and writing a computed value as OpenFisca's Web API does.
//!
//! OpenFisca stores floats as `float32` and answers `/calculate` with
//! `float(str(numpy.float32(x)))`: the shortest decimal that reads back to the same `float32`.
//! The engine computes in `f64`; [`output`] rounds to `f32` the same way, so that a
//! value both engines compute alike prints alike (`0.1`, not `0.10000000149011612`).

use chrono::NaiveDate;
use dotations_diagnostics::SourceText;
use dotations_engine::eval::constant;
use dotations_engine::model::{date_to_days, days_to_date, Model, ValueType, VarId};

use crate::json::Json;

/// A value read for a variable: a number as the engine carries it, or a text.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Number(f64),
    Text(String),
}

/// OpenFisca's JSON type name of a variable's values, used in its messages.
pub fn json_type(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Number | ValueType::Money => "number",
        ValueType::Integer => "integer",
        ValueType::Boolean => "boolean",
        ValueType::Date | ValueType::Text | ValueType::Enum(_) => "string",
    }
}

/// OpenFisca's `valueType` of a variable in `/variable/{id}`.
pub fn value_type_name(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Number | ValueType::Money => "Float",
        ValueType::Integer => "Int",
        ValueType::Boolean => "Boolean",
        ValueType::Date => "Date",
        ValueType::Text | ValueType::Enum(_) => "String",
    }
}

/// Reads `value` for `var`, or says why not in OpenFisca's words.
pub fn read(model: &Model, var: VarId, value: &Json) -> Result<Input, String> {
    let variable = &model.variables[var];
    let wrong = || {
        format!(
            "Can't deal with value: expected type {}, received '{}'.",
            json_type(variable.value_type),
            value.python_repr()
        )
    };
    match variable.value_type {
        ValueType::Number | ValueType::Money | ValueType::Integer => {
            let number = match value {
                Json::Number(n) => n.as_f64().ok_or_else(wrong)?,
                Json::Bool(b) => f64::from(u8::from(*b)),
                // `"inf"` and `"NaN"` parse, but no criterion is such a number. Arithmetic
                // (`"2 * 50"`) is computed, as OpenFisca's numexpr does.
                Json::String(text) => text
                    .trim()
                    .replace('_', "")
                    .parse::<f64>()
                    .ok()
                    .or_else(|| constant::evaluate(&SourceText::new("value", text.as_str())).ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(wrong)?,
                _ => return Err(wrong()),
            };
            if variable.value_type != ValueType::Integer {
                // Stored as float32 by OpenFisca; the engine keeps the f64 it was given.
                return Ok(Input::Number(number));
            }
            let whole = number.trunc();
            if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&whole) {
                return Err(format!(
                    "Can't deal with value: '{}', it's too large for type 'integer'.",
                    value.python_repr()
                ));
            }
            Ok(Input::Number(whole))
        }
        ValueType::Boolean => match value {
            Json::Bool(b) => Ok(Input::Number(f64::from(u8::from(*b)))),
            Json::Number(n) => Ok(Input::Number(f64::from(u8::from(n.as_f64().is_some_and(|x| x != 0.0))))),
            _ => Err(wrong()),
        },
        ValueType::Date => match value {
            Json::String(text) => match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                Ok(date) => Ok(Input::Number(date_to_days(date))),
                Err(_) => Err(format!("Can't deal with date: '{text}'.")),
            },
            _ => Err(format!("Can't deal with date: '{}'.", value.python_repr())),
        },
        ValueType::Enum(e) => {
            let items = &model.enums[e].items;
            match value {
                Json::String(text) => match model.enums[e].index_of(text) {
                    Some(index) => Ok(Input::Number(index as f64)),
                    None => {
                        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
                        Err(format!(
                            "'{text}' is not a known value for '{}'. Possible values are ['{}'].",
                            variable.name,
                            names.join("', '")
                        ))
                    }
                },
                Json::Number(n) => match n.as_u64() {
                    Some(index) if (index as usize) < items.len() => Ok(Input::Number(index as f64)),
                    _ => Err(wrong()),
                },
                _ => Err(wrong()),
            }
        }
        ValueType::Text => match value {
            Json::String(text) => Ok(Input::Text(text.clone())),
            Json::Number(n) => Ok(Input::Text(n.to_string())),
            _ => Err(wrong()),
        },
    }
}

/// A float as OpenFisca answers `/calculate`: rounded to `float32`, printed shortest.
pub fn openfisca_float(value: f64) -> Json {
    if !value.is_finite() {
        // Python's json writes NaN and Infinity, which are not JSON; null is what a JSON
        // parser can read.
        return Json::Null;
    }
    let shortest = (value as f32).to_string();
    let number = shortest.parse::<f64>().expect("a printed f32 reads back");
    serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number)
}

/// A float as OpenFisca's trace lists it: the `float32` value, exactly, as a double.
pub fn trace_float(value: f64) -> Json {
    serde_json::Number::from_f64(f64::from(value as f32)).map_or(Json::Null, Json::Number)
}

/// A date as Flask writes a `datetime.date`: an HTTP date.
pub fn http_date(days: f64) -> Json {
    match days_to_date(days) {
        Some(date) => Json::String(date.format("%a, %d %b %Y 00:00:00 GMT").to_string()),
        None => Json::Null,
    }
}

/// A computed value as `/calculate` answers it (`trace` selects the trace's float format).
pub fn output(model: &Model, var: VarId, value: f64, trace: bool) -> Json {
    match model.variables[var].value_type {
        ValueType::Number | ValueType::Money if trace => trace_float(value),
        ValueType::Number | ValueType::Money => openfisca_float(value),
        // OpenFisca stores an integer variable as an int32: numpy casts NaN, and any value out
        // of that range (the engine's −2^63 for "no integer", see `to_integer`), to its
        // smallest value.
        ValueType::Integer if !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&value.trunc()) => {
            Json::Number(i64::from(i32::MIN).into())
        }
        ValueType::Integer => Json::Number((value as i64).into()),
        ValueType::Boolean => Json::Bool(value != 0.0),
        ValueType::Date => http_date(value),
        ValueType::Enum(e) => {
            let items = &model.enums[e].items;
            items.get(value as usize).map_or(Json::Null, |item| Json::String(item.name.clone()))
        }
        ValueType::Text => Json::String(String::new()),
    }
}

/// A variable's default value as `/variable/{id}` shows it.
pub fn default_value(model: &Model, var: VarId) -> serde_json::Value {
    let variable = &model.variables[var];
    match variable.value_type {
        ValueType::Integer => serde_json::Value::from(variable.default as i64),
        ValueType::Number | ValueType::Money if variable.default.fract() == 0.0 && variable.default.abs() < 1e15 => {
            serde_json::Value::from(variable.default as i64)
        }
        ValueType::Number | ValueType::Money => serde_json::Value::from(variable.default),
        ValueType::Boolean => serde_json::Value::Bool(variable.default != 0.0),
        ValueType::Date => days_to_date(variable.default)
            .map_or(serde_json::Value::Null, |d| serde_json::Value::from(d.format("%Y-%m-%d").to_string())),
        ValueType::Enum(e) => model.enums[e]
            .items
            .get(variable.default as usize)
            .map_or(serde_json::Value::Null, |item| serde_json::Value::from(item.name.clone())),
        ValueType::Text => serde_json::Value::from(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_numpy_float32_does() {
        assert_eq!(openfisca_float(0.1), Json::Number(serde_json::Number::from_f64(0.1).unwrap()));
        assert_eq!(openfisca_float(1234.5678901), Json::Number(serde_json::Number::from_f64(1234.5679).unwrap()));
        assert_eq!(trace_float(0.1), Json::Number(serde_json::Number::from_f64(0.10000000149011612).unwrap()));
        assert_eq!(openfisca_float(f64::NAN), Json::Null);
    }

    #[test]
    fn dates_print_as_flask_does() {
        let days = date_to_days(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(http_date(days), Json::String("Mon, 01 Jan 2024 00:00:00 GMT".into()));
    }
}
