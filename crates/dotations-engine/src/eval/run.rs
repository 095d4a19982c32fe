//! Running a plan: each step in order, over whole columns.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use dotations_diagnostics::{Diagnostic, Diagnostics};

use super::distribute::{distribute, Classified, DistributeError, Distribution};
use super::kernels::{Env, SlotId, Written};
use super::population::{counts_per_group, group_rows, pairwise_sum, rank, statistic_all, sums_per_group};
use super::value::{Packed, Value};
use crate::dataset::Dataset;
use crate::model::{Grouping, Model, Origin, Statistic};
use crate::plan::{Plan, PopulationStep, Step};

/// The values computed by a plan, by slot.
#[derive(Debug, Clone)]
pub struct Run {
    pub slots: Vec<Option<Value>>,
    /// For a run that what-ifs start from: the rows of each distribution of a point value,
    /// classified, by step index (a what-if that changes only a budget solves again from them).
    classified: Vec<(usize, Arc<Classified>)>,
}

impl Run {
    pub fn slot(&self, slot: SlotId) -> &Value {
        self.slots[slot].as_ref().expect("every planned slot is computed")
    }
}

impl Plan {
    /// Computes every step of the plan on `dataset`: level by level, the steps of a level in
    /// parallel; intermediate columns are given back after their last reader and reused.
    pub fn run(&self, model: &Model, dataset: &Dataset) -> Result<Run, Diagnostics> {
        let mut run = Run { slots: vec![None; self.slot_count], classified: Vec::new() };
        self.run_levels(model, dataset, &mut run, Keep::Results)?;
        Ok(run)
    }

    /// Computes every step of the plan as [`Plan::run`] does, and packs each column into its
    /// smallest exact form (see [`Packed`]) as soon as its level is done: the steps after read it
    /// packed (the kernels unpack it chunk by chunk). For a run whose results are written out,
    /// about a third less memory. Values are the same bits; they are read with [`Value::at`] or
    /// [`Value::to_column`] (a packed column is no `as_column`).
    pub fn run_packed(&self, model: &Model, dataset: &Dataset) -> Result<Run, Diagnostics> {
        let mut run = Run { slots: vec![None; self.slot_count], classified: Vec::new() };
        self.run_levels(model, dataset, &mut run, Keep::Packed)?;
        Ok(run)
    }

    /// Computes every step and keeps every intermediate value: the base of what-if runs.
    pub fn run_keeping_all(&self, model: &Model, dataset: &Dataset) -> Result<Run, Diagnostics> {
        let mut run = Run { slots: vec![None; self.slot_count], classified: Vec::new() };
        self.run_levels(model, dataset, &mut run, Keep::Everything)?;
        Ok(run)
    }

    /// A what-if: computes this plan reusing, from `previous` (a run of `base` that kept every
    /// value), each step that is the same in both plans and whose inputs did not change. Only
    /// the part of the graph a change reaches is computed again; a recomputed value equal to the
    /// previous one stops the change there. Inputs are read again from `dataset`, so a what-if
    /// can also change a commune's criteria. Plans of different shapes (a change that selects
    /// other formulas) are computed whole.
    pub fn run_incremental(
        &self,
        model: &Model,
        dataset: &Dataset,
        base: &Plan,
        previous: &Run,
    ) -> Result<Run, Diagnostics> {
        if self.steps.len() != base.steps.len() || self.slot_count != base.slot_count {
            return self.run_keeping_all(model, dataset);
        }
        on_the_pool(|| self.recompute(model, dataset, base, previous))
    }

