//! Evaluating the test model of `tests/model` (every construct of the language: scales, ratios
//! of sums per group, ranks, bounded distribution, previous year, dates, enums) on 35 000
//! communes, as the real model runs on a synthetic France.
//!
//!     cargo bench -p dotations-engine --bench evaluate

#[path = "../tests/common/mod.rs"]
mod common;

use common::test_model;
use criterion::{criterion_group, criterion_main, Criterion};
use dotations_engine::{plan, Dataset, MissingInputs, Model};

const ROWS: usize = 35_000;

/// Deterministic pseudo-random inputs (a linear congruential generator), realistic in shape.
fn dataset(model: &Model) -> Dataset {
    let mut state: u64 = 42;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let ids = (0..ROWS).map(|i| format!("{i:05}")).collect();
    let mut data = Dataset::single_group(model, ids);
    let mut set = |name: &str, year: i32, values: Vec<f64>| {
        data.set_input(model, model.variable_id(name).unwrap(), year, values).unwrap();
    };
    let population: Vec<f64> = (0..ROWS).map(|_| (10f64.powf(1.5 + 3.5 * next())).round()).collect();
    let potentiel: Vec<f64> = population.iter().map(|p| p * (400.0 + 1_600.0 * next())).collect();
    let categorie: Vec<f64> = (0..ROWS).map(|_| if next() < 0.7 { 1.0 } else { 0.0 }).collect();
    let creation: Vec<f64> = (0..ROWS).map(|_| if next() < 0.01 { 19_723.0 } else { -719_162.0 }).collect();
    let previous: Vec<f64> = (0..ROWS).map(|_| if next() < 0.5 { 1_000.0 * next() } else { 0.0 }).collect();
    set("population", 2024, population);
    set("potentiel", 2024, potentiel);
    set("categorie_commune", 2024, categorie);
    set("date_creation", 2024, creation);
    set("montant", 2023, previous);
    data
}

fn evaluate(c: &mut Criterion) {
    let model = test_model();
    let data = dataset(&model);
    let targets: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
    let built = plan::build(&model, &data, 2024, &targets, MissingInputs::Error).unwrap();
    let mut group = c.benchmark_group("test model, 35 000 communes");
    group.bench_function("plan", |b| {
        b.iter(|| plan::build(&model, &data, 2024, &targets, MissingInputs::Error).unwrap())
    });
    group.bench_function("run every variable", |b| b.iter(|| built.run(&model, &data).unwrap()));
    group.finish();
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
