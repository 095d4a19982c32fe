//! A test read against the model: the communes and États it describes, its inputs as a
//! [`Dataset`], and the values it expects, each checked for its variable's type.
//!
//! Two ways of writing the situation, as in OpenFisca:
//! - *variables at the top* (`input: {population_dgf: [800, 1200]}`): a scalar is one commune
//!   (or the same value for every commune), a list has one value per commune, and each commune
//!   is its own État (OpenFisca builds one group per person when groups are not described);
//! - *explicit entities* (`input: {communes: {a: {…}, b: {…}}, etats: {france: {communes: [a, b]}}}`):
//!   communes not listed in an État get one of their own.

use std::collections::{HashMap, HashSet};

use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
use dotations_engine::model::{EntityId, PeriodKind, ValueType, VarId};
use dotations_engine::{Dataset, Model};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Span};
use marked_yaml::Node;

use crate::format::{bad_period, period_year, TestCase};
use crate::values::{Role, ValueReader, Written};
use crate::yaml::{self, classify, Locator, Scalar};

/// A test ready to run: its dataset and its checks.
pub(crate) struct Prepared {
    pub dataset: Dataset,
    /// Whether the rows were named by the test (`communes: {a: …}`) or numbered.
    pub named: bool,
    pub checks: Vec<Check>,
}

/// One output: a variable expected at a year, for some rows of its entity.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub var: VarId,
    pub year: i32,
    /// Where the expected value is written.
    pub location: Location,
    /// The expected value of each checked row (every row unless the test names some).
    pub expected: Vec<(usize, Written)>,
    pub absolute: Option<f64>,
    pub relative: Option<f64>,
}

/// Which outputs to check, from the test and the command line (`only_variables`, `ignore_variables`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn keeps(&self, test: &TestCase, name: &str) -> bool {
        let listed = |names: &[crate::Named]| names.iter().any(|n| n.name == name);
        let only_ok = self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == name))
            && test.only_variables.as_deref().is_none_or(listed);
        only_ok && !self.ignore.iter().any(|n| n == name) && !listed(&test.ignore_variables)
    }
}

/// Values given for a variable at a year.
struct Given<'n> {
    var: VarId,
    year: i32,
    node: &'n Node,
}

/// Reads the situation and the expected values of a test.
pub(crate) fn prepare(model: &Model, test: &TestCase, selection: &Selection) -> Result<Prepared, Diagnostics> {
    let locator = Locator { source: &test.source };
    let mut reader = Reader {
        model,
        locator,
        values: ValueReader { model, locator },
        period: test.period,
        diagnostics: Diagnostics::new(),
    };
    let empty_mapping = MarkedMappingNode::new_empty(Span::new_blank());
    let empty = Node::Mapping(empty_mapping.clone());
    let input = test.input.as_ref().unwrap_or(&empty);
    let (dataset, ids) = match input {
        Node::Mapping(mapping) if mapping.keys().any(|k| reader.entity(k.as_str()).is_some()) => {
            reader.entities(mapping)
        }
        Node::Mapping(mapping) => reader.variables(mapping),
        Node::Scalar(scalar) if classify(scalar) == Scalar::Null => reader.variables(&empty_mapping),
        other => {
            return Err(Diagnostic::error(format!("`input` must be a mapping, not {}", yaml::describe(other)))
                .at(locator.node(other))
                .with_help("e.g. input: {population_insee: [800, 1200]}")
                .into())
        }
    }
    .ok_or_else(|| std::mem::take(&mut reader.diagnostics))?;
    for (named, _) in test.absolute_error_margin.by_variable.iter().chain(&test.relative_error_margin.by_variable) {
        reader.known(named.name.as_str(), &named.location);
    }
    for named in test.only_variables.iter().flatten().chain(&test.ignore_variables) {
        reader.known(named.name.as_str(), &named.location);
    }
    let mut checks = Vec::new();
    match &test.output {
        // An empty `output` is reported with the test's structure (`format`).
        Some(Node::Scalar(scalar)) if classify(scalar) == Scalar::Null => {}
        Some(Node::Mapping(mapping)) => {
            let against = outputs::Against { dataset: &dataset, ids: ids.as_ref(), test, selection };
            reader.outputs(mapping, &against, &mut checks)
        }
        Some(other) => reader.diagnostics.push(
            Diagnostic::error(format!("`output` must be a mapping, not {}", yaml::describe(other)))
                .at(locator.node(other)),
        ),
        None => {}
    }
    let named = ids.is_some();
    reader.diagnostics.into_result(Prepared { dataset, named, checks })
}

