//! Locations of `marked-yaml` nodes in their file: what every reader of located YAML (parameter
//! files, test files, scenario files) points at when it reports a mistake.

use dotations_diagnostics::{did_you_mean, Diagnostic, Location, SourceText};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{Marker, Node};

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
