//! Building the tree: each planned node the commune's value depends on, re-derived, described,
//! and its children expanded down to the depth asked; a (variable, year) already shown is shown
//! once and referenced after.

use std::collections::HashSet;

use chrono::NaiveDate;
use dotations_engine::model::{Kind, Model, TExpr, VarId, YearKey};
use dotations_engine::plan::{DefaultReason, Source};
use dotations_params::Entry;

use crate::context::Context;
use crate::format;
use crate::interpret::{self, same_value, Child, Choice as Decision, ParamUse, Record};
use crate::tree::{Choice, ExplainedNode, FormulaText, InputColumn, Mismatch, Origin, ParameterUse, Reference};

/// A node's identity in the tree: the variable, the key of its year, and whether the value is
/// an `otherwise` (which belongs to the formula that wrote it).
type Shown = (VarId, YearKey, bool);

pub(crate) struct Builder<'c, 'a> {
    pub ctx: &'c Context<'a>,
    pub max_depth: usize,
    shown: HashSet<Shown>,
}

impl<'c, 'a> Builder<'c, 'a> {
    pub fn new(ctx: &'c Context<'a>, max_depth: usize) -> Self {
        Builder { ctx, max_depth, shown: HashSet::new() }
    }

    fn base(&self, var: VarId, year: i32, value: f64, source: Origin) -> ExplainedNode {
        let model = self.ctx.model;
        let variable = &model.variables[var];
        ExplainedNode {
            variable: variable.name.clone(),
            label: variable.label.clone(),
            entity: model.entities[variable.entity].name.clone(),
            entity_label: model.entities[variable.entity].label.clone(),
            year,
            value: format::json(model, variable.value_type, value),
            text: format::value(model, variable.value_type, value),
            source,
            why: None,
            formula: None,
            input: None,
            parameters: Vec::new(),
            aggregates: Vec::new(),
            choices: Vec::new(),
            children: Vec::new(),
            more: 0,
            repeated: false,
            mismatch: None,
        }
    }

    /// A planned (variable, year) at `depth` (0 for the explained variable).
    pub fn planned(&mut self, index: usize, depth: usize) -> ExplainedNode {
        let ctx = self.ctx;
        let model = ctx.model;
        let planned = &ctx.plan.nodes[index];
        let (var, year) = (planned.var, planned.year);
        let value = ctx.node_value(index);
        let source = match planned.source {
            Source::Input => Origin::Input,
            Source::Formula(_) => Origin::Formula,
            Source::Fallback => Origin::Otherwise,
            Source::Default(_) => Origin::Default,
        };
        let mut node = self.base(var, year, value, source);
        if !self.shown.insert((var, ctx.key(var, year), false)) {
            node.repeated = true;
            return node;
        }
        match &planned.source {
            Source::Input => {
                node.input = Some(InputColumn { column: crate::input_column(model, ctx.plan.year, var, year) });
            }
            Source::Default(reason) => node.why = Some(default_reason(model, var, year, *reason)),
            Source::Fallback => node.why = Some("not given: the reading formula's `otherwise` applied".into()),
            Source::Formula(formula_index) => {
                let variable = &model.variables[var];
                let formula = &variable.formulas[*formula_index];
                let (rederived, record) = interpret::derive(ctx, index, formula);
                node.formula = Some(formula_text(model, var, *formula_index));
                let notes = record.problems.clone();
                self.fill(&mut node, record, depth, &formula.bindings);
                if !same_value(rederived, value) || !notes.is_empty() {
                    node.mismatch = Some(Mismatch {
                        computed: format::number_json(value),
                        rederived: format::number_json(rederived),
                        notes,
                    });
                }
            }
        }
        node
    }

    /// Parameters, national values, decisions and children of a formula's record.
    /// `bindings` are the formula's `let` values (to tell amounts of euros from other numbers).
    fn fill(&mut self, node: &mut ExplainedNode, record: Record<'a>, depth: usize, bindings: &[TExpr]) {
        let ctx = self.ctx;
        node.parameters = record.parameters.iter().map(|p| parameter(ctx.model, p)).collect();
        node.aggregates = record.aggregates.iter().map(|a| crate::aggregates::describe(ctx, a)).collect();
        node.choices = record.choices.iter().map(|c| choice(ctx.model, c, bindings)).collect();
        let mut children = Vec::new();
        let mut keys = HashSet::new();
        for child in record.children {
            if keys.insert(self.key(&child)) {
                children.push(child);
            }
        }
        if depth < self.max_depth {
            node.children = children.into_iter().map(|c| self.child(c, depth + 1)).collect();
        } else {
            node.more = children.iter().filter(|c| !self.shown.contains(&self.key(c))).count();
        }
    }

