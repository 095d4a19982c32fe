//! Our own endpoints about communes: finding one (`GET /communes?search=`) and showing its
//! dotations with last year's amounts and the explanation of each (`GET /communes/{code}`).

use std::sync::Arc;

use dotations_engine::model::{Model, ValueType, VarId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::state::{AppState, Dotation, Year};

/// How many communes a search answers at most.
pub const SEARCH_LIMIT: usize = 20;

/// Lower case, accents removed, every run of non-alphanumeric characters one space: so that
/// `Saint-Étienne`, `saint etienne` and `SAINT ÉTIENNE` are the same key.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'œ' => {
                out.push('o');
                'e'
            }
            'æ' => {
                out.push('a');
                'e'
            }
            c => c,
        };
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out.trim_end().to_string()
}

/// One commune in a search answer.
#[derive(Debug, Serialize, PartialEq)]
pub struct Found {
    pub code: String,
    pub name: String,
    pub departement: String,
}

/// The communes whose code or name matches, best first: the exact code, then codes and names
/// starting with the query, then names holding every word of it; at most [`SEARCH_LIMIT`].
pub fn search(year: &Year, query: &str) -> Vec<Found> {
    let query = normalize(query);
    if query.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = query.split(' ').collect();
    let mut ranked: Vec<(u8, usize)> = Vec::new();
    for (row, key) in year.search_keys.iter().enumerate() {
        let code = &year.codes[row];
        let name = normalize(&year.names[row]);
        let rank = if code.eq_ignore_ascii_case(&query) {
            0
        } else if code.to_lowercase().starts_with(&query) {
            1
        } else if name.starts_with(&query) {
            2
        } else if words.iter().all(|w| key.split(' ').any(|k| k.starts_with(w))) {
            3
        } else if key.contains(&query) {
            4
        } else {
            continue;
        };
        ranked.push((rank, row));
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| year.names[a.1].cmp(&year.names[b.1])).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(SEARCH_LIMIT)
        .map(|(_, row)| Found {
            code: year.codes[row].clone(),
            name: year.names[row].clone(),
            departement: year.departements[row].clone(),
        })
        .collect()
}

/// A legal reference of a variable.
#[derive(Debug, Serialize, Clone, PartialEq)]
pub struct Link {
    pub title: Option<String>,
    pub url: Option<String>,
}

pub fn references(model: &Model, var: VarId) -> Vec<Link> {
    model.variables[var].references.iter().map(|r| Link { title: r.title.clone(), url: r.url.clone() }).collect()
}

/// A criterion of a commune.
#[derive(Debug, Serialize)]
pub struct Criterion {
    pub variable: String,
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub value_type: &'static str,
    pub unit: Option<String>,
    pub value: Value,
    /// Whether it is an input of the data, which a what-if may change.
    pub editable: bool,
}

/// A dotation of a commune.
#[derive(Debug, Serialize)]
pub struct DotationLine {
    pub variable: String,
    pub label: String,
    pub eligible: bool,
    pub amount: f64,
    /// Last year's amount: given in the data, or computed for last year.
    pub previous_amount: Option<f64>,
    pub references: Vec<Link>,
    /// Why the commune gets this amount: the tree of `dotations explain` (absent when no
    /// formula applies that year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Value>,
}

/// `GET /communes/{code}`.
#[derive(Debug, Serialize)]
pub struct CommunePage {
    pub code: String,
    pub name: String,
    pub departement: String,
    pub year: i32,
    pub data: String,
    pub criteria: Vec<Criterion>,
    pub dotations: Vec<DotationLine>,
}

/// A value for JSON: integers without decimals, booleans as booleans, enumerations by name.
pub fn json_value(model: &Model, var: VarId, value: f64) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    match model.variables[var].value_type {
        ValueType::Integer => Value::from(value as i64),
        ValueType::Boolean => Value::Bool(value != 0.0),
        ValueType::Enum(_) | ValueType::Date => Value::from(model.format_value(var, value)),
        _ => Value::from(value),
    }
}

/// Whether a commune is eligible to a dotation, from the values of a run.
pub fn eligible(dotation: &Dotation, amount: f64, flag: Option<f64>) -> bool {
    match (dotation.eligible, flag) {
        (Some(_), Some(flag)) => flag != 0.0,
        _ => amount > 0.0,
    }
}