/// The row of each identifier, per entity, when the test names its communes and États.
type Ids = Vec<HashMap<String, usize>>;

struct Reader<'a> {
    model: &'a Model,
    locator: Locator<'a>,
    values: ValueReader<'a>,
    period: Option<i32>,
    diagnostics: Diagnostics,
}

impl<'a> Reader<'a> {
    /// The entity a key names (plural `communes`, or singular `commune` for a single one).
    fn entity(&self, key: &str) -> Option<(EntityId, bool)> {
        let model = self.model;
        model.entities.iter().enumerate().find_map(|(id, e)| {
            if e.plural == key {
                Some((id, true))
            } else if e.name == key {
                Some((id, false))
            } else {
                None
            }
        })
    }

    fn variable(&mut self, key: &MarkedScalarNode) -> Option<VarId> {
        let id = self.model.variable_id(key.as_str());
        if id.is_none() {
            let mut error = self.model.unknown_variable(key.as_str()).at(self.locator.scalar(key));
            if self.entity(key.as_str()).is_none() {
                let entities: Vec<&str> = self.model.entities.iter().map(|e| e.plural.as_str()).collect();
                if let Some(help) = did_you_mean(key.as_str(), entities.iter().copied()) {
                    error = error.with_help(help);
                }
            }
            self.diagnostics.push(error);
        }
        id
    }

    /// Reports a name that is not a variable (margins, `only_variables`).
    fn known(&mut self, name: &str, location: &Location) {
        if self.model.variable_id(name).is_none() {
            self.diagnostics.push(self.model.unknown_variable(name).at(location.clone()));
        }
    }

