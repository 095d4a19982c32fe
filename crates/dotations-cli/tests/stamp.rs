//! Reproducibility stamps: every CSV written has its stamp beside it (`OUT.csv.stamp.json`) and
//! JSON answers carry one; the stamp changes when a rule file or an input changes, and not
//! otherwise (not when the same rules are read from another directory).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{copy_dir, repo};

/// A working directory holding a copy of the test model (`rules/`) and its input
/// (`communes.csv`), so that every path in a stamp is relative.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/model"), &dir.path().join("rules"));
    std::fs::copy(repo().join("tests/model/communes_2024.csv"), dir.path().join("communes.csv")).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(dir).output().unwrap();
    assert!(output.status.success(), "{args:?}\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Computes the test model with `rules` and `input`, and returns the stamp of `out.csv`.
fn compute(dir: &Path, rules: &str, input: &str) -> Value {
    run(dir, &["compute", "--year", "2024", "--rules", rules, "--input", input, "--output", "out.csv"]);
    sidecar(&dir.join("out.csv"))
}

fn sidecar(csv: &Path) -> Value {
    let mut name = csv.as_os_str().to_os_string();
    name.push(".stamp.json");
    serde_json::from_str(&std::fs::read_to_string(PathBuf::from(name)).expect("the stamp is beside the CSV")).unwrap()
}

fn rules_hash(stamp: &Value) -> &str {
    stamp["rules"]["blake3"].as_str().unwrap()
}

fn inputs_hashes(stamp: &Value) -> Vec<&str> {
    stamp["inputs"].as_array().unwrap().iter().map(|i| i["blake3"].as_str().unwrap()).collect()
}

/// The sidecar's text with what differs between machines and commits replaced by its kind.
fn redacted(text: &str) -> String {
    let mut lines = Vec::new();
    let mut after_command = false;
    for line in text.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let field = |name: &str, what: &str| {
            let comma = if line.ends_with(',') { "," } else { "" };
            format!("{indent}\"{name}\": \"<{what}>\"{comma}")
        };
        let redacted = match line.trim_start().split(':').next().unwrap_or_default() {
            "\"blake3\"" => field("blake3", "64 hex digits"),
            "\"commit\"" => field("commit", "git commit"),
            "\"version\"" => field("version", "crate version"),
            _ if after_command => format!("{indent}\"dotations\","),
            _ => line.to_string(),
        };
        after_command = line.trim_start() == "\"command\": [";
        lines.push(redacted);
    }
    lines.join("\n")
}

