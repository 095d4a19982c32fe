//! `dotations docs`: the site is written where asked, from a rule directory or the embedded rules,
//! and a directory holding other files is never overwritten.

use std::process::{Command, Output};

mod common;
use common::repo;

fn docs(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).arg("docs").args(args).output().expect("run dotations")
}

#[test]
fn writes_the_site_of_a_rule_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let rules = repo().join("tests/model");
    let output = docs(&["--out".as_ref(), out.as_os_str(), "--rules".as_ref(), rules.as_os_str()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout).replace(&*out.display().to_string(), "OUT");
    insta::assert_snapshot!("docs_of_the_test_model", stdout);
    let score = std::fs::read_to_string(out.join("variables/score.html")).unwrap();
    assert!(score.contains("<a href=\"../sources/modele.rules.html#L55\">formulas/modele.rules:55</a>"));
    assert!(out.join("recherche-index.js").is_file() && out.join("style.css").is_file());

    // Run again: the directory is one the command generated, so it is replaced.
    let again = docs(&["--out".as_ref(), out.as_os_str(), "--rules".as_ref(), rules.as_os_str()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

#[test]
fn writes_the_site_of_the_embedded_rules() {
    let dir = tempfile::tempdir().unwrap();
    let output = docs(&["--out".as_ref(), dir.path().as_os_str()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = std::fs::read_to_string(dir.path().join("variables/dsu_montant.html")).unwrap();
    assert!(page.contains("<a href=\"../sources/dsu.rules.html#L"));
}

#[test]
fn refuses_a_directory_of_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rapport.odt"), "mine").unwrap();
    let output = docs(&["--out".as_ref(), dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&*dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!("docs_refuses_a_directory_of_other_files", stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("rapport.odt")).unwrap(), "mine");
}

#[test]
fn reports_errors_of_the_rules_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("regles");
    std::fs::create_dir_all(rules.join("parameters")).unwrap();
    std::fs::create_dir_all(rules.join("formulas")).unwrap();
    std::fs::write(
        rules.join("formulas/a.rules"),
        "entity commune plural communes\nvariable x : number, per commune, yearly\n  = y + 1\n",
    )
    .unwrap();
    let out = dir.path().join("site");
    let output = docs(&["--out".as_ref(), out.as_os_str(), "--rules".as_ref(), rules.as_os_str()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown variable `y`"), "{stderr}");
    assert!(stderr.contains("formulas/a.rules:3:5"), "{stderr}");
    assert!(!out.exists(), "nothing is written when the rules do not compile");
}
