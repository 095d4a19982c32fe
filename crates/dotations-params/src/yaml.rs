//! Located YAML: parsing a file into `marked-yaml` nodes, and reading scalars the way OpenFisca's
//! YAML 1.1 loader (PyYAML) types them, but exactly: numbers become `Decimal`s straight from the
//! source text, never through a float.

use chrono::NaiveDate;
use dotations_diagnostics::{did_you_mean, Diagnostic, Location, SourceText};

use crate::located;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};
use rust_decimal::Decimal;

/// The largest number of decimal places a `Decimal` holds.
const MAX_SCALE: i64 = 28;

/// Parses one YAML file. OpenFisca reads a single document whose top level is a mapping.
pub(crate) fn parse(source: &SourceText) -> Result<Node, Diagnostic> {
    // Coercion is prevented so that a scalar remembers whether it was quoted: PyYAML types only
    // plain scalars (`"12"` is text, `12` a number).
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let node =
        marked_yaml::parse_yaml_with_options(0, source.text(), options).map_err(|error| load_error(source, error))?;
    located::single_document(source, "OpenFisca reads exactly one document per parameter file")?;
    Ok(node)
}

fn load_error(source: &SourceText, error: LoadError) -> Diagnostic {
    let at = |marker: &marked_yaml::Marker, length| source.location_at_line(marker.line(), marker.column(), length);
    match error {
        LoadError::ScanError(marker, scan) => {
            Diagnostic::error(format!("invalid YAML: {}", scan.info())).at(at(&marker, 1))
        }
        LoadError::DuplicateKey(inner) => {
            let key = inner.key.as_str();
            let what = if looks_like_date(key) { "date" } else { "key" };
            let first = inner.prev_key.span().start().map(|m| m.line()).unwrap_or(0);
            let mut diagnostic = Diagnostic::error(format!("duplicate {what} `{key}`"))
                .with_note(format!("`{key}` is first written on line {first}"));
            if let Some(marker) = inner.key.span().start() {
                diagnostic = diagnostic.at(at(marker, key.chars().count()));
            }
            diagnostic
        }
        LoadError::TopLevelMustBeMapping(marker) => {
            Diagnostic::error("a parameter file must hold a mapping (`key: value` lines) at its top level")
                .at(at(&marker, 1))
        }
        LoadError::TopLevelMustBeSequence(marker) => {
            Diagnostic::error("unexpected top-level sequence").at(at(&marker, 1))
        }
        LoadError::UnexpectedAnchor(marker) => {
            // The loader reports the node that carries the anchor, which may start lines later.
            let location = first_anchor(source.text())
                .map_or_else(|| at(&marker, 1), |(offset, length)| source.location(offset, length));
            Diagnostic::error("YAML anchors and aliases (`&name`, `*name`) are not supported in parameter files")
                .at(location)
        }
        LoadError::UnexpectedTag(marker) => {
            Diagnostic::error("YAML tags (`!!type`) are not supported in parameter files").at(at(&marker, 1))
        }
        LoadError::MappingKeyMustBeScalar(marker) => {
            Diagnostic::error("a mapping key must be a plain name, not a mapping or a list").at(at(&marker, 1))
        }
    }
}

/// The byte offset and length of the first `&anchor` of a text.
fn first_anchor(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let after_space = i == 0 || matches!(bytes[i - 1], b' ' | b'\n' | b'\t' | b'[' | b'{' | b',');
        let name_len =
            bytes[i + 1..].iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
        (bytes[i] == b'&' && after_space && name_len > 0).then_some((i, name_len + 1))
    })
}

/// Locates nodes of one file.
pub(crate) struct Locator<'a> {
    pub source: &'a SourceText,
}