/// The commune's row, or a 404 that says how to find one.
pub fn row(year: &Year, code: &str) -> Result<usize, ApiError> {
    year.rows.get(code).copied().ok_or_else(|| {
        ApiError::not_found(format!(
            "no commune `{code}` in the data of {}; find its code with GET /communes?search=NAME",
            year.year
        ))
    })
}

fn column(year: &Year, var: VarId, at: i32) -> Option<&Arc<[f64]>> {
    year.values.get(&(var, at))
}

/// Levels of variables an explanation shows below the dotation, unless asked otherwise.
pub const DEFAULT_DEPTH: usize = 2;
/// The most levels an explanation may show (deeper trees are long to send and to read).
pub const MAX_DEPTH: usize = 6;

/// Why the commune gets its amount: the explanation tree of `dotations explain`, as JSON;
/// `None` when the variable has no formula that year (its value is given or a default).
fn explanation(
    computed: &dotations_engine::Computed<'_>,
    year: &Year,
    row: usize,
    var: VarId,
    depth: usize,
) -> Result<Option<Value>, ApiError> {
    if dotations_explain::check_computed(computed, var, year.year).is_err() {
        return Ok(None);
    }
    let options = dotations_explain::Options { depth };
    let tree = dotations_explain::explain(computed, &year.table.dataset, row, var, year.year, &options)
        .map_err(|d| ApiError::computation(&d.into()))?;
    Ok(Some(serde_json::to_value(tree).expect("an explanation is JSON")))
}

/// `GET /communes/{code}?year=&depth=`.
pub fn page(state: &AppState, year: &Year, code: &str, depth: Option<usize>) -> Result<CommunePage, ApiError> {
    let model = &state.model;
    let row = row(year, code)?;
    let depth = depth.unwrap_or(DEFAULT_DEPTH);
    if depth > MAX_DEPTH {
        return Err(ApiError::bad_request(format!("depth {depth} is too deep: at most {MAX_DEPTH}")));
    }
    let computed = year.computed(model);
    let person = model.person_entity();
    let criteria = state
        .criteria
        .iter()
        .filter_map(|var| {
            let variable = &model.variables[*var];
            let value = column(year, *var, year.year)?[row];
            Some(Criterion {
                variable: variable.name.clone(),
                label: variable.label.clone(),
                value_type: variable.value_type.name(),
                unit: variable.unit.clone(),
                value: json_value(model, *var, value),
                editable: year.table.dataset.has_input(model, *var, year.year),
            })
        })
        .collect();
    let previous_year = state.years.get(&(year.year - 1));
    let mut dotations = Vec::new();
    for dotation in &state.dotations {
        if model.variables[dotation.amount].entity != person {
            continue;
        }
        let Some(amounts) = column(year, dotation.amount, year.year) else { continue };
        let amount = amounts[row];
        let flag = dotation.eligible.and_then(|v| column(year, v, year.year)).map(|c| c[row]);
        let previous_amount = column(year, dotation.amount, year.year - 1).map(|c| c[row]).or_else(|| {
            let previous = previous_year?;
            let previous_row = previous.rows.get(code)?;
            column(previous, dotation.amount, previous.year).map(|c| c[*previous_row])
        });
        dotations.push(DotationLine {
            variable: model.variables[dotation.amount].name.clone(),
            label: dotation.label.trim().to_string(),
            eligible: eligible(dotation, amount, flag),
            amount,
            previous_amount: previous_amount.filter(|a| a.is_finite()),
            references: references(model, dotation.amount),
            explanation: explanation(&computed, year, row, dotation.amount, depth)?,
        });
    }
    Ok(CommunePage {
        code: code.to_string(),
        name: year.names[row].clone(),
        departement: year.departements[row].clone(),
        year: year.year,
        data: year.origin.clone(),
        criteria,
        dotations,
    })
}

/// Query of `GET /communes`.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub search: Option<String>,
    pub year: Option<i32>,
}

/// Query of `GET /communes/{code}`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub year: Option<i32>,
    /// Levels of the explanations (default [`DEFAULT_DEPTH`]).
    pub depth: Option<usize>,
}

/// Query of the what-if, the law and the scenario.
#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_accents_and_punctuation() {
        assert_eq!(normalize("Saint-Étienne"), "saint etienne");
        assert_eq!(normalize("  L'Haÿ-les-Roses "), "l hay les roses");
        assert_eq!(normalize("ŒUVRE"), "oeuvre");
        assert_eq!(normalize("27001"), "27001");
    }
}