    fn recompute(&self, model: &Model, dataset: &Dataset, base: &Plan, previous: &Run) -> Result<Run, Diagnostics> {
        let mut run = Run { slots: vec![None; self.slot_count], classified: Vec::new() };
        let mut changed = vec![false; self.slot_count];
        // Slots computed again in the level at hand: a row-wise step reading one (of its own
        // level) is computed again too, before anyone knows whether the value changed.
        let mut pending = vec![false; self.slot_count];
        for level in &self.schedule.levels {
            let (mut recompute, mut results) = (Vec::new(), Vec::new());
            for &index in level {
                let step = &self.steps[index];
                // Inputs are always read again (a what-if may change a commune's criteria).
                let same = *step == base.steps[index]
                    && !matches!(step, Step::Input { .. })
                    && !self.schedule.reads[index].iter().any(|s| changed[*s] || pending[*s])
                    && previous.slots[step.slot()].is_some();
                if same {
                    run.slots[step.slot()] = previous.slots[step.slot()].clone();
                } else if let Some(classified) = reusable_rows(step, &base.steps[index], &changed, previous, index) {
                    // Only the budget changed: solved again from the rows classified before.
                    let Step::Population { op: PopulationStep::Distribute { budget, .. }, origin, .. } = step else {
                        unreachable!("only distributions keep their rows")
                    };
                    let point = classified.point(scalar(&run.slots, *budget));
                    let value = point.map_err(|e| distribute_error(e, *origin, model, dataset));
                    results.push((index, value.map(|point| (Value::Scalar(point), Some(classified)))));
                } else {
                    pending[step.slot()] = true;
                    recompute.push(index);
                }
            }
            results.extend(self.execute_level(&recompute, model, dataset, &run.slots, false));
            for (index, outcome) in results {
                let slot = self.steps[index].slot();
                pending[slot] = false;
                let (value, classified) = outcome.map_err(Diagnostics::from)?;
                run.classified.extend(classified.map(|rows| (index, rows)));
                changed[slot] = match (previous.slots[slot].as_ref(), &value) {
                    (Some(Value::Column(a)), Value::Column(b)) if Arc::ptr_eq(a, b) => false,
                    (previous, value) => previous != Some(value),
                };
                run.slots[slot] = Some(value);
            }
        }
        Ok(run)
    }

    /// Runs the levels in order (the steps of a level in parallel), keeping what `keep` says.
    fn run_levels(&self, model: &Model, dataset: &Dataset, run: &mut Run, keep: Keep) -> Result<(), Diagnostics> {
        on_the_pool(|| self.run_levels_on_the_pool(model, dataset, run, keep))
    }

    fn run_levels_on_the_pool(
        &self,
        model: &Model,
        dataset: &Dataset,
        run: &mut Run,
        keep_values: Keep,
    ) -> Result<(), Diagnostics> {
        let pool = &POOL;
        let release = keep_values != Keep::Everything;
        // DOTATIONS_PROFILE=1 prints the time of every step on stderr (and runs them one by
        // one); off, it costs one check.
        let profile = std::env::var_os("DOTATIONS_PROFILE").is_some();
        for (level, steps) in self.schedule.levels.iter().enumerate() {
            let keep = |run: &mut Run, index: usize, outcome: Outcome| -> Result<(), Diagnostics> {
                let (value, classified) = outcome.map_err(Diagnostics::from)?;
                run.slots[self.steps[index].slot()] = Some(value);
                // A run that keeps its values keeps its distributions' rows: what-ifs start from it.
                if !release {
                    run.classified.extend(classified.map(|rows| (index, rows)));
                }
                Ok(())
            };
            if profile {
                // One by one, in the level's order, each value stored before the next step.
                for &index in steps {
                    let start = std::time::Instant::now();
                    let outcome = execute_keeping_rows(&self.steps[index], model, dataset, &run.slots, pool);
                    let elapsed = start.elapsed().as_secs_f64() * 1e3;
                    eprintln!("{elapsed:>9.3} ms  {}", self.describe_step(model, index));
                    keep(run, index, outcome)?;
                }
            } else {
                for (index, outcome) in self.execute_level(steps, model, dataset, &run.slots, release) {
                    keep(run, index, outcome)?;
                }
            }
            if release {
                for slot in &self.schedule.release[level] {
                    if let Some(Value::Column(column)) = run.slots[*slot].take() {
                        pool.give(column);
                    }
                }
            }
            if keep_values == Keep::Packed {
                pack(&mut run.slots, steps.iter().map(|index| self.steps[*index].slot()), pool);
            }
        }
        Ok(())
    }
}

