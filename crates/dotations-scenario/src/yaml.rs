//! Reading a scenario's YAML with a location for every value, so that each mistake is reported
//! at its file, line and column.
//!
//! Scalars are read untyped (`marked-yaml` with coercion prevented) and typed here, exactly:
//! numbers become `Decimal`s from their source text (`1_000_000`, `0.85`), never through a float.

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Location, SourceText};
use dotations_params::located;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};
use rust_decimal::Decimal;

/// Parses a scenario file: one YAML document whose top level is a mapping.
pub(crate) fn parse(source: &SourceText) -> Result<Node, Diagnostic> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let node =
        marked_yaml::parse_yaml_with_options(0, source.text(), options).map_err(|error| load_error(source, error))?;
    located::single_document(
        source,
        "a scenario file holds one scenario: write another scenario in a file of its own",
    )?;
    Ok(node)
}

fn load_error(source: &SourceText, error: LoadError) -> Diagnostic {
    let at = |marker: &marked_yaml::Marker| source.location_at_line(marker.line(), marker.column(), 1);
    match error {
        LoadError::ScanError(marker, scan) => {
            Diagnostic::error(format!("invalid YAML: {}", scan.info())).at(at(&marker))
        }
        LoadError::DuplicateKey(inner) => {
            let key = inner.key.as_str();
            let first = inner.prev_key.span().start().map_or(0, |m| m.line());
            let diagnostic = Diagnostic::error(format!("duplicate key `{key}`"))
                .with_note(format!("`{key}` is first written on line {first}"));
            match inner.key.span().start() {
                Some(marker) => diagnostic.at(source.location_at_line(marker.line(), marker.column(), key.len())),
                None => diagnostic,
            }
        }
        LoadError::TopLevelMustBeMapping(marker) => {
            Diagnostic::error("a scenario file holds a mapping (`key: value` lines) at its top level").at(at(&marker))
        }
        LoadError::TopLevelMustBeSequence(marker) => Diagnostic::error("unexpected top-level list").at(at(&marker)),
        LoadError::UnexpectedAnchor(marker) => {
            Diagnostic::error("YAML anchors and aliases (`&name`, `*name`) are not supported in scenarios")
                .at(at(&marker))
        }
        LoadError::UnexpectedTag(marker) => {
            Diagnostic::error("YAML tags (`!!type`) are not supported in scenarios").at(at(&marker))
        }
        LoadError::MappingKeyMustBeScalar(marker) => {
            Diagnostic::error("a key must be a plain name, not a mapping or a list").at(at(&marker))
        }
    }
}

/// A number or a percentage, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Number(Decimal),
    /// `5 %`: the number is 5.
    Percent(Decimal),
}

/// Locates the nodes of one file and reads typed values out of them.
pub(crate) struct Locator<'a> {
    pub source: &'a SourceText,
}

