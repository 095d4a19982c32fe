//! Building a plan: walking the needed (variable, year) nodes depth-first from the request.

use std::collections::HashMap;

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_params::ParameterTree;

use super::*;
use crate::dataset::Dataset;
use crate::eval::kernels::Program;
use crate::model::{Model, TExpr, VarId, YearKey};

/// Plans `targets` (variables for `year`) on the inputs `dataset` provides.
pub fn build(
    model: &Model,
    dataset: &Dataset,
    year: i32,
    targets: &[VarId],
    missing: MissingInputs,
) -> Result<Plan, Diagnostics> {
    build_with_parameters(model, &model.parameters, dataset, year, targets, missing)
}

/// Plans with other values of the parameters than the model's (a what-if on the law's
/// amounts): the formulas are the model's, the parameters read while planning are `parameters`.
pub fn build_with_parameters(
    model: &Model,
    parameters: &ParameterTree,
    dataset: &Dataset,
    year: i32,
    targets: &[VarId],
    missing: MissingInputs,
) -> Result<Plan, Diagnostics> {
    let mut builder = Builder {
        model,
        parameters,
        dataset,
        missing,
        plan: Plan {
            year,
            steps: Vec::new(),
            slot_count: 0,
            nodes: Vec::new(),
            index: HashMap::new(),
            schedule: Schedule::default(),
        },
        stack: Vec::new(),
        diagnostics: Diagnostics::new(),
        missing_inputs: Vec::new(),
        computed: HashMap::new(),
    };
    for &var in targets {
        builder.node(var, year, None);
    }
    builder.report_missing_inputs();
    let Builder { plan, diagnostics, .. } = builder;
    diagnostics.into_result(plan.finish(model.person_entity()))
}

pub(super) struct Builder<'a> {
    pub(super) model: &'a Model,
    /// The parameters read while planning (the model's, or a what-if's).
    pub(super) parameters: &'a ParameterTree,
    pub(super) dataset: &'a Dataset,
    missing: MissingInputs,
    pub(super) plan: Plan,
    /// The (variable, year) nodes being planned, outermost first.
    stack: Vec<(VarId, i32)>,
    pub(super) diagnostics: Diagnostics,
    /// Inputs needed but not given: (variable, year, the node that needed it).
    missing_inputs: Vec<MissingInput>,
    /// Intermediate computations already planned, by a description of what they compute, with
    /// their slot and step: the same sub-expression written in several formulas (a mask, a
    /// national mean) is computed once.
    pub(super) computed: HashMap<String, (SlotId, usize)>,
}

/// An input needed but not given: (variable, year, the nodes being planned when it was needed).
type MissingInput = (VarId, i32, Vec<(VarId, i32)>);

/// What the formula being lowered is: its node, year and `let` slots.
pub(super) struct FormulaScope {
    pub(super) node: usize,
    pub(super) year: i32,
    pub(super) locals: Vec<SlotId>,
}

