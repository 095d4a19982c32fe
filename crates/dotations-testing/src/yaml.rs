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
    match marked_yaml::parse_yaml_with_options(0, source.text(), options()) {
        Err(LoadError::TopLevelMustBeMapping(_)) => {
            marked_yaml::parse_yaml_with_options(0, source.text(), options().toplevel_sequence())
                .map_err(|error| load_error(source, error))
        }
        result => result.map_err(|error| load_error(source, error)),
    }
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
}