/// What a run keeps of the values it computes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Keep {
    /// Every value, intermediates and distributions' classified rows too: what-ifs start from it.
    Everything,
    /// The results (planned variables and population steps); intermediates are released after
    /// their last reader.
    Results,
    /// As `Results`, every column packed once the level that computes it is done.
    Packed,
}

/// Packs the columns of `computed` slots that a smaller form holds exactly, and gives their
/// `f64` columns back to the pool, for the levels still to run. A column shared with someone
/// else (an input, held by the dataset too) is left as it is: packing it would free nothing.
fn pack(slots: &mut [Option<Value>], computed: impl Iterator<Item = SlotId>, pool: &BufferPool) {
    let computed: Vec<SlotId> = computed.collect();
    let packed: Vec<(SlotId, Packed)> = computed
        .par_iter()
        .filter_map(|slot| match &slots[*slot] {
            Some(Value::Column(column)) if Arc::strong_count(column) == 1 => Some((*slot, Packed::pack(column)?)),
            _ => None,
        })
        .collect();
    for (slot, packed) in packed {
        if let Some(Value::Column(column)) = slots[slot].replace(Value::Packed(Arc::new(packed))) {
            pool.give(column);
        }
    }
}

impl Plan {
    /// Computes the steps of a level: each depends only on earlier levels, but for row-wise
    /// steps, which may read the row-wise steps before them in the level.
    ///
    /// Inputs (a column handed over) and a lone population step run on the calling thread:
    /// handing them to another would cost more than they do. The row-wise steps over communes
    /// are computed together, rows split between the threads so that every thread is busy
    /// whatever the number of steps (in a what-if, most levels hold one such step); the other
    /// steps in parallel, a step each.
    fn execute_level(
        &self,
        steps: &[usize],
        model: &Model,
        dataset: &Dataset,
        slots: &[Option<Value>],
        release: bool,
    ) -> Vec<(usize, Outcome)> {
        let pool = &POOL;
        let person = model.person_entity();
        let mut results = Vec::with_capacity(steps.len());
        let (mut rows, mut others) = (Vec::new(), Vec::new());
        for &index in steps {
            match &self.steps[index] {
                Step::Input { .. } => {
                    results.push((index, execute_keeping_rows(&self.steps[index], model, dataset, slots, pool)))
                }
                step if step.is_row_wise(person) => rows.push(index),
                _ => others.push(index),
            }
        }
        if rows.is_empty() && others.len() == 1 {
            results.push((others[0], execute_keeping_rows(&self.steps[others[0]], model, dataset, slots, pool)));
            return results;
        }
        let (fused, mut computed) = rayon::join(
            || self.eval_rows_together(&rows, dataset.size(person), dataset, slots, release),
            || {
                others
                    .par_iter()
                    .map(|&index| (index, execute_keeping_rows(&self.steps[index], model, dataset, slots, pool)))
                    .collect::<Vec<_>>()
            },
        );
        results.extend(fused.into_iter().map(|(index, value)| (index, value.map(|value| (value, None)))));
        results.append(&mut computed);
        results
    }

