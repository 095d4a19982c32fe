//! DGCL criteria files read as published, end to end: the fixture of `tests/dgcl` (six communes
//! in the DGCL's 2024 and 2025 layouts) through the mapping files of `data/dgcl`, computed and
//! compared; and every class of error, located.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::repo;

/// A fresh directory holding copies of the fixture files and of the mapping files (`dgcl/`).
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dotations-dgcl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("dgcl")).unwrap();
    for year in [2024, 2025] {
        let file = format!("criteres_repartition_{year}.csv");
        std::fs::copy(repo().join("tests/dgcl").join(&file), dir.join(&file)).unwrap();
    }
    for year in [2024, 2025, 2026] {
        let file = format!("{year}.yaml");
        std::fs::copy(repo().join("data/dgcl").join(&file), dir.join("dgcl").join(&file)).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(dir).output().unwrap()
}

/// Runs a command that must fail with an error exit; returns its stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let output = run(dir, args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "an error exit, not a crash: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

const COMPUTE_2025: [&str; 7] = [
    "compute",
    "--year",
    "2025",
    "--dgcl",
    "criteres_repartition_2025.csv",
    "--dgcl-prev",
    "criteres_repartition_2024.csv",
];

/// The output table by commune code, then column.
fn rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader
        .records()
        .map(|r| {
            let row: HashMap<String, String> =
                header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect();
            (row["code_insee"].clone(), row)
        })
        .collect()
}

fn number(rows: &HashMap<String, HashMap<String, String>>, code: &str, column: &str) -> f64 {
    rows[code][column].parse().unwrap_or_else(|_| panic!("{code} {column}: {}", rows[code][column]))
}

