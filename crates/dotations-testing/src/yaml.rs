//! Located YAML: a test file parsed into `marked-yaml` nodes, scalars typed the way OpenFisca's
//! loader (PyYAML, YAML 1.1) types them, and every error pointing at file, line and column.

use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use dotations_params::located;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};

/// Parses a test file: one test (a mapping) or a list of tests.
pub(crate) fn parse(source: &SourceText) -> Result<Node, Diagnostic> {
    // Coercion is prevented so that a scalar remembers whether it was quoted: PyYAML types only
    // plain scalars (`"2020"` is text, `2020` a number).
    let options = || LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let node = match marked_yaml::parse_yaml_with_options(0, source.text(), options()) {
        Err(LoadError::TopLevelMustBeMapping(_)) => {
            marked_yaml::parse_yaml_with_options(0, source.text(), options().toplevel_sequence())
                .map_err(|error| load_error(source, error))
        }
        result => result.map_err(|error| load_error(source, error)),
    }?;
    // OpenFisca's loader (PyYAML's `load`) refuses a second document too.
    located::single_document(source, "a test file holds one YAML document: a test, or a list of tests")?;
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
            let first = inner.prev_key.span().start().map_or(0, |m| m.line());
            let mut diagnostic = Diagnostic::error(format!("duplicate key `{key}`"))
                .with_note(format!("`{key}` is first written on line {first}"));
            if let Some(marker) = inner.key.span().start() {
                diagnostic = diagnostic.at(at(marker, key.chars().count()));
            }
            diagnostic
        }
        LoadError::TopLevelMustBeMapping(marker) | LoadError::TopLevelMustBeSequence(marker) => {
            Diagnostic::error("a test file holds a test (`name:`, `period:`, `input:`, `output:` …) or a list of tests")
                .at(at(&marker, 1))
        }
        LoadError::UnexpectedAnchor(marker) => {
            Diagnostic::error("YAML anchors and aliases (`&name`, `*name`) are not supported in test files")
                .at(at(&marker, 1))
        }
        LoadError::UnexpectedTag(marker) => {
            Diagnostic::error("YAML tags (`!!type`) are not supported in test files").at(at(&marker, 1))
        }
        LoadError::MappingKeyMustBeScalar(marker) => {
            Diagnostic::error("a mapping key must be a plain name, not a mapping or a list").at(at(&marker, 1))
        }
    }
}

/// Locates the nodes of one file.
#[derive(Clone, Copy)]
pub(crate) struct Locator<'a> {
    pub source: &'a SourceText,
}

impl<'a> Locator<'a> {
    /// The location of a scalar, underlining its text (and its quotes when it was quoted).
    pub fn scalar(&self, scalar: &MarkedScalarNode) -> Location {
        located::scalar_location(self.source, scalar)
    }

    /// Where a node starts: a mapping's first key, a list's opening (a block list's first item).
    pub fn node(&self, node: &Node) -> Location {
        match node {
            // A block list is marked at its first item; a flow list at its `[`.
            Node::Sequence(sequence) => match sequence.first() {
                Some(first) if sequence.span().start().map(|m| m.line()) != first.span().start().map(|m| m.line()) => {
                    self.node(first)
                }
                _ => located::location_at(self.source, sequence.span().start(), 1),
            },
            _ => located::node_location(self.source, node, |scalar| self.scalar(scalar)),
        }
    }

    /// The piece of the file a quoted or plain scalar holds, so that a formula written in it
    /// (an expected value such as `"0.7 * (20 / 10)"`) is located in the file.
    pub fn scalar_source(&self, scalar: &MarkedScalarNode) -> SourceText {
        let (line, column) = scalar.span().start().map_or((1, 1), |m| (m.line(), m.column()));
        let indent = if scalar.may_coerce() { column - 1 } else { column };
        SourceText::piece(self.source.path(), scalar.as_str(), line, indent)
    }

    /// Shows the file's own line under diagnostics located in a piece of it (a piece's line is
    /// rebuilt from its text and its indentation, without what precedes it on the line).
    pub fn with_file_lines(&self, mut diagnostics: Diagnostics) -> Diagnostics {
        for diagnostic in &mut diagnostics.0 {
            if let Some(location) = diagnostic.location.as_mut() {
                if *location.file == *self.source.path() {
                    location.line_text = self.source.location_at_line(location.line, 1, 0).line_text;
                }
            }
        }
        diagnostics
    }

    /// An error for each key of `mapping` that is not in `allowed`, with a did-you-mean.
    pub fn unknown_keys(&self, mapping: &MarkedMappingNode, allowed: &[&str], what: &str) -> Vec<Diagnostic> {
        located::unknown_key_errors(mapping, allowed, what, |key| self.scalar(key))
    }
}

/// A scalar typed as PyYAML's YAML 1.1 resolver would type it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Number(f64),
    /// Any other text, or a quoted scalar.
    Text(&'a str),
}

/// Types a scalar. Numbers are read generously: `_` separators (`545_248_126`), a fraction, an
/// exponent with or without a point (`1e6`, which PyYAML leaves as text but OpenFisca then
/// evaluates as a number anyway).
pub(crate) fn classify(scalar: &MarkedScalarNode) -> Scalar<'_> {
    let text = scalar.as_str();
    if !scalar.may_coerce() {
        return Scalar::Text(text);
    }
    match text {
        "~" | "null" | "Null" | "NULL" | "" => Scalar::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Scalar::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Scalar::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Scalar::Number(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Scalar::Number(f64::NAN),
        _ => parse_number(text).map_or(Scalar::Text(text), Scalar::Number),
    }
}

