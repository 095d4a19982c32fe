//! The repository's YAML tests (`tests/yaml`, OpenFisca's format) pass on the embedded law.
//! Run one file with `dotations test tests/yaml/FILE.yaml --verbose` to see why one fails.

use std::path::PathBuf;

use dotations_testing::{Options, Runner};

#[test]
fn the_yaml_tests_of_the_repository_pass() {
    let model = dotations_rules::load(None).expect("the embedded rules compile");
    let dir = PathBuf::from("../../tests/yaml");
    let report = Runner::new(&model, None, Options::default()).run_paths(&[dir]);
    assert!(report.passed() >= 10, "the runner's own examples are there:\n{}", report.render(false));
    assert_eq!(report.failed(), 0, "\n{}", report.render(false));
}