impl Locator<'_> {
    /// The location of a scalar, underlining its text.
    pub fn scalar(&self, scalar: &MarkedScalarNode) -> Location {
        let quoted = self.is_quoted(scalar).then(|| self.quoted_columns(scalar)).flatten();
        let length = match (quoted.as_ref().and_then(|c| c.last()), scalar.span().start()) {
            // From the opening quote to the closing one, escapes included.
            (Some(end), Some(start)) => end + 1 - start.column(),
            _ => scalar.as_str().lines().next().map_or(0, |l| l.chars().count()) + 2 * usize::from(quoted.is_some()),
        };
        self.at(scalar.span().start(), length)
    }

    /// The location where a node starts (a mapping's first key; a list's first dash).
    pub fn node(&self, node: &Node) -> Location {
        located::node_location(self.source, node, |scalar| self.scalar(scalar))
    }

    fn at(&self, marker: Option<&marked_yaml::Marker>, length: usize) -> Location {
        located::location_at(self.source, marker, length)
    }

    /// The line a scalar starts on, split at the scalar's first character.
    fn split_line(&self, scalar: &MarkedScalarNode) -> Option<(&str, &str)> {
        let marker = scalar.span().start()?;
        let line = self.source.text().lines().nth(marker.line().checked_sub(1)?)?;
        let start = line.char_indices().nth(marker.column().checked_sub(1)?).map_or(line.len(), |(i, _)| i);
        Some(line.split_at(start))
    }

    /// Whether a scalar is a block (`|` or `>`): its text starts a line of its own.
    fn is_block(&self, scalar: &MarkedScalarNode) -> bool {
        !scalar.may_coerce() && self.split_line(scalar).is_some_and(|(before, _)| before.trim().is_empty())
    }

    /// The columns, in the file, of each character of a quoted scalar's value and then of its
    /// closing quote; `None` when it does not close on the line it opens (YAML folds a quoted
    /// value over several lines into one, and its text no longer matches the file's lines).
    /// Escapes (`\"`, `\u00e9`, `''`) take more columns than the character they give.
    fn quoted_columns(&self, scalar: &MarkedScalarNode) -> Option<Vec<usize>> {
        let (before, rest) = self.split_line(scalar)?;
        let mut chars = rest.chars().peekable();
        let quote = chars.next()?;
        let mut column = before.chars().count() + 2;
        let mut columns = Vec::new();
        while let Some(c) = chars.next() {
            let width = match (quote, c) {
                ('"', '"') | ('\'', '\'') if quote == '"' || chars.peek() != Some(&'\'') => {
                    columns.push(column);
                    return Some(columns);
                }
                ('"', '\\') => match chars.next() {
                    Some('x') => 4,
                    Some('u') => 6,
                    Some('U') => 10,
                    _ => 2,
                },
                // In single quotes, a quote is written twice.
                ('\'', '\'') => {
                    chars.next();
                    2
                }
                _ => 1,
            };
            if width > 2 {
                (0..width - 2).for_each(|_| _ = chars.next());
            }
            columns.push(column);
            column += width;
        }
        None
    }

    fn is_quoted(&self, scalar: &MarkedScalarNode) -> bool {
        !scalar.may_coerce()
            && !self.is_block(scalar)
            && self.split_line(scalar).is_some_and(|(_, text)| text.starts_with(['"', '\'']))
    }

    /// One error for each key of `mapping` not in `allowed`, with a did-you-mean.
    pub fn unknown_keys(&self, mapping: &MarkedMappingNode, allowed: &[&str], what: &str) -> Vec<Diagnostic> {
        located::unknown_key_errors(mapping, allowed, what, |key| self.scalar(key))
    }

    /// The key scalar of `key` in `mapping` (to point at it).
    pub fn key<'m>(&self, mapping: &'m MarkedMappingNode, key: &str) -> Option<&'m MarkedScalarNode> {
        mapping.keys().find(|k| k.as_str() == key)
    }

    pub fn expect_scalar<'n>(&self, node: &'n Node, what: &str) -> Result<&'n MarkedScalarNode, Diagnostic> {
        match node {
            Node::Scalar(scalar) => Ok(scalar),
            _ => Err(Diagnostic::error(format!("{what} must be a single value, not a mapping or a list"))
                .at(self.node(node))),
        }
    }

    pub fn expect_mapping<'n>(&self, node: &'n Node, what: &str) -> Result<&'n MarkedMappingNode, Diagnostic> {
        match node {
            Node::Mapping(mapping) => Ok(mapping),
            _ => Err(Diagnostic::error(format!("{what} must be a mapping (`key: value` lines)")).at(self.node(node))),
        }
    }

    /// A list; a single item written without a dash is taken as a list of one.
    pub fn items<'n>(&self, node: &'n Node) -> Vec<&'n Node> {
        match node {
            Node::Sequence(sequence) => sequence.iter().collect(),
            other => vec![other],
        }
    }

    /// A text (a name, a description), or an error when it is a mapping or a list.
    pub fn text(&self, node: &Node, what: &str) -> Result<String, Diagnostic> {
        Ok(self.expect_scalar(node, what)?.as_str().trim().to_string())
    }

    /// A date written `YYYY-MM-DD`, quoted or not.
    pub fn date(&self, node: &Node, what: &str) -> Result<NaiveDate, Diagnostic> {
        let scalar = self.expect_scalar(node, what)?;
        NaiveDate::parse_from_str(scalar.as_str().trim(), "%Y-%m-%d").map_err(|_| {
            Diagnostic::error(format!("`{}` is not a valid date", scalar.as_str()))
                .at(self.scalar(scalar))
                .with_help("dates are written YYYY-MM-DD, e.g. 2025-01-01")
        })
    }

    /// A whole number (a year, a bracket index).
    pub fn integer(&self, node: &Node, what: &str) -> Result<i64, Diagnostic> {
        let scalar = self.expect_scalar(node, what)?;
        scalar.as_str().trim().replace('_', "").parse::<i64>().map_err(|_| {
            Diagnostic::error(format!("{what} must be a whole number, not `{}`", scalar.as_str()))
                .at(self.scalar(scalar))
        })
    }

    /// A number (`1_000_000`, `-0.5`, `2e-3`).
    pub fn number(&self, node: &Node, what: &str) -> Result<Decimal, Diagnostic> {
        let scalar = self.expect_scalar(node, what)?;
        parse_decimal(scalar.as_str()).ok_or_else(|| {
            Diagnostic::error(format!("{what} must be a number, not `{}`", scalar.as_str()))
                .at(self.scalar(scalar))
                .with_help("write numbers with a dot for decimals and `_` between thousands, e.g. 1_250_000.50")
        })
    }

    /// A number or a percentage (`5 %`).
    pub fn amount(&self, node: &Node, what: &str) -> Result<Amount, Diagnostic> {
        let scalar = self.expect_scalar(node, what)?;
        let text = scalar.as_str().trim();
        let parsed = match text.strip_suffix('%') {
            Some(number) => parse_decimal(number).map(Amount::Percent),
            None => parse_decimal(text).map(Amount::Number),
        };
        parsed.ok_or_else(|| {
            Diagnostic::error(format!("{what} must be a number or a percentage, not `{text}`"))
                .at(self.scalar(scalar))
                .with_help("e.g. 150_000_000, 0.5 or 5 %")
        })
    }

    /// Whether a scalar is YAML's null (`~`, `null`, nothing).
    pub fn is_null(&self, scalar: &MarkedScalarNode) -> bool {
        scalar.may_coerce() && matches!(scalar.as_str().trim(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// A boolean written `true` or `false`, if the scalar is one.
    pub fn boolean(&self, scalar: &MarkedScalarNode) -> Option<bool> {
        if !scalar.may_coerce() {
            return None;
        }
        match scalar.as_str().trim() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// Rule text written in a YAML block (`formula: |`), as a piece of this file, so that the
    /// language's errors point into the scenario. A one-line value works too; a folded block
    /// (`>`) or a quoted value spanning lines would lose the line numbers and is refused.
    pub fn rule_text(&self, node: &Node, what: &str) -> Result<SourceText, Diagnostic> {
        let scalar = self.expect_scalar(node, what)?;
        let (line, column) = scalar.span().start().map_or((1, 1), |m| (m.line(), m.column()));
        let text = scalar.as_str().to_string();
        let path = self.source.path().to_string();
        if self.is_block(scalar) {
            if !self.is_literal_block(scalar) {
                return Err(Diagnostic::error(format!(
                    "write {what} as a literal block (`|`), not a folded one (`>`)"
                ))
                .at(self.scalar(scalar))
                .with_help("a literal block keeps the lines as written, so that messages point at the right line"));
            }
            return Ok(SourceText::piece(path, text, line, column - 1));
        }
        let several_lines = || {
            Diagnostic::error(format!("write {what} on several lines as a literal block (`|`)")).at(self.scalar(scalar))
        };
        if self.is_quoted(scalar) {
            let columns = self.quoted_columns(scalar).filter(|_| !text.contains('\n')).ok_or_else(several_lines)?;
            let line_text = self.split_line(scalar).map(|(before, rest)| format!("{before}{rest}")).unwrap_or_default();
            if columns.len() != text.chars().count() + 1 {
                // Not as this reader understands escapes: located as if there were none.
                return Ok(SourceText::piece(path, text, line, column));
            }
            return Ok(SourceText::quoted_piece(path, text, line, line_text, columns));
        }
        // A plain value over several lines is folded into one, as a quoted one is.
        let on_its_line = self.split_line(scalar).is_none_or(|(_, rest)| {
            let rest = rest.split(" #").next().unwrap_or(rest);
            rest.starts_with(text.trim_end())
        });
        if !on_its_line {
            return Err(several_lines());
        }
        Ok(SourceText::piece(path, text, line, column - 1))
    }

    /// Whether a block is literal (`|`): the last line above its text that is not blank ends
    /// with `|`, possibly followed by a chomping or indentation indicator and a comment.
    fn is_literal_block(&self, scalar: &MarkedScalarNode) -> bool {
        let Some(marker) = scalar.span().start() else { return false };
        let lines: Vec<&str> = self.source.text().lines().collect();
        lines[..marker.line().saturating_sub(1).min(lines.len())]
            .iter()
            .rev()
            .map(|l| l.split(" #").next().unwrap_or("").trim_end())
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit()).ends_with('|'))
    }
}

/// A decimal number written as YAML 1.1 would read it (`_` between digits allowed).
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim().replace('_', "");
    if text.is_empty() {
        return None;
    }
    if text.contains(['e', 'E']) {
        return Decimal::from_scientific(&text).ok();
    }
    text.parse::<Decimal>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_exactly() {
        assert_eq!(parse_decimal("1_000_000"), Some(Decimal::from(1_000_000)));
        assert_eq!(parse_decimal("0.85"), Some(Decimal::new(85, 2)));
        assert_eq!(parse_decimal("-2e3"), Some(Decimal::from(-2000)));
        assert_eq!(parse_decimal("12 €"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn a_literal_block_becomes_a_piece_of_the_file() {
        let source = SourceText::new("s.yaml", "formula: |\n  let a = 1\n  a + b\n");
        let node = parse(&source).unwrap();
        let locator = Locator { source: &source };
        let formula = node.as_mapping().unwrap().get_node("formula").unwrap();
        let piece = locator.rule_text(formula, "the formula").unwrap();
        let location = piece.location(piece.text().find('b').unwrap(), 1);
        assert_eq!((location.line, location.column), (3, 7));
    }

    #[test]
    fn a_folded_block_is_refused() {
        let source = SourceText::new("s.yaml", "formula: >\n  a\n  + b\n");
        let node = parse(&source).unwrap();
        let locator = Locator { source: &source };
        let formula = node.as_mapping().unwrap().get_node("formula").unwrap();
        assert!(locator.rule_text(formula, "the formula").is_err());
    }
}
