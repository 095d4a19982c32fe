//! The whole dotations model on the embedded synthetic France (35 000 communes, 2025):
//! planning, computing every variable, and a what-if (one parameter changed, only what it
//! reaches computed again).
//!
//!     cargo bench -p dotations-cli --bench model

use criterion::{criterion_group, criterion_main, Criterion};
use dotations_engine::{plan, MissingInputs};
use dotations_params::ParamValue;

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

criterion_group!(benches, model);
criterion_main!(benches);
