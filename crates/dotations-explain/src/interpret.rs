//! The row interpreter: re-derives one planned node's value for one commune from its typed
//! formula, reading every variable, parameter and national aggregate from the full run, and
//! records what contributed.
//!
//! The full run is column-wise and keeps no trace; this interpreter walks the same formula for
//! a single row, with the plan's own values for everything the formula reads (the slots of the
//! nodes it reads, the parameter values the plan folded, the result slots of its population
//! steps), so the value it finds must be the run's to the last bit. It follows only what
//! matters for that row: the branch an `if` takes, the right side of `and`/`or` only when the
//! left does not decide, the `else` of `ratio` only when the divisor is 0, a `let` only where it
//! is used, an `otherwise` only when the value is not given. Sub-expressions it skips are never
//! read, so a branch the plan did not lower (a condition on parameters alone) is never needed.
//!
//! A population operator is matched to its step of the plan by the order the planner lowered
//! the formula's operators in (the node's `aggregates`), since a step may be shared by several
//! formulas that compute the same thing. The run keeps the values of variables and national
//! values but gives back other intermediate columns: an operand needed for every commune (a
//! `where` filter, a `by` key) is then interpreted again here, row by row ([`every_row`]).

use std::mem;

use chrono::NaiveDate;
use dotations_engine::eval::kernels::{call_scalar, unary_fn};
use dotations_engine::eval::scale::ScaleTable;
use dotations_engine::model::{
    BinaryOp, Builtin, Formula, Node, ParamDate, PopulationOp, TExpr, ValueType, VarId, VarPeriod,
};
use dotations_engine::plan::{Source, Step};

use crate::context::Context;
pub(crate) use crate::record::{AggregateUse, Child, Choice, ParamUse, Record, Scope};

/// Re-derives the value of planned node `node` (computed by `formula`) for the commune.
pub(crate) fn derive<'a>(ctx: &Context<'a>, node: usize, formula: &'a Formula) -> (f64, Record<'a>) {
    let planned = &ctx.plan.nodes[node];
    let scope = Scope { node, year: planned.year, bindings: &formula.bindings };
    let mut frame = Frame::new(ctx, scope);
    // The population operators in the order the planner lowered them: the i-th is the node's
    // i-th aggregate step (a step may be shared with another formula that computes the same).
    let mut lowered = Vec::new();
    for binding in &formula.bindings {
        frame.lowered(binding, &mut lowered);
    }
    frame.lowered(&formula.expr, &mut lowered);
    if lowered.len() == planned.aggregates.len() {
        frame.steps = lowered.into_iter().zip(planned.aggregates.iter().copied()).collect();
    }
    let mut value = frame.eval(&formula.expr);
    if ctx.model.variables[planned.var].value_type == ValueType::Integer {
        // Integer variables are stored as the run's last step stores them.
        value = dotations_engine::eval::kernels::to_integer(value);
    }
    (value, frame.record)
}

/// The values of an expression of a formula for every commune, interpreted row by row: an
/// operand of a national value that the run did not keep (it releases intermediate columns).
pub(crate) fn every_row<'a>(ctx: &Context<'a>, scope: Scope<'a>, expr: &'a TExpr) -> Vec<f64> {
    let rows = ctx.dataset.size(ctx.model.person_entity());
    (0..rows)
        .map(|row| {
            let at = Context { row, ..*ctx };
            Frame::new(&at, scope).eval(expr)
        })
        .collect()
}

/// The value of an expression of a formula for the commune.
pub(crate) fn at_commune<'a>(ctx: &Context<'a>, scope: Scope<'a>, expr: &'a TExpr) -> f64 {
    Frame::new(ctx, scope).eval(expr)
}

