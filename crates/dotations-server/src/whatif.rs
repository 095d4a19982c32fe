//! What if a commune's criteria, or a parameter of the law, were different?
//! (`POST /communes/{code}/simulation`, and `GET /law` for the parameters one may change.)
//!
//! The whole country is recomputed with the change, since the dotations share national
//! envelopes: one commune's population moves every other commune's amount a little. The
//! answer gives the commune's dotations before and after, the national totals before and after,
//! and how many communes see their amounts change.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use dotations_engine::eval::population::pairwise_sum;
use dotations_engine::model::{Model, ParameterChange, ParameterEdit, Reform, ValueType, VarId};
use dotations_engine::{MissingInputs, Simulation};
use dotations_params::{Entry, ParamValue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::communes::{eligible, json_value, row};
use crate::error::ApiError;
use crate::state::{AppState, Year};

/// What to change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// New values of the commune's input variables, by name.
    #[serde(default)]
    pub criteria: BTreeMap<String, Value>,
    /// New values of parameters of the law for the year, by dotted path.
    #[serde(default)]
    pub parameters: BTreeMap<String, Value>,
}

/// A dotation of the commune, before and after.
#[derive(Debug, Serialize)]
pub struct Line {
    pub variable: String,
    pub label: String,
    pub baseline_amount: f64,
    pub amount: f64,
    pub baseline_eligible: bool,
    pub eligible: bool,
}

/// A dotation over the whole country, before and after.
#[derive(Debug, Serialize)]
pub struct National {
    pub variable: String,
    pub label: String,
    pub baseline_total: f64,
    pub total: f64,
    pub baseline_eligible: usize,
    pub eligible: usize,
    /// Communes whose amount moves by more than one cent.
    pub changed: usize,
    pub envelope: Option<f64>,
}

/// The answer of a what-if.
#[derive(Debug, Serialize)]
pub struct Simulated {
    pub code: String,
    pub year: i32,
    /// The criteria as changed (values as read).
    pub criteria: BTreeMap<String, Value>,
    pub parameters: BTreeMap<String, Value>,
    pub dotations: Vec<Line>,
    pub national: Vec<National>,
}

/// Reads a criterion's new value for its type.
fn criterion_value(model: &Model, var: VarId, value: &Value) -> Result<f64, String> {
    let variable = &model.variables[var];
    match (variable.value_type, value) {
        (ValueType::Number | ValueType::Money, Value::Number(n)) => n.as_f64().ok_or_else(|| "not a number".into()),
        // As `/calculate` reads an integer (OpenFisca's int32): whole, within its range.
        (ValueType::Integer, Value::Number(n)) => {
            let whole = n.as_f64().ok_or("not a number")?.trunc();
            if (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&whole) {
                Ok(whole)
            } else {
                Err(format!("{n} is too large for an integer (at most {})", i32::MAX))
            }
        }
        (ValueType::Boolean, Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        (ValueType::Enum(e), Value::String(item)) => {
            model.enums[e].index_of(item).map(|i| i as f64).ok_or_else(|| format!("`{item}` is not an item"))
        }
        (value_type, _) => {
            let name = value_type.name();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            Err(format!("expected {article} {name} value, got {value}"))
        }
    }
}

/// The parameter changes as a reform for the year (January 1 to December 31).
fn reform(model: &Model, year: i32, parameters: &BTreeMap<String, Value>) -> Result<Reform, ApiError> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1");
    let stop = NaiveDate::from_ymd_opt(year, 12, 31).expect("December 31");
    let mut reform = Reform { name: "what-if".into(), ..Reform::default() };
    for (path, value) in parameters {
        match model.parameters.get(path) {
            Some(Entry::Parameter(_)) => {}
            Some(entry) => {
                return Err(ApiError::bad_request(format!("`{path}` is a {}, not a parameter", entry.kind_name())))
            }
            None => {
                let help = dotations_diagnostics::did_you_mean(path, model.parameters.paths()).unwrap_or_default();
                return Err(ApiError::bad_request(format!("unknown parameter `{path}` {help}").trim().to_string()));
            }
        }
        let number = match value {
            Value::Number(n) => n.to_string().parse::<Decimal>().or_else(|_| Decimal::from_scientific(&n.to_string())),
            _ => return Err(ApiError::bad_request(format!("the value of `{path}` must be a number, got {value}"))),
        }
        .map_err(|e| ApiError::bad_request(format!("the value of `{path}` cannot be read exactly: {e}")))?;
        reform.parameters.push(ParameterChange {
            path: path.clone(),
            start,
            stop: Some(stop),
            edit: ParameterEdit::Value(Some(ParamValue::Number(number))),
            location: None,
        });
    }
    Ok(reform)
}

