//! What contributed to a value for one commune, as the interpreter meets it: the values read
//! (children of the explanation), the parameters, the national values and the decisions, each
//! kept once in the order first met.

use std::mem;

use chrono::NaiveDate;
use dotations_engine::model::{Builtin, PopulationOp, TExpr, VarId};

/// A value read by a formula: a child of the explanation.
#[derive(Debug, Clone)]
pub(crate) enum Child<'a> {
    /// A planned (variable, year): an input, a default, or computed by a formula.
    Planned(usize),
    /// A variable of another year that is not given: the reading formula's `otherwise` applied.
    Fallback { var: VarId, year: i32, expr: &'a TExpr, value: f64, record: Record<'a> },
    /// A variable at a year computed per row (`x[year(d) + 1]`), read from the data; `column`
    /// is `None` when no column gives it and the default applied.
    Lookup { var: VarId, year: f64, value: f64, column: Option<String> },
}

/// A parameter read.
#[derive(Debug, Clone)]
pub(crate) struct ParamUse<'a> {
    pub path: &'a str,
    pub date: NaiveDate,
    pub value: f64,
    /// For a scale: the value it was applied to.
    pub scale_input: Option<f64>,
}

/// A population operator (a national value) the formula used, by step of the plan.
#[derive(Debug, Clone)]
pub(crate) struct AggregateUse<'a> {
    pub step: usize,
    pub expr: &'a TExpr,
    pub op: &'a PopulationOp,
    /// Its value for the commune (or its group).
    pub value: f64,
    /// The formula it is written in, to evaluate its operands for every commune when the run
    /// did not keep them.
    pub scope: Scope<'a>,
}

/// A formula being interpreted: its planned node, its year and its `let` bindings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub node: usize,
    pub year: i32,
    pub bindings: &'a [TExpr],
}

/// A decision the formula made for this commune.
#[derive(Debug, Clone)]
pub(crate) enum Choice<'a> {
    If {
        condition: &'a TExpr,
        holds: bool,
        taken: &'a TExpr,
    },
    /// `min`/`max`: which argument (0-based) gave the value.
    Pick {
        call: &'a TExpr,
        builtin: Builtin,
        argument: usize,
        value: f64,
    },
    Clamp {
        call: &'a TExpr,
        value: f64,
        low: f64,
        high: f64,
        result: f64,
    },
    /// `ratio(a, b, else d)` with `b` = 0: `d` applied.
    RatioDefault {
        call: &'a TExpr,
        value: f64,
    },
    /// `a and b` with `a` false, `a or b` with `a` true: `b` was not needed.
    ShortCircuit {
        expr: &'a TExpr,
        left: &'a TExpr,
        holds: bool,
    },
}

impl<'a> Choice<'a> {
    fn expr(&self) -> &'a TExpr {
        match self {
            Choice::If { condition, .. } => condition,
            Choice::Pick { call, .. } | Choice::Clamp { call, .. } | Choice::RatioDefault { call, .. } => call,
            Choice::ShortCircuit { expr, .. } => expr,
        }
    }
}

/// What contributed to a value, in the order it was met, without repeats.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record<'a> {
    pub children: Vec<Child<'a>>,
    pub parameters: Vec<ParamUse<'a>>,
    pub aggregates: Vec<AggregateUse<'a>>,
    pub choices: Vec<Choice<'a>>,
    /// Anything the interpreter could not follow (an engine inconsistency).
    pub problems: Vec<String>,
}

impl<'a> Record<'a> {
    pub(crate) fn child(&mut self, child: Child<'a>) {
        let same = |a: &Child<'a>, b: &Child<'a>| match (a, b) {
            (Child::Planned(x), Child::Planned(y)) => x == y,
            (Child::Fallback { var: v, year: y, .. }, Child::Fallback { var: w, year: z, .. }) => v == w && y == z,
            (Child::Lookup { var: v, year: y, .. }, Child::Lookup { var: w, year: z, .. }) => v == w && y == z,
            _ => false,
        };
        if !self.children.iter().any(|c| same(c, &child)) {
            self.children.push(child);
        }
    }

    pub(crate) fn parameter(&mut self, read: ParamUse<'a>) {
        let same = |p: &ParamUse<'a>| {
            p.path == read.path
                && p.date == read.date
                && p.scale_input.map(f64::to_bits) == read.scale_input.map(f64::to_bits)
        };
        if !self.parameters.iter().any(same) {
            self.parameters.push(read);
        }
    }

    pub(crate) fn aggregate(&mut self, used: AggregateUse<'a>) {
        if !self.aggregates.iter().any(|a| a.step == used.step) {
            self.aggregates.push(used);
        }
    }

    pub(crate) fn choice(&mut self, choice: Choice<'a>) {
        let same = |c: &Choice<'a>| {
            std::ptr::eq(c.expr(), choice.expr()) && mem::discriminant(c) == mem::discriminant(&choice)
        };
        if !self.choices.iter().any(same) {
            self.choices.push(choice);
        }
    }

    /// Adds what another record holds (a `let` used here, a `first` operand kept).
    pub(crate) fn merge(&mut self, other: Record<'a>) {
        other.children.into_iter().for_each(|c| self.child(c));
        other.parameters.into_iter().for_each(|p| self.parameter(p));
        other.aggregates.into_iter().for_each(|a| self.aggregate(a));
        other.choices.into_iter().for_each(|c| self.choice(c));
        for problem in other.problems {
            if !self.problems.contains(&problem) {
                self.problems.push(problem);
            }
        }
    }
}