/// Whether the planner folds an expression into a constant (it reads no variable, no `let`
/// and no national value): then an `if` on it is decided when planning, and only the branch
/// taken is lowered.
fn is_const(e: &TExpr) -> bool {
    match &e.node {
        Node::Const(_) | Node::Year | Node::Param { .. } => true,
        Node::Var { .. } | Node::Local(_) | Node::Population(_) => false,
        Node::Scale { argument, .. } | Node::Project { value: argument, .. } | Node::Unary(_, argument) => {
            is_const(argument)
        }
        Node::Binary(_, a, b) => is_const(a) && is_const(b),
        Node::If(c, a, b) => is_const(c) && is_const(a) && is_const(b),
        Node::Call(_, args) => args.iter().all(is_const),
    }
}

/// The date a parameter is read at, for a formula of `year` (as the planner reads it).
pub(crate) fn parameter_date(at: ParamDate, year: i32) -> NaiveDate {
    let first_of = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).expect("January 1 exists");
    match at {
        ParamDate::Offset(offset) => first_of(year + offset),
        ParamDate::Year(y) => first_of(y),
        ParamDate::Date(date) => date,
    }
}

/// A binary operator on one row, as the engine's kernels compute it (booleans are 0/1). Written
/// here rather than imported so that the check against the run is independent of how the
/// kernels are organised; any difference of semantics shows as a mismatch in the tests.
fn binary(op: BinaryOp, x: f64, y: f64) -> f64 {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
        BinaryOp::And => flag(x != 0.0 && y != 0.0),
        BinaryOp::Or => flag(x != 0.0 || y != 0.0),
        BinaryOp::Lt => flag(x < y),
        BinaryOp::Le => flag(x <= y),
        BinaryOp::Gt => flag(x > y),
        BinaryOp::Ge => flag(x >= y),
        BinaryOp::Eq => flag(x == y),
        BinaryOp::Ne => flag(x != y),
    }
}

