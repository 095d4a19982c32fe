//! The data a simulation starts from: rows of each entity, who belongs to which group, and the
//! input values given per variable and year.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::eval::value::{Packed, Value};
use crate::model::{EntityId, Model, PeriodKind, VarId, YearKey};

/// Inputs for one simulation.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Number of rows of each entity.
    sizes: Vec<usize>,
    /// For each group entity: the group row of each person row.
    membership: Vec<Option<Arc<[u32]>>>,
    /// Identifiers of each entity's rows (commune codes, État names), for messages.
    /// The person entity's may be the same column as a text input (`code_insee`), shared.
    ids: Vec<Arc<[String]>>,
    /// Input columns, `f64` as given, or packed by [`Dataset::pack_inputs`].
    inputs: HashMap<(VarId, YearKey), Value>,
    /// Values of declared input columns (a variable at a year computed per row), by column.
    columns: HashMap<usize, Arc<[f64]>>,
    /// Text inputs (identifiers, names), passed through to outputs.
    texts: HashMap<(VarId, YearKey), Arc<[String]>>,
}

/// An input that does not fit the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    #[error("`{variable}` has {found} values but there are {expected} {entity}")]
    Length { variable: String, found: usize, expected: usize, entity: String },
}

impl Dataset {
    /// A dataset of `rows` person rows, each group entity holding every row in one group (one
    /// État for all communes), rows identified by `ids`.
    pub fn single_group(model: &Model, ids: Vec<String>) -> Self {
        Self::single_group_sharing(model, ids.into())
    }

    /// As [`Dataset::single_group`], the identifiers shared with whoever holds them too (a text
    /// input of the same column).
    pub fn single_group_sharing(model: &Model, ids: Arc<[String]>) -> Self {
        let rows = ids.len();
        let membership = model.entities.iter().map(|e| e.is_group().then(|| Arc::from(vec![0u32; rows]))).collect();
        let sizes = model.entities.iter().map(|e| if e.is_group() { 1 } else { rows }).collect();
        // The person entity takes the identifiers themselves, any other non-group entity the
        // same column.
        let person = model.person_entity();
        let mut group_ids: Vec<Arc<[String]>> = model
            .entities
            .iter()
            .enumerate()
            .map(|(index, e)| match e.is_group() {
                true => Arc::from([e.name.clone()]),
                false if index == person => Arc::from([]),
                false => ids.clone(),
            })
            .collect();
        group_ids[person] = ids;
        Dataset {
            sizes,
            membership,
            ids: group_ids,
            inputs: HashMap::new(),
            columns: HashMap::new(),
            texts: HashMap::new(),
        }
    }

    /// A dataset with explicit groups: for each group entity, its group identifiers and the
    /// group index of every person row.
    pub fn with_groups(model: &Model, ids: Vec<String>, groups: Vec<(EntityId, Vec<String>, Vec<u32>)>) -> Self {
        let mut dataset = Dataset::single_group(model, ids);
        for (entity, group_ids, members) in groups {
            dataset.sizes[entity] = group_ids.len();
            dataset.ids[entity] = group_ids.into();
            dataset.membership[entity] = Some(members.into());
        }
        dataset
    }

    pub fn size(&self, entity: EntityId) -> usize {
        self.sizes[entity]
    }

    pub fn ids(&self, entity: EntityId) -> &[String] {
        &self.ids[entity]
    }

    pub fn membership(&self) -> &[Option<Arc<[u32]>>] {
        &self.membership
    }

    /// The key an input of `var` for `year` is stored under (eternal variables: one for all).
    pub fn key(model: &Model, var: VarId, year: i32) -> YearKey {
        match model.variables[var].period {
            PeriodKind::Eternal => YearKey::Eternal,
            _ => YearKey::Year(year),
        }
    }

    pub fn set_input(
        &mut self,
        model: &Model,
        var: VarId,
        year: i32,
        values: impl Into<Arc<[f64]>>,
    ) -> Result<(), DatasetError> {
        self.set_input_value(model, var, year, Value::Column(values.into()))
    }

    /// Sets an input given as a run-time value: a column, packed or not (a scalar is one row:
    /// the value of a group of one).
    pub fn set_input_value(&mut self, model: &Model, var: VarId, year: i32, values: Value) -> Result<(), DatasetError> {
        self.check_length(model, var, values.rows())?;
        let values = match values {
            Value::Scalar(v) => Value::Column(Arc::from([v])),
            values => values,
        };
        self.inputs.insert((var, Self::key(model, var, year)), values);
        Ok(())
    }

    /// Packs every input column that a smaller form holds exactly (see [`Packed`]): for a
    /// dataset that is read, computed once and written, the inputs take about half the memory.
    /// A column shared with someone else is left as it is (packing it would free nothing).
    pub fn pack_inputs(&mut self) {
        self.inputs.par_iter_mut().for_each(|(_, values)| {
            if let Value::Column(column) = values {
                if Arc::strong_count(column) == 1 {
                    if let Some(packed) = Packed::pack(column) {
                        *values = Value::Packed(Arc::new(packed));
                    }
                }
            }
        });
    }

    pub fn set_text(
        &mut self,
        model: &Model,
        var: VarId,
        year: i32,
        values: impl Into<Arc<[String]>>,
    ) -> Result<(), DatasetError> {
        let values = values.into();
        self.check_length(model, var, values.len())?;
        self.texts.insert((var, Self::key(model, var, year)), values);
        Ok(())
    }

    /// Values of a declared input column (see [`crate::model::InputColumn`]).
    pub fn set_column(
        &mut self,
        model: &Model,
        column: usize,
        values: impl Into<Arc<[f64]>>,
    ) -> Result<(), DatasetError> {
        let values = values.into();
        self.check_length(model, model.columns[column].var, values.len())?;
        self.columns.insert(column, values);
        Ok(())
    }

    fn check_length(&self, model: &Model, var: VarId, found: usize) -> Result<(), DatasetError> {
        let variable = &model.variables[var];
        let expected = self.sizes[variable.entity];
        if found != expected {
            return Err(DatasetError::Length {
                variable: variable.name.clone(),
                found,
                expected,
                entity: model.entities[variable.entity].plural.clone(),
            });
        }
        Ok(())
    }

    /// An input column (a [`Value::Column`], or a [`Value::Packed`] after
    /// [`Dataset::pack_inputs`]).
    pub fn input(&self, model: &Model, var: VarId, year: i32) -> Option<&Value> {
        self.inputs.get(&(var, Self::key(model, var, year)))
    }

    pub fn input_by_key(&self, var: VarId, key: YearKey) -> Option<&Value> {
        self.inputs.get(&(var, key))
    }

    pub fn has_input(&self, model: &Model, var: VarId, year: i32) -> bool {
        self.inputs.contains_key(&(var, Self::key(model, var, year)))
    }

    pub fn text(&self, model: &Model, var: VarId, year: i32) -> Option<&Arc<[String]>> {
        self.texts.get(&(var, Self::key(model, var, year)))
    }

    pub fn column(&self, column: usize) -> Option<&Arc<[f64]>> {
        self.columns.get(&column)
    }

    /// Every (variable, year) given as input.
    pub fn input_keys(&self) -> impl Iterator<Item = (VarId, YearKey)> + '_ {
        self.inputs.keys().copied()
    }

    /// Replaces an input in place (what-if runs).
    pub fn replace_input(
        &mut self,
        model: &Model,
        var: VarId,
        year: i32,
        values: Arc<[f64]>,
    ) -> Result<(), DatasetError> {
        self.set_input(model, var, year, values)
    }
}
