//! The semantic diff of two parameter trees: values by path and date, compared as numbers.
//!
//! The trees are compared through what the loader read, never through the YAML text: moving a
//! key, reordering dates, `1_000` for `1000` or `0.50` for `0.5` are not changes. A value is
//! shown as written on its side (the decimal keeps its written digits). Changes of
//! documentation (description, unit, references, …) are collected apart, since they do not
//! change any amount and a reviewer reads them differently.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use dotations_params::{BracketField, DatedValue, Entry, Metadata, ParamValue, Parameter, ParameterTree, Reference};

/// Whether something exists on one side only, or on both with a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    /// The mark of the change in a report: `+`, `-` or `~`.
    pub fn mark(self) -> char {
        match self {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        }
    }
}

/// The differences between two trees.
#[derive(Debug, Default)]
pub struct ParameterDiff {
    /// Parameters and scales whose values differ, sorted by path.
    pub changes: Vec<LeafChange>,
    /// Documentation changes (units, references, descriptions), sorted by path.
    pub metadata: Vec<MetadataChange>,
}

/// A parameter or a scale that differs.
#[derive(Debug)]
pub struct LeafChange {
    pub path: String,
    pub change: Change,
    /// A scale (on the side where it exists, the new one when both do).
    pub scale: bool,
    /// Changes of what the leaf is: a scale's type, a parameter that became a scale.
    pub notes: Vec<String>,
    /// The dated values that differ, by field then date.
    pub values: Vec<ValueChange>,
}

/// One dated value that differs.
#[derive(Debug)]
pub struct ValueChange {
    /// For a scale, the bracket field: `brackets[1].threshold` (brackets count from 0, as in
    /// parameter paths); `None` for a parameter.
    pub field: Option<String>,
    pub date: NaiveDate,
    pub old: Slot,
    pub new: Slot,
    /// The legal references documenting the value on each side.
    pub old_references: Vec<Reference>,
    pub new_references: Vec<Reference>,
    /// For two numbers: the exact difference and its relative size, `+100_000_000 (+3.63 %)`.
    pub difference: Option<String>,
}

impl ValueChange {
    pub fn change(&self) -> Change {
        match (&self.old, &self.new) {
            (Slot::Absent, _) => Change::Added,
            (_, Slot::Absent) => Change::Removed,
            _ => Change::Changed,
        }
    }
}

/// A dated entry on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// No entry at that date.
    Absent,
    /// `null`: the parameter has no value from that date.
    Null,
    /// The value, as written (`0.50` stays `0.50`).
    Value(String),
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Absent => f.write_str("(none)"),
            Slot::Null => f.write_str("null"),
            Slot::Value(text) => f.write_str(text),
        }
    }
}

/// A documentation change of a leaf (or of one of its dated values, `date` then set).
#[derive(Debug)]
pub struct MetadataChange {
    pub path: String,
    pub date: Option<NaiveDate>,
    /// `unit`, `reference`, `description`, …
    pub field: String,
    /// For a field with one value: the old and the new (none: empty). For a list (references,
    /// notes, publication dates): the items removed and the items added, so that one changed
    /// reference among ten shows alone.
    pub old: Vec<String>,
    pub new: Vec<String>,
    pub list: bool,
}

