//! `--verbose`: how a value that differs from the expected one was computed, as a tree of the
//! plan's nodes (each variable at a year, and the nodes its formula reads), with each node's
//! value for the commune (or État) that fails, its formula's text and where it is written.
//! A value kept from an earlier output of the test is followed into the computation that
//! produced it.

use std::collections::HashSet;
use std::fmt::Write;

use dotations_engine::model::{PeriodKind, VarId};
use dotations_engine::plan::{DefaultReason, PlannedNode, Source};
use dotations_engine::{Dataset, Model};

use crate::run::{show, History};

/// Lines of a formula shown before it is cut.
const FORMULA_LINES: usize = 6;
/// Values of member communes shown for a node read by an État's formula.
const MEMBER_VALUES: usize = 5;

/// The row the tree follows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Focus {
    /// A commune (a row of the person entity).
    Row(usize),
    /// A group (entity, row): its members' values are listed for commune nodes.
    Group(usize, usize),
}

/// Renders computation trees of a test's computations.
pub(crate) struct Tree<'a> {
    pub model: &'a Model,
    /// The dataset computed on (for group membership).
    pub dataset: &'a Dataset,
    pub history: &'a History,
    pub focus: Focus,
    pub max_depth: usize,
}

impl Tree<'_> {
    /// The tree of `var` for `year` in the computation `computation`; `label` names the row.
    pub fn render(&self, computation: usize, var: VarId, year: i32, label: &str) -> String {
        let mut out = format!("how it was computed, for {label}:\n");
        let key = Dataset::key(self.model, var, year);
        if let Some(root) = self.history.computations[computation].plan.node_index(var, key) {
            self.node(&mut out, (computation, root), 0, &mut HashSet::new());
        }
        out
    }

    /// One node, `(computation, node index)`, and what it reads.
    fn node(&self, out: &mut String, at: (usize, usize), depth: usize, seen: &mut HashSet<(VarId, i32)>) {
        let (computation, index) = self.origin(at);
        let node = &self.history.computations[computation].plan.nodes[index];
        let variable = &self.model.variables[node.var];
        let pad = "  ".repeat(depth);
        let year = match variable.period {
            PeriodKind::Eternal => String::new(),
            _ => format!(" [{}]", node.year),
        };
        let _ = write!(out, "{pad}{}{year} = {}", variable.name, self.value(computation, node));
        let repeated = !seen.insert((node.var, node.year));
        match &node.source {
            Source::Formula(f) => {
                let formula = &variable.formulas[*f];
                let location = self.model.location(formula.origin);
                let _ = write!(out, "    {}:{}", location.file, location.line);
                if repeated {
                    let _ = writeln!(out, "  (shown above)");
                    return;
                }
                let _ = writeln!(out);
                formula_text(out, &pad, self.model.text(formula.origin));
                parameters(out, &pad, node);
            }
            Source::Input => {
                let _ = writeln!(out, "    (input)");
            }
            Source::Fallback => {
                let _ = writeln!(out, "    (not given: the `otherwise` value)");
            }
            Source::Default(reason) => {
                let why = match reason {
                    DefaultReason::NoFormula => "no formula for this year",
                    DefaultReason::NotGiven => "not given",
                    DefaultReason::Recursion => "read while computing itself for another year",
                };
                let _ = writeln!(out, "    (default: {why})");
            }
        }
        // A formula may read the same value several times: show it once.
        let mut reads: Vec<usize> = Vec::new();
        for read in &node.reads {
            if !reads.contains(read) {
                reads.push(*read);
            }
        }
        if repeated || reads.is_empty() {
            return;
        }
        if depth + 1 >= self.max_depth {
            let _ = writeln!(out, "{pad}  … {} more below (see more with --max-depth)", reads.len());
            return;
        }
        for read in reads {
            self.node(out, (computation, read), depth + 1, seen);
        }
    }

    /// Where a node's value comes from: a value kept from an earlier output is given as an
    /// input to later computations; follow it to the computation that produced it.
    fn origin(&self, (computation, index): (usize, usize)) -> (usize, usize) {
        let node = &self.history.computations[computation].plan.nodes[index];
        if node.source != Source::Input {
            return (computation, index);
        }
        let Some(&earlier) = self.history.origin.get(&(node.var, node.year)) else {
            return (computation, index);
        };
        let key = Dataset::key(self.model, node.var, node.year);
        match self.history.computations[earlier].plan.node_index(node.var, key) {
            Some(found) if earlier != computation => self.origin((earlier, found)),
            _ => (computation, index),
        }
    }

    /// The node's value for the focused row: a commune's, its État's, or an État's members'.
    fn value(&self, computation: usize, node: &PlannedNode) -> String {
        let variable = &self.model.variables[node.var];
        let value = self.history.computations[computation].run.slot(node.slot);
        let show = |v: f64| show(self.model, variable.value_type, v);
        let entity = variable.entity;
        let membership = |group: usize| self.dataset.membership()[group].clone();
        match self.focus {
            Focus::Row(row) if entity == self.model.person_entity() => show(value.at(row)),
            Focus::Row(row) => match membership(entity) {
                Some(members) => show(value.at(members[row] as usize)),
                None => show(value.at(0)),
            },
            Focus::Group(group, row) if entity == group => show(value.at(row)),
            Focus::Group(group, row) if entity == self.model.person_entity() => {
                let Some(members) = membership(group) else { return show(value.at(0)) };
                let rows: Vec<usize> = (0..members.len()).filter(|r| members[*r] as usize == row).collect();
                let mut values: Vec<String> = rows.iter().take(MEMBER_VALUES).map(|r| show(value.at(*r))).collect();
                if rows.len() > MEMBER_VALUES {
                    values.push(format!("… {} communes", rows.len()));
                }
                format!("[{}] (its communes)", values.join(", "))
            }
            Focus::Group(..) => show(value.at(0)),
        }
    }
}

/// A formula's text, its continuation lines keeping their indentation relative to each other.
fn formula_text(out: &mut String, pad: &str, text: &str) {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let indent = lines.iter().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min();
    for (i, line) in lines.iter().enumerate().take(FORMULA_LINES) {
        let line = if i == 0 { line.trim() } else { &line[indent.unwrap_or(0).min(line.len())..] };
        let cont = if i == 0 { "" } else { "  " };
        let _ = writeln!(out, "{pad}  | {cont}{}", line.trim_end());
    }
    match lines.len().saturating_sub(FORMULA_LINES) {
        0 => {}
        1 => {
            let _ = writeln!(out, "{pad}  |   … (1 more line)");
        }
        more => {
            let _ = writeln!(out, "{pad}  |   … ({more} more lines)");
        }
    }
}

/// The parameters a formula read, each once, with its date and value.
fn parameters(out: &mut String, pad: &str, node: &PlannedNode) {
    let mut shown = HashSet::new();
    for read in &node.parameters {
        if !shown.insert((read.path.as_str(), read.date)) {
            continue;
        }
        let value = read.value.map_or_else(|| "(scale)".to_string(), dotations_engine::model::format_number);
        let _ = writeln!(out, "{pad}  | {} on {} = {value}", read.path, read.date);
    }
}
