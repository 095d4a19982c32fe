//! The impact of a change of the law: every output of both versions on the same inputs.
//!
//! Each side reads the input table with its own model (a column may be an input of one side
//! and unknown to the other) and computes every variable that has a formula, with missing
//! inputs as errors, as `dotations compute` does. Variables are then matched by name. A commune
//! counts as changed when its amount moves by more than one cent (money), by more than a
//! relative 1e-9 (other numbers), or at all (integers, booleans, dates, enumerations).

use dotations_diagnostics::Diagnostics;
use dotations_engine::eval::population::pairwise_sum;
use dotations_engine::eval::Value;
use dotations_engine::model::{format_number, ValueType, VarId};
use dotations_engine::{Computed, MissingInputs, Model, Simulation};
use dotations_io::{InputTable, TableColumn};

use crate::numbers::group;
use crate::side::Side;

/// How many communes are shown for each variable that changes.
pub const MOVERS: usize = 5;

/// What the values of a variable are, for comparing and printing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Euros: compared to the cent, printed with two decimals.
    Money,
    Number,
    Integer,
    Boolean,
    /// Dates and enumeration items: compared exactly, no total.
    Other,
}

impl Measure {
    fn of(value_type: ValueType) -> Option<Measure> {
        match value_type {
            ValueType::Money => Some(Measure::Money),
            ValueType::Number => Some(Measure::Number),
            ValueType::Integer => Some(Measure::Integer),
            ValueType::Boolean => Some(Measure::Boolean),
            ValueType::Date | ValueType::Enum(_) => Some(Measure::Other),
            ValueType::Text => None,
        }
    }

    /// Whether `a` and `b` differ enough to count.
    pub fn differs(self, a: f64, b: f64) -> bool {
        if a.is_nan() || b.is_nan() {
            return a.is_nan() != b.is_nan();
        }
        match self {
            Measure::Money => (a - b).abs() > 0.01,
            Measure::Number => (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0),
            Measure::Integer | Measure::Boolean | Measure::Other => a != b,
        }
    }

    /// Whether differences add up to a meaningful total (booleans: communes gained).
    fn has_total(self) -> bool {
        self != Measure::Other
    }
}

/// The impact on one input table and one year.
#[derive(Debug)]
pub struct Impact {
    /// The input table's name, as given.
    pub input: String,
    pub year: i32,
    pub communes: usize,
    /// The commune variables that change, by name.
    pub variables: Vec<CommuneImpact>,
    /// How many commune variables were compared and do not change.
    pub unchanged: usize,
    /// The national (État) variables that change, by name.
    pub national: Vec<NationalChange>,
    pub national_unchanged: usize,
    /// Computed variables of one side only (or of another entity on the other side).
    pub only_old: Vec<String>,
    pub only_new: Vec<String>,
}

/// How a commune variable changes.
#[derive(Debug)]
pub struct CommuneImpact {
    pub variable: String,
    pub measure: Measure,
    /// Communes whose value changes.
    pub changed: usize,
    /// Σ new − Σ old over every commune (the change of the national total, small moves
    /// included); for booleans, the change in the number of communes where it holds; `None`
    /// for dates and enumerations.
    pub total: Option<f64>,
    /// The communes that move most (largest |new − old|; the first ones changed otherwise).
    pub movers: Vec<Mover>,
}

/// One commune's change.
#[derive(Debug)]
pub struct Mover {
    /// The `code_insee` column (or the row number when there is none).
    pub code: String,
    /// The `nom` column, when the table has one.
    pub name: Option<String>,
    pub old: String,
    pub new: String,
    pub delta: Option<f64>,
}

/// A national value that changes.
#[derive(Debug)]
pub struct NationalChange {
    pub variable: String,
    pub measure: Measure,
    pub old: String,
    pub new: String,
    pub delta: Option<f64>,
    /// A commune variable holding the same value for every commune on both sides (a national
    /// amount the model stores per commune): shown with the national values, since a count of
    /// communes and a sum over them would say nothing.
    pub per_commune: bool,
}

/// A side's computation: its model, table and every computed value.
struct Run<'a> {
    model: &'a Model,
    table: InputTable,
    targets: Vec<VarId>,
}

