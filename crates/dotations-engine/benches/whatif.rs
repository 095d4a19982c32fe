//! One what-if on the embedded law and the embedded synthetic France (35 000 communes, 2025):
//! the DSR fraction cible's envelope changed, planned with the model's formulas and the other
//! parameter value (no recompiling), then computed again only where the change reaches, from
//! a run of the law in force that kept every value — what `dotations sweep` and `dotations
//! solve` do for each value. The whole run is measured too, for comparison.
//!
//!     cargo bench -p dotations-engine --bench whatif

use std::path::Path;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use dotations_engine::{plan, MissingInputs};
use dotations_params::ParamValue;
use rust_decimal::Decimal;

/// The dotations of the summary table of `dotations compute`.
const DOTATIONS: [&str; 10] = [
    "dotation_forfaitaire",
    "df_montant_ecretement",
    "dsr_fraction_bourg_centre",
    "dsr_fraction_perequation",
    "dsr_fraction_cible",
    "dotation_solidarite_rurale",
    "dsu_montant",
    "dotation_nationale_perequation",
    "dotation_communes_nouvelles",
    "dotation_globale_fonctionnement_communes",
];

const PARAMETER: &str = "dotation_solidarite_rurale.cible.montant";

fn whatif(c: &mut Criterion) {
    let model = dotations_rules::load(None).expect("the embedded law compiles");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/france_synthetique_2025.csv.gz");
    let table = dotations_io::read_table(&model, &data, 2025).expect("the embedded data reads");
    let dataset = &table.dataset;
    let targets: Vec<usize> = DOTATIONS.iter().map(|name| model.variable_id(name).expect("a dotation")).collect();
    let base = plan::build(&model, dataset, 2025, &targets, MissingInputs::Error).unwrap();
    let base_run = base.run_keeping_all(&model, dataset).unwrap();
    let mut parameters = model.parameters.clone();
    let january = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let value = ParamValue::Number(Decimal::from(500_000_000));
    parameters.set_value(PARAMETER, january, None, Some(value)).unwrap();
    let changed =
        plan::build_with_parameters(&model, &parameters, dataset, 2025, &targets, MissingInputs::Error).unwrap();

    let mut group = c.benchmark_group("what-if, DSR cible envelope, 35 000 communes");
    group.sample_size(20);
    group.bench_function("plan with the other value", |b| {
        b.iter(|| {
            plan::build_with_parameters(&model, &parameters, dataset, 2025, &targets, MissingInputs::Error).unwrap()
        })
    });
    group.bench_function("recompute what the change reaches", |b| {
        b.iter(|| changed.run_incremental(&model, dataset, &base, &base_run).unwrap())
    });
    group.bench_function("one variant: set, plan and recompute", |b| {
        let mut scratch = model.parameters.clone();
        let mut envelope = 400_000_000;
        b.iter(|| {
            envelope += 1_000;
            let value = ParamValue::Number(Decimal::from(envelope));
            scratch.set_value(PARAMETER, january, None, Some(value)).unwrap();
            let plan =
                plan::build_with_parameters(&model, &scratch, dataset, 2025, &targets, MissingInputs::Error).unwrap();
            plan.run_incremental(&model, dataset, &base, &base_run).unwrap()
        })
    });
    group.bench_function("whole run, for comparison", |b| b.iter(|| changed.run(&model, dataset).unwrap()));
    group.finish();
}

criterion_group!(benches, whatif);
criterion_main!(benches);