impl Locator<'_> {
    /// The location of a scalar, underlining its text (plus quotes when it was quoted).
    pub fn scalar(&self, scalar: &MarkedScalarNode) -> Location {
        crate::located::scalar_location(self.source, scalar)
    }

    /// The location where a node starts: a mapping's is its first key.
    pub fn node(&self, node: &Node) -> Location {
        crate::located::node_location(self.source, node, |scalar| self.scalar(scalar))
    }

    /// One error for each key of `mapping` that is not in `allowed`, with a did-you-mean.
    pub fn unknown_keys(&self, mapping: &MarkedMappingNode, allowed: &[&str], what: &str) -> Vec<Diagnostic> {
        mapping
            .iter()
            .filter(|(key, _)| !allowed.contains(&key.as_str()))
            .map(|(key, _)| {
                Diagnostic::error(format!("unexpected key `{}` in {what}", key.as_str()))
                    .at(self.scalar(key))
                    .with_help_opt(did_you_mean(key.as_str(), allowed.iter().copied()))
                    .with_note(format!("allowed keys here: {}", allowed.join(", ")))
            })
            .collect()
    }

    /// A scalar read as text (`description`, `unit`…), or an error when it is a mapping or list.
    pub fn text(&self, node: &Node, what: &str) -> Result<Option<String>, Diagnostic> {
        match node {
            Node::Scalar(scalar) if scalar.may_coerce() && is_null(scalar.as_str()) => Ok(None),
            Node::Scalar(scalar) => Ok(Some(scalar.as_str().to_string())),
            _ => Err(Diagnostic::error(format!("{what} must be a text, not a mapping or a list")).at(self.node(node))),
        }
    }

    /// A date written `YYYY-MM-DD`, quoted or not.
    pub fn date(&self, scalar: &MarkedScalarNode) -> Result<NaiveDate, Diagnostic> {
        parse_date(scalar.as_str()).ok_or_else(|| self.bad_date(scalar))
    }

    pub fn bad_date(&self, scalar: &MarkedScalarNode) -> Diagnostic {
        Diagnostic::error(format!("`{}` is not a valid date", scalar.as_str()))
            .at(self.scalar(scalar))
            .with_help("dates are written YYYY-MM-DD, e.g. 2019-01-01")
    }
}

/// A scalar typed as PyYAML's YAML 1.1 resolver would type it (for the types OpenFisca allows).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Number(Decimal),
    Text(&'a str),
}

/// Types a scalar. A plain scalar that starts like a number but is not one (`0,85`, `12 €`,
/// `0123`) is an error rather than text, so that a typo in a number cannot pass as a string.
pub(crate) fn classify(scalar: &MarkedScalarNode) -> Result<Scalar<'_>, NumberError> {
    let text = scalar.as_str();
    if !scalar.may_coerce() {
        return Ok(Scalar::Text(text));
    }
    if is_null(text) {
        return Ok(Scalar::Null);
    }
    match text {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Ok(Scalar::Bool(true)),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Ok(Scalar::Bool(false)),
        _ => {}
    }
    match parse_number(text) {
        None => Ok(Scalar::Text(text)),
        Some(result) => result.map(Scalar::Number),
    }
}

/// Why a number-like scalar could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumberError {
    pub message: String,
    pub help: Option<String>,
}

impl NumberError {
    fn new(message: impl Into<String>, help: Option<&str>) -> Self {
        NumberError { message: message.into(), help: help.map(str::to_string) }
    }
}

/// PyYAML's null spellings (an empty value reaches us as `~`).
pub(crate) fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL" | "")
}

