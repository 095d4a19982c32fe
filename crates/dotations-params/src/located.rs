//! Locations of `marked-yaml` nodes in their file: what every reader of located YAML (parameter
//! files, test files, scenario files) points at when it reports a mistake.

use dotations_diagnostics::{did_you_mean, Diagnostic, Location, SourceText};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{Marker, Node};

/// An error when the file holds a second YAML document (`---` or `...` followed by more):
/// `marked-yaml` reads the first one only, and the rest would be silently dropped. `note` says
/// what the file should hold.
pub fn single_document(source: &SourceText, note: &str) -> Result<(), Diagnostic> {
    match second_document_line(source.text()) {
        Some(line) => Err(Diagnostic::error("this file holds a second YAML document")
            .at(source.location_at_line(line, 1, 3))
            .with_note(note)),
        None => Ok(()),
    }
}

/// The line of a document marker (`---` or `...` at column 1) followed by more content, if
/// any: `marked-yaml` stops after the first document and would silently drop the rest.
fn second_document_line(text: &str) -> Option<usize> {
    let is_content = |line: &str| {
        let line = line.trim();
        !line.is_empty() && !line.starts_with('#') && !line.starts_with('%')
    };
    let is_marker = |line: &str| {
        ["---", "..."]
            .iter()
            .any(|m| line.strip_prefix(m).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t'])))
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut seen_content = false;
    for (index, line) in lines.iter().enumerate() {
        if is_marker(line) {
            if seen_content && lines[index + 1..].iter().any(|l| is_content(l)) {
                return Some(index + 1);
            }
        } else if is_content(line) {
            seen_content = true;
        }
    }
    None
}

/// The place a marker names, `length` characters long (the file's start when there is none).
pub fn location_at(source: &SourceText, marker: Option<&Marker>, length: usize) -> Location {
    match marker {
        Some(marker) => source.location_at_line(marker.line(), marker.column(), length),
        None => source.location_at_line(1, 1, 0),
    }
}

/// A scalar, underlining its text (and its quotes when it was quoted).
pub fn scalar_location(source: &SourceText, scalar: &MarkedScalarNode) -> Location {
    let quotes = if scalar.may_coerce() { 0 } else { 2 };
    location_at(source, scalar.span().start(), scalar.as_str().chars().count() + quotes)
}

/// Where a node starts, its scalars located by `scalar`: a mapping's first key (the loader
/// marks a block mapping where its first value starts), a list's start.
pub fn node_location(source: &SourceText, node: &Node, scalar: impl Fn(&MarkedScalarNode) -> Location) -> Location {
    match node {
        Node::Scalar(value) => scalar(value),
        Node::Mapping(mapping) => match mapping.keys().next() {
            Some(key) => scalar(key),
            None => location_at(source, mapping.span().start(), 1),
        },
        Node::Sequence(sequence) => location_at(source, sequence.span().start(), 1),
    }
}

/// An error for each key of `mapping` that is not in `allowed`, located by `scalar`, with a
/// did-you-mean and the list of the keys of `what`.
pub fn unknown_key_errors(
    mapping: &MarkedMappingNode,
    allowed: &[&str],
    what: &str,
    scalar: impl Fn(&MarkedScalarNode) -> Location,
) -> Vec<Diagnostic> {
    mapping
        .keys()
        .filter(|key| !allowed.contains(&key.as_str()))
        .map(|key| {
            Diagnostic::error(format!("unknown key `{}` in {what}", key.as_str()))
                .at(scalar(key))
                .with_help_opt(did_you_mean(key.as_str(), allowed.iter().copied()))
                .with_note(format!("the keys of {what} are: {}", allowed.join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_document_is_found() {
        assert_eq!(second_document_line("---\na: 1\n"), None);
        assert_eq!(second_document_line("a: 1\n...\n# end\n"), None);
        assert_eq!(second_document_line("%YAML 1.1\n---\na: 1\n"), None);
        assert_eq!(second_document_line("a: 1\n---\nb: 2\n"), Some(2));
        assert_eq!(second_document_line("a: |\n  ---\n  x\n"), None, "indented: a block's text");
    }
}
