//! What the law holds, in the shapes of OpenFisca's Web API: `/parameters`, `/parameter/{id}`,
//! `/variables`, `/variable/{id}` and `/entities`.
//!
//! Where OpenFisca links a source file on GitHub, this server names the rule file and its lines
//! (`formulas/dsu.rules#L12-L30`), since the law it runs may be a local directory.

use dotations_engine::model::{Model, PeriodKind, VarId};
use dotations_params::{Entry, Metadata, ParamValue, Parameter, Reference};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::values;
use crate::json::Json;

/// A decimal as Python's `json` prints the value PyYAML reads from the same text: an integer
/// literal stays an integer, anything with a fraction is a float.
pub fn decimal_json(number: Decimal) -> Json {
    if number.scale() == 0 {
        if let Ok(integer) = i64::try_from(number.mantissa()) {
            return Json::Number(integer.into());
        }
    }
    serde_json::Number::from_f64(dotations_params::decimal_to_f64(number)).map_or(Json::Null, Json::Number)
}

fn param_value_json(value: Option<&ParamValue>) -> Json {
    match value {
        None => Json::Null,
        Some(ParamValue::Number(number)) => decimal_json(*number),
        Some(ParamValue::Bool(b)) => Json::Bool(*b),
        Some(ParamValue::Text(text)) => Json::String(text.clone()),
    }
}

fn reference_json(reference: &Reference) -> Value {
    let mut object = Map::new();
    if let Some(title) = &reference.title {
        object.insert("title".into(), Value::from(title.clone()));
    }
    if let Some(href) = &reference.href {
        object.insert("href".into(), Value::from(href.clone()));
    }
    Value::Object(object)
}

/// References in the shape they are usually written in: one text or one `{title, href}`, a
/// list of them, or a mapping by value date of either.
fn references_json(references: &[Reference]) -> Value {
    fn one_or_many(references: &[&Reference]) -> Value {
        match references {
            [only] => match (&only.title, &only.href) {
                (Some(title), None) => Value::from(title.clone()),
                (None, Some(href)) => Value::from(href.clone()),
                _ => reference_json(only),
            },
            many => Value::Array(many.iter().map(|r| reference_json(r)).collect()),
        }
    }
    if references.iter().all(|r| r.date.is_none()) {
        return one_or_many(&references.iter().collect::<Vec<_>>());
    }
    let mut dates: Vec<String> = Vec::new();
    for reference in references {
        let key = reference.date.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
        if !dates.contains(&key) {
            dates.push(key);
        }
    }
    let mut by_date = Map::new();
    for key in dates {
        let same: Vec<&Reference> = references
            .iter()
            .filter(|r| r.date.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string()) == key)
            .collect();
        by_date.insert(key, one_or_many(&same));
    }
    Value::Object(by_date)
}

/// A parameter's metadata, keys as in the YAML file.
pub fn metadata_json(metadata: &Metadata) -> Value {
    let mut object = Map::new();
    let mut text = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            object.insert(key.to_string(), Value::from(value.clone()));
        }
    };
    text("unit", &metadata.unit);
    text("threshold_unit", &metadata.threshold_unit);
    text("amount_unit", &metadata.amount_unit);
    text("rate_unit", &metadata.rate_unit);
    text("type", &metadata.scale_type);
    text("label_en", &metadata.label_en);
    text("ux_name", &metadata.ux_name);
    if !metadata.references.is_empty() {
        object.insert("reference".into(), references_json(&metadata.references));
    }
    if !metadata.notes.is_empty() {
        object.insert("notes".into(), references_json(&metadata.notes));
    }
    if let Some(date) = metadata.last_value_still_valid_on {
        object.insert("last_value_still_valid_on".into(), Value::from(date.format("%Y-%m-%d").to_string()));
    }
    if !metadata.official_journal_date.is_empty() {
        let dates: Vec<Value> = metadata
            .official_journal_date
            .iter()
            .map(|j| Value::from(j.published.format("%Y-%m-%d").to_string()))
            .collect();
        object.insert("official_journal_date".into(), Value::Array(dates));
    }
    for (key, value) in &metadata.extra {
        object.insert(key.clone(), value.clone());
    }
    Value::Object(object)
}

/// An optional text, `null` when absent.
fn text(value: &Option<String>) -> Json {
    value.as_ref().map_or(Json::Null, |t| Json::String(t.clone()))
}

/// The values by date, latest first as OpenFisca lists them.
fn values_json(parameter: &Parameter) -> Json {
    Json::Object(
        parameter
            .values
            .iter()
            .rev()
            .map(|entry| (entry.start.format("%Y-%m-%d").to_string(), param_value_json(entry.value.as_ref())))
            .collect(),
    )
}

