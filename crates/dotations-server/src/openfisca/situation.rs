//! Reading an OpenFisca situation into a dataset, as OpenFisca's `SimulationBuilder`
//! (`build_from_entities`) does.
//!
//! ```json
//! {"communes": {"c1": {"population_insee": {"2024": 1200}, "strate_demographique": {"2024": null}}},
//!  "etats": {"france": {"communes": ["c1"]}}}
//! ```
//!
//! Entities are keyed by their plural. Communes keep the order the request lists them in. A
//! commune that no État lists gets an État of its own, named after it (without `etats`, every
//! commune is alone in its État, as in OpenFisca). A value `null` asks for the variable to be
//! computed; any other value is an input. Every mistake is reported as OpenFisca reports it:
//! the message at the path of the culprit, with status 400 (404 for an unknown variable).

use std::collections::HashMap;

use axum::http::StatusCode;
use dotations_engine::model::{EntityId, Model, PeriodKind, VarId};
use dotations_engine::Dataset;

use super::values::{self, Input};
use crate::error::ApiError;
use crate::json::Json;

/// An OpenFisca period, as the engine needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
    /// A day: read so that it gets OpenFisca's message (no variable of the model is daily),
    /// except for an eternal variable, which takes any period.
    Day(i32, u32, u32),
    Eternity,
}

