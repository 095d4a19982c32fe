//! `dotations test`: the report on stdout, its last line, and the exit code.

use std::process::{Command, Output};

mod common;
use common::repo;

/// Runs `dotations test ARGS` from the repository's root.
fn dotations_test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).arg("test").args(args).current_dir(repo()).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn the_runner_examples_pass() {
    let output = dotations_test(&["tests/yaml/runner", "--verbose"]);
    let report = stdout(&output);
    assert!(output.status.success(), "{report}");
    assert!(report.lines().all(|l| l.starts_with("ok    ") || l == report.lines().last().unwrap()), "{report}");
    assert!(report.ends_with(" passed, 0 failed\n"), "{report}");
}

#[test]
fn a_failing_test_is_reported_with_a_non_zero_exit() {
    let dir = std::env::temp_dir().join(format!("dotations-test-command-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("faux.yaml");
    std::fs::write(
        &file,
        "\
- name: Strates, dont une fausse
  period: 2025
  input:
    population: [999, 1_000, 5_000]
  output:
    strate: [1, 3, 3]
- name: Potentiel par habitant
  period: 2025
  input:
    population: 1_000
    potentiel: 700_000
  output:
    potentiel_par_habitant: 700
",
    )
    .unwrap();
    // The small test model of tests/model: its line numbers do not move with the real law.
    let output = dotations_test(&[file.to_str().unwrap(), "--verbose", "--max-depth", "2", "--rules", "tests/model"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output).replace(&dir.display().to_string(), "<dir>");
    assert!(report.ends_with("1 passed, 1 failed\n"), "{report}");
    insta::assert_snapshot!(report);
}

#[test]
fn a_malformed_file_is_located_and_fails() {
    let dir = std::env::temp_dir().join(format!("dotations-test-command-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mal.yaml");
    std::fs::write(&file, "- name: x\n  period: 2025\n  output:\n    strate_demographic: 1\n").unwrap();
    let output = dotations_test(&[file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output).replace(&dir.display().to_string(), "<dir>");
    insta::assert_snapshot!(report);
}

#[test]
fn a_reform_is_found_in_a_parent_directory_whatever_the_test_path() {
    // Named `t.yaml` from its own directory, the test looked for `scenarios/` nowhere.
    let dir = std::env::temp_dir().join(format!("dotations-test-reform-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("scenarios/r.yaml"), "name: r\n").unwrap();
    let test = "- name: t\n  period: 2025\n  reforms: [r]\n  input:\n    population_dgf: 1\n  output:\n    strate_demographique: 1\n";
    std::fs::write(dir.join("sub/t.yaml"), test).unwrap();
    for path in ["t.yaml", "./t.yaml", "../sub/t.yaml"] {
        let output = Command::new(env!("CARGO_BIN_EXE_dotations"))
            .args(["test", path])
            .current_dir(dir.join("sub"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{path}: {}", stdout(&output));
        assert!(stdout(&output).ends_with("1 passed, 0 failed\n"), "{path}: {}", stdout(&output));
    }
}

#[test]
fn a_selection_or_a_filter_that_names_nothing_fails_instead_of_passing_everything() {
    // A typo in --only-variables skipped every output: the run passed, failing tests included.
    let output = dotations_test(&["tests/yaml/runner", "--only-variables", "strate_demographiqu"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: unknown variable `strate_demographiqu`"), "{stderr}");
    assert!(stderr.contains("= note: named in --only-variables"), "{stderr}");
    assert!(stderr.contains("= help: did you mean `strate_demographique`?"), "{stderr}");
    // As OpenFisca: no test selected is a failure.
    let output = dotations_test(&["tests/yaml/runner", "--name-filter", "zzz"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: no test matches --name-filter `zzz`"), "{stderr}");
    assert!(stdout(&output).ends_with("0 passed, 0 failed\n"));
}
