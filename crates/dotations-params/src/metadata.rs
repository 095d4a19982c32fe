//! `metadata`: free-form in OpenFisca, with typed access to the keys the model and its tools read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use dotations_diagnostics::Diagnostic;
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Node;

use crate::yaml::{looks_like_date, to_json, Locator};

/// The metadata of a node, parameter, scale or dated value.
///
/// OpenFisca keeps `metadata` as a free mapping. The keys below are read into typed fields and
/// their shape is checked (a malformed `last_value_still_valid_on` is an error); every other key
/// is kept as JSON in [`Metadata::extra`]. The older top-level `unit:` and `reference:` keys that
/// OpenFisca still accepts are merged in, `metadata` winning, as OpenFisca does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// `unit`, e.g. `currency`, `/1`, `year`.
    pub unit: Option<String>,
    /// `threshold_unit` of a scale.
    pub threshold_unit: Option<String>,
    /// `amount_unit` of a scale.
    pub amount_unit: Option<String>,
    /// `rate_unit` of a scale.
    pub rate_unit: Option<String>,
    /// `type` of a scale (`single_amount`, `marginal_rate`, …), as written.
    pub scale_type: Option<String>,
    /// `label_en`.
    pub label_en: Option<String>,
    /// `ux_name`.
    pub ux_name: Option<String>,
    /// `reference`, flattened: a text, a list, or a date-keyed mapping of either.
    pub references: Vec<Reference>,
    /// `notes`, with the same shapes as `reference`.
    pub notes: Vec<Reference>,
    /// `last_value_still_valid_on`: the date the last value was last checked against the law.
    pub last_value_still_valid_on: Option<NaiveDate>,
    /// `official_journal_date`: a date, or a mapping from value dates to publication dates.
    pub official_journal_date: Vec<JournalDate>,
    /// Every other metadata key, as JSON.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A legal reference or a note. A bare text is taken as an `href` when it is a URL, else as the
/// `title`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reference {
    pub title: Option<String>,
    pub href: Option<String>,
    /// The value date it documents, when the reference was written under a date key.
    pub date: Option<NaiveDate>,
}

/// A publication date in the Journal officiel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalDate {
    /// The value date it documents, when written under a date key.
    pub date: Option<NaiveDate>,
    /// The publication date.
    pub published: NaiveDate,
}

/// The typed keys and the rest of a metadata mapping, read from `(key, value)` pairs in the
/// order OpenFisca applies them (a later pair replaces an earlier one with the same key).
pub(crate) fn read_metadata(
    locator: &Locator<'_>,
    pairs: Vec<(&MarkedScalarNode, &Node)>,
    errors: &mut Vec<Diagnostic>,
) -> Metadata {
    let mut merged: Vec<(&MarkedScalarNode, &Node)> = Vec::new();
    for (key, value) in pairs {
        merged.retain(|(k, _)| k.as_str() != key.as_str());
        merged.push((key, value));
    }
    let mut metadata = Metadata::default();
    for (key, value) in merged {
        let name = key.as_str();
        let what = format!("metadata `{name}`");
        let mut text = |slot: &mut Option<String>| match locator.text(value, &what) {
            Ok(text) => *slot = text,
            Err(error) => errors.push(error),
        };
        match name {
            "unit" => text(&mut metadata.unit),
            "threshold_unit" => text(&mut metadata.threshold_unit),
            "amount_unit" => text(&mut metadata.amount_unit),
            "rate_unit" => text(&mut metadata.rate_unit),
            "type" => text(&mut metadata.scale_type),
            "label_en" => text(&mut metadata.label_en),
            "ux_name" => text(&mut metadata.ux_name),
            "reference" => metadata.references = references(locator, value, None, errors),
            "notes" => metadata.notes = references(locator, value, None, errors),
            "last_value_still_valid_on" => match value {
                Node::Scalar(scalar) => match locator.date(scalar) {
                    Ok(date) => metadata.last_value_still_valid_on = Some(date),
                    Err(error) => errors.push(error),
                },
                _ => errors.push(not_a_date(locator, value, &what)),
            },
            "official_journal_date" => metadata.official_journal_date = journal_dates(locator, value, errors),
            _ => {
                metadata.extra.insert(name.to_string(), to_json(value));
            }
        }
    }
    metadata
}

fn not_a_date(locator: &Locator<'_>, node: &Node, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} must be a date (YYYY-MM-DD)")).at(locator.node(node))
}

/// A mapping is date-keyed when it is not empty and all its keys look like dates.
fn is_date_keyed(node: &Node) -> bool {
    node.as_mapping().is_some_and(|m| !m.is_empty() && m.keys().all(|k| looks_like_date(k.as_str())))
}

/// Reads `reference`/`notes` in any of their shapes, flattened to a list.
fn references(
    locator: &Locator<'_>,
    node: &Node,
    date: Option<NaiveDate>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Reference> {
    match node {
        Node::Scalar(_) => match locator.text(node, "a reference") {
            Ok(Some(text)) => {
                if text.starts_with("http://") || text.starts_with("https://") {
                    vec![Reference { href: Some(text), date, ..Reference::default() }]
                } else {
                    vec![Reference { title: Some(text), date, ..Reference::default() }]
                }
            }
            Ok(None) => Vec::new(),
            Err(error) => {
                errors.push(error);
                Vec::new()
            }
        },
        Node::Sequence(items) => items.iter().flat_map(|item| references(locator, item, date, errors)).collect(),
        Node::Mapping(mapping) if date.is_none() && is_date_keyed(node) => mapping
            .iter()
            .flat_map(|(key, value)| match locator.date(key) {
                Ok(date) => references(locator, value, Some(date), errors),
                Err(error) => {
                    errors.push(error);
                    Vec::new()
                }
            })
            .collect(),
        Node::Mapping(mapping) => {
            errors.extend(locator.unknown_keys(mapping, &["title", "href"], "a reference"));
            let mut reference = Reference { date, ..Reference::default() };
            for (key, value) in mapping.iter() {
                let slot = match key.as_str() {
                    "title" => &mut reference.title,
                    "href" => &mut reference.href,
                    _ => continue,
                };
                match locator.text(value, &format!("`{}` of a reference", key.as_str())) {
                    Ok(text) => *slot = text,
                    Err(error) => errors.push(error),
                }
            }
            vec![reference]
        }
    }
}

fn journal_dates(locator: &Locator<'_>, node: &Node, errors: &mut Vec<Diagnostic>) -> Vec<JournalDate> {
    match node {
        Node::Mapping(mapping) => mapping
            .iter()
            .filter_map(|(key, value)| match locator.date(key) {
                Ok(date) => journal_date(locator, Some(date), value, errors),
                Err(error) => {
                    errors.push(error);
                    None
                }
            })
            .collect(),
        _ => journal_date(locator, None, node, errors).into_iter().collect(),
    }
}

fn journal_date(
    locator: &Locator<'_>,
    date: Option<NaiveDate>,
    value: &Node,
    errors: &mut Vec<Diagnostic>,
) -> Option<JournalDate> {
    let published = match value {
        Node::Scalar(scalar) => locator.date(scalar),
        _ => Err(not_a_date(locator, value, "metadata `official_journal_date`")),
    };
    match published {
        Ok(published) => Some(JournalDate { date, published }),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}
