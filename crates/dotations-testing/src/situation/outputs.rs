//! The `output` of a test: which variable is expected, at which year, for which rows, within
//! which margins.
//!
//! As in OpenFisca, an output key is a variable (a scalar for every row, or a list with one
//! value per row), an entity's singular name (`etat: {variable: value}`, the same as the
//! variable at the top), or an entity's plural with identifiers
//! (`communes: {a: {variable: value}}`, only the named rows).

use dotations_diagnostics::{did_you_mean, Diagnostic};
use dotations_engine::model::{EntityId, ValueType, VarId};
use dotations_engine::Dataset;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;

use super::{Check, Ids, Reader, Selection};
use crate::format::TestCase;
use crate::values::Role;
use crate::yaml::{self, classify, Scalar};

/// What the outputs are checked against: the dataset's rows and the test's options.
pub(super) struct Against<'t> {
    pub dataset: &'t Dataset,
    pub ids: Option<&'t Ids>,
    pub test: &'t TestCase,
    pub selection: &'t Selection,
}

impl Reader<'_> {
    pub(super) fn outputs(&mut self, mapping: &MarkedMappingNode, against: &Against<'_>, checks: &mut Vec<Check>) {
        for (key, value) in mapping.iter() {
            let is_variable = self.model.variable_id(key.as_str()).is_some();
            match self.entity(key.as_str()) {
                Some((entity, true)) if !is_variable => self.outputs_by_id(entity, key, value, against, checks),
                Some((_, false)) if !is_variable => match value {
                    Node::Mapping(fields) => {
                        for (name, value) in fields.iter() {
                            if let Some(var) = self.variable(name) {
                                self.output(var, name, value, None, against, checks);
                            }
                        }
                    }
                    other => self.diagnostics.push(
                        Diagnostic::error(format!("`{}` holds variables, not {}", key.as_str(), yaml::describe(other)))
                            .at(self.locator.node(other)),
                    ),
                },
                _ => {
                    if let Some(var) = self.variable(key) {
                        self.output(var, key, value, None, against, checks);
                    }
                }
            }
        }
    }

    /// `communes: {a: {variable: value}}`: values of named rows.
    fn outputs_by_id(
        &mut self,
        entity: EntityId,
        key: &MarkedScalarNode,
        value: &Node,
        against: &Against<'_>,
        checks: &mut Vec<Check>,
    ) {
        let Node::Mapping(items) = value else {
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "`{}` lists its items by identifier, not {}",
                    key.as_str(),
                    yaml::describe(value)
                ))
                .at(self.locator.node(value)),
            );
            return;
        };
        let known: Vec<String> = match against.ids {
            Some(ids) => {
                let mut known: Vec<(&String, &usize)> = ids[entity].iter().collect();
                known.sort_by_key(|(_, row)| **row);
                known.into_iter().map(|(id, _)| id.clone()).collect()
            }
            None => against.dataset.ids(entity).to_vec(),
        };
        for (id, fields) in items.iter() {
            let Some(row) = known.iter().position(|k| k == id.as_str()) else {
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is not one of the test's {}", id.as_str(), key.as_str()))
                        .at(self.locator.scalar(id))
                        .with_help_opt(did_you_mean(id.as_str(), known.iter().map(String::as_str)))
                        .with_note(format!("the {} of this test are: {}", key.as_str(), known.join(", "))),
                );
                continue;
            };
            let Node::Mapping(fields) = fields else {
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` holds variables, not {}", id.as_str(), yaml::describe(fields)))
                        .at(self.locator.node(fields)),
                );
                continue;
            };
            for (name, value) in fields.iter() {
                let Some(var) = self.variable(name) else { continue };
                let var_entity = self.model.variables[var].entity;
                if var_entity != entity {
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{}` is defined per {}, not per {}",
                            name.as_str(),
                            self.model.entities[var_entity].name,
                            self.model.entities[entity].name
                        ))
                        .at(self.locator.scalar(name)),
                    );
                    continue;
                }
                self.output(var, name, value, Some(row), against, checks);
            }
        }
    }

    /// One output variable: its value at the test's period or per period.
    fn output(
        &mut self,
        var: VarId,
        key: &MarkedScalarNode,
        value: &Node,
        row: Option<usize>,
        against: &Against<'_>,
        checks: &mut Vec<Check>,
    ) {
        let name = key.as_str();
        if !against.selection.keeps(against.test, name) {
            return;
        }
        if self.model.variables[var].value_type == ValueType::Text {
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "`{name}` is a text variable: texts are inputs, there is nothing to compute"
                ))
                .at(self.locator.scalar(key)),
            );
            return;
        }
        let rows = against.dataset.size(self.model.variables[var].entity);
        for (year, node, location) in self.periods(var, key, value) {
            // The rows checked, and the value written for each (one value may stand for all).
            let (rows_checked, nodes): (Vec<usize>, Vec<&Node>) = match (row, node) {
                (_, Node::Mapping(_)) => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("the expected value of `{name}` is a mapping"))
                            .at(self.locator.node(node))
                            .with_help("give a value, a list of values (one per row), or values per period"),
                    );
                    continue;
                }
                (Some(_), Node::Sequence(_)) => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("`{name}` of one item is one value, not a list"))
                            .at(self.locator.node(node)),
                    );
                    continue;
                }
                (Some(row), node) => (vec![row], vec![node]),
                (None, Node::Sequence(items)) if items.len() != rows => {
                    let entity = &self.model.entities[self.model.variables[var].entity];
                    let count_name = if rows == 1 { &entity.name } else { &entity.plural };
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{name}` expects {} values, but this test has {rows} {count_name}",
                            items.len()
                        ))
                        .at(self.locator.node(node))
                        .with_help(format!(
                            "give one value per {}, in their order, or a single value for all",
                            entity.name
                        )),
                    );
                    continue;
                }
                (None, Node::Sequence(items)) => ((0..rows).collect(), items.iter().collect()),
                (None, node) => ((0..rows).collect(), vec![node]),
            };
            let mut written = Vec::with_capacity(nodes.len());
            for node in nodes {
                if matches!(node, Node::Scalar(s) if classify(s) == Scalar::Null) {
                    self.diagnostics.push(
                        Diagnostic::error(format!("missing expected value for `{name}`")).at(self.locator.node(node)),
                    );
                    continue;
                }
                match self.values.value(var, node, Role::Output) {
                    Ok(value) => written.push(value),
                    Err(errors) => self.diagnostics.extend(errors),
                }
            }
            let expected = match written.len() {
                0 => continue,
                1 => rows_checked.into_iter().map(|row| (row, written[0].clone())).collect(),
                _ => rows_checked.into_iter().zip(written).collect(),
            };
            checks.push(Check {
                var,
                year,
                location,
                expected,
                absolute: against.test.absolute_error_margin.of(name),
                relative: against.test.relative_error_margin.of(name),
            });
        }
    }
}