/// Compares two trees: every parameter and scale, by path.
pub fn diff(old: &ParameterTree, new: &ParameterTree) -> ParameterDiff {
    let (old_leaves, new_leaves) = (leaves(old), leaves(new));
    let paths: BTreeSet<&String> = old_leaves.keys().chain(new_leaves.keys()).collect();
    let mut result = ParameterDiff::default();
    for path in paths {
        let (a, b) = (old_leaves.get(path).copied(), new_leaves.get(path).copied());
        let change = match (a, b) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            _ => Change::Changed,
        };
        let mut leaf = LeafChange {
            path: path.clone(),
            change,
            scale: matches!(b.or(a), Some(Entry::Scale(_))),
            notes: Vec::new(),
            values: Vec::new(),
        };
        match (a, b) {
            (Some(Entry::Scale(x)), Some(Entry::Scale(y))) => {
                if x.kind != y.kind {
                    leaf.notes.push(format!("scale type: {} → {}", x.kind.name(), y.kind.name()));
                }
                compare_metadata(
                    path,
                    None,
                    (x.description.as_ref(), &x.metadata),
                    (y.description.as_ref(), &y.metadata),
                    &x.documentation,
                    &y.documentation,
                    &mut result.metadata,
                );
                scale_fields(Some(x), Some(y), &mut leaf.values, &mut result.metadata);
            }
            (Some(Entry::Parameter(x)), Some(Entry::Parameter(y))) => {
                compare_metadata(
                    path,
                    None,
                    (x.description.as_ref(), &x.metadata),
                    (y.description.as_ref(), &y.metadata),
                    &x.documentation,
                    &y.documentation,
                    &mut result.metadata,
                );
                values(None, Some((x, None)), Some((y, None)), &mut leaf.values, Some(&mut result.metadata));
            }
            _ => {
                if let (Some(a), Some(b)) = (a, b) {
                    leaf.notes.push(format!("was a {}, is now a {}", a.kind_name(), b.kind_name()));
                }
                one_side(a, &mut leaf.values, true);
                one_side(b, &mut leaf.values, false);
            }
        }
        if !leaf.values.is_empty() || !leaf.notes.is_empty() {
            result.changes.push(leaf);
        }
    }
    result
}

fn leaves(tree: &ParameterTree) -> BTreeMap<String, Entry<'_>> {
    tree.leaves().map(|entry| (entry.path().to_string(), entry)).collect()
}

/// Lists every value of a leaf that exists on one side only (`old` tells which side).
fn one_side(entry: Option<Entry<'_>>, out: &mut Vec<ValueChange>, old: bool) {
    match entry {
        Some(Entry::Parameter(p)) => {
            let (a, b) = if old { (Some((p, None)), None) } else { (None, Some((p, None))) };
            values(None, a, b, out, None);
        }
        Some(Entry::Scale(s)) => {
            let (a, b) = if old { (Some(s), None) } else { (None, Some(s)) };
            scale_fields(a, b, out, &mut Vec::new());
        }
        _ => {}
    }
}

/// Compares the brackets of two scales field by field (brackets matched by position).
fn scale_fields(
    old: Option<&dotations_params::Scale>,
    new: Option<&dotations_params::Scale>,
    out: &mut Vec<ValueChange>,
    metadata: &mut Vec<MetadataChange>,
) {
    let count = old.map_or(0, |s| s.brackets.len()).max(new.map_or(0, |s| s.brackets.len()));
    for index in 0..count {
        for field in BracketField::ALL {
            let (a, b) = (bracket_field(old, index, field), bracket_field(new, index, field));
            if a.is_none() && b.is_none() {
                continue;
            }
            let name = format!("brackets[{index}].{}", field.name());
            values(Some(&name), a, b, out, None);
            // Documentation of a bracket field, when both sides have it.
            if let (Some((x, _)), Some((y, _)), Some(scale)) = (a, b, new) {
                let path = format!("{}.{name}", scale.path);
                compare_metadata(
                    &path,
                    None,
                    (x.description.as_ref(), &x.metadata),
                    (y.description.as_ref(), &y.metadata),
                    &x.documentation,
                    &y.documentation,
                    metadata,
                );
                entry_metadata(&path, x, y, metadata);
            }
        }
    }
}

/// A field of a scale's bracket, with the scale's metadata (the fallback for references).
fn bracket_field(
    scale: Option<&dotations_params::Scale>,
    index: usize,
    field: BracketField,
) -> Option<(&Parameter, Option<&Metadata>)> {
    let scale = scale?;
    let parameter = scale.brackets.get(index)?.field(field)?;
    Some((parameter, Some(&scale.metadata)))
}

