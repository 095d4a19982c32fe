//! Lowering a typed formula for one year: parameters become constants, variable reads become
//! slots of planned nodes, population operators become steps, the rest a row-wise program.

use std::sync::Arc;

use chrono::NaiveDate;

use super::build::{Builder, FormulaScope};
use super::*;
use crate::eval::kernels::{binary_scalar, call_scalar, unary_fn, Program};
use crate::eval::scale::ScaleTable;
use crate::model::{Node, ParamDate, PopulationOp, Shape, TExpr, VarPeriod};

impl Builder<'_> {
    pub(super) fn lower(&mut self, expr: &TExpr, scope: &FormulaScope) -> Program {
        match &expr.node {
            Node::Const(value) => Program::Const(*value),
            Node::Year => Program::Const(f64::from(scope.year)),
            Node::Param { path, at } => {
                let date = parameter_date(*at, scope.year);
                let value = self.parameter_value(path, date, scope, expr.origin);
                Program::Const(value.unwrap_or(f64::NAN))
            }
            Node::Scale { path, at, argument } => {
                let date = parameter_date(*at, scope.year);
                let argument = self.lower(argument, scope);
                let Some(dotations_params::Entry::Scale(scale)) = self.parameters.get(path) else {
                    unreachable!("checked when the model compiled")
                };
                let table = Arc::new(ScaleTable::new(path.clone(), scale.at(date)));
                let read = ParameterRead { path: path.clone(), date, value: None, origin: expr.origin };
                self.plan.nodes[scope.node].parameters.push(read);
                match argument {
                    Program::Const(x) => Program::Const(table.calc(x)),
                    argument => Program::Scale(table, Box::new(argument)),
                }
            }
            Node::Var { var, period, otherwise } => {
                self.lower_variable(*var, period, otherwise.as_deref(), expr, scope)
            }
            Node::Local(index) => Program::Slot(scope.locals[*index]),
            Node::Project { group, value } => match self.lower(value, scope) {
                Program::Const(v) => Program::Const(v),
                program => {
                    let slot = self.materialize(program, value.shape);
                    Program::Gather { slot, group: *group }
                }
            },
            Node::Unary(op, operand) => match self.lower(operand, scope) {
                Program::Const(v) => Program::Const(unary_fn(*op)(v)),
                operand => Program::Unary(*op, Box::new(operand)),
            },
            Node::Binary(op, a, b) => match (self.lower(a, scope), self.lower(b, scope)) {
                (Program::Const(x), Program::Const(y)) => Program::Const(binary_scalar(*op, x, y)),
                (a, b) => Program::Binary(*op, Box::new(a), Box::new(b)),
            },
            Node::If(condition, then, otherwise) => match self.lower(condition, scope) {
                // A condition on parameters alone picks its branch once, when planning.
                Program::Const(c) if c != 0.0 => self.lower(then, scope),
                Program::Const(_) => self.lower(otherwise, scope),
                condition => {
                    let (then, otherwise) = (self.lower(then, scope), self.lower(otherwise, scope));
                    Program::If(Box::new(condition), Box::new(then), Box::new(otherwise))
                }
            },
            Node::Call(builtin, args) => {
                let args: Vec<Program> = args.iter().map(|a| self.lower(a, scope)).collect();
                if args.iter().all(Program::is_const) {
                    let values: Vec<f64> =
                        args.iter().map(|a| if let Program::Const(v) = a { *v } else { 0.0 }).collect();
                    Program::Const(call_scalar(*builtin, &values))
                } else {
                    Program::Call(*builtin, args)
                }
            }
            Node::Population(op) => {
                let step = self.population(op, scope);
                let key = format!("{step:?}");
                let (slot, step_index) = match self.computed.get(&key) {
                    Some(&known) => known,
                    None => {
                        let slot = self.new_slot();
                        self.push(Step::Population { slot, op: step, origin: expr.origin });
                        let known = (slot, self.plan.steps.len() - 1);
                        self.computed.insert(key, known);
                        known
                    }
                };
                self.plan.nodes[scope.node].aggregates.push(step_index);
                Program::Slot(slot)
            }
        }
    }

    fn lower_variable(
        &mut self,
        var: VarId,
        period: &VarPeriod,
        otherwise: Option<&TExpr>,
        expr: &TExpr,
        scope: &FormulaScope,
    ) -> Program {
        let year = match period {
            VarPeriod::Offset(offset) => scope.year + offset,
            VarPeriod::Year(year) => *year,
            VarPeriod::PerRow(years) => return self.lookup(var, years, otherwise, expr, scope),
        };
        let fallback = otherwise.map(|e| (e, scope));
        let node = self.node(var, year, fallback);
        self.plan.nodes[scope.node].reads.push(node);
        Program::Slot(self.plan.nodes[node].slot)
    }

    /// A variable at a year computed per row: read from inputs (full columns for a year, or
    /// declared per-row columns), since formulas are planned for whole years only.
    fn lookup(
        &mut self,
        var: VarId,
        years: &TExpr,
        otherwise: Option<&TExpr>,
        expr: &TExpr,
        scope: &FormulaScope,
    ) -> Program {
        let program = self.lower(years, scope);
        let years = self.materialize(program, years.shape);
        let model = self.model;
        let mut columns = Vec::new();
        for (index, column) in model.columns.iter().enumerate() {
            if column.var == var && self.dataset.column(index).is_some() {
                let program = self.lower(&column.year, scope);
                columns.push((index, self.materialize(program, column.year.shape)));
            }
        }
        let fallback = otherwise.map(|e| {
            let program = self.lower(e, scope);
            self.materialize(program, e.shape)
        });
        let default = (self.missing() == MissingInputs::Default).then_some(model.variables[var].default);
        let slot = self.new_slot();
        Program::Slot(self.push(Step::Lookup { slot, var, years, columns, fallback, default, origin: expr.origin }))
    }

    /// Computes a population operator's operands into slots.
    fn population(&mut self, op: &PopulationOp, scope: &FormulaScope) -> PopulationStep {
        let operand = |builder: &mut Self, e: &TExpr| {
            let program = builder.lower(e, scope);
            match program {
                Program::Const(_) => builder.materialize(program, Shape::Scalar),
                program => builder.materialize(program, e.shape),
            }
        };
        match op {
            PopulationOp::Sum { value, filter, key, grouping, statistic } => PopulationStep::Sum {
                value: operand(self, value),
                filter: filter.as_ref().map(|f| operand(self, f)),
                key: key.as_ref().map(|k| operand(self, k)),
                grouping: *grouping,
                statistic: *statistic,
            },
            PopulationOp::RatioOfSums { numerator, denominator, filter, key, grouping, default } => {
                PopulationStep::RatioOfSums {
                    numerator: operand(self, numerator),
                    denominator: operand(self, denominator),
                    filter: filter.as_ref().map(|f| operand(self, f)),
                    key: key.as_ref().map(|k| operand(self, k)),
                    grouping: *grouping,
                    default: operand(self, default),
                }
            }
            PopulationOp::Rank { value, order } => PopulationStep::Rank { value: operand(self, value), order: *order },
            PopulationOp::Share { value, filter } => {
                PopulationStep::Share { value: operand(self, value), filter: filter.as_ref().map(|f| operand(self, f)) }
            }
            PopulationOp::First { value } => PopulationStep::First { value: operand(self, value) },
            PopulationOp::Distribute(d) => PopulationStep::Distribute {
                budget: operand(self, &d.budget),
                score: operand(self, &d.score),
                previous: operand(self, &d.previous),
                low: operand(self, &d.low),
                high: operand(self, &d.high),
                unbounded: d.unbounded.as_ref().map(|u| operand(self, u)),
                point: d.point,
            },
        }
    }
}

/// The date a parameter is read at, for a formula of `year`.
pub(super) fn parameter_date(at: ParamDate, year: i32) -> NaiveDate {
    let first_of = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).expect("January 1 exists");
    match at {
        ParamDate::Offset(offset) => first_of(year + offset),
        ParamDate::Year(y) => first_of(y),
        ParamDate::Date(date) => date,
    }
}
