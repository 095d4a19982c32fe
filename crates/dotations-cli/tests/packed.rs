//! `dotations compute` keeps its inputs and results packed (booleans as bytes, counts as `f32`,
//! a national amount as one value): on the whole synthetic France, that changes no bit of any
//! value, nor of the CSV written.

use dotations_engine::eval::Value;
use dotations_engine::{MissingInputs, Simulation};

mod common;
use common::repo;

#[test]
fn packed_inputs_and_results_are_the_same_values_and_the_same_file() {
    let year = 2025;
    let model = dotations_rules::load(None).unwrap_or_else(|d| panic!("{d}"));
    let input = repo().join(format!("data/france_synthetique_{year}.csv.gz"));
    let table = dotations_io::read_table(&model, &input, year).unwrap_or_else(|d| panic!("{d}"));
    let mut packed_table = dotations_io::read_table(&model, &input, year).unwrap_or_else(|d| panic!("{d}"));
    packed_table.dataset.pack_inputs();
    let person = model.person_entity();
    let targets: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();

    let plain = Simulation::new(&model, &table.dataset, MissingInputs::Error).compute_ids(year, &targets).unwrap();
    let packed = Simulation::new(&model, &packed_table.dataset, MissingInputs::Error)
        .compute_ids_packed(year, &targets)
        .unwrap();

    let (mut compared, mut packed_results) = (0, 0);
    for node in &plain.plan.nodes {
        let (a, b) = (plain.run.slot(node.slot), packed.run.slot(node.slot));
        packed_results += usize::from(matches!(b, Value::Packed(_)));
        let rows = table.dataset.size(model.variables[node.var].entity);
        let (a, b) = (a.to_column(rows), b.to_column(rows));
        let name = &model.variables[node.var].name;
        assert_eq!(a.len(), b.len(), "{name}");
        assert!(a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "{name} {:?}", node.year);
        compared += 1;
    }
    assert!(compared > 150, "every planned value compared ({compared})");
    // Flags, ranks, counts and national amounts: most of the results.
    assert!(packed_results > 40, "results packed: {packed_results}");
    let population = model.variable_id("population_insee").expect("an input of the model");
    assert!(matches!(packed_table.dataset.input(&model, population, year), Some(Value::Packed(_))));

    let communal: Vec<usize> = targets.iter().copied().filter(|v| model.variables[*v].entity == person).collect();
    let write = |table: &dotations_io::InputTable, computed| {
        let mut text = Vec::new();
        dotations_io::write_table(&mut text, &model, table, computed, &communal).unwrap();
        text
    };
    let (a, b) = (write(&table, &plain), write(&packed_table, &packed));
    assert!(a.len() > 30_000_000, "the whole table");
    assert!(a == b, "the same CSV, byte for byte");
}
