//! Values as a French reader reads them: amounts with two decimals and spaces between
//! thousands (`12 345,67 €`), booleans as yes/no, enumeration items by name, dates ISO.

use dotations_engine::model::{days_to_date, Kind, Model, ValueType};

/// A value of a variable's type, for people.
pub fn value(model: &Model, value_type: ValueType, value: f64) -> String {
    match value_type {
        ValueType::Money => money(value),
        ValueType::Integer => integer(value),
        other => kind(model, other.kind(), value),
    }
}

/// A value of an expression's kind (numbers without a unit).
pub fn kind(model: &Model, kind: Kind, value: f64) -> String {
    match kind {
        Kind::Bool => if value != 0.0 { "yes" } else { "no" }.to_string(),
        Kind::Date => days_to_date(value).map_or_else(|| "NaN".to_string(), |d| d.format("%Y-%m-%d").to_string()),
        Kind::Enum(e) => match model.enums[e].items.get(value as usize) {
            Some(item) => item.name.clone(),
            None => number(value),
        },
        Kind::Number | Kind::Text => number(value),
    }
}

/// A value as JSON: booleans, enumeration items and dates as such, numbers exact (`null` for
/// NaN), so that a program reading the explanation needs no parsing.
pub fn json(model: &Model, value_type: ValueType, value: f64) -> serde_json::Value {
    match value_type {
        ValueType::Boolean => serde_json::Value::Bool(value != 0.0),
        ValueType::Date | ValueType::Enum(_) => serde_json::Value::String(kind(model, value_type.kind(), value)),
        ValueType::Integer if value.is_finite() => serde_json::Value::from(value as i64),
        ValueType::Text => serde_json::Value::Null,
        _ => number_json(value),
    }
}

/// A number as JSON (`null` when it is not finite).
pub fn number_json(value: f64) -> serde_json::Value {
    serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// Euros, two decimals: `12 345,67 €`.
pub fn money(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value} €");
    }
    format!("{} €", french(&format!("{:.2}", value)))
}

/// A whole number: `35 000`.
pub fn integer(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    french(&format!("{:.0}", value.trunc()))
}

/// A number with the decimals that matter, trailing zeros dropped: six below 1 (after the
/// leading zeros), about nine significant digits above (`1,234568`, `0,0000123457`,
/// `1 554,54545`, `36 639 646 483,79`).
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs();
    let decimals = if magnitude < 1.0 {
        (6 + (-magnitude.log10()).floor() as usize).min(15)
    } else {
        // About nine significant digits, but at least two decimals and at most six.
        let whole_digits = magnitude.log10().floor() as usize + 1;
        9usize.saturating_sub(whole_digits).clamp(2, 6)
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    french(&text)
}

/// Rewrites a number printed by Rust (`-1234567.89`) the French way (`-1 234 567,89`).
fn french(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    // "-0,00" reads oddly: a value that rounds to zero has no sign.
    let zero = whole.chars().all(|c| c == '0') && fraction.is_none_or(|f| f.chars().all(|c| c == '0'));
    let sign = if zero { "" } else { sign };
    match fraction {
        Some(fraction) => format!("{sign}{grouped},{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An ordinal rank in English: 1st, 2nd, 3rd, 11th, 891st.
pub fn ordinal(rank: usize) -> String {
    let suffix = match (rank % 10, rank % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{}{suffix}", integer(rank as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_the_french_way() {
        assert_eq!(money(12_345.674), "12 345,67 €");
        assert_eq!(money(-1_234_567.0), "-1 234 567,00 €");
        assert_eq!(money(-0.001), "0,00 €");
        assert_eq!(money(900.0), "900,00 €");
        assert_eq!(integer(35_000.0), "35 000");
        assert_eq!(integer(-9_999.0), "-9 999");
    }

    #[test]
    fn numbers_keep_six_significant_decimals() {
        assert_eq!(number(1.234_567_89), "1,234568");
        assert_eq!(number(0.000_012_345_678), "0,0000123457");
        assert_eq!(number(12_345.5), "12 345,5");
        assert_eq!(number(1_554.545_454_5), "1 554,54545");
        assert_eq!(number(36_639_646_483.79), "36 639 646 483,79");
        assert_eq!(number(0.9), "0,9");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn ordinals() {
        let ranks: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 891, 1_002].into_iter().map(ordinal).collect();
        assert_eq!(ranks, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "891st", "1 002nd"]);
    }
}
