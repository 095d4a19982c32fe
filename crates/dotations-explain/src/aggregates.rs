//! National values, told for one commune: the group a sum or a mean is taken over and its
//! totals, the commune's rank among how many, and for a distribution the point value, the
//! budget and the commune's bounds.
//!
//! Everything is read from the run (the result and operand slots of the plan's population
//! step), so the numbers are the run's; only the totals of the commune's group and a
//! distribution's point value (when the formula keeps the amounts) are summed again, the same
//! way the run sums them. An operand column the run released is interpreted again, row by row.

use std::sync::Arc;

use dotations_engine::eval::distribute::{distribute, Distribution};
use dotations_engine::eval::kernels::SlotId;
use dotations_engine::eval::population::{masked, pairwise_sum};
use dotations_engine::eval::Value;
use dotations_engine::model::{
    BinaryOp, Builtin, Grouping, Kind, Model, Node, PopulationOp, Statistic, TExpr, ValueType,
};
use dotations_engine::plan::{PopulationStep, Step};
use dotations_lang::Order;

use crate::context::Context;
use crate::format;
use crate::interpret::{self, AggregateUse, Scope};
use crate::tree::{Aggregate, AggregateDetail, Group};

/// Reads the operands of a population step for the commune or for every commune: from the
/// run when it kept them, else by interpreting the operand as written (the run gives back
/// intermediate columns once their last reader is done; it keeps variables and national values).
struct Operands<'c, 'a> {
    ctx: &'c Context<'a>,
    scope: Scope<'a>,
}

impl<'a> Operands<'_, 'a> {
    fn kept(&self, slot: SlotId) -> Option<&'a Value> {
        self.ctx.run.slots.get(slot).and_then(Option::as_ref)
    }

    /// The values for every commune (a scalar repeated).
    fn column(&self, slot: SlotId, expr: &'a TExpr) -> Arc<[f64]> {
        match self.kept(slot) {
            Some(value) => value.to_column(self.ctx.dataset.size(self.ctx.model.person_entity())),
            None => interpret::every_row(self.ctx, self.scope, expr).into(),
        }
    }

    /// The value for the commune (or the scalar).
    fn at(&self, slot: SlotId, expr: &'a TExpr) -> f64 {
        match self.kept(slot) {
            Some(value) => value.at(self.ctx.shape_row(expr.shape)),
            None => interpret::at_commune(self.ctx, self.scope, expr),
        }
    }

    fn optional_column(&self, slot: Option<SlotId>, expr: &'a Option<TExpr>) -> Option<Arc<[f64]>> {
        Some(self.column(slot?, expr.as_ref()?))
    }
}

fn population_step<'p>(ctx: &Context<'p>, step: usize) -> &'p PopulationStep {
    match &ctx.plan.steps[step] {
        Step::Population { op, .. } => op,
        _ => unreachable!("aggregates are population steps"),
    }
}

/// The communes of the commune's group, in row order (every commune for a national value).
fn group_rows(ctx: &Context<'_>, keys: Option<&[f64]>, grouping: Grouping) -> Vec<usize> {
    let rows = ctx.dataset.size(ctx.model.person_entity());
    match (grouping, keys) {
        (Grouping::ByKey, Some(keys)) => {
            let own = keys[ctx.row];
            // The run groups by exact value (-0 with 0, NaN with NaN).
            (0..rows).filter(|i| interpret::same_value(keys[*i], own)).collect()
        }
        (Grouping::PerGroup(entity), _) => {
            let membership = ctx.dataset.membership()[entity].as_ref().expect("group membership");
            let own = membership[ctx.row];
            (0..rows).filter(|i| membership[*i] == own).collect()
        }
        _ => (0..rows).collect(),
    }
}

/// Σ of values over `rows` (rows failing the filter count 0), summed as the run sums a group.
fn group_sum(rows: &[usize], values: &[f64], filter: Option<&[f64]>) -> f64 {
    let laid_out: Vec<f64> =
        rows.iter().map(|i| if filter.is_none_or(|f| f[*i] != 0.0) { values[*i] } else { 0.0 }).collect();
    pairwise_sum(&laid_out)
}

fn counted(rows: &[usize], filter: Option<&[f64]>) -> usize {
    match filter {
        None => rows.len(),
        Some(filter) => rows.iter().filter(|i| filter[**i] != 0.0).count(),
    }
}

/// A group's totals for a `ratio_of_sums`: its rows, Σ numerator, Σ denominator, the filter.
struct RatioGroup {
    rows: Vec<usize>,
    numerator: f64,
    denominator: f64,
    filter: Option<Arc<[f64]>>,
}

fn ratio_group<'a>(
    ctx: &Context<'a>,
    step: &PopulationStep,
    op: &'a PopulationOp,
    scope: Scope<'a>,
) -> Option<RatioGroup> {
    let (
        PopulationStep::RatioOfSums { numerator, denominator, filter, key, grouping, .. },
        PopulationOp::RatioOfSums { numerator: n, denominator: d, filter: f, key: k, .. },
    ) = (step, op)
    else {
        return None;
    };
    let operands = Operands { ctx, scope };
    let keys = operands.optional_column(*key, k);
    let rows = group_rows(ctx, keys.as_deref(), *grouping);
    let filter = operands.optional_column(*filter, f);
    let numerator = group_sum(&rows, &operands.column(*numerator, n), filter.as_deref());
    let denominator = group_sum(&rows, &operands.column(*denominator, d), filter.as_deref());
    Some(RatioGroup { rows, numerator, denominator, filter })
}