#[test]
fn compute_writes_a_stamp_beside_each_csv() {
    let dir = workspace();
    let path = dir.path();
    run(
        path,
        &[
            "compute",
            "--year",
            "2024",
            "--rules",
            "rules",
            "--input",
            "communes.csv",
            "--output",
            "out.csv",
            "--national",
            "nat.csv",
        ],
    );
    let (output, national) = (sidecar(&path.join("out.csv")), sidecar(&path.join("nat.csv")));
    assert_eq!(output["output"], "out.csv");
    assert_eq!(national["output"], "nat.csv");
    assert_eq!(output["rules"], national["rules"]);
    assert_eq!(output["inputs"], national["inputs"]);
    assert_eq!(output["engine"]["version"], env!("CARGO_PKG_VERSION"));
    let commit = output["engine"]["commit"].as_str().unwrap();
    assert!(commit == "unknown" || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{commit}");
    // The CSV stays a plain CSV.
    assert!(std::fs::read_to_string(path.join("out.csv")).unwrap().starts_with("code_insee,"));
    insta::assert_snapshot!(redacted(&std::fs::read_to_string(path.join("out.csv.stamp.json")).unwrap()));
}

#[test]
fn the_stamp_changes_with_a_rule_file_or_the_input_and_not_otherwise() {
    let dir = workspace();
    let path = dir.path();
    let first = compute(path, "rules", "communes.csv");
    assert_eq!(first["rules"]["files"], 8, "6 parameter files and the formulas: {first}");
    // Again: the same stamp.
    assert_eq!(compute(path, "rules", "communes.csv")["rules"], first["rules"]);
    // The same files in another directory: the same rules hash (paths are relative to it).
    copy_dir(&path.join("rules"), &path.join("elsewhere"));
    let moved = compute(path, "elsewhere", "communes.csv");
    assert_eq!(rules_hash(&moved), rules_hash(&first));
    assert_eq!(moved["rules"]["source"], "elsewhere");
    // A parameter changed: the rules hash changes, the inputs' does not.
    let envelope = path.join("elsewhere/parameters/dotation/enveloppe.yaml");
    let text = std::fs::read_to_string(&envelope).unwrap().replace("value: 2_000", "value: 2_100");
    std::fs::write(&envelope, text).unwrap();
    let changed_rules = compute(path, "elsewhere", "communes.csv");
    assert_ne!(rules_hash(&changed_rules), rules_hash(&first));
    assert_eq!(inputs_hashes(&changed_rules), inputs_hashes(&first));
    // An input changed: the inputs hash changes, the rules' does not.
    let text = std::fs::read_to_string(path.join("communes.csv")).unwrap().replace("A,Alpha,500,", "A,Alpha,510,");
    std::fs::write(path.join("changed.csv"), text).unwrap();
    let changed_input = compute(path, "rules", "changed.csv");
    assert_eq!(rules_hash(&changed_input), rules_hash(&first));
    assert_ne!(inputs_hashes(&changed_input), inputs_hashes(&first));
}

#[test]
fn scenario_sweep_and_explain_carry_the_same_stamp() {
    let dir = workspace();
    let path = dir.path();
    let computed = compute(path, "rules", "communes.csv");
    let scenario = repo().join("tests/model/scenarios/quatre_eligibles.yaml");
    std::fs::copy(&scenario, path.join("scenario.yaml")).unwrap();
    run(path, &["scenario", "scenario.yaml", "--rules", "rules", "--input", "communes.csv", "--output", "impact.csv"]);
    let impact = sidecar(&path.join("impact.csv"));
    assert_eq!(impact["rules"], computed["rules"]);
    // The scenario file is an input of its result.
    let sources: Vec<&str> =
        impact["inputs"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["communes.csv", "scenario.yaml"]);
    assert_eq!(impact["inputs"][0], computed["inputs"][0]);

    let args = ["--rules", "rules", "--input", "communes.csv", "--year", "2024"];
    run(
        path,
        &[
            &[
                "sweep",
                "dotation.enveloppe",
                "1800..2200",
                "--steps",
                "3",
                "--variables",
                "montant",
                "--output",
                "sweep.csv",
            ],
            &args[..],
        ]
        .concat(),
    );
    let sweep = sidecar(&path.join("sweep.csv"));
    assert_eq!((&sweep["rules"], &sweep["inputs"]), (&computed["rules"], &computed["inputs"]));

    let json = run(path, &[&["explain", "--commune", "B", "montant", "--json"], &args[..]].concat());
    let explanation: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(explanation["variable"], "montant", "the explanation's own fields stay");
    let stamp = &explanation["stamp"];
    assert_eq!(
        (&stamp["rules"], &stamp["inputs"], &stamp["engine"]),
        (&computed["rules"], &computed["inputs"], &computed["engine"])
    );
}

#[test]
fn the_embedded_data_is_stamped_by_year() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["compute", "--year", "2025", "--variables", "dsu_montant", "--output", "dsu.csv"]);
    let stamp = sidecar(&dir.path().join("dsu.csv"));
    assert_eq!(stamp["inputs"][0]["source"], "embedded:2025");
    assert_eq!(stamp["rules"]["source"], "embedded");
    // The embedded law is the repository's: read from the directory, it hashes the same.
    run(
        dir.path(),
        &["compute", "--year", "2025", "--variables", "dsu_montant", "--output", "dir.csv", "--rules"]
            .iter()
            .map(|s| s.to_string())
            .chain([repo().display().to_string()])
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(sidecar(&dir.path().join("dir.csv"))["rules"]["blake3"], stamp["rules"]["blake3"]);
}

#[test]
fn an_existing_output_is_replaced_and_a_link_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let args = ["compute", "--year", "2025", "--variables", "dsu_montant", "--output"];
    // A longer file than the output: nothing of it may remain.
    std::fs::write(path.join("dsu.csv"), "x".repeat(20_000_000)).unwrap();
    run(path, &[&args[..], &["dsu.csv"]].concat());
    let written = std::fs::read_to_string(path.join("dsu.csv")).unwrap();
    assert!(written.starts_with("code_insee,"), "{}", &written[..40]);
    assert!(!written.contains("xxx"));
    assert_eq!(written.lines().count(), 35_001, "a header and a line per commune");
    // Through a link: the link stays, its target holds the table.
    #[cfg(unix)]
    {
        std::fs::write(path.join("target.csv"), "old").unwrap();
        std::os::unix::fs::symlink(path.join("target.csv"), path.join("link.csv")).unwrap();
        run(path, &[&args[..], &["link.csv"]].concat());
        assert!(std::fs::symlink_metadata(path.join("link.csv")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(path.join("target.csv")).unwrap(), written);
    }
}