/// `GET /parameters`: every parameter and scale (not the nodes), with a link to its page.
pub fn parameters(model: &Model, base_url: &str) -> Value {
    let mut list = Map::new();
    for entry in model.parameters.leaves() {
        let (path, description) = match entry {
            Entry::Parameter(p) => (&p.path, &p.description),
            Entry::Scale(s) => (&s.path, &s.description),
            Entry::Node(_) => continue,
        };
        list.insert(
            path.clone(),
            json!({
                "description": description,
                "href": format!("{base_url}parameter/{}", path.replace('.', "/")),
            }),
        );
    }
    Value::Object(list)
}

/// `GET /parameter/{id}`: the id with dots (`a.b.c`) or slashes (`a/b/c`).
pub fn parameter(model: &Model, id: &str) -> Option<Json> {
    let path = id.trim_matches('/').replace('/', ".");
    if path.is_empty() {
        return None;
    }
    let entry = model.parameters.get(&path)?;
    let mut object: Vec<(String, Json)> = Vec::new();
    let mut insert = |key: &str, value: Json| object.push((key.to_string(), value));
    match entry {
        Entry::Parameter(parameter) => {
            insert("description", text(&parameter.description));
            insert("id", Json::String(parameter.path.clone()));
            insert("metadata", Json::from(metadata_json(&parameter.metadata)));
            insert("source", Json::String(parameter.location.file.to_string()));
            if let Some(documentation) = &parameter.documentation {
                insert("documentation", Json::String(documentation.trim().to_string()));
            }
            insert("values", values_json(parameter));
        }
        Entry::Scale(scale) => {
            insert("description", text(&scale.description));
            insert("id", Json::String(scale.path.clone()));
            insert("metadata", Json::from(metadata_json(&scale.metadata)));
            insert("source", Json::String(scale.location.file.to_string()));
            if let Some(documentation) = &scale.documentation {
                insert("documentation", Json::String(documentation.trim().to_string()));
            }
            // OpenFisca gives, for every date a bracket changes, the whole scale then:
            // {date: {threshold: amount}}; `null` once the first threshold is stopped.
            let mut dates: Vec<chrono::NaiveDate> = Vec::new();
            for bracket in &scale.brackets {
                dates.extend(bracket.threshold.dates());
                if let Some(field) = bracket.field(scale.kind.value_field()) {
                    dates.extend(field.dates());
                }
            }
            dates.sort();
            dates.dedup();
            let mut brackets = Vec::new();
            for date in dates.into_iter().rev() {
                let key = date.format("%Y-%m-%d").to_string();
                let mut at = Vec::new();
                for bracket in &scale.brackets {
                    let Some(threshold) = bracket.threshold.value_at(date).and_then(ParamValue::as_number) else {
                        continue;
                    };
                    let value = bracket.field(scale.kind.value_field()).and_then(|f| f.value_at(date));
                    at.push((dotations_params::number_text(threshold), param_value_json(value)));
                }
                let stopped = scale
                    .brackets
                    .first()
                    .and_then(|b| b.threshold.entry_at(date))
                    .is_some_and(|e| e.value.is_none() && e.start == date);
                brackets.push((key, if stopped { Json::Null } else { Json::Object(at) }));
            }
            insert("brackets", Json::Object(brackets));
        }
        Entry::Node(node) => {
            insert("description", text(&node.description));
            insert("id", Json::String(node.path.clone()));
            insert("metadata", Json::from(metadata_json(&node.metadata)));
            if let Some(location) = &node.location {
                insert("source", Json::String(location.file.to_string()));
            }
            if let Some(documentation) = &node.documentation {
                insert("documentation", Json::String(documentation.trim().to_string()));
            }
            let mut subparams = Vec::new();
            for child in &node.children {
                let child_path = if node.path.is_empty() { child.clone() } else { format!("{}.{child}", node.path) };
                let description = match model.parameters.get(&child_path) {
                    Some(Entry::Node(n)) => n.description.clone(),
                    Some(Entry::Parameter(p)) => p.description.clone(),
                    Some(Entry::Scale(s)) => s.description.clone(),
                    None => None,
                };
                subparams.push((child.clone(), Json::Object(vec![("description".into(), text(&description))])));
            }
            insert("subparams", Json::Object(subparams));
        }
    }
    Some(Json::Object(object))
}

