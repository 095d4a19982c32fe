//! End to end on the test model of `tests/model`: the `dotations` binary computes, for six
//! communes, values worked out by hand from that toy model's law.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

mod common;
use common::repo;

/// Runs `dotations compute` on the test model and returns the commune table and national values.
fn compute(year: i32) -> (Vec<HashMap<String, String>>, HashMap<String, String>) {
    let dir = tempdir("test_model");
    let (output, national) = (dir.join("out.csv"), dir.join("nat.csv"));
    let status = Command::new(env!("CARGO_BIN_EXE_dotations"))
        .args(["compute", "--year", &year.to_string(), "--rules"])
        .arg(repo().join("tests/model"))
        .arg("--input")
        .arg(repo().join(format!("tests/model/communes_{year}.csv")))
        .arg("--output")
        .arg(&output)
        .arg("--national")
        .arg(&national)
        .status()
        .expect("run dotations");
    assert!(status.success());
    let mut rows = Vec::new();
    let mut reader = csv_reader(&output);
    let header: Vec<String> = reader.next().unwrap();
    for row in reader {
        rows.push(header.iter().cloned().zip(row).collect());
    }
    let national = csv_reader(&national).skip(1).map(|r| (r[0].clone(), r[1].clone())).collect();
    (rows, national)
}

fn csv_reader(path: &std::path::Path) -> impl Iterator<Item = Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>()).collect::<Vec<_>>().into_iter()
}

pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dotations-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn column(rows: &[HashMap<String, String>], name: &str) -> Vec<f64> {
    rows.iter().map(|r| r[name].parse::<f64>().unwrap_or_else(|_| panic!("{name}: {}", r[name]))).collect()
}

fn close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-9 * e.abs().max(1.0), "{actual:?} != {expected:?}");
    }
}