    fn key(&self, child: &Child<'_>) -> Shown {
        let ctx = self.ctx;
        match child {
            Child::Planned(i) => {
                let node = &ctx.plan.nodes[*i];
                (node.var, ctx.key(node.var, node.year), false)
            }
            Child::Fallback { var, year, .. } => (*var, ctx.key(*var, *year), true),
            Child::Lookup { var, year, .. } => (*var, ctx.key(*var, *year as i32), false),
        }
    }

    fn child(&mut self, child: Child<'a>, depth: usize) -> ExplainedNode {
        let key = self.key(&child);
        let model = self.ctx.model;
        match child {
            Child::Planned(index) => self.planned(index, depth),
            Child::Fallback { var, year, expr, value, record } => {
                let mut node = self.base(var, year, value, Origin::Otherwise);
                if !self.shown.insert(key) {
                    node.repeated = true;
                    return node;
                }
                let name = &model.variables[var].name;
                node.why =
                    Some(format!("`{name}` for {year} is not given as an input: the formula's `otherwise` applies"));
                node.formula = Some(expression_text(model, expr));
                // An `otherwise` reads no `let` of its own.
                self.fill(&mut node, record, depth, &[]);
                node
            }
            Child::Lookup { var, year, value, column } => {
                let year = year as i32;
                let source = if column.is_some() { Origin::Input } else { Origin::Default };
                let mut node = self.base(var, year, value, source);
                if !self.shown.insert(key) {
                    node.repeated = true;
                    return node;
                }
                match column {
                    Some(column) => node.input = Some(InputColumn { column }),
                    None => node.why = Some(format!("not given for {year}: the default value")),
                }
                node
            }
        }
    }
}

/// Why a variable has its default value.
fn default_reason(model: &Model, var: VarId, year: i32, reason: DefaultReason) -> String {
    let variable = &model.variables[var];
    match reason {
        DefaultReason::NoFormula => {
            let first = variable.formulas.first().and_then(|f| f.start);
            match (variable.end, first) {
                (Some(end), _) if NaiveDate::from_ymd_opt(year, 1, 1).is_some_and(|d| d > end) => {
                    format!("its formulas end on {end}: no formula applies in {year}, the default value")
                }
                (_, Some(start)) => format!("its first formula applies from {start}: in {year}, the default value"),
                _ => format!("no formula applies in {year}: the default value"),
            }
        }
        DefaultReason::NotGiven => "not given as an input: the default value".into(),
        DefaultReason::Recursion => format!(
            "read for {year} while computing `{}` for another year, and not given: the default value (OpenFisca's rule)",
            variable.name
        ),
    }
}

/// A formula's text without its header, dedented, with the dates it applies.
fn formula_text(model: &Model, var: VarId, index: usize) -> FormulaText {
    let variable = &model.variables[var];
    let formula = &variable.formulas[index];
    let origin = formula.origin;
    let location = model.location(origin);
    let source = &model.sources[origin.file];
    // The body starts after `=` or `from DATE:`; comments before it are kept.
    let written = model.text(origin);
    let header = if let Some(rest) = written.strip_prefix('=') {
        written.len() - rest.len()
    } else {
        written.find(':').map_or(0, |i| i + 1)
    };
    let skipped = written[header..].len() - written[header..].trim_start().len();
    let start = origin.span.start + header + skipped;
    let body = dedent(source.text(), start, origin.span.end);
    let next = variable.formulas.get(index + 1).and_then(|f| f.start);
    let until = match (next.and_then(|d| d.pred_opt()), variable.end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    FormulaText {
        text: body,
        file: location.file.to_string(),
        line: location.line,
        from: formula.start.map(|d| d.to_string()),
        until: until.map(|d| d.to_string()),
    }
}

/// The text of a piece of the model, its continuation lines dedented.
pub(crate) fn written(model: &Model, origin: dotations_engine::model::Origin) -> String {
    let text = model.sources[origin.file].text();
    let (start, end) = balanced(text, origin.span.start, origin.span.end);
    dedent(text, start, end)
}

/// The span widened to the parentheses it leaves open: the parser gives `a * (b + c)` the span
/// from `a` to `c`, without the closing parenthesis of its last operand.
fn balanced(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    loop {
        let piece = &text[start..end];
        let (open, close) = (piece.matches('(').count(), piece.matches(')').count());
        if open > close {
            let after = &text[end..];
            match after.find(|c: char| !c.is_whitespace()) {
                Some(i) if after[i..].starts_with(')') => end += i + 1,
                _ => return (start, end),
            }
        } else if close > open {
            let before = &text[..start];
            match before.rfind(|c: char| !c.is_whitespace()) {
                Some(i) if before[i..].starts_with('(') => start = i,
                _ => return (start, end),
            }
        } else {
            return (start, end);
        }
    }
}

/// An expression's text (an `otherwise`), with where it is written.
fn expression_text(model: &Model, expr: &TExpr) -> FormulaText {
    let location = model.location(expr.origin);
    FormulaText {
        text: written(model, expr.origin),
        file: location.file.to_string(),
        line: location.line,
        from: None,
        until: None,
    }
}

/// The text between two offsets, its continuation lines dedented by the first line's column.
fn dedent(text: &str, start: usize, end: usize) -> String {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = text[line_start..start].chars().count();
    // A formula's text runs to the next declaration: the blank lines and comments that end it
    // introduce what follows.
    let mut kept: Vec<&str> = text[start..end].lines().collect();
    while kept.len() > 1 && kept.last().is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        kept.pop();
    }
    let mut lines = kept.into_iter();
    let mut out = lines.next().unwrap_or("").trim_end().to_string();
    for line in lines {
        let spaces = line.chars().take_while(|c| *c == ' ').count().min(indent);
        out.push('\n');
        out.push_str(&line[spaces..]);
    }
    out
}