/// `POST /communes/{code}/simulation?year=`.
pub fn simulate(state: &AppState, year: &Year, code: &str, change: &Change) -> Result<Simulated, ApiError> {
    let base = &state.model;
    let row = row(year, code)?;
    let reformed;
    let model = if change.parameters.is_empty() {
        base
    } else {
        let reform = reform(base, year.year, &change.parameters)?;
        reformed = base.reformed(&reform).map_err(|d| ApiError::invalid(&d))?;
        &reformed
    };
    let mut dataset = year.table.dataset.clone();
    let mut criteria = BTreeMap::new();
    for (name, value) in &change.criteria {
        let Some(var) = model.variable_id(name) else {
            return Err(ApiError::bad_request(model.unknown_variable(name).to_string().trim().to_string()));
        };
        if model.variables[var].entity != model.person_entity() || !dataset.has_input(model, var, year.year) {
            return Err(ApiError::bad_request(format!(
                "`{name}` is not an input of the communes in the data of {}: only inputs can be changed",
                year.year
            )));
        }
        let number = criterion_value(model, var, value)
            .map_err(|e| ApiError::bad_request(format!("criterion `{name}`: {e}")))?;
        let rows = dataset.size(model.variables[var].entity);
        let mut column = dataset.input(model, var, year.year).expect("checked above").to_column(rows).to_vec();
        column[row] = number;
        dataset
            .replace_input(model, var, year.year, Arc::from(column))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        criteria.insert(name.clone(), json_value(model, var, number));
    }
    // The variables are resolved again in the reformed model: their ids may differ.
    let targets: Vec<VarId> =
        state.dotation_variables().iter().filter_map(|var| model.variable_id(&base.variables[*var].name)).collect();
    let simulation = Simulation::new(model, &dataset, MissingInputs::Error);
    let computed = simulation.compute_ids(year.year, &targets).map_err(|d| ApiError::computation(&d))?;
    let person = model.person_entity();
    let rows = dataset.size(person);
    let mut dotations = Vec::new();
    let mut national = Vec::new();
    for dotation in &state.dotations {
        let name = &base.variables[dotation.amount].name;
        let Some(var) = model.variable_id(name) else { continue };
        if model.variables[var].entity != person {
            continue;
        }
        let (Some(before), Some(after)) =
            (year.values.get(&(dotation.amount, year.year)), computed.value(var, year.year))
        else {
            continue;
        };
        let after = after.to_column(rows);
        let flags_before = dotation.eligible.and_then(|v| year.values.get(&(v, year.year)).cloned());
        let flags_after = dotation
            .eligible
            .and_then(|v| model.variable_id(&base.variables[v].name))
            .and_then(|v| computed.value(v, year.year))
            .map(|v| v.to_column(rows));
        let flag = |flags: &Option<Arc<[f64]>>, i: usize| flags.as_ref().map(|f| f[i]);
        dotations.push(Line {
            variable: name.clone(),
            label: dotation.label.trim().to_string(),
            baseline_amount: before[row],
            amount: after[row],
            baseline_eligible: eligible(dotation, before[row], flag(&flags_before, row)),
            eligible: eligible(dotation, after[row], flag(&flags_after, row)),
        });
        let count = |amounts: &[f64], flags: &Option<Arc<[f64]>>| {
            (0..rows).filter(|i| eligible(dotation, amounts[*i], flag(flags, *i))).count()
        };
        let envelope = state.envelope(dotation, year.year, &|v| {
            let v = model.variable_id(&base.variables[v].name)?;
            computed.value(v, year.year).map(|value| value.at(0))
        });
        let envelope = match &dotation.envelope {
            Some(crate::state::Envelope::Parameter(path)) => {
                change.parameters.get(path).and_then(Value::as_f64).or(envelope)
            }
            _ => envelope,
        };
        national.push(National {
            variable: name.clone(),
            label: dotation.label.trim().to_string(),
            baseline_total: pairwise_sum(before),
            total: pairwise_sum(&after),
            baseline_eligible: count(before, &flags_before),
            eligible: count(&after, &flags_after),
            changed: (0..rows).filter(|i| (after[*i] - before[*i]).abs() > 0.01).count(),
            envelope,
        });
    }
    Ok(Simulated {
        code: code.to_string(),
        year: year.year,
        criteria,
        parameters: change.parameters.clone(),
        dotations,
        national,
    })
}

/// A parameter a what-if may change.
#[derive(Debug, Serialize)]
pub struct LawParameter {
    pub path: String,
    pub description: Option<String>,
    pub unit: Option<String>,
    pub value: f64,
}

/// `GET /law?year=`: the numeric parameters in force on January 1 of the year, envelopes
/// (`…montant…`) first.
pub fn law(model: &Model, year: i32) -> Vec<LawParameter> {
    let date = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1");
    let mut list: Vec<LawParameter> = model
        .parameters
        .leaves()
        .filter_map(|entry| match entry {
            Entry::Parameter(p) => match p.value_at(date) {
                Some(ParamValue::Number(n)) => Some(LawParameter {
                    path: p.path.clone(),
                    description: p.description.clone(),
                    unit: p.metadata.unit.clone(),
                    value: dotations_params::decimal_to_f64(*n),
                }),
                _ => None,
            },
            _ => None,
        })
        .collect();
    list.sort_by_key(|p| (!p.path.ends_with(".montant") && !p.path.contains(".montant."), p.path.clone()));
    list
}