/// Whether the denominator of a `ratio_of_sums` sums to 0 over the commune's group (its `else`
/// value then applies).
pub(crate) fn denominator_is_zero<'a>(ctx: &Context<'a>, step: usize, op: &'a PopulationOp, scope: Scope<'a>) -> bool {
    ratio_group(ctx, population_step(ctx, step), op, scope).is_some_and(|g| g.denominator == 0.0)
}

/// The commune's group, as people read it.
fn group(ctx: &Context<'_>, key: Option<(&TExpr, f64)>, grouping: Grouping) -> Option<Group> {
    let model = ctx.model;
    match grouping {
        Grouping::All => None,
        Grouping::ByKey => {
            let (expr, value) = key?;
            let json = match expr.kind {
                Kind::Bool => serde_json::Value::Bool(value != 0.0),
                Kind::Enum(_) | Kind::Date => serde_json::Value::String(format::kind(model, expr.kind, value)),
                _ => format::number_json(value),
            };
            Some(Group {
                by: one_line(&crate::build::written(model, expr.origin)),
                value: json,
                text: format::kind(model, expr.kind, value),
            })
        }
        Grouping::PerGroup(entity) => {
            let id = ctx.row_id(entity).to_string();
            Some(Group {
                by: model.entities[entity].name.clone(),
                value: serde_json::Value::String(id.clone()),
                text: id,
            })
        }
    }
}

/// Whether an expression is an amount of euros: a money variable or a parameter in currency,
/// and sums, bounds and choices of them, an amount times or divided by a number (an amount
/// divided by an amount is a ratio, an amount times an amount nothing); `let` names followed.
pub(crate) fn is_money(model: &Model, bindings: &[TExpr], e: &TExpr) -> bool {
    let money = |e: &TExpr| is_money(model, bindings, e);
    match &e.node {
        Node::Var { var, .. } => model.variables[*var].value_type == ValueType::Money,
        Node::Param { path, .. } => match model.parameters.get(path) {
            Some(dotations_params::Entry::Parameter(p)) => p.metadata.unit.as_deref() == Some("currency"),
            _ => false,
        },
        Node::Local(index) => bindings.get(*index).is_some_and(money),
        Node::Project { value, .. } | Node::Unary(_, value) => money(value),
        Node::Binary(BinaryOp::Add | BinaryOp::Sub, a, b) | Node::If(_, a, b) => money(a) || money(b),
        Node::Binary(BinaryOp::Mul, a, b) => money(a) != money(b),
        Node::Binary(BinaryOp::Div, a, b) => money(a) && !money(b),
        Node::Call(Builtin::Min | Builtin::Max | Builtin::Clamp, args) => args.iter().any(money),
        Node::Population(op) => match op.as_ref() {
            PopulationOp::First { value } => money(value),
            PopulationOp::Sum { value, statistic: Statistic::Sum | Statistic::Mean, .. } => money(value),
            _ => false,
        },
        _ => false,
    }
}

