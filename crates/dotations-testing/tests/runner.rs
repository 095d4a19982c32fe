//! The runner on the small test model of `tests/model` (six communes' worth of every language
//! construct, values computable by hand): the format's features, a failing test's report, and
//! each class of mistake in a test file.

use std::path::Path;
use std::sync::OnceLock;

use dotations_engine::Model;
use dotations_testing::{format::parse_file, Options, Runner, Selection};

/// The test model, named relative to this crate's directory (where cargo runs tests) so that
/// the locations in snapshots do not depend on the checkout.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| dotations_rules::load(Some(Path::new("../../tests/model"))).expect("the test model compiles"))
}

/// The report of one test file's text.
fn report_with(text: &str, options: Options) -> String {
    let file = parse_file("t.yaml", text);
    let verbose = options.verbose;
    Runner::new(model(), None, options).run_files(&[file]).render(verbose)
}

fn report(text: &str) -> String {
    report_with(text, Options::default())
}

fn verbose_report(text: &str) -> String {
    report_with(text, Options { verbose: true, ..Options::default() })
}

fn passes(text: &str) {
    let report = report(text);
    assert!(report.ends_with(" passed, 0 failed\n"), "{report}");
}

#[test]
fn variables_at_the_top_give_one_commune_per_list_element() {
    // Strates: [0, 1000) → 1, [1000, 5000) → 2, ≥ 5000 → 3. Means per strate (ratio of sums):
    // strate 1 = (250 000 + 800 000) / (500 + 800) = 807.69…; strate 2 = 4 000 000 / 5 000 = 800.
    passes(
        "
- name: strates et moyennes
  period: 2024
  input:
    population: [500, 800, 2000, 3000]
    potentiel: [250_000, 800_000, 1e6, 3_000_000]
  output:
    strate: [1, 1, 2, 2]
    potentiel_par_habitant: [500, 1000, 500, 1000]
    potentiel_moyen_strate: ['1_050_000 / 1_300', '1_050_000 / 1_300', 800, 800]
",
    );
}

#[test]
fn a_single_test_a_scalar_and_a_month_period() {
    passes(
        "
name: une commune
period: 2024-01
input:
  population: 6000
  categorie_commune: rurale
  date_creation: 2010-05-17
output:
  strate: 3
  anciennete: 14
  nouvelle: false
",
    );
}

#[test]
fn values_per_period_and_tests_without_a_period() {
    // `score` reads the rate of N-1: 0.5 until 2024, 0.25 from 2024 (read for 2025).
    passes(
        "
- name: par période
  input:
    population: {2024: [500, 800], 2025: [1000, 5000]}
    date_creation: {ETERNITY: [2024-03-01, 0001-01-01]}
  output:
    strate:
      2024: [1, 1]
      2025: [2, 3]
    nouvelle:
      2024: [true, false]
      2025: false
",
    );
}

#[test]
fn explicit_communes_and_etats() {
    // `total_verse` sums per État; two États here, and a commune in none gets its own.
    passes(
        "
- name: entités explicites
  period: 2024
  input:
    communes:
      a: {population: 500, potentiel: 100}
      b: {population: 800}
      c: {population: 6000}
    etats:
      nord:
        communes: [a, b]
  output:
    strate: [1, 1, 3]
    communes:
      c: {strate: 3}
    etat:
      enveloppe: 2000
",
    );
}

#[test]
fn a_failing_test_names_each_differing_commune() {
    insta::assert_snapshot!(report(
        "
- name: strates fausses
  period: 2024
  absolute_error_margin:
    default: 0
    potentiel_par_habitant: 0.5
  input:
    population: [500, 800, 2000, 3000]
    potentiel: [250_000, 800_000, 1e6, 3_000_000]
  output:
    strate: [1, 2, 2, 3]
    potentiel_par_habitant: [500.4, 1001, 500, 1000]
    nouvelle: [false, true, false, false]
- name: juste
  period: 2024
  input:
    population: 10
  output:
    strate: 1
"
    ));
}

#[test]
fn relative_margins_and_arithmetic() {
    insta::assert_snapshot!(report(
        "
- name: marge relative
  period: 2024
  relative_error_margin: 0.01
  input:
    population: [100, 200]
    potentiel: [1000, 2000]
  output:
    potentiel_par_habitant: [10.09, '9 * 1.1']
"
    ));
}