    /// Computes row-wise steps, in their order, over pieces of rows computed in parallel: in
    /// each piece every step runs after the steps it reads, so what one step writes is read by
    /// the next from the cache, and the inputs the steps share are read once from memory.
    ///
    /// With `release`, the values of transient slots (see [`Schedule`](crate::plan::Schedule))
    /// are kept only piece by piece, and not returned.
    fn eval_rows_together(
        &self,
        steps: &[usize],
        rows: usize,
        dataset: &Dataset,
        slots: &[Option<Value>],
        release: bool,
    ) -> Vec<(usize, Result<Value, Diagnostic>)> {
        if steps.is_empty() {
            return Vec::new();
        }
        let transient = |step: usize| release && self.schedule.transient[self.steps[step].slot()];
        let columns_of: Vec<usize> = steps.iter().copied().filter(|s| !transient(*s)).collect();
        let mut columns: Vec<Arc<[f64]>> = columns_of.iter().map(|_| POOL.take(rows)).collect();
        // A few pieces a thread, so that a thread slowed down does not hold the others up.
        let pieces = rayon::current_num_threads().max(1) * 4;
        let piece_rows = rows.div_ceil(pieces).next_multiple_of(super::kernels::CHUNK).max(1);
        // Piece i of every column, for each piece.
        let mut work: Vec<Vec<&mut [f64]>> = (0..rows.div_ceil(piece_rows)).map(|_| Vec::new()).collect();
        for column in &mut columns {
            let column = Arc::get_mut(column).expect("a pooled column is not shared");
            for (piece, slice) in column.chunks_mut(piece_rows).enumerate() {
                work[piece].push(slice);
            }
        }
        work.into_par_iter().enumerate().for_each(|(piece, outputs)| {
            let first_row = piece * piece_rows;
            let piece_len = piece_rows.min(rows - first_row);
            let mut scratch: Vec<Vec<f64>> =
                steps.iter().filter(|s| transient(**s)).map(|_| vec![0.0; piece_len]).collect();
            let (mut outputs, mut scratch) = (outputs.into_iter(), scratch.iter_mut());
            // The rows of this piece computed so far, by slot: steps of this level read them.
            let mut written: Vec<Option<&[f64]>> = vec![None; slots.len()];
            for step in steps {
                let Step::Eval { program, truncate, slot, .. } = &self.steps[*step] else {
                    unreachable!("row-wise steps")
                };
                let out: &mut [f64] = match transient(*step) {
                    true => scratch.next().expect("a buffer per transient step"),
                    false => outputs.next().expect("a column per step"),
                };
                let env = Env {
                    slots,
                    membership: dataset.membership(),
                    written: Some(Written { first_row, rows: &written }),
                };
                program.run_rows(&env, first_row, out);
                if *truncate {
                    // Integer variables are stored as the reference stores them (see `to_integer`).
                    out.iter_mut().for_each(|v| *v = super::kernels::to_integer(*v));
                }
                let out: &[f64] = out;
                written[*slot] = Some(out);
            }
        });
        columns_of.into_iter().zip(columns).map(|(step, column)| (step, Ok(Value::Column(column)))).collect()
    }
}

/// Runs `work` on a thread of the pool, the caller waiting: the steps it runs itself and those
/// it hands to the pool then share the pool's two threads, instead of three threads (the
/// caller and the pool's, still spinning after the last parallel level) taking turns on two
/// cores.
fn on_the_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| work())
}

/// Columns given back after their last use — intermediates along a run, and every column of a
/// run when it is dropped — and handed out again: in a process that computes again and again
/// (a server, a sweep, a benchmark), memory is reused instead of allocated anew, which spares
/// the page faults of fresh memory; along one run, memory stays flat.
pub struct BufferPool {
    free: Mutex<Vec<Arc<[f64]>>>,
}

/// The pool of the process.
static POOL: BufferPool = BufferPool { free: Mutex::new(Vec::new()) };

/// At most this many columns are kept for reuse (about 70 MB for 35 000 communes).
const POOL_LIMIT: usize = 256;

impl BufferPool {
    fn take(&self, rows: usize) -> Arc<[f64]> {
        let mut free = self.free.lock().expect("pool lock");
        match free.iter().position(|c| c.len() == rows) {
            Some(index) => free.swap_remove(index),
            None => std::iter::repeat_n(0.0, rows).collect(),
        }
    }