/// A parameter read, with its legal references and where its value is written.
fn parameter(model: &Model, read: &ParamUse<'_>) -> ParameterUse {
    let (label, unit, references, location) = match model.parameters.get(read.path) {
        Some(Entry::Parameter(p)) => {
            let entry = p.entry_at(read.date);
            let mut references = entry.map(|e| pick_references(&e.metadata.references, read.date)).unwrap_or_default();
            if references.is_empty() {
                references = pick_references(&p.metadata.references, read.date);
            }
            (p.description.clone(), p.metadata.unit.clone(), references, entry.map(|e| e.location.clone()))
        }
        Some(Entry::Scale(s)) => (
            s.description.clone(),
            s.metadata.amount_unit.clone().or(s.metadata.unit.clone()),
            pick_references(&s.metadata.references, read.date),
            Some(s.location.clone()),
        ),
        _ => (None, None, Vec::new(), None),
    };
    let text = if unit.as_deref() == Some("currency") { format::money(read.value) } else { format::number(read.value) };
    ParameterUse {
        path: read.path.to_string(),
        label,
        date: read.date.to_string(),
        value: format::number_json(read.value),
        text,
        scale_input: read.scale_input,
        unit,
        references,
        file: location.as_ref().map(|l| l.file.to_string()),
        line: location.map(|l| l.line),
    }
}

/// The references in force on `date`: the undated ones and those of the latest date before it.
fn pick_references(references: &[dotations_params::Reference], date: NaiveDate) -> Vec<Reference> {
    let latest = references.iter().filter_map(|r| r.date).filter(|d| *d <= date).max();
    references
        .iter()
        .filter(|r| r.date.is_none() || r.date == latest)
        .map(|r| Reference { title: r.title.clone(), href: r.href.clone() })
        .collect()
}

/// A decision, with the texts of the expressions involved.
fn choice(model: &Model, decision: &Decision<'_>, bindings: &[TExpr]) -> Choice {
    let text = |e: &TExpr| crate::aggregates::one_line(&written(model, e.origin));
    let show = |e: &TExpr, v: f64| match e.kind {
        Kind::Number if crate::aggregates::is_money(model, bindings, e) => format::money(v),
        kind => format::kind(model, kind, v),
    };
    let json = |e: &TExpr, v: f64| match e.kind {
        Kind::Bool => serde_json::Value::Bool(v != 0.0),
        Kind::Enum(_) | Kind::Date => serde_json::Value::String(format::kind(model, e.kind, v)),
        _ => format::number_json(v),
    };
    match decision {
        Decision::If { condition, holds, taken } => Choice::If {
            condition: text(condition),
            holds: *holds,
            branch: if *holds { "then" } else { "else" }.to_string(),
            taken: text(taken),
        },
        Decision::Pick { call, builtin, argument, value } => {
            let dotations_engine::model::Node::Call(_, args) = &call.node else { unreachable!("a call") };
            let (expression, applied) = (text(call), text(&args[*argument]));
            let (value, shown) = (json(call, *value), show(call, *value));
            let argument = argument + 1;
            match builtin {
                dotations_engine::model::Builtin::Min => {
                    Choice::Min { expression, argument, applied, value, text: shown }
                }
                _ => Choice::Max { expression, argument, applied, value, text: shown },
            }
        }
        Decision::Clamp { call, value, low, high, result } => {
            let bound = if value.max(*low) > *high {
                "ceiling"
            } else if value < low {
                "floor"
            } else {
                "none"
            };
            Choice::Clamp {
                expression: text(call),
                bound: bound.to_string(),
                value: *value,
                low: *low,
                high: *high,
                result: *result,
                text: show(call, *result),
                texts: [show(call, *value), show(call, *low), show(call, *high)],
            }
        }
        Decision::RatioDefault { call, value } => {
            Choice::RatioElse { expression: text(call), value: json(call, *value), text: show(call, *value) }
        }
        Decision::ShortCircuit { expr, left, holds } => {
            Choice::ShortCircuit { expression: text(expr), left: text(left), left_value: *holds }
        }
    }
}