/// A national value for the commune.
pub(crate) fn describe<'a>(ctx: &Context<'a>, used: &AggregateUse<'a>) -> Aggregate {
    let model = ctx.model;
    let operands = Operands { ctx, scope: used.scope };
    let row = ctx.row;
    let location = model.location(used.expr.origin);
    let money = match used.op {
        PopulationOp::Distribute(d) => !d.point,
        _ => is_money(model, used.scope.bindings, used.expr),
    };
    let amount = |v: f64| if money { format::money(v) } else { format::number(v) };
    let mut text = match used.expr.kind {
        Kind::Number => amount(used.value),
        kind => format::kind(model, kind, used.value),
    };
    let detail = match (population_step(ctx, used.step), used.op) {
        (
            PopulationStep::Sum { filter, key, grouping, statistic, .. },
            PopulationOp::Sum { filter: filter_expr, key: key_expr, .. },
        ) => {
            let keys = operands.optional_column(*key, key_expr);
            let filter = operands.optional_column(*filter, filter_expr);
            let rows = group_rows(ctx, keys.as_deref(), *grouping);
            AggregateDetail::Sum {
                statistic: match statistic {
                    Statistic::Sum => "sum",
                    Statistic::Count => "count",
                    Statistic::Mean => "mean",
                }
                .to_string(),
                group: group(ctx, key_expr.as_ref().zip(keys.map(|k| k[row])), *grouping),
                communes: counted(&rows, filter.as_deref()),
                included: filter.map(|f| f[row] != 0.0),
            }
        }
        (step @ PopulationStep::RatioOfSums { key, grouping, .. }, PopulationOp::RatioOfSums { key: key_expr, .. }) => {
            let totals = ratio_group(ctx, step, used.op, used.scope).expect("a ratio of sums");
            let key_value = key.zip(key_expr.as_ref()).map(|(slot, expr)| (expr, operands.at(slot, expr)));
            AggregateDetail::RatioOfSums {
                group: group(ctx, key_value, *grouping),
                communes: counted(&totals.rows, totals.filter.as_deref()),
                included: totals.filter.as_ref().map(|f| f[row] != 0.0),
                numerator: totals.numerator,
                denominator: totals.denominator,
                default_applied: totals.denominator == 0.0,
            }
        }
        (PopulationStep::Rank { value, order }, PopulationOp::Rank { value: value_expr, .. }) => {
            let ranked = ctx.dataset.size(model.person_entity());
            text = format!("{} of {}", format::ordinal(used.value as usize), format::integer(ranked as f64));
            AggregateDetail::Rank {
                rank: used.value as usize,
                ranked,
                order: match order {
                    Order::Descending => "descending",
                    Order::Ascending => "ascending",
                }
                .to_string(),
                ranked_value: operands.at(*value, value_expr),
            }
        }
        (PopulationStep::Share { value, filter }, PopulationOp::Share { value: value_expr, filter: filter_expr }) => {
            let values = operands.column(*value, value_expr);
            let filter = operands.optional_column(*filter, filter_expr);
            let total = pairwise_sum(&masked(&values, filter.as_deref()));
            let own = if filter.as_ref().is_none_or(|f| f[row] != 0.0) { values[row] } else { 0.0 };
            AggregateDetail::Share { commune_value: own, total }
        }
        (PopulationStep::First { .. }, _) => {
            let first = ctx.dataset.ids(model.person_entity()).first().cloned().unwrap_or_default();
            AggregateDetail::First { first_commune: first }
        }
        (
            PopulationStep::Distribute { budget, score, previous, low, high, unbounded, point },
            PopulationOp::Distribute(d),
        ) => {
            let slots = Slots {
                budget: *budget,
                score: *score,
                previous: *previous,
                low: *low,
                high: *high,
                unbounded: *unbounded,
            };
            distribution(&operands, used.value, slots, d, *point)
        }
        _ => unreachable!("a population step lowers its own operator"),
    };
    Aggregate {
        expression: crate::build::written(model, used.expr.origin),
        file: location.file.to_string(),
        line: location.line,
        value: format::number_json(used.value),
        text,
        detail,
    }
}

/// The operand slots of a distribution.
struct Slots {
    budget: SlotId,
    score: SlotId,
    previous: SlotId,
    low: SlotId,
    high: SlotId,
    unbounded: Option<SlotId>,
}

/// A distribution for the commune: the point value, and its amount `score × point` bounded
/// between `low × previous` and `high × previous` (the engine's rule, row by row).
fn distribution<'a>(
    operands: &Operands<'_, 'a>,
    value: f64,
    slots: Slots,
    d: &'a dotations_engine::model::Distribution,
    point: bool,
) -> AggregateDetail {
    let budget = operands.at(slots.budget, &d.budget);
    let (low, high) = (operands.at(slots.low, &d.low), operands.at(slots.high, &d.high));
    let point_value = if point {
        value
    } else {
        // The formula keeps the amounts: the point value is solved again, as the run solved it.
        let scores = operands.column(slots.score, &d.score);
        let previous = operands.column(slots.previous, &d.previous);
        let flags = operands.optional_column(slots.unbounded, &d.unbounded);
        let input =
            Distribution { budget, score: &scores, previous: &previous, low, high, unbounded: flags.as_deref() };
        distribute(&input).map_or(f64::NAN, |d| d.point)
    };
    let score = operands.at(slots.score, &d.score);
    let previous = operands.at(slots.previous, &d.previous);
    let flagged = slots.unbounded.zip(d.unbounded.as_ref()).is_some_and(|(slot, expr)| operands.at(slot, expr) != 0.0);
    let because = if previous == 0.0 {
        Some("no previous amount".to_string())
    } else if flagged {
        Some("`unbounded where` holds".to_string())
    } else {
        None
    };
    let (floor, ceiling) = (low * previous, high * previous);
    let (amount, bound) = if because.is_some() {
        (score * point_value, "unbounded")
    } else if score == 0.0 || floor > ceiling {
        // No score: the amount is the bound nearest 0 (numpy's clip of 0).
        let amount = 0f64.max(floor).min(ceiling);
        (amount, if amount == floor { "floor" } else { "ceiling" })
    } else {
        let spontaneous = score * point_value;
        let bound = if spontaneous < floor {
            "floor"
        } else if spontaneous > ceiling {
            "ceiling"
        } else {
            "within"
        };
        (spontaneous.max(floor).min(ceiling), bound)
    };
    let bounded = because.is_none();
    AggregateDetail::Distribute {
        point: point_value,
        budget,
        score,
        previous,
        low,
        high,
        floor: bounded.then_some(floor),
        ceiling: bounded.then_some(ceiling),
        amount,
        bound: bound.to_string(),
        unbounded_because: because,
    }
}

/// A text on one line, spaces collapsed.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