    fn give(&self, column: Arc<[f64]>) {
        // Only a column nobody else holds can be written again.
        if Arc::strong_count(&column) == 1 {
            let mut free = self.free.lock().expect("pool lock");
            if free.len() < POOL_LIMIT {
                free.push(column);
            }
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        for value in self.slots.drain(..) {
            if let Some(Value::Column(column)) = value {
                POOL.give(column);
            }
        }
    }
}

/// Computes one step from the slots computed before it (exposed for profiling tools).
pub fn execute_step(
    step: &Step,
    model: &Model,
    dataset: &Dataset,
    slots: &[Option<Value>],
) -> Result<Value, Diagnostic> {
    execute(step, model, dataset, slots, &POOL)
}

/// What a step gives: its value, and for a distribution's point value the rows it classified
/// (kept by the runs that what-ifs start from).
type Outcome = Result<(Value, Option<Arc<Classified>>), Diagnostic>;

/// Computes one step as [`execute`] does, keeping a point value's classified rows.
fn execute_keeping_rows(
    step: &Step,
    model: &Model,
    dataset: &Dataset,
    slots: &[Option<Value>],
    pool: &BufferPool,
) -> Outcome {
    let Step::Population { op: op @ PopulationStep::Distribute { point: true, .. }, origin, .. } = step else {
        return execute(step, model, dataset, slots, pool).map(|value| (value, None));
    };
    let rows = dataset.size(model.person_entity());
    let located = |error| distribute_error(error, *origin, model, dataset);
    let (classified, budget) =
        with_distribution(op, slots, rows, |input| Ok((Classified::new(&input)?, input.budget))).map_err(located)?;
    let point = classified.point(budget).map_err(located)?;
    Ok((Value::Scalar(point), Some(Arc::new(classified))))
}

fn execute(
    step: &Step,
    model: &Model,
    dataset: &Dataset,
    slots: &[Option<Value>],
    pool: &BufferPool,
) -> Result<Value, Diagnostic> {
    let person_rows = dataset.size(model.person_entity());
    Ok(match step {
        Step::Input { var, key, .. } => dataset.input_by_key(*var, *key).expect("planned inputs exist").clone(),
        Step::Fill { entity, value, .. } => Value::Column(vec![*value; dataset.size(*entity)].into()),
        Step::Eval { entity, program, truncate, .. } => {
            let env = Env::new(slots, dataset.membership());
            let rows = entity.map_or(1, |e| dataset.size(e));
            // Written in place into the shared column (no copy once computed).
            let mut column = pool.take(rows);
            let values = Arc::get_mut(&mut column).expect("a pooled column is not shared");
            program.run_into(&env, values);
            if *truncate {
                // Integer variables are stored as the reference stores them (see `to_integer`).
                values.iter_mut().for_each(|v| *v = super::kernels::to_integer(*v));
            }
            match entity {
                None => Value::Scalar(values[0]),
                Some(_) => Value::Column(column),
            }
        }
        Step::Population { op, origin, .. } => population(op, *origin, model, dataset, slots, person_rows)?,
        Step::Lookup { var, years, columns, fallback, default, origin, .. } => {
            let get = |slot: SlotId| slots[slot].as_ref().expect("computed before");
            let years = column(slots, *years, person_rows);
            // The declared per-row columns first, each in one pass; the rows they do not give
            // are looked for one by one.
            let mut values = vec![f64::NAN; person_rows];
            let mut given = vec![false; person_rows];
            for (declared, declared_years) in columns {
                let (source, source_years) =
                    (dataset.column(*declared).expect("planned"), column(slots, *declared_years, person_rows));
                for row in 0..person_rows {
                    if !given[row] && source_years[row] == years[row] {
                        values[row] = source[row];
                        given[row] = true;
                    }
                }
            }
            for row in 0..person_rows {
                if given[row] {
                    continue;
                }
                let year = years[row];
                let value = (year.is_finite())
                    .then(|| dataset.input(model, *var, year as i32))
                    .flatten()
                    .map(|c| c.at(row))
                    .or_else(|| fallback.map(|f| get(f).at(row)))
                    .or(*default);
                match value {
                    Some(v) => values[row] = v,
                    None => {
                        let name = &model.variables[*var].name;
                        let id = &dataset.ids(model.person_entity())[row];
                        return Err(Diagnostic::error(format!(
                            "`{name}` for {year} is not given for {id} (row {})",
                            row + 1
                        ))
                        .at(model.location(*origin))
                        .with_help(format!(
                            "give `{name}` for that year, or one of the columns that give it per row"
                        )));
                    }
                }
            }
            Value::Column(values.into())
        }
    })
}

/// A slot as a column of `rows` values (scalars repeated).
fn column(slots: &[Option<Value>], slot: SlotId, rows: usize) -> Cow<'_, [f64]> {
    match slots[slot].as_ref().expect("computed before") {
        Value::Column(c) => Cow::Borrowed(c),
        Value::Scalar(v) => Cow::Owned(vec![*v; rows]),
        Value::Packed(p) => Cow::Owned(p.to_vec()),
    }
}

