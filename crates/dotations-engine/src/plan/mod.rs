//! Planning: which (variable, year) values a request needs, how each is obtained, and the
//! steps that compute them in order.
//!
//! A plan is built for one year and a list of requested variables, from a model and the
//! inputs available. Each needed (variable, year) is an input, a default, or a formula; formulas
//! are lowered to row-wise [`Program`]s and population steps, parameters read at the plan's
//! dates are folded into constants, and only what the request needs is planned. A plan is built
//! once and can run on any dataset with the same available inputs.

mod build;
mod lower;
mod schedule;

use std::collections::HashMap;

use chrono::NaiveDate;
use dotations_lang::Order;

use crate::eval::kernels::{Program, SlotId};
use crate::model::{EntityId, Grouping, Origin, Statistic, VarId, YearKey};

pub use build::{build, build_with_parameters};
pub use schedule::Schedule;

/// What to do when an input variable is needed but not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingInputs {
    /// Report it: the command line requires every needed input (a missing CSV column is an error).
    Error,
    /// Use the variable's default value, as OpenFisca does (YAML tests, the web API).
    Default,
}

/// How a planned (variable, year) gets its value.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Input,
    /// A formula, by index in the variable's formulas.
    Formula(usize),
    /// The `otherwise` expression of the formula that read it (not given as an input).
    Fallback,
    Default(DefaultReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultReason {
    /// The year is before the first formula, or after the variable's end.
    NoFormula,
    /// An input that is not given (only with [`MissingInputs::Default`]).
    NotGiven,
    /// Read while computing the same variable for another year, with no input for it: OpenFisca
    /// gives the default then (its "spiral" rule; only with [`MissingInputs::Default`]).
    Recursion,
}

/// A parameter read while planning a formula.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRead {
    pub path: String,
    pub date: NaiveDate,
    /// The value read (`None` for a scale: its brackets are in the parameter tree).
    pub value: Option<f64>,
    pub origin: Origin,
}

/// One planned (variable, year).
#[derive(Debug, Clone)]
pub struct PlannedNode {
    pub var: VarId,
    pub year: i32,
    pub slot: SlotId,
    pub source: Source,
    pub parameters: Vec<ParameterRead>,
    /// Nodes whose values this one's formula reads.
    pub reads: Vec<usize>,
    /// The population steps (sums, ranks, distributions…) of this node's formula, by index in
    /// [`Plan::steps`]: the national values an explanation shows.
    pub aggregates: Vec<usize>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Input {
        slot: SlotId,
        var: VarId,
        key: YearKey,
    },
    Fill {
        slot: SlotId,
        entity: EntityId,
        value: f64,
    },
    /// Runs a row-wise program over an entity's rows, or once (`entity: None`) for a scalar.
    Eval {
        slot: SlotId,
        entity: Option<EntityId>,
        program: Program,
        truncate: bool,
    },
    Population {
        slot: SlotId,
        op: PopulationStep,
        origin: Origin,
    },
    /// Reads a variable at a year given per row, from inputs only; rows without an input take
    /// the `otherwise` value, else the default (with [`MissingInputs::Default`]), else fail.
    Lookup {
        slot: SlotId,
        var: VarId,
        years: SlotId,
        columns: Vec<(usize, SlotId)>,
        fallback: Option<SlotId>,
        default: Option<f64>,
        origin: Origin,
    },
}

impl Step {
    pub fn slot(&self) -> SlotId {
        match self {
            Step::Input { slot, .. }
            | Step::Fill { slot, .. }
            | Step::Eval { slot, .. }
            | Step::Population { slot, .. }
            | Step::Lookup { slot, .. } => *slot,
        }
    }
}

/// A population operator whose operands have been computed into slots.
#[derive(Debug, Clone, PartialEq)]
pub enum PopulationStep {
    Sum {
        value: SlotId,
        filter: Option<SlotId>,
        key: Option<SlotId>,
        grouping: Grouping,
        statistic: Statistic,
    },
    RatioOfSums {
        numerator: SlotId,
        denominator: SlotId,
        filter: Option<SlotId>,
        key: Option<SlotId>,
        grouping: Grouping,
        default: SlotId,
    },
    Rank {
        value: SlotId,
        order: Order,
    },
    Share {
        value: SlotId,
        filter: Option<SlotId>,
    },
    First {
        value: SlotId,
    },
    Distribute {
        budget: SlotId,
        score: SlotId,
        previous: SlotId,
        low: SlotId,
        high: SlotId,
        unbounded: Option<SlotId>,
        point: bool,
    },
}

/// Everything needed to compute a request for one year.
#[derive(Debug, Clone)]
pub struct Plan {
    pub year: i32,
    pub steps: Vec<Step>,
    pub slot_count: usize,
    pub nodes: Vec<PlannedNode>,
    index: HashMap<(VarId, YearKey), usize>,
    /// Levels of independent steps and when intermediates can be released.
    pub schedule: Schedule,
}

impl Plan {
    /// Computes the schedule once the steps are known.
    pub(crate) fn finish(mut self, person: EntityId) -> Plan {
        self.schedule = schedule::schedule(&self, person);
        self
    }

    /// The planned node of a variable for a year, if the plan computes it.
    pub fn node(&self, var: VarId, key: YearKey) -> Option<&PlannedNode> {
        self.index.get(&(var, key)).map(|i| &self.nodes[*i])
    }

    pub fn node_index(&self, var: VarId, key: YearKey) -> Option<usize> {
        self.index.get(&(var, key)).copied()
    }

    /// A one-line description of a step, for profiles: its kind and the variable it computes.
    pub fn describe_step(&self, model: &crate::Model, index: usize) -> String {
        let step = &self.steps[index];
        let kind = match step {
            Step::Input { .. } => "input",
            Step::Fill { .. } => "default",
            Step::Eval { .. } => "row-wise",
            Step::Population { op, .. } => match op {
                PopulationStep::Sum { .. } => "sum",
                PopulationStep::RatioOfSums { .. } => "ratio_of_sums",
                PopulationStep::Rank { .. } => "rank",
                PopulationStep::Share { .. } => "share",
                PopulationStep::First { .. } => "first",
                PopulationStep::Distribute { .. } => "distribute",
            },
            Step::Lookup { .. } => "per-row year",
        };
        match self.nodes.iter().find(|n| n.slot == step.slot()) {
            Some(node) => format!("{kind:<14} {} ({})", model.variables[node.var].name, node.year),
            None => format!("{kind:<14} (intermediate)"),
        }
    }
}