#[test]
fn verbose_shows_how_a_differing_value_was_computed() {
    insta::assert_snapshot!(verbose_report(
        "
- name: indice
  period: 2024
  input:
    population: [500, 800]
    potentiel: [250_000, 800_000]
    categorie_commune: [rurale, urbaine]
  output:
    strate: [1, 1]
    indice: [2, 0]
- name: passe
  period: 2024
  input:
    population: 1
  output:
    strate: 1
"
    ));
}

/// A model whose variable adds this year's `base` to its own value of last year.
fn cumulative_model() -> Model {
    let rules = dotations_diagnostics::SourceText::new(
        "cumul.rules",
        "
entity commune plural communes
group etat of commune plural etats
variable base : number, per commune, yearly
variable cumul : number, per commune, yearly
  = (cumul[N-1] otherwise 0) + base
",
    );
    let parameters = dotations_params::ParameterTree::from_files(vec![], "parameters").unwrap();
    Model::compile(vec![rules], parameters).unwrap()
}

#[test]
fn values_computed_for_an_output_are_kept_for_the_next_ones() {
    // As an OpenFisca simulation caches what it computes: once `cumul` is computed for 2023,
    // its value is last year's for 2024. Asked alone, 2024 does not see it (OpenFisca's spiral
    // rule gives 0 there, as `otherwise` does here).
    let model = cumulative_model();
    let run = |text: &str| {
        Runner::new(&model, None, Options::default()).run_files(&[parse_file("t.yaml", text)]).render(false)
    };
    let inputs = "input: {base: {2023: 1, 2024: 2}}";
    assert_eq!(run(&format!("{inputs}\noutput: {{cumul: {{2023: 1, 2024: 3}}}}\n")), "1 passed, 0 failed\n");
    assert_eq!(run(&format!("{inputs}\noutput: {{cumul: {{2024: 2}}}}\n")), "1 passed, 0 failed\n");
}

#[test]
fn verbose_on_an_etat_lists_the_values_of_its_communes() {
    let report = verbose_report(
        "
- name: total
  period: 2024
  input:
    communes:
      a: {population: 500, potentiel: 250_000, categorie_commune: rurale}
      b: {population: 800, potentiel: 800_000, categorie_commune: rurale}
    etats:
      france: {communes: [a, b]}
  output:
    etats:
      france: {total_verse: 1}
",
    );
    assert!(report.contains("total_verse [2024]: 1 of 1 etat differs"), "{report}");
    assert!(report.contains("\"france\"  1         2000    +1999"), "{report}");
    assert!(report.contains("montant [2024] = [1111.111111111111, 888.8888888888889] (its communes)"), "{report}");
}

#[test]
fn only_and_ignore_variables() {
    let text = "
- name: sélection
  period: 2024
  ignore_variables: [strate]
  input:
    population: [500]
  output:
    strate: 3
    nouvelle: true
";
    let report = report(text);
    assert!(report.contains("nouvelle [2024]"), "{report}");
    assert!(!report.contains("strate [2024]"), "{report}");
    let options =
        Options { selection: Selection { only: Some(vec!["strate".into()]), ignore: vec![] }, ..Options::default() };
    assert_eq!(report_with(text, options), "1 passed, 0 failed\n", "strate is ignored, nouvelle not selected");
}

#[test]
fn name_filter_matches_names_keywords_and_file_names() {
    let text = "
- name: alpha
  period: 2024
  output: {strate: 1}
- name: beta
  keywords: [rapide]
  period: 2024
  output: {strate: 1}
";
    let run = |filter: &str| {
        let options = Options { name_filter: Some(filter.into()), ..Options::default() };
        report_with(text, options)
    };
    assert_eq!(run("alp"), "1 passed, 0 failed\n");
    assert_eq!(run("rapide"), "1 passed, 0 failed\n");
    assert_eq!(run("t"), "2 passed, 0 failed\n", "the file is t.yaml");
    assert_eq!(run("zzz"), "0 passed, 0 failed\n");
}