fn scalar(slots: &[Option<Value>], slot: SlotId) -> f64 {
    slots[slot].as_ref().expect("computed before").at(0)
}

fn population(
    op: &PopulationStep,
    origin: Origin,
    model: &Model,
    dataset: &Dataset,
    slots: &[Option<Value>],
    rows: usize,
) -> Result<Value, Diagnostic> {
    let col = |slot: SlotId| column(slots, slot, rows);
    Ok(match op {
        PopulationStep::Sum { value, filter, key, grouping, statistic } => {
            let (value, filter) = (col(*value), filter.map(col));
            let filter = filter.as_deref();
            grouped(
                *grouping,
                key.map(col).as_deref(),
                dataset,
                |groups, count| {
                    let sums = sums_per_group(&value, filter, groups, count);
                    match statistic {
                        Statistic::Sum | Statistic::Count => sums,
                        Statistic::Mean => {
                            let counts = counts_per_group(filter, groups, count);
                            sums.iter().zip(counts).map(|(s, c)| s / c).collect()
                        }
                    }
                },
                || statistic_all(&value, filter, *statistic),
            )
        }
        PopulationStep::RatioOfSums { numerator, denominator, filter, key, grouping, default } => {
            let (numerator, denominator, filter) = (col(*numerator), col(*denominator), filter.map(col));
            let filter = filter.as_deref();
            let default = scalar(slots, *default);
            let divide = |n: f64, d: f64| if d != 0.0 { n / d } else { default };
            grouped(
                *grouping,
                key.map(col).as_deref(),
                dataset,
                |groups, count| {
                    let n = sums_per_group(&numerator, filter, groups, count);
                    let d = sums_per_group(&denominator, filter, groups, count);
                    n.iter().zip(d).map(|(n, d)| divide(*n, d)).collect()
                },
                || {
                    divide(
                        statistic_all(&numerator, filter, Statistic::Sum),
                        statistic_all(&denominator, filter, Statistic::Sum),
                    )
                },
            )
        }
        PopulationStep::Rank { value, order } => Value::Column(rank(&col(*value), *order).into()),
        PopulationStep::Share { value, filter } => {
            let value = super::population::masked(&col(*value), filter.map(col).as_deref());
            let total = pairwise_sum(&value);
            Value::Column(value.iter().map(|v| v / total).collect())
        }
        PopulationStep::First { value } => match slots[*value].as_ref().expect("computed before") {
            // A table of no commune (a situation may have none) has no first value to give.
            column if column.rows() == 0 => {
                return Err(
                    Diagnostic::error("`first` has no value to take: there is no commune").at(model.location(origin))
                )
            }
            column => Value::Scalar(column.at(0)),
        },
        PopulationStep::Distribute { point, .. } => {
            let located = |error| distribute_error(error, origin, model, dataset);
            with_distribution(op, slots, rows, |input| {
                Ok(if *point {
                    Value::Scalar(Classified::new(&input)?.point(input.budget)?)
                } else {
                    Value::Column(distribute(&input)?.amounts.into())
                })
            })
            .map_err(located)?
        }
    })
}