#[test]
fn a_dgcl_file_is_read_converted_derived_and_computed() {
    let dir = workdir("read");
    let mut args = COMPUTE_2025.to_vec();
    args.extend(["--output", "out.csv"]);
    let output = run(&dir, &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows = rows(&dir.join("out.csv"));
    // Decimal commas, percentages, OUI/NON, codes → enumeration items.
    assert_eq!(number(&rows, "01004", "superficie"), 2466.12);
    assert_eq!(number(&rows, "01004", "effort_fiscal"), 1.0321);
    assert_eq!(number(&rows, "01004", "part_population_canton"), 0.5421);
    assert_eq!(rows["01002"]["zone_de_montagne"], "1");
    assert_eq!(rows["01004"]["zone_de_montagne"], "0");
    assert_eq!(rows["01002"]["frr"], "1");
    assert_eq!(rows["01002"]["grille_densite_insee"], "rural_habitat_tres_disperse");
    assert_eq!(rows["01053"]["grille_densite_insee"], "grand_centre_urbain");
    // An empty QPV cell is 0, as the mapping says.
    assert_eq!(number(&rows, "01002", "population_qpv"), 0.0);
    // Derived: outre-mer from the code, chef-lieu from the canton's chief town code, its
    // population by a self-join, the largest commune of the agglomeration by grouping.
    assert_eq!(rows["97101"]["outre_mer"], "1");
    assert_eq!(rows["01004"]["outre_mer"], "0");
    assert_eq!(rows["01004"]["chef_lieu_de_canton"], "1");
    assert_eq!(rows["01002"]["chef_lieu_de_canton"], "0");
    assert_eq!(number(&rows, "01002", "population_dgf_chef_lieu_de_canton"), 15_112.0);
    assert_eq!(number(&rows, "01451", "population_dgf_chef_lieu_de_canton"), 42_188.0);
    assert_eq!(number(&rows, "01451", "population_dgf_maximum_commune_agglomeration"), 42_188.0);
    assert_eq!(number(&rows, "01053", "population_dgf_maximum_commune_agglomeration"), 42_188.0);
    assert_eq!(number(&rows, "01004", "population_dgf_maximum_commune_agglomeration"), 15_112.0);
    assert_eq!(number(&rows, "01002", "population_dgf_maximum_commune_agglomeration"), 0.0);
    // The previous-year block, from the 2024 file: published amounts, and derivations.
    assert_eq!(number(&rows, "01004", "dotation_forfaitaire__prev"), 1_612_345.0);
    assert_eq!(number(&rows, "01004", "dsu_montant_eligible__prev"), 1_298_765.0 + 88_889.0);
    assert_eq!(number(&rows, "01451", "dsr_montant_eligible_fraction_perequation__prev"), 116_209.86);
    assert_eq!(number(&rows, "01093", "dsr_montant_eligible_fraction_perequation__prev"), 0.0);
    // The dotation forfaitaire of a commune that is not écrêtée, by hand: last year's amount
    // plus the part dynamique, (64.46 + 64.47 × log10(15 112 / 500) / log10(400)) × (15 112 −
    // 15 031) = 101.14… × 81 = 8 192.7 → 8 192 (an integer variable, truncated).
    assert_eq!(number(&rows, "01004", "df_evolution_part_dynamique"), 8_192.0);
    assert_eq!(number(&rows, "01004", "dotation_forfaitaire"), 1_612_345.0 + 8_192.0);
    // Viriat is écrêtée; among six communes, its share of the national écrêtement is capped
    // at 1 % of its real operating revenue: 1 % × 6 234 567.8 = 62 345.68 → 62 345.
    assert_eq!(number(&rows, "01451", "df_montant_ecretement"), 62_345.0);
}

#[test]
fn compare_counts_the_communes_that_match_the_published_amounts() {
    let dir = workdir("compare");
    let mut args = COMPUTE_2025.to_vec();
    args[0] = "compare";
    args.extend(["--top", "2", "--output", "gaps.csv"]);
    let output = run(&dir, &args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = &stdout[stdout.find("DGCL 2025 against the engine").unwrap()..];
    insta::assert_snapshot!(table.replace(&dir.display().to_string(), "<dir>"));
    let gaps = std::fs::read_to_string(dir.join("gaps.csv")).unwrap();
    assert!(gaps.contains("01451,dotation_forfaitaire,483802,445333,-38469"), "{gaps}");
    // An index as published and as computed, not rounded to 0.41 and 0.70.
    assert!(gaps.contains("01002,indice_synthetique_dsr_cible,0.409876,0.6999999066512828,"), "{gaps}");
}

#[test]
fn without_the_previous_file_the_missing_values_are_named_with_their_source() {
    let dir = workdir("noprev");
    insta::assert_snapshot!(fails(&dir, &COMPUTE_2025[..5]));
}

#[test]
fn a_column_of_the_mapping_missing_from_the_file_suggests_the_closest_header() {
    let dir = workdir("missing");
    edit(
        &dir.join("criteres_repartition_2025.csv"),
        "Superficie de l'année N (en Ha)",
        "Superficie de l'année N (en ha)",
    );
    insta::assert_snapshot!(fails(&dir, &[&COMPUTE_2025[..], &["--dgcl-mapping", "dgcl"]].concat()));
}

#[test]
fn a_value_of_the_mapping_that_is_no_finite_number_is_an_error() {
    // `nan` was taken for a number: every commune computed with NaN, and the run succeeded.
    let dir = workdir("nan");
    edit(&dir.join("dgcl/2025.yaml"), "not_provided: 0", "not_provided: nan");
    let stderr = fails(&dir, &[&COMPUTE_2025[..], &["--dgcl-mapping", "dgcl"]].concat());
    assert!(stderr.contains("dgcl/2025.yaml:"), "{stderr}");
    assert!(stderr.contains("`nan`"), "{stderr}");
}

#[test]
fn a_cell_that_cannot_be_converted_is_located() {
    let dir = workdir("cell");
    // Ambérieu's mountain-zone cell (OUI/NON) and Viriat's revenue.
    let path = dir.join("criteres_repartition_2025.csv");
    edit(&path, ",NON,NON,2512,", ",PEUT-ETRE,NON,2512,");
    edit(&path, ",103456789,", ",\"103,456,789\",");
    insta::assert_snapshot!(fails(&dir, &COMPUTE_2025));
}

#[test]
fn a_cell_read_for_several_variables_is_one_error() {
    // Viriat's population DGF is read for three variables: the same cell was reported thrice.
    let dir = workdir("cell-once");
    edit(
        &dir.join("criteres_repartition_2025.csv"),
        "Viriat,CA du Bassin de Bourg-en-Bresse,6335,6398,",
        "Viriat,CA du Bassin de Bourg-en-Bresse,6335,12x,",
    );
    let stderr = fails(&dir, &COMPUTE_2025);
    assert_eq!(stderr.matches("`12x`").count(), 1, "{stderr}");
    assert!(stderr.contains("--> criteres_repartition_2025.csv:5:5"), "{stderr}");
}

#[test]
fn mistakes_in_a_mapping_file_are_located_with_suggestions() {
    let dir = workdir("mapping");
    let path = dir.join("dgcl/2025.yaml");
    edit(&path, "  superficie:\n", "  superficy:\n");
    edit(&path, "    type: percent\n", "    type: pourcent\n");
    edit(&path, "      \"5\": bourg_rural\n", "      \"5\": bourg_ruarl\n");
    edit(&path, "    empty: 0\n", "    emtpy: 0\n");
    insta::assert_snapshot!(fails(&dir, &[&COMPUTE_2025[..], &["--dgcl-mapping", "dgcl"]].concat()));
}

#[test]
fn a_column_the_mapping_does_not_know_is_a_warning() {
    let dir = workdir("unknown");
    let path = dir.join("criteres_repartition_2025.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[0].push_str(",Dotation nationale de péréquation - Montant total réparti");
    for line in &mut lines[1..] {
        line.push_str(",0");
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let output = run(&dir, &[&COMPUTE_2025[..], &["--output", "out.csv"]].concat());
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stderr).unwrap());
}