/// Whether two values are the same (NaN is NaN).
pub(crate) fn same_value(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

struct Frame<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The planned node whose formula this is.
    node: usize,
    year: i32,
    bindings: &'a [TExpr],
    /// `let` values computed so far, with what contributed to each.
    locals: Vec<Option<(f64, Record<'a>)>>,
    /// Each population operator of the formula with its step of the plan.
    steps: Vec<(&'a TExpr, usize)>,
    record: Record<'a>,
}

impl<'c, 'a> Frame<'c, 'a> {
    fn new(ctx: &'c Context<'a>, scope: Scope<'a>) -> Self {
        Frame {
            ctx,
            node: scope.node,
            year: scope.year,
            bindings: scope.bindings,
            locals: vec![None; scope.bindings.len()],
            steps: Vec::new(),
            record: Record::default(),
        }
    }

    fn scope(&self) -> Scope<'a> {
        Scope { node: self.node, year: self.year, bindings: self.bindings }
    }

    /// Appends the population operators of `e` in the order the planner lowers them: operands
    /// before their operator, an `otherwise` only when the value is not an input, only the
    /// branch taken by an `if` on a constant.
    fn lowered(&mut self, e: &'a TExpr, out: &mut Vec<&'a TExpr>) {
        let ctx = self.ctx;
        match &e.node {
            Node::Const(_) | Node::Year | Node::Param { .. } | Node::Local(_) => {}
            Node::Var { var, period, otherwise } => {
                let year = match period {
                    VarPeriod::PerRow(years) => {
                        self.lowered(years, out);
                        for (index, column) in ctx.model.columns.iter().enumerate() {
                            if column.var == *var && ctx.dataset.column(index).is_some() {
                                self.lowered(&column.year, out);
                            }
                        }
                        None
                    }
                    VarPeriod::Offset(offset) => Some(self.year + offset),
                    VarPeriod::Year(year) => Some(*year),
                };
                let given = year.is_some_and(|year| ctx.dataset.has_input(ctx.model, *var, year));
                if let Some(otherwise) = otherwise.as_deref().filter(|_| !given) {
                    self.lowered(otherwise, out);
                }
            }
            Node::If(condition, then, otherwise) if is_const(condition) => {
                let holds = self.eval_apart(condition).0 != 0.0;
                self.lowered(if holds { then } else { otherwise }, out);
            }
            _ => {
                let mut children = Vec::new();
                e.for_each_child(|child| children.push(child));
                for child in children {
                    self.lowered(child, out);
                }
                if matches!(e.node, Node::Population(_)) {
                    out.push(e);
                }
            }
        }
    }

    fn eval(&mut self, e: &'a TExpr) -> f64 {
        match &e.node {
            Node::Const(value) => *value,
            Node::Year => f64::from(self.year),
            Node::Param { path, at } => self.parameter(e, path, *at),
            Node::Scale { path, at, argument } => {
                let x = self.eval(argument);
                self.scale(path, *at, x)
            }
            Node::Var { var, period, otherwise } => self.variable(e, *var, period, otherwise.as_deref()),
            Node::Local(index) => self.local(*index),
            Node::Project { value, .. } => self.eval(value),
            Node::Unary(op, operand) => unary_fn(*op)(self.eval(operand)),
            Node::Binary(op, a, b) => self.binary(e, *op, a, b),
            Node::If(condition, then, otherwise) => {
                let holds = self.eval(condition) != 0.0;
                let taken = if holds { then } else { otherwise };
                self.record.choice(Choice::If { condition, holds, taken });
                self.eval(taken)
            }
            Node::Call(builtin, args) => self.call(e, *builtin, args),
            Node::Population(op) => self.population(e, op),
        }
    }

    /// Evaluates `e` into a record of its own, returned beside the value.
    fn eval_apart(&mut self, e: &'a TExpr) -> (f64, Record<'a>) {
        let saved = mem::take(&mut self.record);
        let value = self.eval(e);
        (value, mem::replace(&mut self.record, saved))
    }

    fn problem(&mut self, message: String) -> f64 {
        if !self.record.problems.contains(&message) {
            self.record.problems.push(message);
        }
        f64::NAN
    }

    fn parameter(&mut self, e: &TExpr, path: &'a str, at: ParamDate) -> f64 {
        let date = parameter_date(at, self.year);
        // The value the plan folded into the formula; the tree's value otherwise (the same).
        let planned = self.ctx.plan.nodes[self.node]
            .parameters
            .iter()
            .find(|read| read.origin == e.origin && read.path == path && read.date == date)
            .and_then(|read| read.value);
        let value = planned.or_else(|| match self.ctx.model.parameters.value_at(path, date) {
            Ok(Some(dotations_params::ParamValue::Number(n))) => Some(dotations_params::decimal_to_f64(*n)),
            Ok(Some(dotations_params::ParamValue::Bool(b))) => Some(f64::from(u8::from(*b))),
            _ => None,
        });
        match value {
            Some(value) => {
                self.record.parameter(ParamUse { path, date, value, scale_input: None });
                value
            }
            None => self.problem(format!("parameter `{path}` has no value on {date}")),
        }
    }

    fn scale(&mut self, path: &'a str, at: ParamDate, x: f64) -> f64 {
        let date = parameter_date(at, self.year);
        let Some(scale) = self.ctx.model.parameters.scale(path) else {
            return self.problem(format!("`{path}` is not a scale"));
        };
        let value = ScaleTable::new(path.to_string(), scale.at(date)).calc(x);
        self.record.parameter(ParamUse { path, date, value, scale_input: Some(x) });
        value
    }

    fn local(&mut self, index: usize) -> f64 {
        if self.locals[index].is_none() {
            let bindings = self.bindings;
            let computed = self.eval_apart(&bindings[index]);
            self.locals[index] = Some(computed);
        }
        let (value, record) = self.locals[index].clone().expect("computed above");
        self.record.merge(record);
        value
    }

    fn variable(&mut self, e: &'a TExpr, var: VarId, period: &'a VarPeriod, otherwise: Option<&'a TExpr>) -> f64 {
        let year = match period {
            VarPeriod::Offset(offset) => self.year + offset,
            VarPeriod::Year(year) => *year,
            VarPeriod::PerRow(years) => return self.lookup(e, var, years, otherwise),
        };
        let ctx = self.ctx;
        let key = ctx.key(var, year);
        let plan = ctx.plan;
        // The nodes this formula read: the one for this (variable, year) is among them.
        let mut candidates = plan.nodes[self.node].reads.iter().copied().filter(|i| {
            let node = &plan.nodes[*i];
            node.var == var && ctx.key(node.var, node.year) == key
        });
        if let Some(otherwise) = otherwise {
            // `otherwise` applies when the value is not given as an input.
            if let Some(input) = candidates.find(|i| plan.nodes[*i].source == Source::Input) {
                return self.planned(input);
            }
            let (value, record) = self.eval_apart(otherwise);
            self.record.child(Child::Fallback { var, year, expr: otherwise, value, record });
            return value;
        }
        match candidates.find(|i| plan.nodes[*i].source != Source::Fallback).or_else(|| plan.node_index(var, key)) {
            Some(node) => self.planned(node),
            None => {
                let name = &ctx.model.variables[var].name;
                self.problem(format!("`{name}` for {year} is read but was not planned"))
            }
        }
    }

    fn planned(&mut self, node: usize) -> f64 {
        self.record.child(Child::Planned(node));
        self.ctx.node_value(node)
    }

    /// A variable at a year computed per row: read from the data as the run reads it (a
    /// declared column for that year, else the variable's input for that year, else
    /// `otherwise`, else its default).
    fn lookup(&mut self, e: &'a TExpr, var: VarId, years: &'a TExpr, otherwise: Option<&'a TExpr>) -> f64 {
        let year = self.eval(years);
        let ctx = self.ctx;
        let (model, row) = (ctx.model, ctx.row);
        for (index, column) in model.columns.iter().enumerate() {
            let Some(values) = ctx.dataset.column(index).filter(|_| column.var == var) else { continue };
            if self.eval(&column.year) == year {
                let value = values[row];
                self.record.child(Child::Lookup { var, year, value, column: Some(column.name.clone()) });
                return value;
            }
        }
        if let Some(values) = year.is_finite().then(|| ctx.dataset.input(model, var, year as i32)).flatten() {
            let value = values.at(row);
            let column = crate::input_column(model, ctx.plan.year, var, year as i32);
            self.record.child(Child::Lookup { var, year, value, column: Some(column) });
            return value;
        }
        if let Some(otherwise) = otherwise {
            let (value, record) = self.eval_apart(otherwise);
            self.record.child(Child::Fallback { var, year: year as i32, expr: otherwise, value, record });
            return value;
        }
        let default = ctx.plan.steps.iter().find_map(|step| match step {
            Step::Lookup { var: v, origin, default, .. } if *v == var && *origin == e.origin => *default,
            _ => None,
        });
        match default {
            Some(value) => {
                self.record.child(Child::Lookup { var, year, value, column: None });
                value
            }
            None => {
                let name = &model.variables[var].name;
                self.problem(format!("`{name}` for {year} is not given for this commune"))
            }
        }
    }

    fn binary(&mut self, e: &'a TExpr, op: BinaryOp, a: &'a TExpr, b: &'a TExpr) -> f64 {
        let x = self.eval(a);
        // The right side does not matter when the left decides (the run computes it anyway).
        let decided = match op {
            BinaryOp::And if x == 0.0 => Some(0.0),
            BinaryOp::Or if x != 0.0 => Some(1.0),
            _ => None,
        };
        if let Some(value) = decided {
            self.record.choice(Choice::ShortCircuit { expr: e, left: a, holds: x != 0.0 });
            return value;
        }
        let y = self.eval(b);
        binary(op, x, y)
    }

    fn call(&mut self, e: &'a TExpr, builtin: Builtin, args: &'a [TExpr]) -> f64 {
        match builtin {
            Builtin::Ratio => {
                // ratio(a, b, else d): a / b where b != 0, else d (as the kernel computes it).
                let divisor = self.eval(&args[1]);
                if divisor != 0.0 {
                    let dividend = self.eval(&args[0]);
                    return call_scalar(builtin, &[dividend, divisor, 0.0]);
                }
                let value = self.eval(&args[2]);
                self.record.choice(Choice::RatioDefault { call: e, value });
                value
            }
            Builtin::Min | Builtin::Max => {
                let values: Vec<f64> = args.iter().map(|a| self.eval(a)).collect();
                let value = call_scalar(builtin, &values);
                let argument = values.iter().position(|v| same_value(*v, value)).unwrap_or(0);
                self.record.choice(Choice::Pick { call: e, builtin, argument, value });
                value
            }
            Builtin::Clamp => {
                let values: Vec<f64> = args.iter().map(|a| self.eval(a)).collect();
                let result = call_scalar(builtin, &values);
                let (value, low, high) = (values[0], values[1], values[2]);
                self.record.choice(Choice::Clamp { call: e, value, low, high, result });
                result
            }
            _ => {
                let values: Vec<f64> = args.iter().map(|a| self.eval(a)).collect();
                call_scalar(builtin, &values)
            }
        }
    }

    /// A population operator: its value is the run's (the result slot of its step); the
    /// commune's own operands are evaluated for what they read (its score, its index, the
    /// group it belongs to).
    fn population(&mut self, e: &'a TExpr, op: &'a PopulationOp) -> f64 {
        let ctx = self.ctx;
        let lowered = self.steps.iter().find(|(written, _)| std::ptr::eq(*written, e)).map(|(_, step)| *step);
        let step = lowered.or_else(|| {
            ctx.plan.nodes[self.node]
                .aggregates
                .iter()
                .copied()
                .find(|s| matches!(&ctx.plan.steps[*s], Step::Population { origin, .. } if *origin == e.origin))
        });
        let Some(step) = step else {
            return self.problem(format!("no planned step for the national value `{}`", ctx.model.text(e.origin)));
        };
        let value = ctx.run.slot(ctx.plan.steps[step].slot()).at(ctx.shape_row(e.shape));
        self.record.aggregate(AggregateUse { step, expr: e, op, value, scope: self.scope() });
        match op {
            PopulationOp::Sum { filter, key, .. } => {
                for operand in filter.iter().chain(key) {
                    self.eval(operand);
                }
            }
            PopulationOp::RatioOfSums { filter, key, default, .. } => {
                for operand in filter.iter().chain(key) {
                    self.eval(operand);
                }
                // The `else` value matters only where the divisor sums to 0, which can only be
                // when the result is that value (checked first: summing the group costs more).
                let (otherwise, record) = self.eval_apart(default);
                if same_value(otherwise, value) && crate::aggregates::denominator_is_zero(ctx, step, op, self.scope()) {
                    self.record.merge(record);
                }
            }
            PopulationOp::Rank { value, .. } => {
                self.eval(value);
            }
            PopulationOp::Share { value, filter } => {
                self.eval(value);
                filter.iter().for_each(|f| {
                    self.eval(f);
                });
            }
            PopulationOp::First { value: operand } => {
                // The first commune's value: what this commune read explains it only when it is
                // the same (a national value kept in every row).
                let (own, record) = self.eval_apart(operand);
                if same_value(own, value) {
                    self.record.merge(record);
                }
            }
            PopulationOp::Distribute(d) => {
                for operand in [&d.budget, &d.score, &d.previous, &d.low, &d.high] {
                    self.eval(operand);
                }
                if let Some(unbounded) = &d.unbounded {
                    self.eval(unbounded);
                }
            }
        }
        value
    }
}
