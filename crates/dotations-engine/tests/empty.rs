//! A population of no commune (a situation may have none): what needs a commune's value is an
//! error located at the formula, never a panic.

mod common;

use common::test_model;
use dotations_engine::{Dataset, MissingInputs, Simulation};

#[test]
fn first_of_no_commune_is_a_located_error() {
    let model = test_model();
    let mut data = Dataset::single_group(&model, Vec::new());
    for name in ["population", "potentiel", "categorie_commune"] {
        data.set_input(&model, model.variable_id(name).unwrap(), 2024, Vec::new()).unwrap();
    }
    data.set_input(&model, model.variable_id("date_creation").unwrap(), 2024, Vec::new()).unwrap();
    let simulation = Simulation::new(&model, &data, MissingInputs::Default);

    let error = simulation.compute(2024, &["montant"]).err().expect("no commune to take the budget from").to_string();
    assert!(error.contains("`first` has no value to take: there is no commune"), "{error}");
    assert!(error.contains("modele.rules:"), "located in the rules: {error}");

    // What needs no commune's value is computed: a national amount of the parameters.
    let computed = simulation.compute(2024, &["enveloppe"]).unwrap_or_else(|d| panic!("{d}"));
    let enveloppe = model.variable_id("enveloppe").unwrap();
    assert!(computed.value(enveloppe, 2024).unwrap().at(0) > 0.0);
}
