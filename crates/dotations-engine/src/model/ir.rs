//! Typed, resolved formulas: what the resolver produces and the planner consumes.
//!
//! Names are resolved (a variable is a [`VarId`], a parameter a checked dotted path), every
//! node knows its [`Kind`] and its [`Shape`] (one value per row of an entity, or one value for
//! the whole run), and implicit steps are explicit (projection of an État value onto its
//! communes). Periods stay symbolic (`N-1`): they are fixed when a year is planned.

use chrono::NaiveDate;

use super::types::{EntityId, Kind, Origin, VarId};
use dotations_lang::Order;

/// Which rows an expression has a value for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// One value for the whole run (a constant, a parameter, a national sum).
    Scalar,
    /// One value per row of an entity.
    Rows(EntityId),
}

#[derive(Debug, Clone)]
pub struct TExpr {
    pub node: Node,
    pub kind: Kind,
    pub shape: Shape,
    pub origin: Origin,
}

/// The date at which a parameter is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamDate {
    /// January 1 of the computed year plus an offset in years (`P`, `P[N-1]`, `P[N+1]`).
    Offset(i32),
    /// January 1 of a given year (`P[2019]`).
    Year(i32),
    /// A given date (`P[2019-06-01]`).
    Date(NaiveDate),
}

/// The period at which a variable is read.
#[derive(Debug, Clone)]
pub enum VarPeriod {
    /// The computed year plus an offset (`x`, `x[N-1]`).
    Offset(i32),
    /// A given year (`x[2019]`).
    Year(i32),
    /// A year computed per row (`x[year(date_creation_commune) + 1]`); reads inputs only.
    PerRow(Box<TExpr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Negate,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// Functions applied row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    Min,
    Max,
    Clamp,
    Abs,
    Floor,
    Ceil,
    Trunc,
    Log10,
    /// Round to the nearest, ties to even (numpy's `round`), optional number of decimals.
    RoundHalfEven,
    /// Round to the nearest, ties away from zero, optional number of decimals.
    RoundHalfAway,
    /// `ratio(a, b, else d)`: `a / b` where `b != 0`, else `d`.
    Ratio,
    /// The calendar year of a date.
    YearOf,
    /// `date(year, month, day)`.
    MakeDate,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Clamp => "clamp",
            Builtin::Abs => "abs",
            Builtin::Floor => "floor",
            Builtin::Ceil => "ceil",
            Builtin::Trunc => "trunc",
            Builtin::Log10 => "log10",
            Builtin::RoundHalfEven => "round_half_even",
            Builtin::RoundHalfAway => "round_half_away",
            Builtin::Ratio => "ratio",
            Builtin::YearOf => "year",
            Builtin::MakeDate => "date",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Node {
    Const(f64),
    /// `N`: the computed year.
    Year,
    /// A number or boolean parameter.
    Param {
        path: String,
        at: ParamDate,
    },
    /// A scale parameter applied to a value.
    Scale {
        path: String,
        at: ParamDate,
        argument: Box<TExpr>,
    },
    /// A variable, possibly at another period, with a fallback when it is not an input.
    Var {
        var: VarId,
        period: VarPeriod,
        otherwise: Option<Box<TExpr>>,
    },
    /// A `let` binding of the enclosing formula, by index.
    Local(usize),
    /// A value of a group entity (the État) given to each of its members.
    Project {
        group: EntityId,
        value: Box<TExpr>,
    },
    Unary(UnaryOp, Box<TExpr>),
    Binary(BinaryOp, Box<TExpr>, Box<TExpr>),
    If(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    Call(Builtin, Vec<TExpr>),
    /// An operator over a whole population (sums, ranks, distributions).
    Population(Box<PopulationOp>),
}

/// Where a population operator's result lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Over every row: one value for the run.
    All,
    /// Per value of a key column, given back to each row (`by strate`).
    ByKey,
    /// Per group entity (`per etat`): one value per État.
    PerGroup(EntityId),
}

#[derive(Debug, Clone)]
pub enum PopulationOp {
    /// `sum(x, where c, by g, per e)`; `count` sums 1; `mean` divides by the count.
    Sum { value: TExpr, filter: Option<TExpr>, key: Option<TExpr>, grouping: Grouping, statistic: Statistic },
    /// `ratio_of_sums(a, b, where c, by g, else d)`: Σa / Σb, `d` where Σb is 0.
    RatioOfSums {
        numerator: TExpr,
        denominator: TExpr,
        filter: Option<TExpr>,
        key: Option<TExpr>,
        grouping: Grouping,
        default: TExpr,
    },
    /// 1-based rank; equal values keep their input order.
    Rank { value: TExpr, order: Order },
    /// `x / Σx`.
    Share { value: TExpr, filter: Option<TExpr> },
    /// The value of the first row.
    First { value: TExpr },
    /// Budget distribution with stability bounds; see [`crate::eval::distribute`].
    Distribute(Box<Distribution>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Sum,
    Count,
    Mean,
}

#[derive(Debug, Clone)]
pub struct Distribution {
    pub budget: TExpr,
    pub score: TExpr,
    pub previous: TExpr,
    pub low: TExpr,
    pub high: TExpr,
    pub unbounded: Option<TExpr>,
    /// `true` for `.point` (the point value), `false` for the amounts.
    pub point: bool,
}

impl TExpr {
    /// Calls `f` on each direct sub-expression.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a TExpr)) {
        match &self.node {
            Node::Const(_) | Node::Year | Node::Param { .. } | Node::Local(_) => {}
            Node::Scale { argument, .. } => f(argument),
            Node::Var { period, otherwise, .. } => {
                if let VarPeriod::PerRow(e) = period {
                    f(e);
                }
                if let Some(e) = otherwise {
                    f(e);
                }
            }
            Node::Project { value, .. } | Node::Unary(_, value) => f(value),
            Node::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            Node::If(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            Node::Call(_, args) => args.iter().for_each(f),
            Node::Population(op) => match op.as_ref() {
                PopulationOp::Sum { value, filter, key, .. } => {
                    f(value);
                    filter.iter().chain(key).for_each(f);
                }
                PopulationOp::RatioOfSums { numerator, denominator, filter, key, default, .. } => {
                    f(numerator);
                    f(denominator);
                    filter.iter().chain(key).for_each(&mut f);
                    f(default);
                }
                PopulationOp::Rank { value, .. } | PopulationOp::First { value } => f(value),
                PopulationOp::Share { value, filter } => {
                    f(value);
                    filter.iter().for_each(f);
                }
                PopulationOp::Distribute(d) => {
                    for e in [&d.budget, &d.score, &d.previous, &d.low, &d.high] {
                        f(e);
                    }
                    d.unbounded.iter().for_each(f);
                }
            },
        }
    }

    /// Every variable this expression reads, with the period it reads it at.
    pub fn visit_variables<'a>(&'a self, f: &mut impl FnMut(VarId, &'a VarPeriod, Origin)) {
        if let Node::Var { var, period, .. } = &self.node {
            f(*var, period, self.origin);
        }
        self.for_each_child(|child| child.visit_variables(f));
    }

    /// Every parameter this expression reads.
    pub fn visit_parameters<'a>(&'a self, f: &mut impl FnMut(&'a str, ParamDate, Origin)) {
        match &self.node {
            Node::Param { path, at } | Node::Scale { path, at, .. } => f(path, *at, self.origin),
            _ => {}
        }
        self.for_each_child(|child| child.visit_parameters(f));
    }
}