impl Period {
    /// Parses the periods a situation may use: `2024`, `2024-01`, `2024-01-01`, `year:2024`,
    /// `month:2024-01`, `day:2024-01-01`, `ETERNITY`.
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("eternity") {
            return Some(Period::Eternity);
        }
        let (unit, rest) = match text.split_once(':') {
            Some((unit, rest)) => (Some(unit), rest),
            None => (None, text),
        };
        let mut parts = rest.split('-');
        let year: i32 = parse_digits(parts.next()?, 4)?;
        let month: Option<u32> = match parts.next() {
            Some(month) => Some(parse_digits(month, 2).filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day: Option<u32> = match parts.next() {
            Some(day) => Some(parse_digits(day, 2)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        match (unit, month, day) {
            (None | Some("year"), None, None) => Some(Period::Year(year)),
            (None | Some("month"), Some(month), None) => Some(Period::Month(year, month)),
            (None | Some("day"), Some(month), Some(day)) => {
                chrono::NaiveDate::from_ymd_opt(year, month, day).map(|_| Period::Day(year, month, day))
            }
            _ => None,
        }
    }

    /// The year the engine computes it for (eternal variables: any year).
    pub fn year(self) -> Option<i32> {
        match self {
            Period::Year(year) | Period::Month(year, _) | Period::Day(year, ..) => Some(year),
            Period::Eternity => None,
        }
    }

    /// OpenFisca's `str(period)`.
    pub fn key(self) -> String {
        match self {
            Period::Year(year) => format!("{year}"),
            Period::Month(year, month) => format!("{year}-{month:02}"),
            Period::Day(year, month, day) => format!("{year}-{month:02}-{day:02}"),
            Period::Eternity => "ETERNITY".into(),
        }
    }
}

fn parse_digits<T: std::str::FromStr>(text: &str, width: usize) -> Option<T> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// OpenFisca's message for a period it cannot read.
pub fn period_error(text: &str) -> String {
    format!(
        "Expected a period (eg. '2017', '2017-01', '2017-01-01', ...); got: '{text}'. Learn more about legal \
         period formats in OpenFisca: <https://openfisca.org/doc/coding-the-legislation/35_periods.html#periods-in-simulations>."
    )
}

/// A variable asked for (`null` in the situation).
#[derive(Debug, Clone)]
pub struct Request {
    pub entity: EntityId,
    pub instance: String,
    pub row: usize,
    pub var: VarId,
    /// The period as written in the request: the answer is written under the same key.
    pub written: String,
    pub period: Period,
}

/// A situation ready to compute.
pub struct Situation {
    pub dataset: Dataset,
    pub requests: Vec<Request>,
    /// The identifiers of each entity's rows.
    pub ids: Vec<Vec<String>>,
}

/// Values given for one variable and one stored year (or eternity).
type Buffer = HashMap<(VarId, Option<i32>), Column>;

enum Column {
    Numbers(Vec<f64>),
    Texts(Vec<String>),
}

/// The package name in OpenFisca's messages.
fn package() -> String {
    format!("dotations@{}", env!("CARGO_PKG_VERSION"))
}

/// OpenFisca's message for an unknown variable.
pub fn unknown_variable(name: &str) -> String {
    format!(
        "You tried to calculate or to set a value for variable '{name}', but it was not found in the loaded tax \
         and benefit system ({}). Are you sure you spelled '{name}' correctly? If this code used to work and \
         suddenly does not, this is most probably linked to an update of the tax and benefit system. Look at its \
         changelog to learn about renames and removals and update your code.",
        package()
    )
}

fn invalid_type(path: &[&str], expected: &str) -> ApiError {
    ApiError::at_path(StatusCode::BAD_REQUEST, path, format!("Invalid type: must be of type '{expected}'."))
}

/// Reads a situation.
pub fn read(model: &Model, input: &Json) -> Result<Situation, ApiError> {
    let Some(top) = input.as_object() else {
        return Err(invalid_type(&["error"], "Object"));
    };
    let plurals: Vec<&str> = model.entities.iter().map(|e| e.plural.as_str()).collect();
    let unknown: Vec<&str> =
        top.iter().map(|(k, _)| k.as_str()).filter(|k| *k != "axes" && !plurals.contains(k)).collect();
    if let Some(first) = unknown.first() {
        return Err(ApiError::at_path(
            StatusCode::BAD_REQUEST,
            &[first],
            format!(
                "Some entities in the situation are not defined in the loaded tax and benefit system. These entities \
                 are not found: {}. The defined entities are: {}.",
                unknown.join(", "),
                plurals.join(", ")
            ),
        ));
    }
    if top.iter().any(|(k, _)| k == "axes") {
        return Err(ApiError::at_path(StatusCode::BAD_REQUEST, &["axes"], "Axes are not supported by this server."));
    }
    let person = model.person_entity();
    let person_plural = model.entities[person].plural.as_str();
    let persons = match input.get(person_plural) {
        None => None,
        Some(Json::Object(entries)) if entries.is_empty() => None,
        Some(Json::Object(entries)) => Some(entries),
        Some(_) => return Err(invalid_type(&[person_plural], "Object")),
    };
    let Some(persons) = persons else {
        return Err(ApiError::at_path(
            StatusCode::BAD_REQUEST,
            &[person_plural],
            format!(
                "No {} found. At least one {} must be defined to run a simulation.",
                model.entities[person].name, model.entities[person].name
            ),
        ));
    };
    let person_ids: Vec<String> = persons.iter().map(|(id, _)| id.clone()).collect();
    let mut ids: Vec<Vec<String>> = vec![Vec::new(); model.entities.len()];
    ids[person] = person_ids.clone();
    let mut builder = Builder { model, buffer: HashMap::new(), requests: Vec::new() };
    for (row, (id, object)) in persons.iter().enumerate() {
        let Some(variables) = object.as_object() else {
            return Err(invalid_type(&[person_plural, id], "Object"));
        };
        builder.variables(person, id, row, person_ids.len(), variables)?;
    }
    // Each commune's row by its identifier (a group may list tens of thousands).
    let rows: std::collections::HashMap<&str, usize> =
        person_ids.iter().enumerate().map(|(row, id)| (id.as_str(), row)).collect();
    let mut groups = Vec::new();
    for (entity, group) in model.entities.iter().enumerate().filter(|(_, e)| e.is_group()) {
        let plural = group.plural.as_str();
        let role = model.entities[group.members.expect("a group has members")].plural.as_str();
        let mut group_ids: Vec<String> = Vec::new();
        let mut membership: Vec<Option<u32>> = vec![None; person_ids.len()];
        let instances: &[(String, Json)] = match input.get(plural) {
            None => &[],
            Some(Json::Object(entries)) => entries,
            Some(_) => return Err(invalid_type(&[plural], "Object")),
        };
        for (id, _) in instances {
            group_ids.push(id.clone());
        }
        for (index, (id, object)) in instances.iter().enumerate() {
            let Some(entries) = object.as_object() else {
                return Err(invalid_type(&[plural, id], "Object"));
            };
            let members: Vec<Json> = match object.get(role) {
                None => Vec::new(),
                Some(Json::Array(items)) => items.clone(),
                // OpenFisca accepts a single identifier for a role, a text or an integer.
                Some(single @ (Json::String(_) | Json::Number(_))) => vec![single.clone()],
                Some(_) => return Err(invalid_type(&[plural, id, role], "Array")),
            };
            for (position, member) in members.iter().enumerate() {
                let member = match member {
                    Json::String(member) => member.clone(),
                    // As OpenFisca, an integer names the commune of that identifier (`1` is "1").
                    Json::Number(number) if number.is_i64() || number.is_u64() => number.to_string(),
                    _ => return Err(invalid_type(&[plural, id, role, &position.to_string()], "String")),
                };
                let Some(&row) = rows.get(member.as_str()) else {
                    return Err(ApiError::at_path(
                        StatusCode::BAD_REQUEST,
                        &[plural, id, role],
                        format!(
                            "Unexpected value: {member}. {member} has been declared in {id} {role}, but has not been \
                             declared in {person_plural}."
                        ),
                    ));
                };
                if membership[row].is_some() {
                    return Err(ApiError::at_path(
                        StatusCode::BAD_REQUEST,
                        &[plural, id, role],
                        format!("{member} has been declared more than once in {plural}"),
                    ));
                }
                membership[row] = Some(index as u32);
            }
            let variables: Vec<(String, Json)> = entries.iter().filter(|(k, _)| k != role).cloned().collect();
            builder.variables(entity, id, index, instances.len(), &variables)?;
        }
        // A commune that no group lists is a group of its own, named after it.
        let mut members = Vec::with_capacity(person_ids.len());
        for (row, group) in membership.iter().enumerate() {
            let index = match group {
                Some(index) => *index,
                None => {
                    group_ids.push(person_ids[row].clone());
                    (group_ids.len() - 1) as u32
                }
            };
            members.push(index);
        }
        ids[entity] = group_ids.clone();
        groups.push((entity, group_ids, members));
    }
    let Builder { buffer, requests, .. } = builder;
    let mut dataset = Dataset::with_groups(model, person_ids, groups);
    for ((var, year), column) in buffer {
        let entity = model.variables[var].entity;
        let year = year.unwrap_or(0);
        // Groups created for unlisted communes have the default value.
        let size = dataset.size(entity);
        let result = match column {
            Column::Numbers(mut values) => {
                values.resize(size, model.variables[var].default);
                dataset.set_input(model, var, year, values)
            }
            Column::Texts(mut texts) => {
                texts.resize(size, String::new());
                dataset.set_text(model, var, year, texts)
            }
        };
        result.map_err(|e| ApiError::bad_request(e.to_string()))?;
    }
    Ok(Situation { dataset, requests, ids })
}

struct Builder<'a> {
    model: &'a Model,
    buffer: Buffer,
    requests: Vec<Request>,
}

impl Builder<'_> {
    /// The variables of one instance of an entity.
    fn variables(
        &mut self,
        entity: EntityId,
        id: &str,
        row: usize,
        count: usize,
        variables: &[(String, Json)],
    ) -> Result<(), ApiError> {
        let model = self.model;
        let plural = model.entities[entity].plural.as_str();
        for (name, values) in variables {
            let path = [plural, id, name.as_str()];
            let Some(var) = model.variable_id(name) else {
                return Err(ApiError::at_path(StatusCode::NOT_FOUND, &path, unknown_variable(name)));
            };
            let variable = &model.variables[var];
            if variable.entity != entity {
                let other = &model.entities[variable.entity].plural;
                return Err(ApiError::at_path(
                    StatusCode::BAD_REQUEST,
                    &path,
                    format!(
                        "You tried to compute the variable '{name}' for the entity '{plural}'; however the variable \
                         '{name}' is defined for '{other}'. Learn more about entities in our documentation: \
                         <https://openfisca.org/doc/coding-the-legislation/50_entities.html>."
                    ),
                ));
            }
            let Some(by_period) = values.as_object() else {
                return Err(ApiError::at_path(
                    StatusCode::BAD_REQUEST,
                    &path,
                    "Can't deal with type: expected object. Input variables should be set for specific periods. For \
                     instance: {'salary': {'2017-01': 2000, '2017-02': 2500}}, or {'birth_date': {'ETERNITY': \
                     '1980-01-01'}}.",
                ));
            };
            for (written, value) in by_period {
                let Some(period) = Period::parse(written) else {
                    return Err(ApiError::at_path(StatusCode::BAD_REQUEST, &path, period_error(written)));
                };
                let full_path = [plural, id, name.as_str(), written.as_str()];
                if *value == Json::Null {
                    self.requests.push(Request {
                        entity,
                        instance: id.to_string(),
                        row,
                        var,
                        written: written.clone(),
                        period,
                    });
                    continue;
                }
                let year = stored_year(variable.period, &variable.name, period)
                    .map_err(|message| ApiError::at_path(StatusCode::BAD_REQUEST, &full_path, message))?;
                let input = values::read(model, var, value)
                    .map_err(|message| ApiError::at_path(StatusCode::BAD_REQUEST, &full_path, message))?;
                let default = variable.default;
                let column = self.buffer.entry((var, year)).or_insert_with(|| match input {
                    Input::Number(_) => Column::Numbers(vec![default; count]),
                    Input::Text(_) => Column::Texts(vec![String::new(); count]),
                });
                match (column, input) {
                    (Column::Numbers(values), Input::Number(n)) => values[row] = n,
                    (Column::Texts(texts), Input::Text(t)) => texts[row] = t,
                    _ => unreachable!("a variable's values are all numbers or all texts"),
                }
            }
        }
        Ok(())
    }
}

/// The year an input is stored for, or OpenFisca's message when the period does not fit the
/// variable's definition period. A monthly variable takes a month or a whole year (OpenFisca
/// dispatches a year over its months; the engine keeps one value a year).
pub fn stored_year(kind: PeriodKind, name: &str, period: Period) -> Result<Option<i32>, String> {
    match (kind, period) {
        (PeriodKind::Eternal, _) => Ok(None),
        (PeriodKind::Yearly, Period::Year(year)) => Ok(Some(year)),
        (PeriodKind::Monthly, Period::Year(year) | Period::Month(year, _)) => Ok(Some(year)),
        (PeriodKind::Yearly, Period::Month(..) | Period::Day(..)) | (PeriodKind::Monthly, Period::Day(..)) => {
            let (unit, defined) = match (period, kind) {
                (Period::Month(..), _) => ("month", "year"),
                (_, PeriodKind::Yearly) => ("day", "year"),
                _ => ("day", "month"),
            };
            Err(format!(
                "Unable to set a value for variable \"{name}\" for {unit}-long period \"{}\". \"{name}\" can only be \
                 set for one {defined} at a time.",
                period.key()
            ))
        }
        (_, Period::Eternity) => Err(format!(
            "Unable to set a value for variable \"{name}\" for ETERNITY. {name} is only defined for {}s. Please adapt \
             your input.",
            if kind == PeriodKind::Yearly { "year" } else { "month" }
        )),
    }
}

/// The year a requested variable is computed for, or OpenFisca's message when the period does
/// not fit its definition period.
pub fn computed_year(kind: PeriodKind, name: &str, period: Period) -> Result<Option<i32>, String> {
    match (kind, period) {
        (PeriodKind::Eternal, period) => Ok(period.year()),
        (PeriodKind::Yearly, Period::Year(year)) | (PeriodKind::Monthly, Period::Month(year, _)) => Ok(Some(year)),
        (PeriodKind::Yearly, _) => Err(format!(
            "Unable to compute variable '{name}' for period {}: '{name}' must be computed for a whole year. You can \
             use the ADD option to sum '{name}' over the requested period, or change the requested period to \
             'period.this_year'.",
            period.key()
        )),
        (PeriodKind::Monthly, _) => Err(format!(
            "Unable to compute variable '{name}' for period {}: '{name}' must be computed for a whole month. You can \
             use the ADD option to sum '{name}' over the requested period, or change the requested period to \
             'period.first_month'.",
            period.key()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_openfisca_reads_them() {
        assert_eq!(Period::parse("2024"), Some(Period::Year(2024)));
        assert_eq!(Period::parse("year:2024"), Some(Period::Year(2024)));
        assert_eq!(Period::parse("2024-03"), Some(Period::Month(2024, 3)));
        assert_eq!(Period::parse("month:2024-03"), Some(Period::Month(2024, 3)));
        assert_eq!(Period::parse("ETERNITY"), Some(Period::Eternity));
        assert_eq!(Period::parse("eternity"), Some(Period::Eternity));
        assert_eq!(Period::parse("2024-03-31"), Some(Period::Day(2024, 3, 31)));
        assert_eq!(Period::parse("day:2024-03-31"), Some(Period::Day(2024, 3, 31)));
        assert_eq!(Period::parse("2024-02-30"), None);
        assert_eq!(Period::parse("month:2024-03-31"), None);
        for wrong in ["24", "2024-13", "2024-1", "invalid period", "year:2024-01", "2024-01-01-01", ""] {
            assert_eq!(Period::parse(wrong), None, "{wrong}");
        }
        assert_eq!(Period::Month(2024, 3).key(), "2024-03");
    }
}