/// Reads a number exactly. `None` when the text does not start like a number (it is text).
///
/// Accepted: an optional sign, digits with `_` separators (YAML 1.1), an optional fraction and an
/// optional exponent. A number written with a fraction or an exponent keeps at least one decimal
/// place (`5.` is `5.0`, `1.5e3` is `1500.0`), because PyYAML reads it as a float and the JSON
/// dump prints floats with a `.0`, as Python does.
pub(crate) fn parse_number(text: &str) -> Option<Result<Decimal, NumberError>> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if matches!(body, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return Some(Err(NumberError::new(format!("`{text}` is not a finite number"), None)));
    }
    let bytes = body.as_bytes();
    let starts_like_number = match bytes {
        [first, ..] if first.is_ascii_digit() => true,
        [b'.', second, ..] => second.is_ascii_digit(),
        _ => false,
    };
    if !starts_like_number {
        return None;
    }
    let not_a_number = || {
        NumberError::new(
            format!("`{text}` is not a number"),
            Some("write numbers like 1234, 1_234.5, 0.85 or 1.5e-3 (a point for decimals); quote the value if it is meant as text"),
        )
    };
    if bytes.len() > 1 && bytes[0] == b'0' && matches!(bytes[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        return Some(Err(NumberError::new(
            format!("`{text}` is not a decimal number"),
            Some("write parameter values in decimal"),
        )));
    }

    let mut digits = String::new();
    let mut fraction_len: i64 = 0;
    let mut index = 0;
    let mut integer_digits = String::new();
    while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'_') {
        if bytes[index] != b'_' {
            integer_digits.push(bytes[index] as char);
        }
        index += 1;
    }
    digits.push_str(&integer_digits);
    let has_point = index < bytes.len() && bytes[index] == b'.';
    if has_point {
        index += 1;
        while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'_') {
            if bytes[index] != b'_' {
                digits.push(bytes[index] as char);
                fraction_len += 1;
            }
            index += 1;
        }
    }
    let mut exponent: i64 = 0;
    let has_exponent = index < bytes.len() && matches!(bytes[index], b'e' | b'E');
    if has_exponent {
        let rest = &body[index + 1..];
        let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if unsigned.is_empty() || unsigned.len() > 4 || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Err(not_a_number()));
        }
        exponent = unsigned.parse().unwrap_or(0);
        if rest.starts_with('-') {
            exponent = -exponent;
        }
        index = bytes.len();
    }
    if index != bytes.len() {
        return Some(Err(not_a_number()));
    }
    if !has_point && !has_exponent && integer_digits.len() > 1 && integer_digits.starts_with('0') {
        return Some(Err(NumberError::new(
            format!("`{text}` has a leading zero"),
            Some("YAML 1.1, which OpenFisca reads, takes a leading 0 as an octal number: remove it, or quote the value if it is a code"),
        )));
    }

    let too_many = || {
        NumberError::new(
            format!("`{text}` has too many digits"),
            Some("a parameter value holds at most 28 significant digits and 28 decimal places"),
        )
    };
    let significant = digits.trim_start_matches('0');
    if significant.len() > 38 {
        return Some(Err(too_many()));
    }
    let mut mantissa: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    let mut scale = fraction_len - exponent;
    if scale < 0 {
        let Some(scaled) = 10i128.checked_pow((-scale) as u32).and_then(|p| mantissa.checked_mul(p)) else {
            return Some(Err(too_many()));
        };
        mantissa = scaled;
        scale = 0;
    }
    while scale > MAX_SCALE && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    if scale > MAX_SCALE {
        return Some(Err(too_many()));
    }
    if (has_point || has_exponent) && scale == 0 {
        if let Some(scaled) = mantissa.checked_mul(10) {
            mantissa = scaled;
            scale = 1;
        }
    }
    if negative {
        mantissa = -mantissa;
    }
    Some(Decimal::try_from_i128_with_scale(mantissa, scale as u32).map_err(|_| too_many()))
}