/// Computes both sides on the table `read` gives for each model (named `input` in reports).
pub fn impact(
    old: &Side,
    new: &Side,
    year: i32,
    input: &str,
    read: impl Fn(&Model) -> Result<InputTable, Diagnostics>,
) -> Result<Impact, Diagnostics> {
    let mut errors = Diagnostics::new();
    let (a, b) = (old.compiled(), new.compiled());
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            errors.extend(a.err().into_iter().flatten());
            errors.extend(b.err().into_iter().flatten());
            return Err(errors);
        }
    };
    let prepare = |side: &Side, model| -> Result<Run<'_>, Diagnostics> {
        let table = read(model).map_err(|e| in_side(e, side))?;
        let mut targets: Vec<VarId> =
            (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
        targets.sort_by(|x, y| model.variables[*x].name.cmp(&model.variables[*y].name));
        Ok(Run { model, table, targets })
    };
    let (run_a, run_b) = (prepare(old, a)?, prepare(new, b)?);
    let (computed_a, computed_b) = (run_side(old, &run_a, year), run_side(new, &run_b, year));
    let (computed_a, computed_b) = match (computed_a, computed_b) {
        (Ok(x), Ok(y)) => (x, y),
        (x, y) => {
            errors.extend(x.err().into_iter().flatten());
            errors.extend(y.err().into_iter().flatten());
            return Err(errors);
        }
    };
    Ok(compare(&run_a, &computed_a, &run_b, &computed_b, year, input))
}

fn run_side<'a>(side: &Side, run: &'a Run<'a>, year: i32) -> Result<Computed<'a>, Diagnostics> {
    Simulation::new(run.model, &run.table.dataset, MissingInputs::Error)
        .compute_ids(year, &run.targets)
        .map_err(|e| in_side(e, side))
}

/// Notes on every diagnostic which side's rules it comes from.
fn in_side(errors: Diagnostics, side: &Side) -> Diagnostics {
    Diagnostics(
        errors.into_iter().map(|d| d.with_note(format!("while computing the rules of `{}`", side.name))).collect(),
    )
}

fn compare(a: &Run<'_>, ca: &Computed<'_>, b: &Run<'_>, cb: &Computed<'_>, year: i32, input: &str) -> Impact {
    let person = a.model.person_entity();
    let communes = a.table.dataset.size(person);
    let codes = a.table.dataset.ids(person);
    let names = commune_names(a, year);
    let mut impact = Impact {
        input: input.to_string(),
        year,
        communes,
        variables: Vec::new(),
        unchanged: 0,
        national: Vec::new(),
        national_unchanged: 0,
        only_old: Vec::new(),
        only_new: Vec::new(),
    };
    let is_commune = |run: &Run<'_>, var: VarId| run.model.variables[var].entity == run.model.person_entity();
    for &var_a in &a.targets {
        let name = &a.model.variables[var_a].name;
        let var_b = b.model.variable_id(name).filter(|v| b.targets.contains(v));
        let Some(var_b) = var_b.filter(|v| is_commune(a, var_a) == is_commune(b, *v)) else {
            impact.only_old.push(name.clone());
            continue;
        };
        let Some(measure) = Measure::of(b.model.variables[var_b].value_type) else { continue };
        let (Some(old), Some(new)) = (ca.value(var_a, year), cb.value(var_b, year)) else { continue };
        let format = |run: &Run<'_>, var: VarId, value: f64| match measure {
            Measure::Money if value.is_finite() => group(&format!("{value:.2}"), ' ', 5),
            Measure::Number => group(&compact(value), ' ', 5),
            Measure::Integer => group(&run.model.format_value(var, value), ' ', 5),
            _ => run.model.format_value(var, value),
        };
        if !is_commune(a, var_a) {
            let (x, y) = (old.at(0), new.at(0));
            if measure.differs(x, y) {
                impact.national.push(NationalChange {
                    variable: name.clone(),
                    measure,
                    old: format(a, var_a, x),
                    new: format(b, var_b, y),
                    delta: measure.has_total().then_some(y - x),
                    per_commune: false,
                });
            } else {
                impact.national_unchanged += 1;
            }
            continue;
        }
        let changed: Vec<usize> = (0..communes).filter(|i| measure.differs(old.at(*i), new.at(*i))).collect();
        if changed.is_empty() {
            impact.unchanged += 1;
            continue;
        }
        if communes > 1 && uniform(old, communes) && uniform(new, communes) {
            let (x, y) = (old.at(0), new.at(0));
            impact.national.push(NationalChange {
                variable: name.clone(),
                measure,
                old: format(a, var_a, x),
                new: format(b, var_b, y),
                delta: measure.has_total().then_some(y - x),
                per_commune: true,
            });
            continue;
        }
        let mut movers = changed.clone();
        if matches!(measure, Measure::Money | Measure::Number | Measure::Integer) {
            let size = |i: &usize| magnitude(old, new, *i);
            // Stable: equal moves keep the table's order.
            movers.sort_by(|x, y| size(y).total_cmp(&size(x)));
        }
        let movers = movers
            .into_iter()
            .take(MOVERS)
            .map(|i| Mover {
                code: codes[i].clone(),
                name: names.as_ref().and_then(|n| n.get(i)).cloned(),
                old: format(a, var_a, old.at(i)),
                new: format(b, var_b, new.at(i)),
                delta: measure.has_total().then(|| new.at(i) - old.at(i)),
            })
            .collect();
        // The change of the national total, summed as `compute` sums it: the communes that moved
        // by less than a cent move it too.
        let sum = |value: &Value| pairwise_sum(&(0..communes).map(|i| value.at(i)).collect::<Vec<f64>>());
        let total = measure.has_total().then(|| sum(new) - sum(old));
        impact.variables.push(CommuneImpact { variable: name.clone(), measure, changed: changed.len(), total, movers });
    }
    for &var_b in &b.targets {
        let name = &b.model.variables[var_b].name;
        let var_a = a.model.variable_id(name).filter(|v| a.targets.contains(v));
        if var_a.filter(|v| is_commune(a, *v) == is_commune(b, var_b)).is_none() {
            impact.only_new.push(name.clone());
        }
    }
    impact
}

