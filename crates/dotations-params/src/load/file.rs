//! The content of one parameter file: nodes, parameters and their dated values.

use dotations_diagnostics::{did_you_mean, Diagnostic, Location};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;

use super::{empty_node, join, name_problem, Item, COMMON_KEYS};
use crate::metadata::{read_metadata, Metadata};
use crate::model::{DatedValue, ParamValue, Parameter, ParameterNode};
use crate::yaml::{self, classify, looks_like_date, parse_date, Locator, Scalar};

const PARAMETER_KEYS: [&str; 6] = ["description", "documentation", "metadata", "reference", "unit", "values"];
const VALUE_KEYS: [&str; 4] = ["metadata", "reference", "unit", "value"];
/// Keys whose near-misses in a node are reported: OpenFisca would load `vaules:` as a child.
const RESERVED_KEYS: [&str; 6] = ["brackets", "description", "documentation", "metadata", "reference", "values"];

/// Reads the content of one file.
pub(super) struct FileLoader<'a> {
    pub(super) locator: Locator<'a>,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) items: Vec<(String, Item)>,
}

impl FileLoader<'_> {
    /// A child is a parameter if it has `values` or only date keys, a scale if it has
    /// `brackets`, and a node otherwise (`helpers._parse_child`).
    pub(super) fn child(&mut self, path: &str, node: &Node, location: Location) {
        let Some(mapping) = node.as_mapping() else {
            self.errors.push(
                Diagnostic::error(format!("`{path}` must be a mapping: a node, a parameter or a scale"))
                    .at(self.locator.node(node)),
            );
            return;
        };
        if mapping.is_empty() {
            self.errors.push(
                Diagnostic::error(format!("`{path}` is empty"))
                    .at(location)
                    .with_help("a parameter needs `values`, a scale `brackets`, a node at least one child"),
            );
        } else if mapping.get_node("values").is_some() || mapping.keys().any(|k| looks_like_date(k.as_str())) {
            if let Some(parameter) = self.parameter(path, mapping, location, false) {
                self.items.push((path.to_string(), Item::Parameter(parameter)));
            }
        } else if let Some(brackets) = mapping.get_node("brackets") {
            if let Some(scale) = self.scale(path, mapping, brackets, location) {
                self.items.push((path.to_string(), Item::Scale(scale)));
            }
        } else {
            self.node(path, mapping, location);
        }
    }

    fn node(&mut self, path: &str, mapping: &MarkedMappingNode, location: Location) {
        let (description, documentation, metadata) = self.common(mapping);
        self.items.push((
            path.to_string(),
            Item::Node(ParameterNode {
                description,
                documentation,
                metadata,
                ..empty_node(path.to_string(), Some(location))
            }),
        ));
        for (key, value) in mapping.iter() {
            let name = key.as_str();
            if COMMON_KEYS.contains(&name) {
                continue;
            }
            let here = self.locator.scalar(key);
            if let Some(problem) = name_problem(name) {
                self.errors.push(Diagnostic::error(format!("the name `{name}` {problem}")).at(here));
                continue;
            }
            let near_miss = RESERVED_KEYS.iter().find(|reserved| strsim::osa_distance(name, reserved) <= 1);
            if let Some(reserved) = near_miss {
                self.errors.push(
                    Diagnostic::error(format!("unexpected key `{name}` in `{path}`"))
                        .at(here)
                        .with_help(format!("did you mean `{reserved}`?"))
                        .with_note(format!("OpenFisca would read it as a child named `{name}`; rename the child if that is what you mean")),
                );
                continue;
            }
            if value.as_mapping().is_none() {
                self.errors.push(
                    Diagnostic::error(format!("unexpected key `{name}` in `{path}`"))
                        .at(here)
                        .with_help_opt(did_you_mean(name, COMMON_KEYS.iter().copied()))
                        .with_note("a child of a node is a node, a parameter or a scale, each a mapping"),
                );
                continue;
            }
            self.child(&join(path, name), value, here);
        }
    }

    /// `description`, `documentation` and `metadata` (with the older `unit` and `reference`).
    pub(super) fn common(&mut self, mapping: &MarkedMappingNode) -> (Option<String>, Option<String>, Metadata) {
        let mut text = |key: &str| {
            let node = mapping.get_node(key)?;
            self.locator.text(node, &format!("`{key}`")).map_err(|e| self.errors.push(e)).ok().flatten()
        };
        let description = text("description");
        let documentation = text("documentation");
        let metadata = self.metadata(mapping);
        (description, documentation, metadata)
    }

    fn metadata(&mut self, mapping: &MarkedMappingNode) -> Metadata {
        let mut pairs: Vec<(&MarkedScalarNode, &Node)> =
            mapping.iter().filter(|(key, _)| matches!(key.as_str(), "unit" | "reference")).collect();
        if let Some((key, value)) = mapping.iter().find(|(key, _)| key.as_str() == "metadata") {
            match value {
                Node::Mapping(inner) => pairs.extend(inner.iter()),
                Node::Scalar(scalar) if scalar.may_coerce() && yaml::is_null(scalar.as_str()) => {}
                _ => self.errors.push(Diagnostic::error("`metadata` must be a mapping").at(self.locator.scalar(key))),
            }
        }
        read_metadata(&self.locator, pairs, &mut self.errors)
    }

    /// A parameter, written with `values:` or as a mapping of dates. Bracket fields are
    /// parameters whose values must be numbers.
    pub(super) fn parameter(
        &mut self,
        path: &str,
        mapping: &MarkedMappingNode,
        location: Location,
        numbers_only: bool,
    ) -> Option<Parameter> {
        let what = format!("parameter `{path}`");
        let (description, documentation, metadata, values) = match mapping.get_node("values") {
            Some(values) => {
                self.errors.extend(self.locator.unknown_keys(mapping, &PARAMETER_KEYS, &what));
                let (description, documentation, metadata) = self.common(mapping);
                let values = match values.as_mapping() {
                    Some(values) if !values.is_empty() => self.dated_values(path, values.iter(), numbers_only),
                    _ => {
                        self.errors.push(
                            Diagnostic::error(format!("`values` of `{path}` must be a mapping from dates to values"))
                                .at(self.locator.node(values))
                                .with_help("e.g. `values: {2019-01-01: {value: 0.5}}`"),
                        );
                        return None;
                    }
                };
                (description, documentation, metadata, values)
            }
            None => {
                for (key, _) in mapping.iter().filter(|(key, _)| !looks_like_date(key.as_str())) {
                    self.errors.push(
                        Diagnostic::error(format!("unexpected key `{}` in {what}", key.as_str()))
                            .at(self.locator.scalar(key))
                            .with_help_opt(did_you_mean(key.as_str(), PARAMETER_KEYS.iter().copied()))
                            .with_note("a parameter written without `values:` holds only dates"),
                    );
                }
                let dated = mapping.iter().filter(|(key, _)| looks_like_date(key.as_str()));
                (None, None, Metadata::default(), self.dated_values(path, dated, numbers_only))
            }
        };
        Some(Parameter { path: path.to_string(), description, documentation, metadata, values, location })
    }

    fn dated_values<'n>(
        &mut self,
        path: &str,
        entries: impl Iterator<Item = (&'n MarkedScalarNode, &'n Node)>,
        numbers_only: bool,
    ) -> Vec<DatedValue> {
        let mut values: Vec<DatedValue> = Vec::new();
        for (key, entry) in entries {
            let Some(start) = parse_date(key.as_str()) else {
                let error = if looks_like_date(key.as_str()) {
                    self.locator.bad_date(key)
                } else {
                    Diagnostic::error(format!("unexpected key `{}` in the values of `{path}`", key.as_str()))
                        .at(self.locator.scalar(key))
                        .with_help("the keys of `values` are dates written YYYY-MM-DD")
                };
                self.errors.push(error);
                continue;
            };
            if let Some(value) = self.dated_value(path, start, entry, numbers_only) {
                values.push(value);
            }
        }
        values.sort_by_key(|value| value.start);
        values
    }

    /// One entry: `{value: x, metadata: …}` or the shorthand `x`. OpenFisca skips entries marked
    /// `expected` (announced values), and so do we.
    fn dated_value(
        &mut self,
        path: &str,
        start: chrono::NaiveDate,
        entry: &Node,
        numbers_only: bool,
    ) -> Option<DatedValue> {
        let (value_node, metadata) = match entry {
            Node::Scalar(scalar) if scalar.may_coerce() && scalar.as_str() == "expected" => return None,
            Node::Scalar(_) => (entry, Metadata::default()),
            Node::Mapping(mapping) => {
                if mapping.get_node("expected").is_some_and(is_truthy) {
                    return None;
                }
                let what = format!("the value of `{path}` on {start}");
                let unknown = self.locator.unknown_keys(mapping, &VALUE_KEYS, &what);
                let Some(value_node) = mapping.get_node("value") else {
                    // A misspelt `value` is already reported as an unknown key.
                    if unknown.is_empty() {
                        self.errors.push(
                            Diagnostic::error(format!("missing `value` for `{path}` on {start}"))
                                .at(self.locator.node(entry)),
                        );
                    }
                    self.errors.extend(unknown);
                    return None;
                };
                self.errors.extend(unknown);
                (value_node, self.metadata(mapping))
            }
            Node::Sequence(_) => (entry, Metadata::default()),
        };
        let location = self.locator.node(value_node);
        let Node::Scalar(scalar) = value_node else {
            self.errors.push(
                Diagnostic::error(format!(
                    "the value of `{path}` on {start} must be a number, a boolean, a text or null"
                ))
                .at(location)
                .with_note("lists and mappings are not supported as parameter values"),
            );
            return None;
        };
        let value = match classify(scalar) {
            Ok(Scalar::Null) => None,
            Ok(Scalar::Number(number)) => Some(ParamValue::Number(number)),
            Ok(Scalar::Bool(_) | Scalar::Text(_)) if numbers_only => {
                self.errors.push(
                    Diagnostic::error(format!("`{}` is not a number", scalar.as_str()))
                        .at(location)
                        .with_note(format!("the values of `{path}` must be numbers")),
                );
                return None;
            }
            Ok(Scalar::Bool(b)) => Some(ParamValue::Bool(b)),
            Ok(Scalar::Text(text)) => Some(ParamValue::Text(text.to_string())),
            Err(error) => {
                self.errors.push(Diagnostic::error(error.message).at(location).with_help_opt(error.help));
                return None;
            }
        };
        Some(DatedValue { start, value, location, metadata })
    }
}

/// Python truthiness of a YAML value, for `expected:`.
fn is_truthy(node: &Node) -> bool {
    match node {
        Node::Scalar(scalar) => match classify(scalar) {
            Ok(Scalar::Null) | Ok(Scalar::Bool(false)) => false,
            Ok(Scalar::Number(number)) => !number.is_zero(),
            Ok(Scalar::Text(text)) => !text.is_empty(),
            _ => true,
        },
        Node::Mapping(mapping) => !mapping.is_empty(),
        Node::Sequence(sequence) => !sequence.is_empty(),
    }
}