/// A date written exactly `YYYY-MM-DD` that exists in the calendar.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let year = text[0..4].parse().ok()?;
    let month = text[5..7].parse().ok()?;
    let day = text[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Whether a key is meant as a date (even an invalid one such as `2019-13-01` or `2019-1-1`),
/// which is how OpenFisca tells a parameter written without `values:` from a node.
pub(crate) fn looks_like_date(text: &str) -> bool {
    let mut parts = text.split('-');
    let year_ok = parts.next().is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
    let rest: Vec<&str> = parts.collect();
    year_ok
        && rest.len() == 2
        && rest.iter().all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A YAML node as JSON, for the free-form part of `metadata`. Numbers that a JSON number can
/// hold exactly as an integer stay integers; other numbers go through `f64`, which is fine for
/// metadata that the engine never computes with.
pub(crate) fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Mapping(mapping) => {
            Value::Object(mapping.iter().map(|(key, value)| (key.as_str().to_string(), to_json(value))).collect())
        }
        Node::Sequence(sequence) => Value::Array(sequence.iter().map(to_json).collect()),
        Node::Scalar(scalar) => match classify(scalar) {
            Ok(Scalar::Null) => Value::Null,
            Ok(Scalar::Bool(b)) => Value::Bool(b),
            Ok(Scalar::Number(number)) => {
                json_number(number).map(Value::Number).unwrap_or_else(|| Value::String(scalar.as_str().to_string()))
            }
            Ok(Scalar::Text(_)) | Err(_) => Value::String(scalar.as_str().to_string()),
        },
    }
}

fn json_number(number: Decimal) -> Option<serde_json::Number> {
    if number.scale() == 0 {
        if let Ok(integer) = i64::try_from(number.mantissa()) {
            return Some(integer.into());
        }
    }
    serde_json::Number::from_f64(crate::decimal_to_f64(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> String {
        match parse_number(text) {
            Some(Ok(d)) => d.to_string(),
            Some(Err(e)) => format!("error: {}", e.message),
            None => "text".to_string(),
        }
    }

    #[test]
    fn reads_yaml_1_1_numbers_exactly() {
        assert_eq!(number("1_000"), "1000");
        assert_eq!(number("14_533.98"), "14533.98");
        assert_eq!(number("15_195_928096"), "15195928096");
        assert_eq!(number("-0.5"), "-0.5");
        assert_eq!(number("+3"), "3");
        assert_eq!(number(".5"), "0.5");
        assert_eq!(number("5."), "5.0");
        assert_eq!(number("1.5e3"), "1500.0");
        assert_eq!(number("1.5e+3"), "1500.0");
        assert_eq!(number("25e-2"), "0.25");
        assert_eq!(number("0.850"), "0.850");
        assert_eq!(number("0"), "0");
        assert_eq!(number("7145440325"), "7145440325");
        assert_eq!(number("0.000000000000000000000000000100"), "0.0000000000000000000000000001");
    }

    #[test]
    fn rejects_malformed_numbers() {
        assert_eq!(number("0,85"), "error: `0,85` is not a number");
        assert_eq!(number("12 €"), "error: `12 €` is not a number");
        assert_eq!(number("0123"), "error: `0123` has a leading zero");
        assert_eq!(number("0x1F"), "error: `0x1F` is not a decimal number");
        assert_eq!(number(".inf"), "error: `.inf` is not a finite number");
        assert_eq!(number("1e"), "error: `1e` is not a number");
        assert_eq!(
            number("123456789012345678901234567890"),
            "error: `123456789012345678901234567890` has too many digits"
        );
        assert_eq!(number("abc"), "text");
        assert_eq!(number("-"), "text");
        assert_eq!(number("."), "text");
    }

    #[test]
    fn dates_must_be_calendar_dates() {
        assert_eq!(parse_date("2019-01-31"), NaiveDate::from_ymd_opt(2019, 1, 31));
        assert_eq!(parse_date("2019-13-01"), None);
        assert_eq!(parse_date("2019-02-30"), None);
        assert_eq!(parse_date("2019-1-1"), None);
        assert!(looks_like_date("2019-1-1"));
        assert!(looks_like_date("2019-13-01"));
        assert!(!looks_like_date("values"));
        assert!(!looks_like_date("2019"));
    }
}
