//! The impact of a reform: the same inputs computed under the baseline law and under the
//! reformed law, variable by variable, commune by commune.

use dotations_diagnostics::Diagnostics;
use dotations_engine::eval::population::pairwise_sum;
use dotations_engine::model::{ValueType, VarId};
use dotations_engine::{MissingInputs, Model, Simulation};
use dotations_io::{InputTable, TableColumn};

/// The dotations whose impact is always shown (those the model has).
pub const DOTATIONS: &[&str] = &[
    "dotation_forfaitaire",
    "dsr_fraction_bourg_centre",
    "dsr_fraction_perequation",
    "dsr_fraction_cible",
    "dotation_solidarite_rurale",
    "dsu_montant",
    "dotation_nationale_perequation",
    "dotation_communes_nouvelles",
    "dotation_globale_fonctionnement_communes",
];

/// The variable the impact is broken down by, when the model has it.
pub const DEFAULT_GROUPING: &str = "strate_demographique";

/// One law applied to its inputs: a model and the table read for it.
pub struct Side<'a> {
    pub model: &'a Model,
    pub table: &'a InputTable,
}

/// Baseline and reform values of the variables of interest, for one year.
#[derive(Debug, Clone)]
pub struct Impact {
    pub year: i32,
    /// The communes' identifiers (`code_insee`, or `row N`) and names (empty when not given).
    pub codes: Vec<String>,
    pub names: Vec<String>,
    /// The baseline value of the grouping variable for each commune (e.g. the demographic strate).
    pub grouping: Option<Grouping>,
    pub variables: Vec<VariableImpact>,
}

#[derive(Debug, Clone)]
pub struct Grouping {
    pub variable: String,
    pub values: Vec<f64>,
}

/// A variable's values under both laws: one per commune, or one per État for a national value.
#[derive(Debug, Clone)]
pub struct VariableImpact {
    pub name: String,
    pub per_commune: bool,
    pub value_type: ValueType,
    /// `None` when the variable exists only in the reform (a new variable).
    pub baseline: Option<Vec<f64>>,
    pub reform: Vec<f64>,
    /// A national amount stored per commune: a number (not a boolean) with the same value in
    /// every commune under each law, such as an envelope. Its total is that value.
    pub uniform: bool,
}

impl Impact {
    /// Computes `variables` (and the grouping variable) for `year` under both laws. A variable
    /// missing from the baseline (added by the reform) has no baseline values; every name must
    /// exist in the reform.
    pub fn compute(
        baseline: Side,
        reform: Side,
        year: i32,
        variables: &[String],
        grouping: Option<&str>,
    ) -> Result<Impact, Diagnostics> {
        let mut wanted: Vec<&str> = variables.iter().map(String::as_str).collect();
        if let Some(grouping) = grouping {
            if !wanted.contains(&grouping) {
                wanted.push(grouping);
            }
        }
        let base_values = values(&baseline, year, &wanted).map_err(|d| noted(d, "while computing the baseline"))?;
        let reform_values = values(&reform, year, &wanted).map_err(|d| noted(d, "while computing the reform"))?;
        let mut impacts = Vec::new();
        let mut grouping_values = None;
        for (name, (_, reform_column)) in wanted.iter().zip(reform_values) {
            let Some(reform_column) = reform_column else {
                return Err(reform.model.unknown_variable(name).into());
            };
            let base_column = base_values.iter().find(|(n, _)| n == name).and_then(|(_, c)| c.clone());
            let variable = reform.model.variable(name).expect("computed");
            if Some(*name) == grouping {
                grouping_values = Some(base_column.clone().unwrap_or_else(|| reform_column.clone()));
            }
            if variables.iter().any(|v| v == name) {
                let per_commune = variable.entity == reform.model.person_entity();
                let constant = |c: &[f64]| c.len() > 1 && c.iter().all(|v| v.to_bits() == c[0].to_bits());
                let uniform = per_commune
                    && variable.value_type != ValueType::Boolean
                    && constant(&reform_column)
                    && base_column.as_deref().is_none_or(constant);
                impacts.push(VariableImpact {
                    name: name.to_string(),
                    per_commune,
                    value_type: variable.value_type,
                    baseline: base_column,
                    reform: reform_column,
                    uniform,
                });
            }
        }
        let dataset = &reform.table.dataset;
        Ok(Impact {
            year,
            codes: dataset.ids(reform.model.person_entity()).to_vec(),
            names: names(reform.model, reform.table),
            grouping: grouping.zip(grouping_values).map(|(g, values)| Grouping { variable: g.to_string(), values }),
            variables: impacts,
        })
    }

    pub fn variable(&self, name: &str) -> Option<&VariableImpact> {
        self.variables.iter().find(|v| v.name == name)
    }

    pub fn communes(&self) -> usize {
        self.codes.len()
    }
}

/// How much a commune's value must move to count as a winner or a loser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// More than this many units (euros for an amount).
    Absolute(f64),
    /// More than this fraction of the baseline value.
    Relative(f64),
}

impl Threshold {
    /// Whether a change (an increase, or a decrease counted positive) of a value that was
    /// `baseline` goes past the threshold.
    pub fn exceeded_by(self, change: f64, baseline: f64) -> bool {
        match self {
            Threshold::Absolute(t) => change > t,
            Threshold::Relative(t) => change > t * baseline.abs(),
        }
    }
}