impl Builder<'_> {
    pub(super) fn missing(&self) -> MissingInputs {
        self.missing
    }

    pub(super) fn new_slot(&mut self) -> SlotId {
        self.plan.slot_count += 1;
        self.plan.slot_count - 1
    }

    pub(super) fn push(&mut self, step: Step) -> SlotId {
        let slot = step.slot();
        self.plan.steps.push(step);
        slot
    }

    fn add_node(&mut self, var: VarId, year: i32, source: Source) -> usize {
        let slot = self.new_slot();
        self.plan.nodes.push(PlannedNode {
            var,
            year,
            slot,
            source,
            parameters: Vec::new(),
            reads: Vec::new(),
            aggregates: Vec::new(),
        });
        self.plan.nodes.len() - 1
    }

    /// Plans `var` for `year` and returns its node. `fallback` is the `otherwise` expression of
    /// the reading formula, used when the variable is not given as an input.
    pub(super) fn node(&mut self, var: VarId, year: i32, fallback: Option<(&TExpr, &FormulaScope)>) -> usize {
        let model = self.model;
        let key = Dataset::key(model, var, year);
        if fallback.is_none() {
            if let Some(&index) = self.plan.index.get(&(var, key)) {
                return index;
            }
        }
        let variable = &model.variables[var];
        if self.dataset.has_input(model, var, year) {
            let index = self.add_node(var, year, Source::Input);
            let slot = self.plan.nodes[index].slot;
            self.push(Step::Input { slot, var, key });
            return self.remember(var, key, index);
        }
        if let Some((expr, scope)) = fallback {
            // Not memoised: the fallback belongs to the formula that wrote it.
            let index = self.add_node(var, year, Source::Fallback);
            let program = self.lower(expr, scope);
            let slot = self.plan.nodes[index].slot;
            let entity = variable.entity;
            self.push(Step::Eval { slot, entity: Some(entity), program, truncate: false });
            return index;
        }
        let Some((formula_index, _)) = variable.formula_for(year) else {
            // A variable past its end date has its default value, whether it has formulas or not.
            let ended = variable.end.is_some_and(|end| NaiveDate::from_ymd_opt(year, 1, 1).is_some_and(|d| d > end));
            let reason =
                if variable.is_computed() || ended { DefaultReason::NoFormula } else { DefaultReason::NotGiven };
            if reason == DefaultReason::NotGiven && self.missing == MissingInputs::Error {
                self.missing_inputs.push((var, year, self.stack.clone()));
            }
            let index = self.default_node(var, year, reason);
            return self.remember(var, key, index);
        };
        if let Some(&(_, other_year)) = self.stack.iter().find(|(v, y)| *v == var && *y != year) {
            return self.recursion(var, year, other_year);
        }
        if self.stack.contains(&(var, year)) {
            // Cycles within a year are reported when the model compiles; this is a safety net.
            self.diagnostics.push(Diagnostic::error(format!("`{}` depends on itself for {year}", variable.name)));
            return self.default_node(var, year, DefaultReason::NoFormula);
        }
        self.stack.push((var, year));
        let index = self.formula_node(var, year, formula_index);
        self.stack.pop();
        self.remember(var, key, index)
    }

    fn remember(&mut self, var: VarId, key: YearKey, index: usize) -> usize {
        self.plan.index.insert((var, key), index);
        index
    }

    fn default_node(&mut self, var: VarId, year: i32, reason: DefaultReason) -> usize {
        let index = self.add_node(var, year, Source::Default(reason));
        let variable = &self.model.variables[var];
        let slot = self.plan.nodes[index].slot;
        self.push(Step::Fill { slot, entity: variable.entity, value: variable.default });
        index
    }

    /// A variable read for another year while it is being computed: OpenFisca's "spiral" rule
    /// gives the default; the command line asks for the input instead.
    fn recursion(&mut self, var: VarId, year: i32, computing: i32) -> usize {
        if self.missing == MissingInputs::Error {
            let name = &self.model.variables[var].name;
            let offset = year - computing;
            self.diagnostics.push(
                Diagnostic::error(format!("`{name}` for {year} is needed to compute `{name}` for {computing}, and is not given"))
                    .with_help(format!(
                        "give it as an input (column `{name}__prev` for the previous year), or write in the formula `{name}[N{offset:+}] otherwise …` to say what to use instead"
                    )),
            );
        }
        self.default_node(var, year, DefaultReason::Recursion)
    }

    fn formula_node(&mut self, var: VarId, year: i32, formula_index: usize) -> usize {
        let index = self.add_node(var, year, Source::Formula(formula_index));
        let variable = &self.model.variables[var];
        let formula = &variable.formulas[formula_index];
        let mut scope = FormulaScope { node: index, year, locals: Vec::new() };
        for binding in &formula.bindings {
            let program = self.lower(binding, &scope);
            let slot = self.materialize(program, binding.shape);
            scope.locals.push(slot);
        }
        let program = self.lower(&formula.expr, &scope);
        let slot = self.plan.nodes[index].slot;
        let truncate = variable.value_type == crate::model::ValueType::Integer;
        self.push(Step::Eval { slot, entity: Some(variable.entity), program, truncate });
        index
    }

    /// Computes a program into a slot of its own (a slot read directly is reused).
    pub(super) fn materialize(&mut self, program: Program, shape: crate::model::Shape) -> SlotId {
        if let Program::Slot(slot) = program {
            return slot;
        }
        let entity = match shape {
            crate::model::Shape::Scalar => None,
            crate::model::Shape::Rows(entity) => Some(entity),
        };
        let key = format!("{entity:?} {program:?}");
        if let Some(&(slot, _)) = self.computed.get(&key) {
            return slot;
        }
        let slot = self.new_slot();
        self.push(Step::Eval { slot, entity, program, truncate: false });
        self.computed.insert(key, (slot, self.plan.steps.len() - 1));
        slot
    }

    /// Reads a parameter for a formula, recording the read; reports a missing value.
    pub(super) fn parameter_value(
        &mut self,
        path: &str,
        date: NaiveDate,
        scope: &FormulaScope,
        origin: crate::model::Origin,
    ) -> Option<f64> {
        let value = match self.parameters.value_at(path, date) {
            Ok(Some(dotations_params::ParamValue::Number(n))) => Some(decimal_to_f64(n)),
            Ok(Some(dotations_params::ParamValue::Bool(b))) => Some(f64::from(u8::from(*b))),
            _ => None,
        };
        match value {
            Some(value) => {
                let read = ParameterRead { path: path.to_string(), date, value: Some(value), origin };
                self.plan.nodes[scope.node].parameters.push(read);
            }
            None => self.parameter_missing(path, date, scope, origin),
        }
        value
    }

    pub(super) fn parameter_missing(
        &mut self,
        path: &str,
        date: NaiveDate,
        scope: &FormulaScope,
        origin: crate::model::Origin,
    ) {
        let node = &self.plan.nodes[scope.node];
        let name = &self.model.variables[node.var].name;
        let dates = match self.parameters.get(path) {
            Some(dotations_params::Entry::Parameter(p)) => describe_dates(p),
            _ => String::new(),
        };
        self.diagnostics.push(
            Diagnostic::error(format!("parameter `{path}` has no value on {date}"))
                .at(self.model.location(origin))
                .with_note(format!("needed to compute `{name}` for {}", node.year))
                .with_help_opt((!dates.is_empty()).then_some(dates)),
        );
    }

    fn report_missing_inputs(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let model = self.model;
        let name = |var: VarId| model.variables[var].name.as_str();
        let plan_year = self.plan.year;
        let column = |var: VarId, year: i32| match year - plan_year {
            0 => name(var).to_string(),
            -1 => format!("{}__prev", name(var)),
            _ => format!("{} for {year}", name(var)),
        };
        for (var, year, stack) in std::mem::take(&mut self.missing_inputs) {
            if !seen.insert((var, year)) {
                continue;
            }
            let mut diagnostic = Diagnostic::error(format!("input `{}` for {year} is needed but not given", name(var)));
            // The first value of another year on the way explains why that year's inputs are
            // needed: it is not given, so its formula is computed from them.
            let other_year = stack.iter().position(|(_, y)| *y != plan_year);
            match other_year.map(|i| (stack[i], i.checked_sub(1).map(|p| stack[p]))) {
                Some(((computed, computed_year), reader)) if computed != var => {
                    let read_by = reader.map_or(String::new(), |(r, ry)| format!(", read by `{}` for {ry}", name(r)));
                    diagnostic = diagnostic
                        .with_note(format!(
                            "`{}` for {computed_year} is not given, so it is computed from the inputs of {computed_year}{read_by}",
                            name(computed)
                        ))
                        .with_help(format!("add the column `{}`, or `{}`", column(computed, computed_year), column(var, year)));
                }
                _ => {
                    if let Some((by, by_year)) = stack.last() {
                        diagnostic = diagnostic.with_note(format!("needed by `{}` for {by_year}", name(*by)));
                    }
                    diagnostic = diagnostic.with_help(format!("add the column `{}` to the input", column(var, year)));
                }
            }
            self.diagnostics.push(diagnostic);
        }
    }
}

fn describe_dates(parameter: &dotations_params::Parameter) -> String {
    let Some(first) = parameter.values.first() else {
        return "it has no value at all".into();
    };
    let mut text = format!("its values start on {}", first.start);
    if let Some(end) = parameter.values.iter().rev().find(|v| v.value.is_none()) {
        text.push_str(&format!(" and it ends on {}", end.start));
    }
    text
}

/// The `f64` nearest to an exact decimal (through its text, which `f64` parsing rounds correctly).
pub fn decimal_to_f64(value: &rust_decimal::Decimal) -> f64 {
    value.to_string().parse().unwrap_or(f64::NAN)
}
