//! `POST /calculate` and `POST /trace`: a situation computed with OpenFisca's semantics.
//!
//! Inputs not given take their default value and a variable read for another year while it is
//! being computed takes its default ([`MissingInputs::Default`]), as in OpenFisca. The variables
//! asked for are grouped by year and each year is planned once.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use dotations_engine::model::{Model, PeriodKind, VarId};
use dotations_engine::plan::PlannedNode;
use dotations_engine::{Computed, MissingInputs, Simulation};

use super::situation::{self, Request, Situation};
use super::values;
use crate::error::ApiError;
use crate::json::Json;

/// The situation's requests, computed: one [`Computed`] per year, and for each request the
/// year (index into the computations) it was computed in.
struct Computations<'a> {
    runs: Vec<(i32, Computed<'a>)>,
    years: Vec<i32>,
}

/// The year eternal variables are computed in when nothing else is asked for.
const ANY_YEAR: i32 = 1970;

fn compute<'a>(model: &'a Model, situation: &'a Situation) -> Result<Computations<'a>, ApiError> {
    let mut by_year: BTreeMap<i32, Vec<VarId>> = BTreeMap::new();
    let mut years = Vec::with_capacity(situation.requests.len());
    let mut eternal = Vec::new();
    for (index, request) in situation.requests.iter().enumerate() {
        let variable = &model.variables[request.var];
        let year = situation::computed_year(variable.period, &variable.name, request.period).map_err(|message| {
            let plural = model.entities[request.entity].plural.as_str();
            ApiError::at_path(
                StatusCode::BAD_REQUEST,
                &[plural, &request.instance, &variable.name, &request.written],
                message,
            )
        })?;
        match year {
            Some(year) => {
                let vars = by_year.entry(year).or_default();
                if !vars.contains(&request.var) {
                    vars.push(request.var);
                }
                years.push(year);
            }
            None => {
                eternal.push((index, request.var));
                years.push(ANY_YEAR);
            }
        }
    }
    if !eternal.is_empty() {
        let year = by_year.keys().next().copied().unwrap_or(ANY_YEAR);
        for (index, var) in eternal {
            years[index] = year;
            let vars = by_year.entry(year).or_default();
            if !vars.contains(&var) {
                vars.push(var);
            }
        }
    }
    let simulation = Simulation::new(model, &situation.dataset, MissingInputs::Default);
    let mut runs = Vec::new();
    for (year, vars) in by_year {
        let computed = simulation.compute_ids(year, &vars).map_err(|d| ApiError::computation(&d))?;
        runs.push((year, computed));
    }
    Ok(Computations { runs, years })
}

impl Computations<'_> {
    fn run(&self, year: i32) -> &Computed<'_> {
        &self.runs.iter().find(|(y, _)| *y == year).expect("every requested year is computed").1
    }
}

/// The value of one request.
fn value(model: &Model, situation: &Situation, computations: &Computations, index: usize, request: &Request) -> Json {
    let variable = &model.variables[request.var];
    let year = computations.years[index];
    if variable.value_type == dotations_engine::model::ValueType::Text {
        let text = situation.dataset.text(model, request.var, year).map(|t| t[request.row].clone());
        return Json::String(text.unwrap_or_default());
    }
    match computations.run(year).value(request.var, year) {
        Some(value) => values::output(model, request.var, value.at(request.row), false),
        None => Json::Null,
    }
}

/// Answers `/calculate`: the situation as sent, every `null` replaced by its value.
pub fn calculate(model: &Model, mut input: Json) -> Result<Json, ApiError> {
    let situation = situation::read(model, &input)?;
    let computations = compute(model, &situation)?;
    for (index, request) in situation.requests.iter().enumerate() {
        let answer = value(model, &situation, &computations, index, request);
        let plural = model.entities[request.entity].plural.as_str();
        let slot = input
            .entry(plural)
            .and_then(|e| e.entry(&request.instance))
            .and_then(|e| e.entry(&model.variables[request.var].name))
            .and_then(|e| e.entry(&request.written))
            .expect("a request's path exists in the situation");
        *slot = answer;
    }
    Ok(input)
}

/// The name OpenFisca's tracer gives a computed value: `variable<period>`.
fn trace_key(model: &Model, node: &PlannedNode) -> String {
    let variable = &model.variables[node.var];
    match variable.period {
        PeriodKind::Eternal => format!("{}<ETERNITY>", variable.name),
        _ => format!("{}<{}>", variable.name, node.year),
    }
}

/// Answers `/trace`: every value the computation went through, with what it read.
pub fn trace(model: &Model, input: Json) -> Result<Json, ApiError> {
    let situation = situation::read(model, &input)?;
    let computations = compute(model, &situation)?;
    let requested: Vec<Json> = situation
        .requests
        .iter()
        .map(|r| Json::String(format!("{}<{}>", model.variables[r.var].name, r.period.key())))
        .collect();
    let mut trace: Vec<(String, Json)> = Vec::new();
    let mut traced = std::collections::HashSet::new();
    for (_, computed) in &computations.runs {
        for node in &computed.plan.nodes {
            let key = trace_key(model, node);
            // The first computation of a value is kept, as OpenFisca keeps it over cache reads.
            if !traced.insert(key.clone()) {
                continue;
            }
            let variable = &model.variables[node.var];
            let rows = situation.dataset.size(variable.entity);
            let value: Vec<Json> = if variable.value_type == dotations_engine::model::ValueType::Text {
                let texts = situation.dataset.text(model, node.var, node.year);
                (0..rows).map(|row| Json::String(texts.map(|t| t[row].clone()).unwrap_or_default())).collect()
            } else {
                let value = computed.run.slot(node.slot);
                (0..rows).map(|row| values::output(model, node.var, value.at(row), true)).collect()
            };
            let dependencies: Vec<Json> =
                node.reads.iter().map(|read| Json::String(trace_key(model, &computed.plan.nodes[*read]))).collect();
            let parameters: Vec<(String, Json)> = node
                .parameters
                .iter()
                .map(|read| {
                    let key = format!("{}<{}>", read.path, read.date.format("%Y-%m-%d"));
                    let value = match read.value {
                        Some(number) => values::trace_float(number),
                        None => scale_value(model, &read.path, read.date),
                    };
                    (key, value)
                })
                .collect();
            trace.push((
                key,
                Json::Object(vec![
                    ("dependencies".into(), Json::Array(dependencies)),
                    ("parameters".into(), Json::Object(parameters)),
                    ("value".into(), Json::Array(value)),
                ]),
            ));
        }
    }
    let entities: Vec<(String, Json)> = model
        .entities
        .iter()
        .zip(&situation.ids)
        .map(|(entity, ids)| (entity.plural.clone(), Json::Array(ids.iter().cloned().map(Json::String).collect())))
        .collect();
    Ok(Json::Object(vec![
        ("trace".into(), Json::Object(trace)),
        ("entitiesDescription".into(), Json::Object(entities)),
        ("requestedCalculations".into(), Json::Array(requested)),
    ]))
}

/// A scale read by a formula, as `{threshold: amount}` in the order of its brackets, at the
/// date it was read.
fn scale_value(model: &Model, path: &str, date: chrono::NaiveDate) -> Json {
    let Some(scale) = model.parameters.scale(path) else { return Json::Null };
    let at = scale.at(date);
    Json::Object(
        at.brackets
            .iter()
            .map(|(threshold, value)| {
                (dotations_params::number_text(*threshold), super::metadata::decimal_json(*value))
            })
            .collect(),
    )
}
