//! The simple way to compute: a model, a dataset, a year, the variables wanted.

use dotations_diagnostics::Diagnostics;

use crate::eval::{Run, Value};
use crate::model::{Model, VarId, YearKey};
use crate::plan::{self, MissingInputs, Plan};
use crate::Dataset;

/// A model and a dataset, ready to compute any year.
pub struct Simulation<'a> {
    pub model: &'a Model,
    pub dataset: &'a Dataset,
    pub missing: MissingInputs,
}

/// The result of a computation: the plan and the values of every node it planned.
pub struct Computed<'a> {
    pub model: &'a Model,
    pub plan: Plan,
    pub run: Run,
}

impl<'a> Simulation<'a> {
    pub fn new(model: &'a Model, dataset: &'a Dataset, missing: MissingInputs) -> Self {
        Simulation { model, dataset, missing }
    }

    /// Plans and computes the named variables for `year`.
    pub fn compute(&self, year: i32, names: &[&str]) -> Result<Computed<'a>, Diagnostics> {
        let mut targets = Vec::new();
        let mut unknown = Diagnostics::new();
        for name in names {
            match self.model.variable_id(name) {
                Some(id) => targets.push(id),
                None => unknown.push(self.model.unknown_variable(name)),
            }
        }
        if unknown.has_errors() {
            return Err(unknown);
        }
        self.compute_ids(year, &targets)
    }

    pub fn compute_ids(&self, year: i32, targets: &[VarId]) -> Result<Computed<'a>, Diagnostics> {
        let plan = plan::build(self.model, self.dataset, year, targets, self.missing)?;
        let run = plan.run(self.model, self.dataset)?;
        Ok(Computed { model: self.model, plan, run })
    }

    /// As [`Simulation::compute_ids`], each result column kept in its smallest exact form (see
    /// [`Plan::run_packed`]): for results that are written out rather than computed on.
    pub fn compute_ids_packed(&self, year: i32, targets: &[VarId]) -> Result<Computed<'a>, Diagnostics> {
        let plan = plan::build(self.model, self.dataset, year, targets, self.missing)?;
        let run = plan.run_packed(self.model, self.dataset)?;
        Ok(Computed { model: self.model, plan, run })
    }
}

impl Computed<'_> {
    /// The value of a variable for a year the plan computed (inputs included).
    pub fn value(&self, var: VarId, year: i32) -> Option<&Value> {
        let key = match self.model.variables[var].period {
            crate::model::PeriodKind::Eternal => YearKey::Eternal,
            _ => YearKey::Year(year),
        };
        self.plan.node(var, key).map(|node| self.run.slot(node.slot))
    }

    /// The values of a variable for the plan's year, by name (`None` for a packed column: see
    /// [`Value::to_column`]).
    pub fn values(&self, name: &str) -> Option<&[f64]> {
        let var = self.model.variable_id(name)?;
        self.value(var, self.plan.year)?.as_column().map(|c| &c[..])
    }
}
