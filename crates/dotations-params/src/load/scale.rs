//! Scales and their brackets.

use std::collections::BTreeMap;

use dotations_diagnostics::{did_you_mean, Diagnostic, Location};
use marked_yaml::types::MarkedMappingNode;
use marked_yaml::Node;

use super::file::FileLoader;
use crate::model::{Bracket, BracketField, Parameter, Scale};
use crate::scale::ScaleKind;

const SCALE_KEYS: [&str; 6] = ["brackets", "description", "documentation", "metadata", "reference", "unit"];
const BRACKET_KEYS: [&str; 5] = ["amount", "average_rate", "base", "rate", "threshold"];

impl FileLoader<'_> {
    pub(super) fn scale(
        &mut self,
        path: &str,
        mapping: &MarkedMappingNode,
        brackets_node: &Node,
        location: Location,
    ) -> Option<Scale> {
        self.errors.extend(self.locator.unknown_keys(mapping, &SCALE_KEYS, &format!("scale `{path}`")));
        let (description, documentation, metadata) = self.common(mapping);
        let Some(items) = brackets_node.as_sequence() else {
            self.errors.push(
                Diagnostic::error(format!("`brackets` of scale `{path}` must be a list"))
                    .at(self.locator.node(brackets_node)),
            );
            return None;
        };
        // Indices are kept for messages: a bracket that fails to load leaves a gap.
        let brackets: Vec<(usize, Bracket)> = items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| self.bracket(path, index, item).map(|bracket| (index, bracket)))
            .collect();
        let declared = match metadata.scale_type.as_deref() {
            None => None,
            Some(name) => match ScaleKind::from_name(name) {
                Some(kind) => Some(kind),
                None => {
                    let names = ScaleKind::ALL.map(ScaleKind::name);
                    let type_node = mapping.get_mapping("metadata").and_then(|m| m.get_node("type"));
                    self.errors.push(
                        Diagnostic::error(format!("unknown scale type `{name}`"))
                            .at_opt(type_node.map(|node| self.locator.node(node)))
                            .with_help_opt(did_you_mean(name, names.iter().copied()))
                            .with_note(format!("scale types: {}", names.join(", "))),
                    );
                    return None;
                }
            },
        };
        let has = |field| brackets.iter().any(|(_, b): &(usize, Bracket)| b.field(field).is_some());
        let kind = declared.unwrap_or(if has(BracketField::Amount) {
            ScaleKind::MarginalAmount
        } else if has(BracketField::AverageRate) {
            ScaleKind::LinearAverageRate
        } else {
            ScaleKind::MarginalRate
        });
        self.check_bracket_fields(path, kind, &brackets);
        let brackets = brackets.into_iter().map(|(_, bracket)| bracket).collect();
        Some(Scale { path: path.to_string(), description, documentation, metadata, kind, brackets, location })
    }

    /// Each bracket holds the field of its scale's kind, and no field of another kind (OpenFisca
    /// would silently drop such a bracket).
    fn check_bracket_fields(&mut self, path: &str, kind: ScaleKind, brackets: &[(usize, Bracket)]) {
        let wanted = kind.value_field();
        for (index, bracket) in brackets {
            if bracket.field(wanted).is_none() {
                self.errors.push(
                    Diagnostic::error(format!("bracket {index} of scale `{path}` has no `{}`", wanted.name()))
                        .at(bracket.location.clone())
                        .with_note(format!(
                            "the brackets of a `{}` scale take `threshold` and `{}`",
                            kind.name(),
                            wanted.name()
                        )),
                );
            }
            for field in [BracketField::Amount, BracketField::Rate, BracketField::AverageRate] {
                if field == wanted {
                    continue;
                }
                if let Some(parameter) = bracket.field(field) {
                    self.errors.push(
                        Diagnostic::error(format!("`{}` does not belong in a `{}` scale", field.name(), kind.name()))
                            .at(parameter.location.clone())
                            .with_help(format!(
                                "its brackets take `{}`, or set `metadata: {{type: …}}` to the kind of scale meant",
                                wanted.name()
                            )),
                    );
                }
            }
        }
    }

    fn bracket(&mut self, path: &str, index: usize, item: &Node) -> Option<Bracket> {
        let location = self.locator.node(item);
        let Some(mapping) = item.as_mapping() else {
            self.errors
                .push(Diagnostic::error(format!("bracket {index} of scale `{path}` must be a mapping")).at(location));
            return None;
        };
        self.errors.extend(self.locator.unknown_keys(
            mapping,
            &BRACKET_KEYS,
            &format!("bracket {index} of scale `{path}`"),
        ));
        let mut fields: BTreeMap<&str, Parameter> = BTreeMap::new();
        for (key, value) in mapping.iter() {
            let Some(field) = BracketField::from_name(key.as_str()) else {
                continue;
            };
            let field_path = format!("{path}.brackets[{index}].{}", field.name());
            match value.as_mapping() {
                Some(values) if !values.is_empty() => {
                    if let Some(parameter) = self.parameter(&field_path, values, self.locator.scalar(key), true) {
                        fields.insert(field.name(), parameter);
                    }
                }
                _ => self.errors.push(
                    Diagnostic::error(format!(
                        "`{}` of bracket {index} of scale `{path}` must be dated values",
                        field.name()
                    ))
                    .at(self.locator.node(value))
                    .with_help("e.g. `threshold: {2019-01-01: {value: 0}}`"),
                ),
            }
        }
        let Some(threshold) = fields.remove("threshold") else {
            if mapping.get_node("threshold").is_none() {
                self.errors.push(
                    Diagnostic::error(format!("bracket {index} of scale `{path}` has no `threshold`")).at(location),
                );
            }
            return None;
        };
        Some(Bracket {
            threshold,
            amount: fields.remove("amount"),
            rate: fields.remove("rate"),
            average_rate: fields.remove("average_rate"),
            base: fields.remove("base"),
            location,
        })
    }
}
