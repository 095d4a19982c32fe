//! The row interpreter against the engine on the whole model: for every variable computed on
//! the embedded synthetic France (2024 and 2025) and a sample of communes, re-deriving the
//! formula for the commune gives the run's value to the last bit — with the command line's
//! strictness and with OpenFisca's defaults for what is not given (the web API's).

use dotations_engine::{MissingInputs, Simulation};
use dotations_explain::{explain, ExplainedNode, Options};

fn mismatches(node: &ExplainedNode, out: &mut Vec<String>) {
    if let Some(m) = &node.mismatch {
        out.push(format!(
            "{} ({}): run {} re-derived {} {:?}",
            node.variable, node.year, m.computed, m.rederived, m.notes
        ));
    }
    node.children.iter().for_each(|c| mismatches(c, out));
}

#[test]
fn every_formula_rederives_the_runs_value() {
    let model = dotations_rules::load(None).expect("the embedded rules compile");
    for (year, missing) in [(2024, MissingInputs::Error), (2025, MissingInputs::Error), (2025, MissingInputs::Default)]
    {
        let path = format!("../../data/france_synthetique_{year}.csv.gz");
        let table = dotations_io::read_table(&model, std::path::Path::new(&path), year).expect("the data reads");
        let dataset = &table.dataset;
        let targets: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
        let computed = Simulation::new(&model, dataset, missing).compute_ids(year, &targets).expect("the model runs");
        let communes = dataset.size(model.person_entity());
        let mut found = Vec::new();
        let mut explained = 0;
        // A spread of communes, large and small, eligible or not.
        for row in (0..communes).step_by(communes / 24) {
            for &var in &targets {
                // Depth 0: each variable is explained as the root (its formula re-derived, its
                // national values described).
                let explanation = explain(&computed, dataset, row, var, year, &Options { depth: 0 }).unwrap();
                mismatches(&explanation.root, &mut found);
                explained += 1;
            }
        }
        assert!(explained > 1_000, "{explained}");
        assert!(found.is_empty(), "{year}: {} mismatches, e.g. {:#?}", found.len(), &found[..found.len().min(10)]);
    }
}