/// The entry of a side at `date`, with the references documenting it.
fn entry_at<'a>(
    side: Option<(&'a Parameter, Option<&'a Metadata>)>,
    date: NaiveDate,
) -> Option<(&'a DatedValue, Vec<Reference>)> {
    let (parameter, fallback) = side?;
    let entry = parameter.values.iter().find(|e| e.start == date)?;
    Some((entry, references(parameter, entry, fallback)))
}

/// Compares the dated values of a parameter on both sides (a side is `None` when the parameter
/// does not exist there). The metadata given with each side is the fallback for references
/// (a scale's, for its bracket fields).
fn values(
    field: Option<&str>,
    old: Option<(&Parameter, Option<&Metadata>)>,
    new: Option<(&Parameter, Option<&Metadata>)>,
    out: &mut Vec<ValueChange>,
    metadata: Option<&mut Vec<MetadataChange>>,
) {
    let dates: BTreeSet<NaiveDate> =
        old.iter().chain(new.iter()).flat_map(|(parameter, _)| parameter.dates()).collect();
    for date in dates {
        let (a, b) = (entry_at(old, date), entry_at(new, date));
        let slot = |e: &Option<(&DatedValue, Vec<Reference>)>| match e {
            None => Slot::Absent,
            Some((entry, _)) => slot(entry.value.as_ref()),
        };
        let (old_slot, new_slot) = (slot(&a), slot(&b));
        let same = match (&a, &b) {
            (Some((x, _)), Some((y, _))) => x.value == y.value,
            _ => false,
        };
        let number = |e: &Option<(&DatedValue, Vec<Reference>)>| {
            e.as_ref().and_then(|(entry, _)| entry.value.as_ref()).and_then(ParamValue::as_number)
        };
        let difference = match (number(&a), number(&b)) {
            (Some(x), Some(y)) => Some(crate::numbers::parameter_difference(x, y)),
            _ => None,
        };
        if !same {
            out.push(ValueChange {
                field: field.map(str::to_string),
                date,
                old: old_slot,
                new: new_slot,
                old_references: a.map(|(_, r)| r).unwrap_or_default(),
                new_references: b.map(|(_, r)| r).unwrap_or_default(),
                difference,
            });
        }
    }
    if let (Some(metadata), Some((x, _)), Some((y, _))) = (metadata, old, new) {
        entry_metadata(&x.path, x, y, metadata);
    }
}

/// Documentation changes of the entries both sides have at the same date.
fn entry_metadata(path: &str, old: &Parameter, new: &Parameter, out: &mut Vec<MetadataChange>) {
    for x in &old.values {
        if let Some(y) = new.values.iter().find(|y| y.start == x.start) {
            compare_metadata(path, Some(x.start), (None, &x.metadata), (None, &y.metadata), &None, &None, out);
        }
    }
}

/// A value as written: decimals keep their digits (`Decimal`'s text keeps the scale), thousands
/// are grouped as the repository's YAML groups them.
fn slot(value: Option<&ParamValue>) -> Slot {
    match value {
        None => Slot::Null,
        Some(ParamValue::Number(number)) => Slot::Value(crate::numbers::parameter_text(*number)),
        Some(ParamValue::Bool(b)) => Slot::Value(b.to_string()),
        Some(ParamValue::Text(text)) => Slot::Value(format!("{text:?}")),
    }
}

/// The references documenting one dated value: the entry's own, else the parameter's in force
/// on its date (those written under the latest date on or before it, else the undated ones),
/// else the fallback's (a scale's, for a bracket field).
fn references(parameter: &Parameter, entry: &DatedValue, fallback: Option<&Metadata>) -> Vec<Reference> {
    if !entry.metadata.references.is_empty() {
        return entry.metadata.references.clone();
    }
    for metadata in std::iter::once(&parameter.metadata).chain(fallback) {
        let latest = metadata.references.iter().filter_map(|r| r.date).filter(|d| *d <= entry.start).max();
        let in_force: Vec<Reference> = metadata.references.iter().filter(|r| r.date == latest).cloned().collect();
        if !in_force.is_empty() {
            return in_force;
        }
    }
    Vec::new()
}

