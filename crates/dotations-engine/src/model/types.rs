//! The vocabulary of a compiled model: entities, value types, periods, identifiers.

use chrono::NaiveDate;
use dotations_lang::Span;

/// Index of a variable in [`crate::Model::variables`].
pub type VarId = usize;
/// Index of an entity in [`crate::Model::entities`]; 0 is the person entity (the commune).
pub type EntityId = usize;
/// Index of an enumeration in [`crate::Model::enums`].
pub type EnumId = usize;
/// Index of a rule file in [`crate::Model::sources`].
pub type FileId = usize;

/// Where a piece of the model was written: a rule file and a byte span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

/// An entity: the commune (one row per commune) or a group of communes (the État).
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub plural: String,
    pub label: Option<String>,
    pub documentation: Option<String>,
    /// For a group: the entity of its members (every group here groups communes).
    pub members: Option<EntityId>,
    pub origin: Origin,
}

impl Entity {
    pub fn is_group(&self) -> bool {
        self.members.is_some()
    }
}

/// A named enumeration; values are stored as the item's index.
#[derive(Debug, Clone)]
pub struct EnumType {
    pub name: String,
    pub label: Option<String>,
    pub items: Vec<EnumItem>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct EnumItem {
    pub name: String,
    pub label: Option<String>,
}

impl EnumType {
    pub fn index_of(&self, item: &str) -> Option<usize> {
        self.items.iter().position(|i| i.name == item)
    }
}

/// The declared type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Number,
    /// A number of euros (same arithmetic as `Number`; the unit is documentation).
    Money,
    /// Stored truncated toward zero, as OpenFisca stores integer variables.
    Integer,
    Boolean,
    Date,
    Text,
    Enum(EnumId),
}

impl ValueType {
    /// The kind of value an expression of this type computes with.
    pub fn kind(self) -> Kind {
        match self {
            ValueType::Number | ValueType::Money | ValueType::Integer => Kind::Number,
            ValueType::Boolean => Kind::Bool,
            ValueType::Date => Kind::Date,
            ValueType::Text => Kind::Text,
            ValueType::Enum(e) => Kind::Enum(e),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ValueType::Number => "number",
            ValueType::Money => "money",
            ValueType::Integer => "integer",
            ValueType::Boolean => "boolean",
            ValueType::Date => "date",
            ValueType::Text => "text",
            ValueType::Enum(_) => "enum",
        }
    }
}

/// What an expression computes. Every kind is carried as `f64` at run time: booleans as 0/1,
/// dates as days since 1970-01-01, enum values as the item's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Number,
    Bool,
    Date,
    Enum(EnumId),
    Text,
}

pub use dotations_lang::PeriodKind;

/// The year a value belongs to; eternal variables have one value for all years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum YearKey {
    Eternal,
    Year(i32),
}

impl std::fmt::Display for YearKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            YearKey::Eternal => f.write_str("all years"),
            YearKey::Year(y) => write!(f, "{y}"),
        }
    }
}

/// Days since 1970-01-01 for a calendar date (the run-time representation of dates).
pub fn date_to_days(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (date - epoch).num_days() as f64
}

/// The calendar date of a day count, if it is a whole number of days in chrono's range.
pub fn days_to_date(days: f64) -> Option<NaiveDate> {
    if !days.is_finite() || days.fract() != 0.0 {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    epoch.checked_add_signed(chrono::Duration::days(days as i64))
}

/// The civil year of a day count (proleptic Gregorian), computed without allocation: used by
/// the `year(…)` function on whole columns.
pub fn year_of_days(days: f64) -> f64 {
    if !days.is_finite() {
        return f64::NAN;
    }
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year as f64
}

/// Days since 1970-01-01 of a civil date given as numbers (NaN when it is not a valid date).
pub fn days_of_civil(year: f64, month: f64, day: f64) -> f64 {
    if !(year.is_finite() && month.is_finite() && day.is_finite()) {
        return f64::NAN;
    }
    match NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32) {
        Some(date) => date_to_days(date),
        None => f64::NAN,
    }
}

/// The years the law is computed for and a formula may name (`x[2019]`): those whose dates the
/// calendar holds. The command line and scenario files take the same.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Whether `value` is one of [`YEARS`], as a formula writes it.
pub fn is_year(value: f64) -> bool {
    value.fract() == 0.0 && (f64::from(*YEARS.start())..=f64::from(*YEARS.end())).contains(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_day_counts() {
        for (y, m, d) in [(1, 1, 1), (1969, 12, 31), (1970, 1, 1), (2024, 2, 29), (2025, 12, 31)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let days = date_to_days(date);
            assert_eq!(year_of_days(days), y as f64, "{date}");
            assert_eq!(days_to_date(days), Some(date));
            assert_eq!(days_of_civil(y as f64, m as f64, d as f64), days);
        }
    }
}