#[test]
fn what_openfisca_s_loader_reads_otherwise_is_refused_not_guessed() {
    // A second document was dropped: its failing test never ran.
    let got = report(
        "- name: a\n  period: 2024\n  output: {strate: 1}\n---\n- name: b\n  period: 2024\n  output: {strate: 3}\n",
    );
    assert!(got.contains("error: this file holds a second YAML document\n   --> t.yaml:4:1"), "{got}");
    assert!(got.ends_with("0 passed, 1 failed\n"), "{got}");
    // PyYAML reads `010` as 8, `0x10` as 16, `1:40` as 100: this reader used to take 10, or fail.
    for (written, read) in
        [("010", "the octal number 8"), ("0x10", "the hexadecimal number 16"), ("1:40", "the sexagesimal number 100")]
    {
        let got = report(&format!(
            "- name: a\n  period: 2024\n  input: {{population: {written}}}\n  output: {{strate: 1}}\n"
        ));
        assert!(
            got.contains(&format!("error: `{written}` is ambiguous: OpenFisca's YAML loader reads it as {read}")),
            "{got}"
        );
        assert!(got.contains("--> t.yaml:3:23"), "{got}");
    }
    // A year from March is no calendar year; `max_spiral_loops` other than 1 would change results.
    let got = report("- name: a\n  period: year:2024-03\n  output: {strate: 1}\n- name: b\n  period: 2024\n  max_spiral_loops: 2\n  output: {strate: 1}\n");
    assert!(got.contains("error: the text \"year:2024-03\" is not a period\n   --> t.yaml:2:11"), "{got}");
    assert!(
        got.contains("error: `max_spiral_loops: 2` is not supported: this engine applies OpenFisca's default, 1"),
        "{got}"
    );
    assert!(got.ends_with("0 passed, 2 failed\n"), "{got}");
}

#[test]
fn a_misspelt_role_is_named_as_the_role() {
    // It was an unknown variable, with a did-you-mean of a variable.
    let got = report("- name: a\n  period: 2024\n  input:\n    communes: {a: {}}\n    etats: {e: {commune: [a]}}\n  output: {strate: 1}\n");
    assert!(got.contains("error: unknown key `commune` in an item of `etats`\n   --> t.yaml:5:17"), "{got}");
    assert!(got.contains("= help: did you mean `communes`?"), "{got}");
}

#[test]
fn an_integer_input_beyond_64_bits_is_refused() {
    let got = report("- name: a\n  period: 2024\n  input: {population: 1e20}\n  output: {strate: 3}\n");
    assert!(
        got.contains("error: `population` is an integer variable; 1e20 is beyond the range of its integers (±2^63)"),
        "{got}"
    );
}

#[test]
fn what_openfisca_accepts_and_this_reader_refused() {
    // A byte-order mark, an empty margin (no margin), `max_spiral_loops: 1` (the default).
    passes("\u{feff}- name: a\n  period: 2024\n  max_spiral_loops: 1\n  absolute_error_margin: ~\n  relative_error_margin: {default: ~, strate: 0}\n  input: {population: 500}\n  output: {strate: 1}\n");
    let got = report(
        "- name: a\n  period: 2024\n  absolute_error_margin: ~\n  input: {population: 500}\n  output: {strate: 2}\n",
    );
    assert!(got.contains("strate [2024]: 1 of 1 commune differs (absolute margin 0)"), "{got}");
}

#[test]
fn mistakes_in_the_structure_of_a_test() {
    insta::assert_snapshot!(report(
        "
- name: clés
  periode: 2024
  input_variables:
    population: 1
  output:
    strate: 1
  extensions: [openfisca_france_dotations_locales_extension]
- name: sans sortie
  period: 2024
- name: période
  period: 2024-01-01
  output: {strate: 1}
- name: marge
  period: 2024
  absolute_error_margin: beaucoup
  output: {strate: 1}
- name: rien à vérifier
  period: 2024
  output:
"
    ));
}