/// A reference as one line: `title <href>`, after the value date it documents when given.
pub fn reference_text(reference: &Reference) -> String {
    match reference.date {
        Some(date) => format!("{date}: {}", reference_title(reference)),
        None => reference_title(reference),
    }
}

/// A reference without its date: `title <href>`.
pub fn reference_title(reference: &Reference) -> String {
    match (&reference.title, &reference.href) {
        (Some(title), Some(href)) => format!("{title} <{href}>"),
        (Some(title), None) => title.clone(),
        (None, Some(href)) => format!("<{href}>"),
        (None, None) => "(empty reference)".to_string(),
    }
}

/// Documentation is compared field by field; long texts are shortened, since this part of a
/// report only says what changed.
#[allow(clippy::too_many_arguments)]
fn compare_metadata(
    path: &str,
    date: Option<NaiveDate>,
    (old_description, old): (Option<&String>, &Metadata),
    (new_description, new): (Option<&String>, &Metadata),
    old_documentation: &Option<String>,
    new_documentation: &Option<String>,
    out: &mut Vec<MetadataChange>,
) {
    let change = |field: &str, old: Vec<String>, new: Vec<String>, list: bool| MetadataChange {
        path: path.to_string(),
        date,
        field: field.to_string(),
        old,
        new,
        list,
    };
    let mut single = |field: &str, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push(change(field, a.into_iter().collect(), b.into_iter().collect(), false));
        }
    };
    let text = |t: Option<&String>| t.map(|t| shorten(t));
    single("description", text(old_description), text(new_description));
    single("documentation", text(old_documentation.as_ref()), text(new_documentation.as_ref()));
    let fields: [(&str, MetadataText); 6] = [
        ("unit", |m| m.unit.as_ref()),
        ("threshold_unit", |m| m.threshold_unit.as_ref()),
        ("amount_unit", |m| m.amount_unit.as_ref()),
        ("rate_unit", |m| m.rate_unit.as_ref()),
        ("label_en", |m| m.label_en.as_ref()),
        ("ux_name", |m| m.ux_name.as_ref()),
    ];
    for (name, get) in fields {
        single(name, text(get(old)), text(get(new)));
    }
    let date_text = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    single(
        "last_value_still_valid_on",
        date_text(old.last_value_still_valid_on),
        date_text(new.last_value_still_valid_on),
    );
    let keys: BTreeSet<&String> = old.extra.keys().chain(new.extra.keys()).collect();
    for key in keys {
        let value = |m: &Metadata| m.extra.get(key).map(|v| shorten(&v.to_string()));
        single(key, value(old), value(new));
    }
    let journal = |m: &Metadata| -> Vec<String> {
        m.official_journal_date
            .iter()
            .map(|j| match j.date {
                Some(date) => format!("{date}: {}", j.published),
                None => j.published.to_string(),
            })
            .collect()
    };
    let lists = [
        (
            "reference",
            old.references.iter().map(reference_text).collect(),
            new.references.iter().map(reference_text).collect(),
        ),
        ("notes", old.notes.iter().map(reference_text).collect(), new.notes.iter().map(reference_text).collect()),
        ("official_journal_date", journal(old), journal(new)),
    ];
    for (field, a, b) in lists {
        let a: Vec<String> = a;
        let b: Vec<String> = b;
        let removed: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
        let added: Vec<String> = b.iter().filter(|x| !a.contains(x)).cloned().collect();
        if !removed.is_empty() || !added.is_empty() {
            out.push(change(field, removed, added, true));
        }
    }
}

/// Reads one text field of a metadata mapping.
type MetadataText = fn(&Metadata) -> Option<&String>;

/// At most 100 characters, on one line.
fn shorten(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 100 {
        format!("{}…", line.chars().take(99).collect::<String>())
    } else {
        line
    }
}