/// Calls `f` with the distribution a [`PopulationStep::Distribute`] reads from the slots.
fn with_distribution<R>(
    op: &PopulationStep,
    slots: &[Option<Value>],
    rows: usize,
    f: impl FnOnce(Distribution<'_>) -> Result<R, DistributeError>,
) -> Result<R, DistributeError> {
    let PopulationStep::Distribute { budget, score, previous, low, high, unbounded, .. } = op else {
        unreachable!("a distribution step")
    };
    let col = |slot: SlotId| column(slots, slot, rows);
    let (score, previous, unbounded) = (col(*score), col(*previous), unbounded.map(col));
    f(Distribution {
        budget: scalar(slots, *budget),
        score: &score,
        previous: &previous,
        low: scalar(slots, *low),
        high: scalar(slots, *high),
        unbounded: unbounded.as_deref(),
    })
}

/// A distribution's error, located at its formula and naming the commune of a bad row.
fn distribute_error(error: DistributeError, origin: Origin, model: &Model, dataset: &Dataset) -> Diagnostic {
    let mut message = error.to_string();
    if let DistributeError::InvalidValue { row, .. } = error {
        if let Some(id) = dataset.ids(model.person_entity()).get(row) {
            message = format!("{message} ({id})");
        }
    }
    let diagnostic = Diagnostic::error(format!("cannot distribute the budget: {message}")).at(model.location(origin));
    match error {
        // The reference's solver fails the same way: nothing to share the budget between.
        DistributeError::AboveCeilings { ceiling: 0.0, .. } => diagnostic.with_note(
            "no commune of the computation can receive any of it: every score is 0 (none is eligible, or none has a criterion), and none keeps a previous amount",
        ),
        _ => diagnostic,
    }
}

/// The classified rows of a distribution of `previous` that `step` can solve again from: the
/// same distribution, whose rows and bounds did not change (its budget may have).
fn reusable_rows(step: &Step, base: &Step, changed: &[bool], previous: &Run, index: usize) -> Option<Arc<Classified>> {
    let Step::Population {
        op: PopulationStep::Distribute { budget: _, score, previous: last, low, high, unbounded, point: true },
        ..
    } = step
    else {
        return None;
    };
    let unchanged =
        step == base && [*score, *last, *low, *high].into_iter().chain(*unbounded).all(|slot| !changed[slot]);
    unchanged.then(|| previous.classified.iter().find(|(i, _)| *i == index).map(|(_, c)| c.clone())).flatten()
}

/// Applies a per-group computation according to the grouping, and shapes the result: one value
/// (all rows), one per group entity row, or each row's group value.
fn grouped(
    grouping: Grouping,
    key: Option<&[f64]>,
    dataset: &Dataset,
    per_group: impl FnOnce(&[u32], usize) -> Vec<f64>,
    all: impl FnOnce() -> f64,
) -> Value {
    match grouping {
        Grouping::All => Value::Scalar(all()),
        Grouping::PerGroup(entity) => {
            let membership = dataset.membership()[entity].as_ref().expect("group membership");
            Value::Column(per_group(membership, dataset.size(entity)).into())
        }
        Grouping::ByKey => {
            let (groups, count) = group_rows(key.expect("a key for `by`"));
            let values = per_group(&groups, count);
            Value::Column(groups.iter().map(|g| values[*g as usize]).collect())
        }
    }
}