/// The communes' names: the `nom` column, whether the model declares it (a text variable) or
/// not (a column passed through).
fn commune_names(run: &Run<'_>, year: i32) -> Option<Vec<String>> {
    if let Some(var) = run.model.variable_id("nom") {
        if let Some(texts) = run.table.dataset.text(run.model, var, year) {
            return Some(texts.to_vec());
        }
    }
    run.table.columns.iter().find_map(|(header, column)| match column {
        TableColumn::Other(texts) if header == "nom" => Some(texts.clone()),
        _ => None,
    })
}

/// Whether every commune has the same value.
fn uniform(value: &Value, communes: usize) -> bool {
    let first = value.at(0);
    (1..communes).all(|i| value.at(i).to_bits() == first.to_bits())
}

/// |new − old|, a NaN on one side counting as the largest move.
fn magnitude(old: &Value, new: &Value, i: usize) -> f64 {
    let delta = (new.at(i) - old.at(i)).abs();
    if delta.is_nan() {
        f64::INFINITY
    } else {
        delta
    }
}

/// A difference with its sign, as a reader expects it for the measure: `+12.50` €, `-3`.
/// Thousands are grouped with spaces (from five digits on).
pub fn signed(measure: Measure, delta: f64) -> String {
    let text = match measure {
        // A total of cents that cancel out is no change, not `-0.00`.
        Measure::Money if delta.abs() < 0.005 => return "0.00".to_string(),
        Measure::Money if delta.is_finite() => format!("{delta:.2}"),
        Measure::Integer | Measure::Boolean if delta.is_finite() => format!("{}", delta as i64),
        _ => compact(delta),
    };
    let sign = if delta > 0.0 { "+" } else { "" };
    format!("{sign}{}", group(&text, ' ', 5))
}

/// A number for a reader: six decimals at most (trailing zeros dropped), or scientific
/// notation for a value that would print as 0 (a tiny change must not read as none).
pub fn compact(value: f64) -> String {
    if !value.is_finite() || value == 0.0 {
        return format_number(value);
    }
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "0" || text == "-0" {
        format!("{value:.3e}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_count_beyond_a_cent_for_money_and_exactly_for_integers() {
        assert!(!Measure::Money.differs(100.0, 100.009));
        assert!(Measure::Money.differs(100.0, 100.02));
        assert!(Measure::Integer.differs(3.0, 4.0));
        assert!(Measure::Boolean.differs(0.0, 1.0));
        assert!(!Measure::Number.differs(1e6, 1e6 + 1e-6));
        assert!(Measure::Number.differs(0.5, 0.5001));
        assert!(Measure::Money.differs(f64::NAN, 0.0));
        assert!(!Measure::Money.differs(f64::NAN, f64::NAN));
    }

    #[test]
    fn numbers_print_compactly_without_hiding_a_change() {
        assert_eq!(compact(1943.1818181818182), "1943.181818");
        assert_eq!(compact(0.31), "0.31");
        assert_eq!(compact(-800.0), "-800");
        assert_eq!(compact(2e-9), "2.000e-9");
        assert_eq!(signed(Measure::Number, 0.14687226154364677), "+0.146872");
        assert_eq!(signed(Measure::Money, -12.5), "-12.50");
        assert_eq!(signed(Measure::Integer, 17.0), "+17");
        assert_eq!(signed(Measure::Money, -0.001), "0.00");
        assert_eq!(signed(Measure::Money, -87199206412.53), "-87 199 206 412.53");
    }
}