/// `GET /variables`: every variable, with a link to its page.
pub fn variables(model: &Model, base_url: &str) -> Value {
    let mut list = Map::new();
    for variable in &model.variables {
        list.insert(
            variable.name.clone(),
            json!({
                "description": variable.label,
                "href": format!("{base_url}variable/{}", variable.name),
            }),
        );
    }
    Value::Object(list)
}

/// The text of a formula as written, without the comments and blank lines that follow it
/// (they introduce what comes next).
fn formula_text(model: &Model, origin: dotations_engine::model::Origin) -> String {
    let lines: Vec<&str> = model.text(origin).lines().collect();
    let keep =
        lines.iter().rposition(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).map_or(0, |i| i + 1);
    lines[..keep].join("\n")
}

/// `file#Lfirst-Llast` for a piece of the rules of `lines` lines.
fn source_lines(model: &Model, origin: dotations_engine::model::Origin, lines: usize) -> String {
    let location = model.location(origin);
    format!("{}#L{}-L{}", location.file, location.line, location.line + lines.max(1) - 1)
}

/// OpenFisca's `definitionPeriod`.
pub fn definition_period(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Yearly => "YEAR",
        PeriodKind::Monthly => "MONTH",
        PeriodKind::Eternal => "ETERNITY",
    }
}

/// `GET /variable/{id}`.
pub fn variable(model: &Model, var: VarId) -> Json {
    let variable = &model.variables[var];
    let mut object = Map::new();
    object.insert("id".into(), Value::from(variable.name.clone()));
    object.insert("description".into(), json!(variable.label));
    object.insert("valueType".into(), Value::from(values::value_type_name(variable.value_type)));
    object.insert("defaultValue".into(), values::default_value(model, var));
    object.insert("definitionPeriod".into(), Value::from(definition_period(variable.period)));
    object.insert("entity".into(), Value::from(model.entities[variable.entity].name.clone()));
    object.insert("source".into(), Value::from(source_lines(model, variable.origin, 1)));
    if let Some(unit) = &variable.unit {
        object.insert("unit".into(), Value::from(unit.clone()));
    }
    if let Some(documentation) = &variable.documentation {
        object.insert("documentation".into(), Value::from(documentation.trim().to_string()));
    }
    if !variable.references.is_empty() {
        // OpenFisca lists references as texts (usually links); the title goes with the link
        // when both are given, as `title <link>` would lose neither.
        let references: Vec<Value> = variable
            .references
            .iter()
            .map(|r| match (&r.title, &r.url) {
                (_, Some(url)) => Value::from(url.clone()),
                (Some(title), None) => Value::from(title.clone()),
                (None, None) => Value::Null,
            })
            .collect();
        object.insert("references".into(), Value::Array(references));
    }
    if !variable.formulas.is_empty() {
        let mut formulas = Map::new();
        for formula in &variable.formulas {
            // OpenFisca names an undated formula's start 0001-01-01.
            let start = formula.start.map_or_else(|| "0001-01-01".to_string(), |d| d.format("%Y-%m-%d").to_string());
            let content = formula_text(model, formula.origin);
            let source = source_lines(model, formula.origin, content.lines().count());
            formulas.insert(start, json!({ "content": content, "source": source }));
        }
        if let Some(end) = variable.end {
            let next = end.succ_opt().unwrap_or(end);
            formulas.insert(next.format("%Y-%m-%d").to_string(), Value::Null);
        }
        object.insert("formulas".into(), Value::Object(formulas));
    }
    let mut answer = Json::from(Value::Object(object));
    if let (dotations_engine::model::ValueType::Enum(e), Json::Object(entries)) = (variable.value_type, &mut answer) {
        // The items in their declared order, as OpenFisca lists an enum's members.
        let possible = model.enums[e]
            .items
            .iter()
            .map(|item| (item.name.clone(), Json::String(item.label.clone().unwrap_or_else(|| item.name.clone()))))
            .collect();
        entries.push(("possibleValues".into(), Json::Object(possible)));
    }
    answer
}

/// `GET /entities`.
pub fn entities(model: &Model) -> Value {
    let mut list = Map::new();
    for entity in &model.entities {
        let mut object = Map::new();
        object.insert("plural".into(), Value::from(entity.plural.clone()));
        object.insert("description".into(), json!(entity.label));
        object.insert(
            "documentation".into(),
            Value::from(entity.documentation.as_deref().unwrap_or_default().trim().to_string()),
        );
        if let Some(members) = entity.members {
            let member = &model.entities[members];
            object.insert(
                "roles".into(),
                json!({ member.name.clone(): { "plural": member.plural, "description": member.label } }),
            );
        }
        list.insert(entity.name.clone(), Value::Object(object));
    }
    Value::Object(list)
}