#[test]
fn every_construct_computes_the_values_worked_out_by_hand() {
    let (rows, national) = compute(2024);
    // Communes A..F: population 500, 800, 2000, 3000, 6000, 900.
    // Scale: < 1 000 → 1, < 5 000 → 2, else 3.
    assert_eq!(column(&rows, "strate"), [1.0, 1.0, 2.0, 2.0, 3.0, 1.0]);
    // Ratio of sums per strate: strate 1 = (250 000 + 800 000 + 1 800 000) / (500 + 800 + 900)
    // = 14 250 / 11; strate 2 = 4 000 000 / 5 000 = 800; strate 3 = 500.
    let s1 = 14_250.0 / 11.0;
    close(&column(&rows, "potentiel_moyen_strate"), &[s1, s1, 800.0, 800.0, 500.0, s1]);
    // Index (rural communes only): strate mean / own potential per inhabitant.
    let indices = [s1 / 500.0, s1 / 1_000.0, 800.0 / 500.0, 0.0, 1.0, s1 / 2_000.0];
    close(&column(&rows, "indice"), &indices);
    // Rank, descending: A (2.59), C (1.6), B (1.30), E (1.0), F (0.65), D (0).
    assert_eq!(column(&rows, "rang"), [1.0, 3.0, 2.0, 6.0, 4.0, 5.0]);
    // The first 3 (parameter of 2024) are eligible.
    assert_eq!(column(&rows, "eligible"), [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    // Dates: created 0001-01-01 → 2023 years; C created on 2024-01-01 is new; E in 2010.
    assert_eq!(column(&rows, "anciennete"), [2023.0, 2023.0, 0.0, 2023.0, 14.0, 2023.0]);
    assert_eq!(column(&rows, "nouvelle"), [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    // Score = population × index × (1 + rate of N-1 = 0.5, not 2024's 0.25).
    let scores = [500.0 * indices[0] * 1.5, 800.0 * indices[1] * 1.5, 2000.0 * 1.6 * 1.5, 0.0, 0.0, 0.0];
    close(&column(&rows, "score"), &scores);
    // Integers truncate: 1943.18 / 7 = 277.6 → 277; 1554.5 / 7 = 222.1 → 222; 4800 / 7 → 685.
    assert_eq!(column(&rows, "points_entiers"), [277.0, 222.0, 685.0, 0.0, 0.0, 0.0]);
    // Distribution of 2 000 with bounds [0.9, 1.2] × last year's amount:
    // A (prev 300) stays within [270, 360]; B (prev 1 000) sits at its floor 900; C is new, so
    // unbounded. 21 375/11·x + 900 + 4 800·x = 2 000 → x = 1 100 × 11 / 74 175 = 484 / 2 967.
    let x = 484.0 / 2_967.0;
    let amounts = [scores[0] * x, 900.0, 4_800.0 * x, 0.0, 0.0, 0.0];
    close(&column(&rows, "montant"), &amounts);
    close(&[national["valeur_point"].parse().unwrap()], &[x]);
    close(&[national["total_verse"].parse().unwrap()], &[2_000.0]);
    assert_eq!(national["enveloppe"], "2000");
    // Evolution over last year's amounts (300, 1 000, 300, 0, 400, 50), then per 30 € truncated
    // toward zero: -100/30 = -3.33 → -3 (not -4); -400/30 → -13; -50/30 → -1.
    let evolution = [amounts[0] - 300.0, -100.0, amounts[2] - 300.0, 0.0, -400.0, -50.0];
    close(&column(&rows, "evolution"), &evolution);
    assert_eq!(column(&rows, "evolution_par_tranche"), [0.0, -3.0, 16.0, 0.0, -13.0, -1.0]);
    // Input columns are written back.
    assert_eq!(rows[2]["categorie_commune"], "rurale");
    assert_eq!(rows[4]["date_creation"], "2010-05-17");
}

#[test]
fn each_column_is_written_once_and_the_output_reads_back() {
    // A variable named twice, or one the table gives as an input of the year, was written
    // twice: a table the tool then refused to read ("column appears twice").
    let dir = tempdir("once");
    let output = dir.join("out.csv");
    let run = |input: PathBuf, output: &PathBuf| {
        Command::new(env!("CARGO_BIN_EXE_dotations"))
            .args([
                "compute",
                "--year",
                "2024",
                "--variables",
                "rang,rang,population,potentiel_par_habitant",
                "--rules",
            ])
            .arg(repo().join("tests/model"))
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(output)
            .output()
            .expect("run dotations")
    };
    assert!(run(repo().join("tests/model/communes_2024.csv"), &output).status.success());
    let header = csv_reader(&output).next().unwrap();
    assert_eq!(header.iter().filter(|h| *h == "rang").count(), 1, "{header:?}");
    assert_eq!(header.iter().filter(|h| *h == "population").count(), 1, "{header:?}");
    // Read back: `potentiel_par_habitant` is now an input, and the columns stay the same.
    let again = dir.join("again.csv");
    let answer = run(output.clone(), &again);
    assert!(answer.status.success(), "{}", String::from_utf8_lossy(&answer.stderr));
    assert_eq!(csv_reader(&again).next().unwrap(), header);
}

#[test]
fn the_parameters_of_a_rule_directory_at_a_date() {
    // `--rules` as for every other command (only `--dir`, the parameter folder, was taken).
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(repo()).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let by_rules = run(&["parameters", "--date", "2024-06-01", "--rules", "tests/model"]);
    assert!(by_rules.contains("\"dotation.enveloppe\": 2000"), "{by_rules}");
    assert_eq!(by_rules, run(&["parameters", "--date", "2024-06-01", "--dir", "tests/model/parameters"]));
}

#[test]
fn national_values_are_written_whether_or_not_the_communes_are() {
    // With --variables of commune variables only, --national wrote a header alone when --output
    // was given too (and the summary's national values when it was not).
    let dir = tempdir("national-with-output");
    let (out, nat) = (dir.join("out.csv"), dir.join("nat.csv"));
    let base = ["compute", "--year", "2024", "--rules", "tests/model", "--input", "tests/model/communes_2024.csv"];
    let mut with_output: Vec<&str> = base.to_vec();
    with_output.extend([
        "--variables",
        "montant",
        "--output",
        out.to_str().unwrap(),
        "--national",
        nat.to_str().unwrap(),
    ]);
    let status = Command::new(env!("CARGO_BIN_EXE_dotations")).args(&with_output).current_dir(repo()).status().unwrap();
    assert!(status.success());
    // `montant` distributes the envelope of 2024 (2 000): the national value it reads.
    assert_eq!(std::fs::read_to_string(&nat).unwrap(), "variable,value\nenveloppe,2000\n");
}

#[test]
fn graph_lists_what_a_formula_reads_with_its_periods() {
    // `score` reads the rate of the year before: the period of a parameter was not shown.
    let output = Command::new(env!("CARGO_BIN_EXE_dotations"))
        .args(["graph", "score", "--inputs", "--rules", "tests/model"])
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    let line = |name: &str| stdout.lines().find(|l| l.trim_start().starts_with(name)).map(str::split_whitespace);
    assert_eq!(line("dotation.taux_majoration").unwrap().collect::<Vec<_>>(), ["dotation.taux_majoration", "[N-1]"]);
    assert_eq!(line("eligible").unwrap().collect::<Vec<_>>(), ["eligible", "[N]"]);
    assert!(stdout.contains("inputs needed ("), "{stdout}");
}