/// Why a plain scalar that reads as a whole number is refused, when OpenFisca's loader (PyYAML,
/// YAML 1.1) reads it otherwise than as decimal digits: `010` is the octal 8 there, `0x1F` is
/// hexadecimal, `1:30` is sexagesimal (90). Guessing either way would change a test silently.
pub(crate) fn yaml11_integer(scalar: &MarkedScalarNode) -> Option<Diagnostic> {
    let text = scalar.as_str().trim();
    if !scalar.may_coerce() {
        return None;
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text).replace('_', "");
    let all = |digits: &str, radix: u32| !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    // Digits checked first: `from_str_radix` also takes a sign.
    let number = |digits: &str, radix| all(digits, radix).then(|| u128::from_str_radix(digits, radix).ok()).flatten();
    let read_as = if let Some(hex) = body.strip_prefix("0x") {
        number(hex, 16).map(|v| format!("the hexadecimal number {v}"))
    } else if let Some(binary) = body.strip_prefix("0b") {
        number(binary, 2).map(|v| format!("the binary number {v}"))
    } else if body.len() > 1 && body.starts_with('0') && all(&body, 10) {
        Some(number(&body, 8).map_or("a text, not a number".into(), |v| format!("the octal number {v}")))
    } else if body.contains(':') && !body.starts_with('0') {
        // Minutes and seconds below 60, as PyYAML's pattern takes them.
        let sixty = |part: &str| number(part, 10).filter(|v| *v < 60 && part.len() <= 2);
        let (first, rest) = body.split_once(':')?;
        rest.split(':')
            .try_fold(number(first, 10)?, |total, part| total.checked_mul(60)?.checked_add(sixty(part)?))
            .map(|v| format!("the sexagesimal number {v}"))
    } else {
        None
    }?;
    Some(
        Diagnostic::error(format!("`{text}` is ambiguous: OpenFisca's YAML loader reads it as {read_as}"))
            .with_help("write the number in decimal digits, without a leading zero (or quote it as a text)"),
    )
}

/// A decimal number with optional `_` separators, fraction and exponent.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mantissa_end = body.find(['e', 'E']).unwrap_or(body.len());
    let (mantissa, exponent) = body.split_at(mantissa_end);
    let digits_ok = |part: &str| part.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let has_digit = integer.bytes().chain(fraction.bytes()).any(|b| b.is_ascii_digit());
    let starts_with_digit = mantissa.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    let exponent_ok = exponent.is_empty() || {
        let e = exponent[1..].strip_prefix(['-', '+']).unwrap_or(&exponent[1..]);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    };
    if !(has_digit && starts_with_digit && digits_ok(integer) && digits_ok(fraction) && exponent_ok) {
        return None;
    }
    text.replace('_', "").parse().ok()
}

/// The text of a scalar node, or `None` for a mapping or a list.
pub(crate) fn scalar(node: &Node) -> Option<&MarkedScalarNode> {
    match node {
        Node::Scalar(scalar) => Some(scalar),
        _ => None,
    }
}

/// What a node is, for messages (`a list`, `a mapping`, `the text "abc"`).
pub(crate) fn describe(node: &Node) -> String {
    match node {
        Node::Mapping(_) => "a mapping".into(),
        Node::Sequence(_) => "a list".into(),
        Node::Scalar(scalar) => match classify(scalar) {
            Scalar::Null => "an empty value".into(),
            Scalar::Bool(b) => format!("the boolean `{b}`"),
            Scalar::Number(_) => format!("the number `{}`", scalar.as_str()),
            Scalar::Text(text) => format!("the text \"{text}\""),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_openfisca_tests_write_them() {
        assert_eq!(parse_number("545_248_126"), Some(545_248_126.0));
        assert_eq!(parse_number("-0.5"), Some(-0.5));
        assert_eq!(parse_number("1e6"), Some(1e6));
        assert_eq!(parse_number("1.5E-3"), Some(0.0015));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("2020-01"), None);
        assert_eq!(parse_number("1e"), None);
        assert_eq!(parse_number("e5"), None);
        assert_eq!(parse_number("."), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("0,85"), None);
    }

    #[test]
    fn whole_numbers_yaml_1_1_reads_otherwise_are_refused() {
        let message = |text: &str| {
            let options = LoaderOptions::default().prevent_coercion(true);
            let node = marked_yaml::parse_yaml_with_options(0, format!("x: {text}"), options).unwrap();
            let scalar = node.as_mapping().unwrap().get_scalar("x").unwrap().clone();
            yaml11_integer(&scalar).map(|d| d.message)
        };
        let read_as =
            |text: &str, what: &str| Some(format!("`{text}` is ambiguous: OpenFisca's YAML loader reads it as {what}"));
        assert_eq!(message("010"), read_as("010", "the octal number 8"));
        assert_eq!(message("-0_10"), read_as("-0_10", "the octal number 8"));
        assert_eq!(message("08"), read_as("08", "a text, not a number"));
        assert_eq!(message("0x1F4"), read_as("0x1F4", "the hexadecimal number 500"));
        assert_eq!(message("0b101"), read_as("0b101", "the binary number 5"));
        assert_eq!(message("8:20"), read_as("8:20", "the sexagesimal number 500"));
        assert_eq!(message("1:02:03"), read_as("1:02:03", "the sexagesimal number 3723"));
        for plain in ["0", "10", "0.5", "-0.25", "1_000", "1e3", "1:75", "'010'", "abc"] {
            assert_eq!(message(plain), None, "{plain}");
        }
    }
}