    /// The (year, value) pairs of a variable's value: per period (`{2019: …, 2020: …}`) or at
    /// the test's period.
    fn periods<'n>(&mut self, var: VarId, key: &MarkedScalarNode, node: &'n Node) -> Vec<(i32, &'n Node, Location)> {
        let eternal = self.model.variables[var].period == PeriodKind::Eternal;
        match node {
            Node::Mapping(mapping) => {
                let mut result = Vec::new();
                for (period, value) in mapping.iter() {
                    let year = match period.as_str() {
                        "ETERNITY" | "eternity" if eternal => Some(self.period.unwrap_or(0)),
                        _ => period_year(period),
                    };
                    match year {
                        Some(year) => result.push((year, value, self.locator.scalar(period))),
                        None => {
                            self.diagnostics.push(bad_period(&self.locator, &Node::Scalar(period.clone())).with_note(
                                format!("the value of `{}` is a mapping: its keys are periods", key.as_str()),
                            ))
                        }
                    }
                }
                result
            }
            _ => match self.period {
                Some(year) => vec![(year, node, self.locator.scalar(key))],
                None if eternal => vec![(0, node, self.locator.scalar(key))],
                None => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("this test has no `period`: give `{}` per period", key.as_str()))
                            .at(self.locator.node(node))
                            .with_help(format!(
                                "e.g. `{}: {{2020: …}}`, or add `period: 2020` to the test",
                                key.as_str()
                            )),
                    );
                    Vec::new()
                }
            },
        }
    }

    /// Variables at the top of `input`: one commune per list element, one État per commune.
    fn variables(&mut self, mapping: &MarkedMappingNode) -> Option<(Dataset, Option<Ids>)> {
        let mut given: Vec<(Given<'_>, &MarkedScalarNode)> = Vec::new();
        for (key, value) in mapping.iter() {
            if key.as_str() == "axes" {
                self.diagnostics.push(
                    Diagnostic::error("`axes` are not supported")
                        .at(self.locator.scalar(key))
                        .with_help("write the communes as lists, one value per commune"),
                );
                continue;
            }
            let Some(var) = self.variable(key) else { continue };
            for (year, node, _) in self.periods(var, key, value) {
                given.push((Given { var, year, node }, key));
            }
        }
        // The number of communes: the length of the first list, as OpenFisca counts them.
        let first_list = given.iter().find_map(|(g, key)| match g.node {
            Node::Sequence(items) => Some((items.len(), *key)),
            _ => None,
        });
        let count = first_list.map_or(1, |(n, _)| n);
        if count == 0 {
            let (_, key) = first_list.expect("a list gave the count");
            self.diagnostics.push(
                Diagnostic::error(format!("`{}` is an empty list: a test needs at least one commune", key.as_str()))
                    .at(self.locator.scalar(key)),
            );
            return None;
        }
        let ids: Vec<String> = (0..count).map(|i| i.to_string()).collect();
        let groups = self
            .model
            .entities
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_group())
            .map(|(id, _)| (id, ids.clone(), (0..count as u32).collect()))
            .collect();
        let mut dataset = Dataset::with_groups(self.model, ids, groups);
        let mut seen = HashSet::new();
        for (g, key) in &given {
            if !seen.insert((g.var, Dataset::key(self.model, g.var, g.year))) {
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is given twice for {}", key.as_str(), g.year))
                        .at(self.locator.node(g.node)),
                );
                continue;
            }
            let rows = dataset.size(self.model.variables[g.var].entity);
            let nodes: Vec<&Node> = match g.node {
                Node::Sequence(items) if items.len() != rows => {
                    let (_, first) = first_list.expect("a list gave the count");
                    let what = if items.len() == 1 { "value" } else { "values" };
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{}` has {} {what}, but this test has {count} communes",
                            key.as_str(),
                            items.len()
                        ))
                        .at(self.locator.node(g.node))
                        .with_note(format!(
                            "the number of communes is the length of the first list, `{}` (line {})",
                            first.as_str(),
                            self.locator.scalar(first).line
                        )),
                    );
                    continue;
                }
                Node::Sequence(items) => items.iter().collect(),
                node => vec![node],
            };
            self.set(&mut dataset, g.var, g.year, &nodes, rows);
        }
        Some((dataset, None))
    }

    /// Reads values of a variable (one per row, or one for all `rows`) and gives them to the
    /// dataset.
    fn set(&mut self, dataset: &mut Dataset, var: VarId, year: i32, nodes: &[&Node], rows: usize) {
        let model = self.model;
        fn spread<T: Clone>(values: Vec<T>, rows: usize) -> Vec<T> {
            if values.len() == 1 && rows > 1 {
                vec![values[0].clone(); rows]
            } else {
                values
            }
        }
        if model.variables[var].value_type == ValueType::Text {
            let texts: Result<Vec<String>, Diagnostics> = nodes.iter().map(|n| self.values.text(var, n)).collect();
            match texts {
                Ok(texts) => dataset.set_text(model, var, year, spread(texts, rows)).expect("one text per row"),
                Err(errors) => self.diagnostics.extend(errors),
            }
            return;
        }
        let mut values = Vec::with_capacity(nodes.len());
        for node in nodes {
            match self.values.value(var, node, Role::Input) {
                Ok(written) => values.push(written.value),
                Err(errors) => self.diagnostics.extend(errors),
            }
        }
        if values.len() == nodes.len() {
            dataset.set_input(model, var, year, spread(values, rows)).expect("one value per row");
        }
    }

    /// Explicit entities: `communes: {id: {var: value}}`, `etats: {id: {communes: [ids], var: value}}`.
    fn entities(&mut self, mapping: &MarkedMappingNode) -> Option<(Dataset, Option<Ids>)> {
        let model = self.model;
        let person = model.person_entity();
        // Items of each entity: (id, the item's mapping or null, where the id is written).
        let mut items: Vec<Vec<(String, &Node, Location)>> = vec![Vec::new(); model.entities.len()];
        for (key, value) in mapping.iter() {
            let Some((entity, plural)) = self.entity(key.as_str()) else {
                let mut error = match model.variable_id(key.as_str()) {
                    Some(var) => Diagnostic::error(format!(
                        "`{}` is given beside explicit entities: give it inside each item of `{}`",
                        key.as_str(),
                        model.entities[model.variables[var].entity].plural
                    )),
                    None => Diagnostic::error(format!("`{}` is not an entity of the model", key.as_str())),
                };
                error = error.at(self.locator.scalar(key));
                let plurals: Vec<&str> = model.entities.iter().map(|e| e.plural.as_str()).collect();
                error = error.with_help_opt(did_you_mean(key.as_str(), plurals.iter().copied()));
                self.diagnostics.push(error);
                continue;
            };
            if !plural {
                // `etat: {…}` is one État named `etat`, as OpenFisca reads a singular key.
                items[entity].push((key.as_str().to_string(), value, self.locator.scalar(key)));
                continue;
            }
            match value {
                Node::Mapping(instances) => {
                    for (id, item) in instances.iter() {
                        items[entity].push((id.as_str().to_string(), item, self.locator.scalar(id)));
                    }
                }
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "`{}` lists its items by identifier, not {}",
                            key.as_str(),
                            yaml::describe(other)
                        ))
                        .at(self.locator.node(other))
                        .with_help(format!("e.g. {}: {{a: {{…}}, b: {{…}}}}", key.as_str())),
                    );
                }
            }
        }
        if items[person].is_empty() {
            let plural = &model.entities[person].plural;
            self.diagnostics.push(
                Diagnostic::error(format!("no {plural}: a test with explicit entities describes its {plural}"))
                    .at(self.locator.node(&Node::Mapping(mapping.clone())))
                    .with_help(format!("e.g. {plural}: {{a: {{population_insee: 800}}}}")),
            );
            return None;
        }
        let commune_ids: Vec<String> = items[person].iter().map(|(id, _, _)| id.clone()).collect();
        let mut index: Ids = vec![HashMap::new(); model.entities.len()];
        for (row, (id, _, location)) in items[person].iter().enumerate() {
            if index[person].insert(id.clone(), row).is_some() {
                self.diagnostics.push(Diagnostic::error(format!("two communes are named `{id}`")).at(location.clone()));
            }
        }
        // Group membership, from each group item's role list (`communes: [a, b]`).
        let mut groups = Vec::new();
        for (entity, decl) in model.entities.iter().enumerate().filter(|(_, e)| e.is_group()) {
            let role = &model.entities[decl.members.expect("a group has members")].plural;
            let mut group_ids: Vec<String> = Vec::new();
            let mut membership: Vec<Option<u32>> = vec![None; commune_ids.len()];
            for (id, item, location) in &items[entity] {
                let group = group_ids.len() as u32;
                group_ids.push(id.clone());
                if index[entity].insert(id.clone(), group as usize).is_some() {
                    self.diagnostics
                        .push(Diagnostic::error(format!("two {} are named `{id}`", decl.plural)).at(location.clone()));
                }
                let Node::Mapping(fields) = item else { continue };
                let Some(members) = fields.iter().find(|(k, _)| k.as_str() == role).map(|(_, v)| v) else {
                    continue;
                };
                let listed: Vec<&Node> = match members {
                    Node::Sequence(list) => list.iter().collect(),
                    single @ Node::Scalar(_) => vec![single],
                    other => {
                        self.diagnostics.push(
                            Diagnostic::error(format!(
                                "`{role}` lists identifiers of {role}, not {}",
                                yaml::describe(other)
                            ))
                            .at(self.locator.node(other)),
                        );
                        continue;
                    }
                };
                for member in listed {
                    let Some(name) = yaml::scalar(member) else {
                        self.diagnostics.push(
                            Diagnostic::error(format!("`{role}` lists identifiers, not {}", yaml::describe(member)))
                                .at(self.locator.node(member)),
                        );
                        continue;
                    };
                    match index[person].get(name.as_str()) {
                        None => self.diagnostics.push(
                            Diagnostic::error(format!("`{}` is not one of the test's {role}", name.as_str()))
                                .at(self.locator.scalar(name))
                                .with_help_opt(did_you_mean(name.as_str(), commune_ids.iter().map(String::as_str)))
                                .with_note(format!("the {role} of this test are: {}", commune_ids.join(", "))),
                        ),
                        Some(&row) if membership[row].is_some() => {
                            let other = &group_ids[membership[row].unwrap_or(0) as usize];
                            let error = if *other == *id {
                                format!("`{}` is listed twice in `{id}`", name.as_str())
                            } else {
                                format!("`{}` is already in the {} `{other}`", name.as_str(), decl.name)
                            };
                            self.diagnostics.push(
                                Diagnostic::error(error)
                                    .at(self.locator.scalar(name))
                                    .with_note(format!("a commune belongs to one {} only", decl.name)),
                            )
                        }
                        Some(&row) => membership[row] = Some(group),
                    }
                }
            }
            // A commune in no group gets a group of its own, named after it (as in OpenFisca).
            let membership: Vec<u32> = membership
                .iter()
                .enumerate()
                .map(|(row, group)| {
                    group.unwrap_or_else(|| {
                        group_ids.push(commune_ids[row].clone());
                        index[entity].insert(commune_ids[row].clone(), group_ids.len() - 1);
                        (group_ids.len() - 1) as u32
                    })
                })
                .collect();
            groups.push((entity, group_ids, membership));
        }
        let mut dataset = Dataset::with_groups(model, commune_ids, groups);
        // Variables of each item: (variable, year) → the written value of each row.
        for (entity, entity_items) in items.iter().enumerate() {
            let role = model.entities[entity].members.map(|m| model.entities[m].plural.clone());
            let mut given: HashMap<(VarId, i32), Vec<Option<&Node>>> = HashMap::new();
            let mut order = Vec::new();
            for (id, item, _) in entity_items {
                let row = index[entity][id];
                let fields = match item {
                    Node::Mapping(fields) => fields,
                    Node::Scalar(s) if classify(s) == Scalar::Null => continue,
                    other => {
                        self.diagnostics.push(
                            Diagnostic::error(format!(
                                "`{id}` must be a mapping of variables, not {}",
                                yaml::describe(other)
                            ))
                            .at(self.locator.node(other)),
                        );
                        continue;
                    }
                };
                for (key, value) in fields.iter() {
                    if role.as_deref() == Some(key.as_str()) {
                        continue;
                    }
                    // The role misspelt (`commune`) is more likely than a variable.
                    let role_help = role.as_deref().and_then(|role| did_you_mean(key.as_str(), [role]));
                    if let (Some(help), None) = (role_help, model.variable_id(key.as_str())) {
                        self.diagnostics.push(
                            Diagnostic::error(format!(
                                "unknown key `{}` in an item of `{}`",
                                key.as_str(),
                                model.entities[entity].plural
                            ))
                            .at(self.locator.scalar(key))
                            .with_help(help),
                        );
                        continue;
                    }
                    let Some(var) = self.variable(key) else { continue };
                    let var_entity = model.variables[var].entity;
                    if var_entity != entity {
                        self.diagnostics.push(
                            Diagnostic::error(format!(
                                "`{}` is defined per {}, not per {}",
                                key.as_str(),
                                model.entities[var_entity].name,
                                model.entities[entity].name
                            ))
                            .at(self.locator.scalar(key))
                            .with_help(format!("give it in the items of `{}`", model.entities[var_entity].plural)),
                        );
                        continue;
                    }
                    if let Node::Sequence(_) = value {
                        self.diagnostics.push(
                            Diagnostic::error(format!("`{}` of `{id}` is one value, not a list", key.as_str()))
                                .at(self.locator.node(value)),
                        );
                        continue;
                    }
                    for (year, node, _) in self.periods(var, key, value) {
                        let rows = dataset.size(entity);
                        let slot = given.entry((var, year)).or_insert_with(|| {
                            order.push((var, year));
                            vec![None; rows]
                        });
                        slot[row] = Some(node);
                    }
                }
            }
            for (var, year) in order {
                let nodes = &given[&(var, year)];
                self.set_partial(&mut dataset, var, year, nodes);
            }
        }
        Some((dataset, Some(index)))
    }

    /// Gives a variable's values for the rows that have one; the others take its default, as
    /// OpenFisca fills an input array.
    fn set_partial(&mut self, dataset: &mut Dataset, var: VarId, year: i32, nodes: &[Option<&Node>]) {
        let model = self.model;
        let variable = &model.variables[var];
        if variable.value_type == ValueType::Text {
            let mut texts = vec![String::new(); nodes.len()];
            for (row, node) in nodes.iter().enumerate() {
                if let Some(node) = node {
                    match self.values.text(var, node) {
                        Ok(text) => texts[row] = text,
                        Err(errors) => self.diagnostics.extend(errors),
                    }
                }
            }
            dataset.set_text(model, var, year, texts).expect("one text per row");
            return;
        }
        let mut values = vec![variable.default; nodes.len()];
        for (row, node) in nodes.iter().enumerate() {
            if let Some(node) = node {
                match self.values.value(var, node, Role::Input) {
                    Ok(written) => values[row] = written.value,
                    Err(errors) => self.diagnostics.extend(errors),
                }
            }
        }
        dataset.set_input(model, var, year, values).expect("one value per row");
    }
}

mod outputs;
