//! The whole dotations model on the embedded synthetic France (35 000 communes, 2025):
//! planning, computing every variable, and a what-if (one parameter changed, only what it
//! reaches computed again).
//!
//!     cargo bench -p dotations-cli --bench model
//!
//! It also measures the memory floor of computing every variable: the plan's column traffic
//! alone, without its arithmetic (see [`ColumnTraffic`]).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use dotations_engine::eval::Run;
use dotations_engine::plan::{Plan, Step};
use dotations_engine::{plan, MissingInputs};
use dotations_params::ParamValue;
use rayon::prelude::*;

fn model(c: &mut Criterion) {
    let year = 2025;
    let model = dotations_rules::load(None).expect("embedded rules");
    let table = dotations_data::embedded_table(&model, year).expect("embedded data");
    let dataset = &table.dataset;
    let targets: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
    let built = plan::build(&model, dataset, year, &targets, MissingInputs::Error).expect("plan");
    let base = built.run_keeping_all(&model, dataset).expect("run");

    let mut group = c.benchmark_group("model, 35 000 communes, 2025");
    group.sample_size(50);
    group.bench_function("plan", |b| {
        b.iter(|| plan::build(&model, dataset, year, &targets, MissingInputs::Error).expect("plan"))
    });
    group.bench_function("compute every variable", |b| b.iter(|| built.run(&model, dataset).expect("run")));
    let rows = dataset.size(model.person_entity());
    let mut traffic = ColumnTraffic::of(&built, &base, model.person_entity(), rows);
    group.bench_function("memory floor: the same column traffic, no arithmetic", |b| b.iter(|| traffic.run()));
    // As `dotations compute` runs it: inputs packed, every column packed once its level is done
    // (a table of its own: columns shared with another are not packed).
    let mut packed = dotations_data::embedded_table(&model, year).expect("embedded data").dataset;
    packed.pack_inputs();
    group.bench_function("compute every variable, packed", |b| {
        b.iter(|| built.run_packed(&model, &packed).expect("run"))
    });

    // A what-if: the DSU envelope of the year raised by 1 %, planned with the new value and
    // computed again only where it reaches.
    let path = "dotation_solidarite_urbaine.montant.total";
    let date = chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("date");
    let Ok(Some(ParamValue::Number(value))) = model.parameters.value_at(path, date) else { panic!("{path}") };
    let mut parameters = model.parameters.clone();
    let raised = ParamValue::Number(*value * rust_decimal::Decimal::new(101, 2));
    parameters.set_value(path, date, None, Some(raised)).expect("set");
    group.bench_function("what-if: DSU envelope +1 %", |b| {
        b.iter(|| {
            let variant =
                plan::build_with_parameters(&model, &parameters, dataset, year, &targets, MissingInputs::Error)
                    .expect("plan");
            variant.run_incremental(&model, dataset, &built, &base).expect("run")
        })
    });
    group.finish();
}

/// The columns of communes that computing every variable must read and write, level by level,
/// moved with no arithmetic but a sum: what the machine's memory alone costs, whatever the
/// kernels do.
///
/// In each level of the plan, every column that its row-wise steps read from an earlier level
/// is read once, and every column they keep is written once (their intermediates read within
/// the level are not counted: the engine keeps them in the cache); each population step reads
/// its columns once and writes its column if it gives one. Rows are split between the threads
/// as the engine splits them, and levels run one after the other, as the engine runs them.
struct ColumnTraffic {
    levels: Vec<LevelTraffic>,
    rows: usize,
}

struct LevelTraffic {
    /// Columns the level's row-wise steps read from earlier levels.
    reads: Vec<Arc<[f64]>>,
    /// One per column the row-wise steps keep.
    writes: Vec<Vec<f64>>,
    population: Vec<PopulationTraffic>,
}

/// A population step's columns: those it reads, and its own if it gives one.
struct PopulationTraffic {
    reads: Vec<Arc<[f64]>>,
    column: Option<Vec<f64>>,
}

impl ColumnTraffic {
    fn of(plan: &Plan, run: &Run, person: dotations_engine::model::EntityId, rows: usize) -> ColumnTraffic {
        let column = |slot: usize| match run.slots[slot].as_ref().and_then(|v| v.as_column()) {
            Some(column) if column.len() == rows => Some(column.clone()),
            _ => None,
        };
        let levels = plan
            .schedule
            .levels
            .iter()
            .map(|level| {
                let written: Vec<usize> = level.iter().map(|i| plan.steps[*i].slot()).collect();
                let mut read_slots: Vec<usize> = Vec::new();
                let (mut writes, mut population) = (Vec::new(), Vec::new());
                for &index in level {
                    let step = &plan.steps[index];
                    let reads = &plan.schedule.reads[index];
                    if step.is_row_wise(person) {
                        read_slots.extend(reads.iter().filter(|s| !written.contains(s) && column(**s).is_some()));
                        if !plan.schedule.transient[step.slot()] {
                            writes.push(vec![0.0; rows]);
                        }
                    } else if matches!(step, Step::Population { .. }) {
                        population.push(PopulationTraffic {
                            reads: reads.iter().filter_map(|s| column(*s)).collect(),
                            column: column(step.slot()).map(|_| vec![0.0; rows]),
                        });
                    }
                }
                read_slots.sort_unstable();
                read_slots.dedup();
                let reads = read_slots.into_iter().filter_map(column).collect();
                LevelTraffic { reads, writes, population }
            })
            .collect();
        ColumnTraffic { levels, rows }
    }

    fn run(&mut self) -> f64 {
        let pieces = rayon::current_num_threads() * 4;
        let piece_rows = self.rows.div_ceil(pieces).next_multiple_of(2048);
        let mut total = 0.0;
        for level in &mut self.levels {
            let reads = &level.reads;
            let mut work: Vec<Vec<&mut [f64]>> = (0..self.rows.div_ceil(piece_rows)).map(|_| Vec::new()).collect();
            for column in &mut level.writes {
                for (piece, slice) in column.chunks_mut(piece_rows).enumerate() {
                    work[piece].push(slice);
                }
            }
            let (rows_total, population_total): (f64, f64) = rayon::join(
                || {
                    work.into_par_iter()
                        .enumerate()
                        .map(|(piece, outputs)| {
                            let start = piece * piece_rows;
                            let mut sum = vec![0.0; piece_rows.min(self.rows - start)];
                            for column in reads {
                                let column = &column[start..start + sum.len()];
                                sum.iter_mut().zip(column).for_each(|(s, v)| *s += v);
                            }
                            for output in outputs {
                                output.copy_from_slice(&sum);
                            }
                            sum.first().copied().unwrap_or(0.0)
                        })
                        .sum()
                },
                || {
                    level
                        .population
                        .par_iter_mut()
                        .map(|step| match &mut step.column {
                            Some(output) => {
                                match step.reads.split_first() {
                                    Some((first, others)) => {
                                        output.copy_from_slice(first);
                                        for column in others {
                                            output.iter_mut().zip(column.iter()).for_each(|(o, v)| *o += v);
                                        }
                                    }
                                    None => output.fill(0.0),
                                }
                                output[0]
                            }
                            None => step.reads.iter().map(|c| c.iter().sum::<f64>()).sum(),
                        })
                        .sum()
                },
            );
            total += rows_total + population_total;
        }
        total
    }
}

criterion_group!(benches, model);
criterion_main!(benches);
