//! The test model of `tests/model`, compiled: shared by the engine's integration tests and its
//! benchmark (`#[path]`-included there).

use std::path::Path;

use dotations_diagnostics::SourceText;
use dotations_engine::Model;
use dotations_params::ParameterTree;

/// The model of `tests/model` (its one rule file and its parameters).
pub fn test_model() -> Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model");
    let text = std::fs::read_to_string(root.join("formulas/modele.rules")).unwrap();
    let parameters = ParameterTree::load_dir(&root.join("parameters")).unwrap();
    Model::compile(vec![SourceText::new("modele.rules", text)], parameters).unwrap()
}
