//! `POST /scenario`: a reform written as a scenario file (YAML, or the same in JSON) run on a
//! year's data; the answer is its impact on every dotation and its expectations checked.

use dotations_diagnostics::SourceText;
use dotations_engine::model::Model;
use dotations_scenario::{Impact, Outcome, Scenario, Side, Threshold};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::{AppState, Year};

/// The impact on one variable.
#[derive(Debug, Serialize)]
pub struct VariableLine {
    pub variable: String,
    pub label: Option<String>,
    pub per_commune: bool,
    /// `None` for a variable the reform adds.
    pub baseline_total: Option<f64>,
    pub total: f64,
    pub difference: Option<f64>,
    pub baseline_eligible: Option<usize>,
    pub eligible: usize,
    /// Communes whose value rises (falls) by more than one cent.
    pub winners: Option<usize>,
    pub losers: Option<usize>,
}

/// One expectation of the scenario, checked.
#[derive(Debug, Serialize)]
pub struct ExpectationLine {
    pub label: Option<String>,
    pub passed: bool,
    /// What was measured and how it compares, or why it could not be measured.
    pub what: Option<String>,
    pub value: Option<f64>,
    pub shown: Option<String>,
    pub expected: Option<String>,
    pub error: Option<String>,
    /// `line:column` of the expectation in the scenario text.
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct ScenarioImpact {
    pub name: String,
    pub description: Option<String>,
    pub year: i32,
    pub communes: usize,
    pub variables: Vec<VariableLine>,
    pub expectations: Vec<ExpectationLine>,
    /// Whether every expectation holds.
    pub passed: bool,
    /// What the scenario does that has no effect (a formula for a variable the data gives).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// How much a commune must gain or lose to count.
const CENT: Threshold = Threshold::Absolute(0.01);

/// Runs the scenario `text` on the data of `year` (default: the scenario's `year:`, else the
/// latest year).
pub fn run(state: &AppState, text: String, year: Option<i32>) -> Result<ScenarioImpact, ApiError> {
    let source = SourceText::new("scenario", text);
    let scenario = Scenario::parse(&source).map_err(|d| ApiError::invalid(&d))?;
    let data: &Year = state.year(year.or(scenario.year))?;
    let base = &state.model;
    let reform = scenario.reformed(base).map_err(|d| ApiError::invalid(&d))?;
    let reread;
    let reform_table = if same_variables(base, &reform) {
        &data.table
    } else {
        // A reform that adds variables reads the data with its own variables.
        reread = data.source.read(&reform, data.year).map_err(|d| ApiError::computation(&d))?;
        &reread
    };
    let variables = scenario.reported_variables(&reform);
    let impact = Impact::compute(
        Side { model: base, table: &data.table },
        Side { model: &reform, table: reform_table },
        data.year,
        &variables,
        None,
    )
    .map_err(|d| ApiError::computation(&d))?;
    let (results, _) = scenario.check(&impact);
    let expectations: Vec<ExpectationLine> = scenario
        .expectations
        .iter()
        .zip(results)
        .map(|(expectation, result)| {
            let at = format!("{}:{}", expectation.location.line, expectation.location.column);
            match result {
                Ok(Outcome { passed, what, value, shown, expected }) => ExpectationLine {
                    label: expectation.label.clone(),
                    passed,
                    what: Some(what),
                    value: Some(value).filter(|v| v.is_finite()),
                    shown: Some(shown),
                    expected: Some(expected),
                    error: None,
                    at,
                },
                Err(error) => ExpectationLine {
                    label: expectation.label.clone(),
                    passed: false,
                    what: None,
                    value: None,
                    shown: None,
                    expected: None,
                    error: Some(error.message.clone()),
                    at,
                },
            }
        })
        .collect();
    Ok(ScenarioImpact {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        year: data.year,
        communes: impact.communes(),
        variables: lines(&reform, &impact),
        passed: expectations.iter().all(|e| e.passed),
        expectations,
        // The message and its place, without the quoted line (the page shows them in a list).
        warnings: scenario
            .warnings(&reform, &reform_table.dataset, data.year)
            .into_iter()
            .map(|warning| match &warning.location {
                Some(at) => format!("{} ({}:{})", warning.message, at.line, at.column),
                None => warning.message,
            })
            .collect(),
    })
}

fn same_variables(base: &Model, reform: &Model) -> bool {
    base.variables.len() == reform.variables.len()
        && base.variables.iter().zip(&reform.variables).all(|(a, b)| a.name == b.name)
}

fn lines(model: &Model, impact: &Impact) -> Vec<VariableLine> {
    let all: &dyn Fn(usize) -> bool = &|_| true;
    impact
        .variables
        .iter()
        .map(|v| {
            let total = v.total(true, all).unwrap_or(f64::NAN);
            let baseline_total = v.total(false, all);
            VariableLine {
                variable: v.name.clone(),
                label: model.variable(&v.name).and_then(|x| x.label.clone()),
                per_commune: v.per_commune,
                baseline_total,
                total,
                difference: baseline_total.map(|b| total - b),
                baseline_eligible: v.eligible(false, all).filter(|_| v.per_commune),
                eligible: v.eligible(true, all).filter(|_| v.per_commune).unwrap_or(0),
                winners: v.winners(CENT, all).filter(|_| v.per_commune),
                losers: v.losers(CENT, all).filter(|_| v.per_commune),
            }
        })
        .collect()
}
