//! What an explanation reads: the model, the data, the plan and the values of the full run, and
//! the commune (row) being explained.

use dotations_engine::eval::Run;
use dotations_engine::model::{EntityId, Model, Shape, VarId, YearKey};
use dotations_engine::plan::Plan;
use dotations_engine::Dataset;

/// The full run and the commune whose slice of it is re-derived.
pub(crate) struct Context<'a> {
    pub model: &'a Model,
    pub dataset: &'a Dataset,
    pub plan: &'a Plan,
    pub run: &'a Run,
    /// The commune's row (person entity).
    pub row: usize,
}

impl Context<'_> {
    /// The row of `entity` the commune belongs to: its own row, or its group's (its État).
    pub fn entity_row(&self, entity: EntityId) -> usize {
        match self.dataset.membership().get(entity).and_then(Option::as_ref) {
            Some(membership) => membership[self.row] as usize,
            None => self.row,
        }
    }

    /// The row an expression of this shape has a value at, for the commune.
    pub fn shape_row(&self, shape: Shape) -> usize {
        match shape {
            Shape::Scalar => 0,
            Shape::Rows(entity) => self.entity_row(entity),
        }
    }

    /// The value of a planned node for the commune (or its État).
    pub fn node_value(&self, node: usize) -> f64 {
        let node = &self.plan.nodes[node];
        let entity = self.model.variables[node.var].entity;
        self.run.slot(node.slot).at(self.entity_row(entity))
    }

    /// The key a value of `var` for `year` is stored under.
    pub fn key(&self, var: VarId, year: i32) -> YearKey {
        Dataset::key(self.model, var, year)
    }

    /// The identifier of the commune's row in `entity` (its code, or its État's name).
    pub fn row_id(&self, entity: EntityId) -> &str {
        self.dataset.ids(entity).get(self.entity_row(entity)).map_or("", String::as_str)
    }
}
