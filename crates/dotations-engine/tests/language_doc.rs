//! The examples of `docs/language.md` compile, and compute what the text says they compute.

use dotations_diagnostics::SourceText;
use dotations_engine::{Dataset, MissingInputs, Model, Simulation};
use dotations_params::ParameterTree;

fn doc_model() -> Model {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let doc = std::fs::read_to_string(format!("{root}/docs/language.md")).expect("docs/language.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```rules") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks.len() > 20, "the examples were found");
    let source = SourceText::new("docs/language.md (examples)", blocks.join("\n"));
    let parameters = ParameterTree::load_dir(std::path::Path::new(&format!("{root}/parameters"))).expect("parameters");
    match Model::compile(vec![source], parameters) {
        Ok(model) => model,
        Err(diagnostics) => {
            panic!("the examples of docs/language.md do not compile:\n{diagnostics}")
        }
    }
}

#[test]
fn examples_compute_what_the_text_says() {
    let model = doc_model();
    let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    let mut data = Dataset::single_group(&model, ids);
    let mut set = |name: &str, year: i32, values: Vec<f64>| {
        let var = model.variable_id(name).unwrap_or_else(|| panic!("{name}"));
        data.set_input(&model, var, year, values).unwrap();
    };
    let days = |y, m, d| dotations_engine::model::date_to_days(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
    set("population_insee", 2024, vec![400.0, 7_000.0, 120_000.0, 50.0]);
    set("population_insee", 2020, vec![380.0, 6_900.0, 118_000.0, 45.0]);
    set("nombre_residences_secondaires", 2024, vec![100.0, 0.0, 0.0, 0.0]);
    set("nombre_logements_orcod_in", 2024, vec![1.0, 0.0, 0.0, 0.0]);
    set("population_dgf", 2023, vec![480.0, 7_000.0, 119_000.0, 50.0]);
    set("outre_mer", 2024, vec![0.0, 0.0, 0.0, 1.0]);
    set("zone_de_montagne", 2024, vec![1.0, 0.0, 0.0, 0.0]);
    set("insulaire", 2024, vec![0.0, 0.0, 0.0, 1.0]);
    set("superficie", 2024, vec![1_000.0, 2_000.0, 5_000.0, 100.0]);
    set("potentiel_financier", 2024, vec![400_000.0, 7_000_000.0, 150_000_000.0, 10_000.0]);
    set("effort_fiscal", 2024, vec![1.0, 1.5, 0.8, 1.0]);
    set("date_creation_commune", 2024, vec![days(2019, 1, 1), days(2024, 1, 1), days(1, 1, 1), days(1, 1, 1)]);
    set("grille_densite_insee", 2024, vec![1.0, 2.0, 0.0, 1.0]);
    set("score_exemple", 2024, vec![1.0, 3.0, 0.0, 0.0]);
    set("indice_exemple", 2024, vec![0.5, 2.0, 0.5, 1.0]);
    set("montant_exemple", 2023, vec![10.0, 0.0, 0.0, 0.0]);
    set("eligible_exemple", 2024, vec![1.0, 1.0, 0.0, 0.0]);
    set("enveloppe_exemple", 2024, vec![40.0]);

    // The declared column gives the population of the year after creation for every row; it
    // comes before the population of 2020 given as a whole column.
    let column = model.columns.iter().position(|c| c.name == "population_insee__annee_suivant_creation").unwrap();
    data.set_column(&model, column, vec![381.0, -9_999.0, -9_999.0, -9_999.0]).unwrap();

    let simulation = Simulation::new(&model, &data, MissingInputs::Error);
    let names = [
        "population_dgf",
        "strate",
        "evolution_population",
        "coefficient_zone",
        "coefficient_logarithmique",
        "commune_recente",
        "age",
        "commune_rurale",
        "commune_bourg",
        "nombre_communes_moyennes",
        "part_population",
        "rang_exemple",
        "population_initiale_exemple",
        "montant_borne_exemple",
        "potentiel_moyen_strate",
    ];
    let result = simulation.compute(2024, &names).unwrap_or_else(|d| panic!("{d}"));
    let values = |name: &str| result.values(name).unwrap().to_vec();
    // 400 + 100 + 0.5 × 1 = 500.5 → 500 (half to even).
    assert_eq!(values("population_dgf"), [500.0, 7_000.0, 120_000.0, 50.0]);
    assert_eq!(values("strate"), [2.0, 6.0, 14.0, 1.0]);
    assert_eq!(values("evolution_population"), [20.0, 0.0, 1_000.0, 0.0]);
    assert_eq!(values("coefficient_zone"), [2.0, 1.0, 1.0, 2.0]);
    // 1 + log10(7000/500)/log10(400) = 1.4404…; 500 → 1 exactly; 120 000 → 1.9147…; 50 → clamped to 1.
    let coefficients = values("coefficient_logarithmique");
    assert_eq!(coefficients[0], 1.0);
    assert!((coefficients[1] - (1.0 + (14f64).log10() / 400f64.log10())).abs() < 1e-15);
    assert_eq!(coefficients[3], 1.0);
    // Created 2024-01-01: within [2023-01-02, 2024-01-01].
    assert_eq!(values("commune_recente"), [0.0, 1.0, 0.0, 0.0]);
    assert_eq!(values("age"), [5.0, 0.0, 2023.0, 2023.0]);
    assert_eq!(values("commune_rurale"), [1.0, 1.0, 0.0, 1.0]);
    assert_eq!(values("commune_bourg"), [1.0, 0.0, 0.0, 1.0]);
    // Metropolitan communes with 5 000 ≤ population DGF < 10 000: only b.
    assert_eq!(values("nombre_communes_moyennes"), [1.0; 4]);
    // Metropolitan population 500 + 7 000 + 120 000 = 127 500.
    let shares = values("part_population");
    assert_eq!(shares, [500.0 / 127_500.0, 7_000.0 / 127_500.0, 120_000.0 / 127_500.0, 0.0]);
    // Descending, ties (a and c at 0.5) in input order.
    assert_eq!(values("rang_exemple"), [3.0, 1.0, 4.0, 2.0]);
    assert_eq!(values("population_initiale_exemple"), [381.0, -9_999.0, -9_999.0, -9_999.0]);
    // Budget 40, scores 1 and 3, a bounded to [9, 12] from last year's 10: x = 10 → 10 and 30.
    assert_eq!(values("montant_borne_exemple"), [10.0, 30.0, 0.0, 0.0]);
    // Strates 2, 6, 14 hold one metropolitan commune each; d (outre-mer) has its own strate 1,
    // whose metropolitan sum of population is 0 → else 0.
    assert_eq!(values("potentiel_moyen_strate"), [800.0, 1_000.0, 1_250.0, 0.0]);
}
