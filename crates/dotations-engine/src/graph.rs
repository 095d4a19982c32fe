//! The dependency graph of a model: cycles, and what a variable depends on.
//!
//! Nodes are variables; an edge `a → b` means a formula of `a` reads `b` for the same year.
//! Reads of other years (`b[N-1]`) are not edges: they are planned as separate (variable, year)
//! nodes and cannot loop within a year. Formulas change with dates, so cycles are searched for
//! each set of formulas that is valid together.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use dotations_diagnostics::Diagnostic;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Formula, Model, Node, Origin, TExpr, VarId, VarPeriod};

/// The variables a formula reads for the same year, with where each is read.
pub fn same_year_reads(formula: &Formula) -> Vec<(VarId, Origin)> {
    let mut reads = Vec::new();
    for expr in formula.bindings.iter().chain(std::iter::once(&formula.expr)) {
        collect_same_year(expr, &mut reads);
    }
    reads
}

fn collect_same_year(expr: &TExpr, reads: &mut Vec<(VarId, Origin)>) {
    if let Node::Var { var, period: VarPeriod::Offset(0), .. } = &expr.node {
        reads.push((*var, expr.origin));
    }
    expr.for_each_child(|child| collect_same_year(child, reads));
}

/// The dates at which some formula starts: between two of them, the set of formulas is fixed.
fn epochs(model: &Model) -> Vec<Option<NaiveDate>> {
    let dates: BTreeSet<Option<NaiveDate>> =
        model.variables.iter().flat_map(|v| v.formulas.iter().map(|f| f.start)).chain([None]).collect();
    dates.into_iter().collect()
}

/// One diagnostic per dependency cycle, showing its path with the place of each read.
pub fn cycle_diagnostics(model: &Model) -> Vec<Diagnostic> {
    let mut reported: HashSet<BTreeSet<VarId>> = HashSet::new();
    let mut reported_paths: HashSet<Vec<VarId>> = HashSet::new();
    let mut diagnostics = Vec::new();
    for epoch in epochs(model) {
        let (graph, nodes) = epoch_graph(model, epoch);
        for component in petgraph::algo::tarjan_scc(&graph) {
            let first = component[0];
            let is_cycle = component.len() > 1 || graph.contains_edge(first, first);
            let members: BTreeSet<VarId> = component.iter().map(|n| graph[*n]).collect();
            if !is_cycle || !reported.insert(members.clone()) {
                continue;
            }
            // Another epoch's component may hold more variables and show the same cycle.
            let path = cycle_path(&graph, &component);
            if reported_paths.insert(path.iter().map(|n| graph[*n]).collect()) {
                diagnostics.push(cycle_diagnostic(model, &graph, &path));
            }
        }
        drop(nodes);
    }
    diagnostics
}

fn epoch_graph(model: &Model, epoch: Option<NaiveDate>) -> (DiGraph<VarId, Origin>, Vec<NodeIndex>) {
    let mut graph = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..model.variables.len()).map(|v| graph.add_node(v)).collect();
    for (id, variable) in model.variables.iter().enumerate() {
        let active = variable.formulas.iter().rev().find(|f| match (f.start, epoch) {
            (None, _) => true,
            (Some(start), Some(epoch)) => start <= epoch,
            (Some(_), None) => false,
        });
        if let Some(formula) = active {
            for (read, origin) in same_year_reads(formula) {
                graph.add_edge(nodes[id], nodes[read], origin);
            }
        }
    }
    (graph, nodes)
}

/// A cycle through the nodes of a strongly connected component, as a list of nodes where each
/// reads the next and the last reads the first.
fn cycle_path(graph: &DiGraph<VarId, Origin>, component: &[NodeIndex]) -> Vec<NodeIndex> {
    let inside: HashSet<NodeIndex> = component.iter().copied().collect();
    let start = *component.iter().min_by_key(|n| graph[**n]).expect("non-empty component");
    // Breadth-first search from the start back to itself, staying in the component.
    let mut previous: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in graph.neighbors(node) {
            if next == start {
                let mut path = vec![node];
                let mut current = node;
                while current != start {
                    current = previous[&current];
                    path.push(current);
                }
                path.reverse();
                return path;
            }
            if inside.contains(&next) && !previous.contains_key(&next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}

fn cycle_diagnostic(model: &Model, graph: &DiGraph<VarId, Origin>, path: &[NodeIndex]) -> Diagnostic {
    let names: Vec<&str> = path.iter().chain(path.first()).map(|n| model.variables[graph[*n]].name.as_str()).collect();
    let mut diagnostic = Diagnostic::error(format!("dependency cycle: {}", names.join(" → ")));
    for (i, node) in path.iter().enumerate() {
        let next = path[(i + 1) % path.len()];
        let edge = graph.find_edge(*node, next).expect("consecutive nodes of a cycle are linked");
        let location = model.location(graph[edge]);
        if i == 0 {
            diagnostic = diagnostic.at(location.clone());
        }
        diagnostic.notes.push(format!(
            "`{}` reads `{}` for the same year at {location}",
            model.variables[graph[*node]].name, model.variables[graph[next]].name
        ));
    }
    diagnostic.with_help("a variable cannot depend on itself within a year; read the previous year (x[N-1]) if that is what the law says")
}

/// What a variable depends on, over all its formulas.
#[derive(Debug, Default)]
pub struct Dependencies {
    /// Variables read directly, with the periods written (`N`, `N-1`, …).
    pub variables: BTreeMap<VarId, BTreeSet<String>>,
    /// Parameters read directly, with the dates written (`N`, `N-1`, `2019`, `2019-06-01`).
    pub parameters: BTreeMap<String, BTreeSet<String>>,
    /// Input variables needed, directly or through other variables (same year or not).
    pub inputs: BTreeSet<VarId>,
}

/// The direct dependencies of `var` and the inputs it needs transitively.
pub fn dependencies(model: &Model, var: VarId) -> Dependencies {
    let mut result = Dependencies::default();
    for formula in &model.variables[var].formulas {
        for expr in formula.bindings.iter().chain([&formula.expr]) {
            expr.visit_variables(&mut |read, period, _| {
                result.variables.entry(read).or_default().insert(period_text(period));
            });
            expr.visit_parameters(&mut |path, at, _| {
                result.parameters.entry(path.to_string()).or_default().insert(date_text(at));
            });
        }
    }
    let mut seen = HashSet::from([var]);
    let mut stack = vec![var];
    while let Some(current) = stack.pop() {
        let variable = &model.variables[current];
        if !variable.is_computed() {
            result.inputs.insert(current);
            continue;
        }
        for formula in &variable.formulas {
            for expr in formula.bindings.iter().chain([&formula.expr]) {
                expr.visit_variables(&mut |read, _, _| {
                    if seen.insert(read) {
                        stack.push(read);
                    }
                });
            }
        }
    }
    result
}

fn date_text(at: crate::model::ParamDate) -> String {
    match at {
        crate::model::ParamDate::Offset(k) => period_text(&VarPeriod::Offset(k)),
        crate::model::ParamDate::Year(y) => y.to_string(),
        crate::model::ParamDate::Date(date) => date.to_string(),
    }
}

fn period_text(period: &VarPeriod) -> String {
    match period {
        VarPeriod::Offset(0) => "N".into(),
        VarPeriod::Offset(k) if *k > 0 => format!("N+{k}"),
        VarPeriod::Offset(k) => format!("N{k}"),
        VarPeriod::Year(y) => y.to_string(),
        VarPeriod::PerRow(_) => "a year per row".into(),
    }
}