#[test]
fn mistakes_in_inputs_and_outputs() {
    insta::assert_snapshot!(report(
        "
- name: noms
  period: 2024
  input:
    populaton: [1, 2]
    categorie_commune: [rurale, rural]
  output:
    strate: [1, 1]
    rng: [1, 2]
- name: types et longueurs
  period: 2024
  input:
    population: [1, 2, 3]
    potentiel: [1, 2]
    date_creation: 2024-02-30
    categorie_commune: true
  output:
    strate: [1, 1]
    nouvelle: 3
    potentiel_par_habitant: 'potentiel / 2'
- name: sans période
  input:
    population: 10
  output:
    strate: 1
- name: entier
  period: 2024
  input:
    population: 10.5
  output:
    strate: 1
"
    ));
}

#[test]
fn mistakes_in_explicit_entities() {
    insta::assert_snapshot!(report(
        "
- name: entités
  period: 2024
  input:
    communes:
      a: {population: 1, enveloppe: 3}
      b: {population: 2}
    etats:
      nord: {communes: [a, c]}
      sud: {communes: [a]}
    population: 3
  output:
    communes:
      x: {strate: 1}
"
    ));
}

#[test]
fn yaml_syntax_errors_are_located() {
    insta::assert_snapshot!(report("- name: a\n  period: 2024\n  input: {population: [1, 2}\n"));
    insta::assert_snapshot!(
        "duplicate_key",
        report("- name: a\n  period: 2024\n  period: 2025\n  output: {strate: 1}\n")
    );
}

#[test]
fn computation_errors_name_the_variables_computed() {
    // The envelope has no value before 2023: the formula of `enveloppe` starts in 2023, so
    // before that it takes its default; asking `valeur_point` in 2021 distributes 0.
    let report = report(
        "
- name: avant la première formule
  period: 2021
  input:
    population: [500, 800]
  output:
    enveloppe: [0, 0]
",
    );
    assert!(report.ends_with("1 passed, 0 failed\n"), "{report}");
}

#[test]
fn reforms_name_scenario_files() {
    let dir = std::env::temp_dir().join(format!("dotations-testing-reforms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("scenarios/enveloppe_doublee.yaml"),
        "name: Enveloppe doublée\nparameters:\n  - parameter: dotation.enveloppe\n    start: 2024-01-01\n    value: 4_000\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("scenarios/seuil_abaisse.yaml"),
        "name: Seuil abaissé\nparameters:\n  - parameter: dotation.seuil_rang\n    start: 2025-01-01\n    value: 0\n",
    )
    .unwrap();
    let test = dir.join("tests/reforme.yaml");
    std::fs::write(
        &test,
        "
- name: avec la réforme
  period: 2024
  reforms: [enveloppe_doublee]
  output:
    enveloppe: 4000
- name: sans la réforme
  period: 2024
  output:
    enveloppe: 2000
- name: réforme inconnue
  period: 2024
  reforms: [enveloppe_triplee]
  output:
    enveloppe: 6000
- name: réformes nommées par leur chemin, appliquées ensemble
  period: 2025
  reforms: [../scenarios/enveloppe_doublee.yaml, ../scenarios/seuil_abaisse.yaml]
  output:
    enveloppe: 4000
    rang: [1, 2]
    eligible: false
  input:
    population: [500, 800]
    potentiel: [250_000, 800_000]
    categorie_commune: rurale
",
    )
    .unwrap();
    let report = Runner::new(model(), None, Options::default()).run_paths(&[test]).render(false);
    let report = report.replace(&dir.display().to_string(), "<dir>");
    insta::assert_snapshot!(report);
}

#[test]
fn directories_are_searched_for_yaml_files() {
    let dir = std::env::temp_dir().join(format!("dotations-testing-dirs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    let test = "name: t\nperiod: 2024\noutput: {strate: 1}\n";
    std::fs::write(dir.join("a/un.yaml"), test).unwrap();
    std::fs::write(dir.join("a/b/deux.yml"), test).unwrap();
    std::fs::write(dir.join("a/b/notes.txt"), "not a test").unwrap();
    std::fs::create_dir_all(dir.join("vide")).unwrap();
    let runner = &mut Runner::new(model(), None, Options { verbose: true, ..Options::default() });
    let report = runner.run_paths(&[dir.join("a"), dir.join("vide"), dir.join("absent.yaml")]).render(true);
    insta::assert_snapshot!(report.replace(&dir.display().to_string(), "<dir>"));
    assert!(Path::new(&dir).exists());
}