/// Which rows a measure looks at.
pub type Rows<'a> = &'a dyn Fn(usize) -> bool;

/// Every row.
pub fn all_rows(_: usize) -> bool {
    true
}

impl VariableImpact {
    /// Whether the variable's values are true/false.
    pub fn is_boolean(&self) -> bool {
        self.value_type == ValueType::Boolean
    }

    /// The values of one law (`None`: the baseline of a variable the reform adds).
    pub fn side(&self, reform: bool) -> Option<&[f64]> {
        if reform {
            Some(&self.reform)
        } else {
            self.baseline.as_deref()
        }
    }

    /// The sum over the rows kept, added as numpy adds (pairwise); a national variable's value
    /// (summed over États); the common value of a national amount stored per commune.
    pub fn total(&self, reform: bool, rows: Rows) -> Option<f64> {
        let values = self.side(reform)?;
        if self.uniform {
            return Some(values[0]);
        }
        let kept: Vec<f64> =
            values.iter().enumerate().filter(|(i, _)| !self.per_commune || rows(*i)).map(|(_, v)| *v).collect();
        Some(pairwise_sum(&kept))
    }

    /// The number of rows kept whose value is positive (true, for a boolean): the communes that
    /// receive the dotation, or that are eligible.
    pub fn eligible(&self, reform: bool, rows: Rows) -> Option<usize> {
        let values = self.side(reform)?;
        Some(values.iter().enumerate().filter(|(i, v)| rows(*i) && **v > 0.0).count())
    }

    /// Rows kept whose value under the reform exceeds the baseline by more than `threshold`.
    pub fn winners(&self, threshold: Threshold, rows: Rows) -> Option<usize> {
        let baseline = self.baseline.as_deref()?;
        Some(
            (0..self.reform.len())
                .filter(|i| rows(*i) && threshold.exceeded_by(self.reform[*i] - baseline[*i], baseline[*i]))
                .count(),
        )
    }

    /// Rows kept whose value under the reform is below the baseline by more than `threshold`.
    pub fn losers(&self, threshold: Threshold, rows: Rows) -> Option<usize> {
        let baseline = self.baseline.as_deref()?;
        Some(
            (0..self.reform.len())
                .filter(|i| rows(*i) && threshold.exceeded_by(baseline[*i] - self.reform[*i], baseline[*i]))
                .count(),
        )
    }

    /// The largest change of one sign among the rows kept (0 when no row moves that way):
    /// `loss` for baseline − reform, else reform − baseline; `relative` divides by the baseline
    /// and then skips rows whose baseline is not positive.
    pub fn largest_change(&self, loss: bool, relative: bool, rows: Rows) -> Option<f64> {
        let baseline = self.baseline.as_deref()?;
        let mut largest = 0.0_f64;
        for i in (0..self.reform.len()).filter(|i| rows(*i)) {
            let change = if loss { baseline[i] - self.reform[i] } else { self.reform[i] - baseline[i] };
            let change = match relative {
                true if baseline[i] > 0.0 => change / baseline[i],
                true => continue,
                false => change,
            };
            if change.is_nan() {
                return Some(f64::NAN);
            }
            largest = largest.max(change);
        }
        Some(largest)
    }
}

/// Adds a note to every diagnostic (which law was being computed).
fn noted(diagnostics: Diagnostics, note: &str) -> Diagnostics {
    Diagnostics(diagnostics.into_iter().map(|d| d.with_note(note)).collect())
}

/// The values of the variables of `names` that the side's model has, as full columns; `None`
/// for a name the model does not know.
/// Each name with its values (`None`: the model does not know it).
type Columns = Vec<(String, Option<Vec<f64>>)>;

fn values(side: &Side, year: i32, names: &[&str]) -> Result<Columns, Diagnostics> {
    let model = side.model;
    let ids: Vec<VarId> = names.iter().filter_map(|n| model.variable_id(n)).collect();
    let simulation = Simulation::new(model, &side.table.dataset, MissingInputs::Error);
    let computed = simulation.compute_ids(year, &ids)?;
    Ok(names
        .iter()
        .map(|name| {
            let column = model.variable_id(name).map(|id| {
                let rows = side.table.dataset.size(model.variables[id].entity);
                computed.value(id, year).map_or_else(|| vec![f64::NAN; rows], |v| v.to_column(rows).to_vec())
            });
            (name.to_string(), column)
        })
        .collect())
}

/// The communes' names: the `nom` column of the input table, if any.
fn names(model: &Model, table: &InputTable) -> Vec<String> {
    let rows = table.dataset.size(model.person_entity());
    let column = table.columns.iter().find(|(header, _)| header == "nom").map(|(_, column)| column);
    let names = match column {
        Some(TableColumn::Other(texts)) => Some(texts.clone()),
        Some(TableColumn::Variable { var, year }) => table.dataset.text(model, *var, *year).map(|t| t.to_vec()),
        _ => None,
    };
    names.filter(|n| n.len() == rows).unwrap_or_else(|| vec![String::new(); rows])
}
