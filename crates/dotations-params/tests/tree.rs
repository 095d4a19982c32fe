//! Loading the fixture tree (`tests/fixtures/tree`) and reading it at several dates. Expected
//! values are worked out by hand from the YAML files.

use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use dotations_params::{
    BracketField, Entry, JournalDate, LookupError, ParamValue, ParameterTree, Reference, ScaleKind,
};
use rust_decimal::Decimal;

fn tree() -> ParameterTree {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tree");
    match ParameterTree::load_dir(&dir) {
        Ok(tree) => tree,
        Err(errors) => panic!("{errors}"),
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::from_str(text).unwrap()
}

fn number(text: &str) -> Option<ParamValue> {
    Some(ParamValue::Number(Decimal::from_str(text).unwrap()))
}

fn value(tree: &ParameterTree, path: &str, day: &str) -> Option<ParamValue> {
    tree.value_at(path, date(day)).unwrap().cloned()
}

#[test]
fn values_hold_until_the_next_date_and_null_ends_them() {
    let tree = tree();
    let montant = "dotation.montant";
    assert_eq!(value(&tree, montant, "2018-12-31"), None);
    assert_eq!(value(&tree, montant, "2019-01-01"), number("7145440325"));
    assert_eq!(value(&tree, montant, "2020-07-14"), number("7018657086.50"));
    assert_eq!(value(&tree, montant, "2021-01-01"), number("6906353334"));
    assert_eq!(value(&tree, montant, "2022-12-31"), number("6906353334"));
    assert_eq!(value(&tree, montant, "2023-01-01"), None);
    assert_eq!(value(&tree, montant, "2030-01-01"), None);

    let seuil = "dotation.criteres.seuil_rapport";
    assert_eq!(value(&tree, seuil, "2014-12-31"), None);
    assert_eq!(value(&tree, seuil, "2015-01-01"), number("0.75"));
    assert_eq!(value(&tree, seuil, "2021-12-31"), number("0.75"));
    assert_eq!(value(&tree, seuil, "2022-01-01"), number("0.85"));

    let zrr = "dotation.criteres.coefficient_zrr";
    assert_eq!(value(&tree, zrr, "2024-12-31"), number("1.3"));
    assert_eq!(value(&tree, zrr, "2025-01-01"), None);

    let outre_mer = "dotation.criteres.eligible_outre_mer";
    assert_eq!(value(&tree, outre_mer, "2023-06-01"), Some(ParamValue::Bool(true)));
    assert_eq!(value(&tree, outre_mer, "2024-01-01"), Some(ParamValue::Bool(false)));

    assert_eq!(
        value(&tree, "dotation.criteres.code_categorie", "2020-01-01"),
        Some(ParamValue::Text("007".to_string()))
    );
    assert_eq!(value(&tree, "dotation.criteres.ponderation.poids_revenu", "2017-01-01"), number("0.25"));
    assert_eq!(value(&tree, "dotation.criteres.ponderation.poids_logement", "2020-01-01"), number("0.3"));

    let plafond = "population.plafond";
    assert_eq!(value(&tree, plafond, "2014-06-01"), None);
    assert_eq!(value(&tree, plafond, "2017-12-31"), number("450"));
    assert_eq!(value(&tree, plafond, "2018-01-01"), number("500"));
}

#[test]
fn values_are_sorted_and_located() {
    let tree = tree();
    let Some(Entry::Parameter(montant)) = tree.get("dotation.montant") else { panic!("not a parameter") };
    let dates: Vec<String> = montant.dates().map(|d| d.to_string()).collect();
    assert_eq!(dates, ["2019-01-01", "2020-01-01", "2021-01-01", "2023-01-01"]);
    let entry = montant.entry_at(date("2020-05-01")).unwrap();
    assert!(entry.location.file.ends_with("tests/fixtures/tree/dotation/montant.yaml"));
    assert_eq!((entry.location.line, entry.location.column), (24, 15));
    assert_eq!(entry.location.line_text.as_deref(), Some("  2020-01-01: 7_018_657_086.50"));
    assert_eq!(montant.values[3].value, None);
}

#[test]
fn nodes_carry_their_index_and_children() {
    let tree = tree();
    let Some(Entry::Node(root)) = tree.get("") else { panic!("no root") };
    assert_eq!(root.description.as_deref(), Some("Paramètres de test des dotations"));
    assert_eq!(root.metadata.extra["order"], serde_json::json!(["population", "dotation"]));
    assert_eq!(root.children, ["dotation", "population"]);

    let Some(Entry::Node(population)) = tree.get("population") else { panic!("no population") };
    assert_eq!(population.documentation.as_deref(), Some("Seuils démographiques.\n"));
    assert_eq!(population.metadata.label_en.as_deref(), Some("Population"));
    assert_eq!(population.children, ["groupes", "plafond"]);

    let Some(Entry::Node(dotation)) = tree.get("dotation") else { panic!("no dotation") };
    let old_style = Reference { href: Some("https://www.legifrance.gouv.fr/old-style".into()), ..Reference::default() };
    assert_eq!(dotation.metadata.references, [old_style]);

    let Some(Entry::Node(criteres)) = tree.get("dotation.criteres") else { panic!("no criteres") };
    assert_eq!(criteres.description.as_deref(), Some("Critères de répartition"));
    assert_eq!(
        criteres.children,
        ["code_categorie", "coefficient_zrr", "eligible_outre_mer", "ponderation", "seuil_rapport", "taux_progressif"]
    );
    let location = criteres.location.as_ref().unwrap();
    assert!(location.file.ends_with("dotation/criteres.yaml"));
    assert_eq!(tree.get("dotation.criteres.ponderation").map(|e| e.kind_name()), Some("node"));
}

#[test]
fn metadata_is_typed_and_keeps_the_rest() {
    let tree = tree();
    let Some(Entry::Parameter(montant)) = tree.get("dotation.montant") else { panic!("not a parameter") };
    let metadata = &montant.metadata;
    assert_eq!(montant.description.as_deref(), Some("Montant total de la dotation"));
    assert_eq!(metadata.unit.as_deref(), Some("currency"));
    assert_eq!(metadata.ux_name.as_deref(), Some("Montant de la dotation"));
    assert_eq!(metadata.last_value_still_valid_on, Some(date("2024-06-01")));
    assert_eq!(
        metadata.references,
        [
            Reference {
                title: Some("Loi de finances pour 2019".into()),
                href: Some("https://www.legifrance.gouv.fr/lfi2019".into()),
                date: Some(date("2019-01-01")),
            },
            Reference { title: Some("Loi de finances pour 2021".into()), href: None, date: Some(date("2021-01-01")) },
        ]
    );
    assert_eq!(
        metadata.notes,
        [Reference {
            title: Some("Montant revu en loi de finances".into()),
            href: None,
            date: Some(date("2021-01-01"))
        }]
    );
    assert_eq!(
        metadata.official_journal_date,
        [JournalDate { date: Some(date("2019-01-01")), published: date("2018-12-30") }]
    );
    assert_eq!(metadata.extra.len(), 1);
    assert_eq!(metadata.extra["short_label"], serde_json::json!("Montant"));

    let first = &montant.values[0];
    assert_eq!(
        first.metadata.references,
        [Reference { href: Some("https://www.legifrance.gouv.fr/value-ref".into()), ..Reference::default() }]
    );

    let Some(Entry::Parameter(seuil)) = tree.get("dotation.criteres.seuil_rapport") else { panic!() };
    assert_eq!(seuil.metadata.unit.as_deref(), Some("/1"));
    assert_eq!(seuil.metadata.notes[0].title.as_deref(), Some("Valeur fixée par décret."));

    let Some(Entry::Scale(groupes)) = tree.get("population.groupes") else { panic!() };
    assert_eq!(groupes.metadata.scale_type.as_deref(), Some("single_amount"));
    assert_eq!(groupes.metadata.threshold_unit.as_deref(), Some("inhabitant"));
    assert_eq!(groupes.metadata.amount_unit.as_deref(), Some("index"));
    assert_eq!(groupes.metadata.references.len(), 2);
    assert_eq!(groupes.metadata.references[0].title.as_deref(), Some("Article L2334-3 du CGCT"));
    assert_eq!(groupes.metadata.references[1].href.as_deref(), Some("https://www.legifrance.gouv.fr/example"));
}

#[test]
fn a_single_amount_scale_at_several_dates() {
    let tree = tree();
    let groupes = tree.scale("population.groupes").unwrap();
    assert_eq!(groupes.kind, ScaleKind::SingleAmount);
    assert_eq!(groupes.brackets.len(), 5);

    // Before every threshold: an empty scale, 0 everywhere.
    let before = groupes.at(date("2016-06-01"));
    assert!(before.brackets.is_empty());
    assert_eq!(before.calc(1234.0), 0.0);

    let y2018 = groupes.at(date("2018-01-01"));
    let pairs = |scale: &dotations_params::ScaleAt| -> Vec<(String, String)> {
        scale.brackets.iter().map(|(t, a)| (t.to_string(), a.to_string())).collect()
    };
    let p = |t: &str, a: &str| (t.to_string(), a.to_string());
    assert_eq!(pairs(&y2018), [p("0", "1"), p("500", "2"), p("1000", "3"), p("100000", "20")]);
    for (x, expected) in [
        (-1.0, 0.0),
        (0.0, 1.0),
        (499.0, 1.0),
        (500.0, 2.0),
        (999.99, 2.0),
        (1000.0, 3.0),
        (99_999.0, 3.0),
        (100_000.0, 20.0),
    ] {
        assert_eq!(y2018.calc(x), expected, "calc({x}) in 2018");
    }

    // The 100 000 threshold ends in 2019.
    let y2019 = groupes.at(date("2019-06-01"));
    assert_eq!(pairs(&y2019), [p("0", "1"), p("500", "2"), p("1000", "3")]);
    assert_eq!(y2019.calc(100_000.0), 3.0);

    // The third amount changes in 2020; a bracket is added in 2021.
    assert_eq!(groupes.at(date("2020-07-14")).calc(5000.0), 4.0);
    let y2021 = groupes.at(date("2021-01-01"));
    assert_eq!(pairs(&y2021), [p("0", "1"), p("500", "2"), p("1000", "4"), p("10000", "9")]);
    assert_eq!(y2021.calc(9999.0), 4.0);
    assert_eq!(y2021.calc(10_000.0), 9.0);
}

#[test]
fn a_marginal_rate_scale_whose_brackets_start_at_different_dates() {
    let tree = tree();
    let taux = tree.scale("dotation.criteres.taux_progressif").unwrap();
    assert_eq!(taux.kind, ScaleKind::MarginalRate);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;

    // 2019: the 1 000 bracket has a threshold but no rate yet, so it is left out.
    let y2019 = taux.at(date("2019-01-01"));
    assert_eq!(y2019.brackets.len(), 2);
    assert!(close(y2019.calc(10_000.0), 1000.0));

    let y2021 = taux.at(date("2021-01-01"));
    assert_eq!(y2021.brackets.len(), 3);
    assert!(close(y2021.calc(3000.0), 200.0));
    assert!(close(y2021.calc(10_000.0), 1400.0));

    let y2022 = taux.at(date("2022-01-01"));
    assert!(close(y2022.calc(30_000.0), 6400.0));
    assert!(close(y2022.calc(500.0), 0.0));
}

#[test]
fn bracket_fields_are_parameters() {
    let tree = tree();
    let Some(Entry::Parameter(amount)) = tree.get("population.groupes.brackets[2].amount") else { panic!() };
    assert_eq!(amount.path, "population.groupes.brackets[2].amount");
    assert_eq!(amount.dates().map(|d| d.to_string()).collect::<Vec<_>>(), ["2017-01-01", "2020-01-01"]);
    assert_eq!(value(&tree, "population.groupes[3].threshold", "2021-01-01"), number("10000"));
    assert_eq!(value(&tree, "population.groupes.brackets[4].threshold", "2019-01-01"), None);
    assert!(tree.get("population.groupes.brackets[9].amount").is_none());
    assert!(tree.get("population.groupes.brackets[0].rate").is_none());
    let bracket = &tree.scale("population.groupes").unwrap().brackets[1];
    assert!(bracket.field(BracketField::Threshold).is_some());
    assert!(bracket.field(BracketField::Rate).is_none());
}

#[test]
fn leaves_and_paths_are_sorted() {
    let tree = tree();
    let leaves: Vec<&str> = tree.leaves().map(|entry| entry.path()).collect();
    assert_eq!(
        leaves,
        [
            "dotation.criteres.code_categorie",
            "dotation.criteres.coefficient_zrr",
            "dotation.criteres.eligible_outre_mer",
            "dotation.criteres.ponderation.poids_logement",
            "dotation.criteres.ponderation.poids_revenu",
            "dotation.criteres.seuil_rapport",
            "dotation.criteres.taux_progressif",
            "dotation.montant",
            "population.groupes",
            "population.plafond",
        ]
    );
    let paths = tree.paths();
    assert_eq!(paths.len(), 14);
    assert!(paths.contains(&"dotation.criteres.ponderation"));
    assert!(!paths.contains(&""));
}

#[test]
fn lookups_that_fail_say_why() {
    let tree = tree();
    let error = tree.value_at("dotation.montnat", date("2020-01-01")).unwrap_err();
    assert_eq!(
        error,
        LookupError::NotFound { path: "dotation.montnat".into(), suggestion: Some("dotation.montant".into()) }
    );
    assert_eq!(error.to_string(), "no parameter `dotation.montnat` (did you mean `dotation.montant`?)");
    let error = tree.value_at("population.groupes", date("2020-01-01")).unwrap_err();
    assert_eq!(error.to_string(), "`population.groupes` is a scale, not a parameter");
    let error = tree.value_at("dotation", date("2020-01-01")).unwrap_err();
    assert_eq!(error.to_string(), "`dotation` is a node, not a parameter");
}

#[test]
fn json_dumps_at_two_dates() {
    let tree = tree();
    insta::assert_snapshot!("json_2019_06_01", tree.to_json_at(date("2019-06-01")));
    insta::assert_snapshot!("json_2021_01_01", tree.to_json_at(date("2021-01-01")));
}

#[test]
fn the_json_dump_is_valid_json_with_exact_numbers() {
    let tree = tree();
    let json: serde_json::Value = serde_json::from_str(&tree.to_json_at(date("2020-07-14"))).unwrap();
    let object = json.as_object().unwrap();
    assert_eq!(object.len(), 10);
    assert!(object["dotation.criteres.coefficient_zrr"].is_number());
    assert_eq!(object["dotation.criteres.code_categorie"], "007");
    assert!(tree.to_json_at(date("2020-07-14")).contains("\"dotation.montant\": 7018657086.5,"));
    assert!(tree.to_json_at(date("2025-01-01")).contains("\"dotation.criteres.coefficient_zrr\": null,"));
}

#[test]
fn the_same_tree_loads_from_memory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tree");
    let mut files = Vec::new();
    for relative in [
        "index.yaml",
        "README.txt",
        "population/index.yaml",
        "population/groupes.yaml",
        "population/plafond.yml",
        "dotation/index.yaml",
        "dotation/montant.yaml",
        "dotation/criteres.yaml",
    ] {
        files.push((relative.to_string(), std::fs::read_to_string(dir.join(relative)).unwrap()));
    }
    let from_memory = ParameterTree::from_files(files, "rev:parameters").unwrap();
    let day = date("2021-01-01");
    assert_eq!(from_memory.to_json_at(day), tree().to_json_at(day));
    let Some(Entry::Parameter(montant)) = from_memory.get("dotation.montant") else { panic!() };
    assert_eq!(&*montant.values[0].location.file, "rev:parameters/dotation/montant.yaml");
}
