//! What a parameter tree is made of: nodes, parameters (dated values) and scales.

use std::fmt;

use chrono::NaiveDate;
use dotations_diagnostics::Location;
use rust_decimal::Decimal;

use crate::metadata::Metadata;
use crate::scale::ScaleKind;

/// A value of a parameter. OpenFisca values are numbers or booleans; text is accepted too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A number, exactly as written (`0.85` is 85/100, not the nearest binary float).
    Number(Decimal),
    Bool(bool),
    Text(String),
}

impl ParamValue {
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            ParamValue::Number(number) => Some(*number),
            _ => None,
        }
    }
}

/// Numbers print as in the JSON dump (see [`crate::number_text`]), text as is.
impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Number(number) => f.write_str(&crate::json::number_text(*number)),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Text(text) => f.write_str(text),
        }
    }
}

/// One dated entry of a parameter: from `start` on, until the next entry, the value is `value`.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedValue {
    pub start: NaiveDate,
    /// `None` for `null`: the parameter has no value from `start` on.
    pub value: Option<ParamValue>,
    /// Where the value is written; a value set by a reform points to the file `<reform>`.
    pub location: Location,
    /// The entry's own metadata (the parameter's metadata is not copied in).
    pub metadata: Metadata,
}

/// A parameter: a value that changes over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Dotted path, e.g. `dotation_forfaitaire.ecretement.seuil_rapport_potentiel_fiscal`; for a
    /// bracket field, `scale.brackets[2].amount`.
    pub path: String,
    pub description: Option<String>,
    pub documentation: Option<String>,
    pub metadata: Metadata,
    /// In ascending date order, at most one entry a date.
    pub values: Vec<DatedValue>,
    /// Where the parameter is declared (its key, or the start of its file).
    pub location: Location,
}

impl Parameter {
    /// The value in force on `date`: that of the last entry starting on or before it. `None`
    /// before the first entry and while a `null` entry is in force (OpenFisca then raises
    /// `ParameterNotFoundError`).
    pub fn value_at(&self, date: NaiveDate) -> Option<&ParamValue> {
        self.entry_at(date).and_then(|entry| entry.value.as_ref())
    }

    /// The entry in force on `date`, if any starts on or before it.
    pub fn entry_at(&self, date: NaiveDate) -> Option<&DatedValue> {
        let after = self.values.partition_point(|entry| entry.start <= date);
        after.checked_sub(1).map(|index| &self.values[index])
    }

    /// The start dates of the entries, ascending.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.values.iter().map(|entry| entry.start)
    }
}

/// A node of the tree: a directory, or a mapping of children in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterNode {
    /// Dotted path; the root's is empty.
    pub path: String,
    pub description: Option<String>,
    pub documentation: Option<String>,
    pub metadata: Metadata,
    /// Names of the children (not full paths), sorted.
    pub children: Vec<String>,
    /// The `index.yaml` or the key that declares the node; `None` for a directory without index.
    pub location: Option<Location>,
}

/// A scale (`barème`): brackets of thresholds with an amount or a rate each.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub path: String,
    pub description: Option<String>,
    pub documentation: Option<String>,
    pub metadata: Metadata,
    pub kind: ScaleKind,
    pub brackets: Vec<Bracket>,
    pub location: Location,
}

/// One bracket of a scale. Each field is a parameter of its own (OpenFisca makes it one too),
/// so it has dated values and may have a description and metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    pub threshold: Parameter,
    pub amount: Option<Parameter>,
    pub rate: Option<Parameter>,
    pub average_rate: Option<Parameter>,
    /// Accepted as older OpenFisca versions did; no computation reads it.
    pub base: Option<Parameter>,
    /// Where the bracket starts (its `-`).
    pub location: Location,
}

impl Bracket {
    pub fn field(&self, field: BracketField) -> Option<&Parameter> {
        match field {
            BracketField::Threshold => Some(&self.threshold),
            BracketField::Amount => self.amount.as_ref(),
            BracketField::Rate => self.rate.as_ref(),
            BracketField::AverageRate => self.average_rate.as_ref(),
            BracketField::Base => self.base.as_ref(),
        }
    }

    pub(crate) fn field_mut(&mut self, field: BracketField) -> Option<&mut Parameter> {
        match field {
            BracketField::Threshold => Some(&mut self.threshold),
            BracketField::Amount => self.amount.as_mut(),
            BracketField::Rate => self.rate.as_mut(),
            BracketField::AverageRate => self.average_rate.as_mut(),
            BracketField::Base => self.base.as_mut(),
        }
    }
}

/// A field of a bracket, named as in the YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BracketField {
    Threshold,
    Amount,
    Rate,
    AverageRate,
    Base,
}

impl BracketField {
    pub const ALL: [BracketField; 5] = [
        BracketField::Threshold,
        BracketField::Amount,
        BracketField::Rate,
        BracketField::AverageRate,
        BracketField::Base,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BracketField::Threshold => "threshold",
            BracketField::Amount => "amount",
            BracketField::Rate => "rate",
            BracketField::AverageRate => "average_rate",
            BracketField::Base => "base",
        }
    }

    pub fn from_name(name: &str) -> Option<BracketField> {
        BracketField::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// Anything a dotted path can name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry<'a> {
    Node(&'a ParameterNode),
    Parameter(&'a Parameter),
    Scale(&'a Scale),
}

impl<'a> Entry<'a> {
    pub fn path(&self) -> &'a str {
        match self {
            Entry::Node(node) => &node.path,
            Entry::Parameter(parameter) => &parameter.path,
            Entry::Scale(scale) => &scale.path,
        }
    }

    /// `"node"`, `"parameter"` or `"scale"`, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Entry::Node(_) => "node",
            Entry::Parameter(_) => "parameter",
            Entry::Scale(_) => "scale",
        }
    }
}
