//! Each class of error gets a precise message with its location and a non-zero exit, never a
//! panic. The rules are the test model of `tests/model` with one mistake made on purpose.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{copy_dir, repo};

/// A copy of the test model in a fresh directory, with `edit` applied to one of its files.
fn broken_model(name: &str, file: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dotations-errors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("tests/model"), &dir);
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    dir
}

/// Runs the binary; returns its stderr with the temporary directory replaced by `<rules>`.
fn fails(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(dir).output().unwrap();
    assert!(!output.status.success(), "expected a failure");
    assert_eq!(output.status.code(), Some(1), "an error exit, not a crash");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.replace(&dir.display().to_string(), "<rules>")
}

fn check(dir: &Path) -> String {
    fails(dir, &["check", "--rules", "."])
}

/// `compute` on the copy's own table, 2024, which must fail; its stderr.
fn compute_fails(dir: &Path) -> String {
    fails(dir, &["compute", "--rules", ".", "--year", "2024", "--input", "communes_2024.csv", "--output", "out.csv"])
}

fn replace(from: &'static str, to: &'static str) -> impl Fn(String) -> String {
    move |text: String| {
        assert!(text.contains(from), "the fixture holds `{from}`");
        text.replacen(from, to, 1)
    }
}

#[test]
fn malformed_yaml_in_a_parameter_file() {
    let dir = broken_model("yaml", "parameters/dotation/enveloppe.yaml", replace("  2024-01-01:\n", "  2024-01-01\n"));
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn unknown_parameter_with_a_suggestion() {
    let dir =
        broken_model("parameter", "formulas/modele.rules", replace("dotation.seuil_rang", "dotation.seuil_rangs"));
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn unknown_variable_with_a_suggestion() {
    let dir = broken_model(
        "variable",
        "formulas/modele.rules",
        replace("ratio(potentiel, population", "ratio(potentiel, populaton"),
    );
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn type_error() {
    let dir = broken_model("type", "formulas/modele.rules", replace("= indice > 0 and rang", "= indice + 0 and rang"));
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn dependency_cycle_shows_its_path() {
    let dir = broken_model(
        "cycle",
        "formulas/modele.rules",
        replace("= ratio(potentiel, population, else 0)", "= ratio(potentiel, population, else 0) + rang"),
    );
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn bad_date_in_a_formula() {
    let dir = broken_model("date", "formulas/modele.rules", replace("from 2023-01-01:", "from 2023-02-30:"));
    insta::assert_snapshot!(check(&dir));
}

#[test]
fn every_mistake_of_a_file_is_reported() {
    let dir = broken_model("three", "formulas/modele.rules", |text| {
        text.replacen("= strates(population)", "= strates(populaton)", 1)
            .replacen("= N - year(date_creation)", "= N - year(date_creation", 1)
            .replacen("rang <= dotation.seuil_rang", "rang <= dotation.seuil", 1)
    });
    let stderr = check(&dir);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 3, "{stderr}");
    insta::assert_snapshot!(stderr);
}

/// The communes table without one of its columns.
fn without_column(column: usize) -> impl Fn(String) -> String {
    move |text: String| {
        text.lines()
            .map(|line| {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells.remove(column);
                cells.join(",") + "\n"
            })
            .collect()
    }
}

#[test]
fn missing_input_column() {
    let dir = broken_model("column", "communes_2024.csv", without_column(2));
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_previous_year_column_says_why_that_year_is_needed() {
    let dir = broken_model("prev", "communes_2024.csv", without_column(6));
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_table_with_a_header_and_no_rows() {
    let dir = broken_model("no-rows", "communes_2024.csv", |text| text.lines().next().unwrap().to_string() + "\n");
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_missing_value_written_nan_is_not_a_number() {
    let dir = broken_model("nan", "communes_2024.csv", replace("B,Beta,800,", "B,Beta,nan,"));
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_fraction_in_an_integer_column_is_an_error() {
    // 500.7 was computed on, and written back as 500.
    let dir = broken_model("fraction", "communes_2024.csv", replace("A,Alpha,500,", "A,Alpha,500.7,"));
    let stderr = compute_fails(&dir);
    assert!(stderr.starts_with("error: row 1, column `population`: `500.7` is not a whole number"), "{stderr}");
}

#[test]
fn an_integer_beyond_64_bits_is_an_error() {
    // 1e20 was stored as the largest 64-bit integer, or wrapped in sums.
    let dir = broken_model("huge", "communes_2024.csv", replace("A,Alpha,500,", "A,Alpha,1e20,"));
    let stderr = compute_fails(&dir);
    assert!(
        stderr.starts_with("error: row 1, column `population`: `1e20` is not a whole number within ±2^63"),
        "{stderr}"
    );
}

#[test]
fn an_eternal_variable_given_twice_is_an_error() {
    // `date_creation__prev` silently replaced `date_creation` (one value for every year).
    let dir = broken_model("eternal", "communes_2024.csv", |text| {
        text.lines()
            .enumerate()
            .map(|(i, line)| format!("{line},{}\n", if i == 0 { "date_creation__prev" } else { "1990-01-01" }))
            .collect()
    });
    let stderr = compute_fails(&dir);
    assert!(stderr.contains("columns `date_creation` and `date_creation__prev` both give `date_creation`"), "{stderr}");
}

#[test]
fn output_and_national_naming_one_file_is_an_error() {
    let dir = broken_model("same-file", "communes_2024.csv", |text| text);
    let args = ["compute", "--rules", ".", "--year", "2024", "--input", "communes_2024.csv"];
    let stderr = fails(&dir, &[&args[..], &["--output", "out.csv", "--national", "out.csv"]].concat());
    assert!(stderr.contains("--output and --national name the same file, out.csv"), "{stderr}");
    assert!(!dir.join("out.csv").exists(), "nothing is written");
}

#[test]
fn a_code_with_blanks_around_it_is_the_same_commune() {
    // `B ` was another commune than `B`: given both, the table was taken.
    let dir = broken_model("blanks", "communes_2024.csv", |text| {
        let beta = text.lines().find(|line| line.starts_with("B,")).unwrap().replacen("B,", "B ,", 1);
        format!("{text}{beta}\n")
    });
    let stderr = compute_fails(&dir);
    assert!(stderr.starts_with("error: row 7: commune `B` appears twice"), "{stderr}");
}

#[test]
fn a_commune_given_twice() {
    let dir = broken_model("twice", "communes_2024.csv", |text| {
        let beta = text.lines().find(|line| line.starts_with("B,")).unwrap().to_string();
        format!("{text}{beta}\n")
    });
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_year_out_of_the_calendar_is_refused_by_every_command() {
    // A year without a January 1 in the calendar panicked in `compute`, `solve` and `sweep`, or
    // gave zeros everywhere (no formula in force).
    for args in [
        &["compute", "--year", "300000"][..],
        &["compute", "--years", "2024..300000"],
        &["solve", "dotation.enveloppe", "--year", "0", "--target", "total(montant) = baseline"],
        &["sweep", "dotation.enveloppe", "1..2", "--steps", "2", "--year=-5"],
        &["explain", "montant", "--commune", "A", "--year", "10000"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("is not a year from 1 to 9999"), "{args:?}: {stderr}");
    }
}

#[test]
fn sweeps_and_searches_beyond_what_a_decimal_holds_are_errors() {
    // Such ranges panicked on a decimal overflow; a trillion steps ran out of memory.
    let dir = broken_model("decimal", "communes_2024.csv", |text| text);
    let data = ["--rules", ".", "--year", "2024", "--input", "communes_2024.csv"];
    let huge = "-70000000000000000000000000000..70000000000000000000000000000";
    // `command`, the data options, then `rest` (a range starting with `-` comes after `--`).
    let run = |command: &str, rest: &[&str]| fails(&dir, &[&[command][..], &data, rest].concat());
    let stderr = run("sweep", &["--steps", "3", "--", "dotation.enveloppe", huge]);
    assert!(stderr.contains("too large to divide"), "{stderr}");
    let stderr = run("sweep", &["dotation.enveloppe", "1..2", "--steps", "1000000000000"]);
    assert!(stderr.contains("--steps is at most 1000000"), "{stderr}");
    let between = format!("--between={huge}");
    // An error of the model at the range's end, not a panic (`fails` checks).
    let stderr = run("solve", &["dotation.enveloppe", "--target", "total(montant) = baseline", &between]);
    assert!(stderr.contains("cannot distribute the budget"), "{stderr}");
}

#[test]
fn a_reader_that_stops_early_ends_the_command_without_a_panic() {
    // Output larger than a pipe's buffer (64 KiB), of which the reader takes 10 bytes, as
    // `dotations parameters … | head -c 10` does: printing the rest panicked.
    let dir = broken_model("pipe", "parameters/index.yaml", |text| text);
    let bulk: String = (0..5_000).map(|i| format!("p{i}:\n  values:\n    2020-01-01:\n      value: {i}\n")).collect();
    std::fs::write(dir.join("parameters/bulk.yaml"), bulk).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dotations"))
        .args(["parameters", "--dir", "parameters", "--date", "2025-01-01"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    // Ended by SIGPIPE, as other tools are, without a word.
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn csv_cell_of_the_wrong_type() {
    let dir = broken_model("cell", "communes_2024.csv", |text| {
        text.replacen("B,Beta,800,", "B,Beta,8OO,", 1).replacen(",urbaine,", ",urbain,", 1)
    });
    let stderr = compute_fails(&dir);
    insta::assert_snapshot!(stderr);
}

#[test]
fn unknown_variable_on_the_command_line() {
    let dir = broken_model("cli", "communes_2024.csv", |text| text);
    let stderr = fails(
        &dir,
        &["compute", "--rules", ".", "--year", "2024", "--input", "communes_2024.csv", "--variables", "montan"],
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_full_disk_while_writing_is_an_error_not_a_hang() {
    // The formatters stop when the writing stops: the command ends with the system's reason.
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    let stderr = fails(&std::env::temp_dir(), &["compute", "--year", "2025", "--output", "/dev/full"]);
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

#[test]
fn one_mistake_is_one_error_not_a_cascade() {
    // A syntax error in `score`'s formula: its readers (`points_entiers`, `valeur_point`,
    // `montant`) each said "unknown variable `score`".
    let dir =
        broken_model("cascade", "formulas/modele.rules", replace("population * indice *", "population * * indice *"));
    let stderr = check(&dir);
    assert!(stderr.starts_with("error: syntax error"), "{stderr}");
    assert!(stderr.contains("formulas/modele.rules:55:"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    // A `let` with a mistake: its readers said its name was unknown, or read a parameter node of
    // that name.
    let dir = broken_model("let", "formulas/modele.rules", |text| {
        text.replace("  = score / 7\n", "  = let dotation = score / sept\n    dotation * 1\n")
    });
    let stderr = check(&dir);
    assert!(stderr.starts_with("error: unknown variable `sept`"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
}

#[test]
fn a_parameter_file_in_error_does_not_hide_the_formulas_errors() {
    let dir = broken_model("both", "parameters/dotation/enveloppe.yaml", replace("  2024-01-01:\n", "  2024-01-01\n"));
    let formulas = dir.join("formulas/modele.rules");
    let text = std::fs::read_to_string(&formulas).unwrap().replace("  = score / 7\n", "  = scor / 7\n");
    std::fs::write(&formulas, text).unwrap();
    let stderr = check(&dir);
    assert!(stderr.contains("parameters/dotation/enveloppe.yaml:"), "{stderr}");
    assert!(stderr.contains("error: unknown variable `scor`"), "{stderr}");
}

#[test]
fn a_cycle_is_reported_once() {
    // `montant` read by `score`: the cycle showed in each period of formulas it spans.
    let dir =
        broken_model("cycle-once", "formulas/modele.rules", replace("population * indice *", "montant * indice *"));
    let stderr = check(&dir);
    assert_eq!(stderr.matches("error: dependency cycle").count(), 1, "{stderr}");
}

#[test]
fn a_misspelt_column_is_warned_about() {
    // Its values were not used, and nothing said why the variable was missing.
    let dir = broken_model("misspelt", "communes_2024.csv", replace("montant__prev", "montnt__prev"));
    let stderr = compute_fails(&dir);
    assert!(
        stderr.starts_with(
            "warning: column `montnt__prev` is no variable of the model: its values are not used\n --> communes_2024.csv:1:69\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("= help: did you mean `montant__prev`?"), "{stderr}");
}

#[test]
fn check_reads_the_summary_table_too() {
    // A variable renamed in the rules and not in `synthese.yaml` passed `check`, and failed
    // `compute`.
    let dir = std::env::temp_dir().join(format!("dotations-errors-summary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("parameters"), &dir.join("parameters"));
    copy_dir(&repo().join("formulas"), &dir.join("formulas"));
    let summary = dir.join("formulas/synthese.yaml");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("amount: dsr_fraction_perequation\n"), "the fixture names it");
    std::fs::write(&summary, text.replace("amount: dsr_fraction_perequation\n", "amount: dsr_fraction_perequaton\n"))
        .unwrap();
    let stderr = check(&dir);
    assert!(stderr.starts_with("error: unknown variable `dsr_fraction_perequaton`"), "{stderr}");
    assert!(stderr.contains("synthese.yaml"), "{stderr}");
}
