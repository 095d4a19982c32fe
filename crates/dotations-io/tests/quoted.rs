//! A table of several mebibytes whose quoted cells hold line breaks: the blocks it is read in
//! must not be cut inside a cell.

use std::path::Path;

use dotations_io::{read_table_from, TableColumn};

#[test]
fn quoted_cells_with_line_breaks_survive_the_cut_into_blocks() {
    let model = dotations_rules::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model")))
        .expect("the test model compiles");
    let rows = 40_000;
    let mut text =
        String::from("code_insee,nom,population,potentiel,categorie_commune,date_creation,montant__prev,remarque\n");
    for row in 0..rows {
        text.push_str(&format!(
            "C{row},Commune {row},{},250000,rurale,0001-01-01,300,\"première ligne {row},\nseconde ligne\"\n",
            100 + row
        ));
    }
    assert!(text.len() > 3 << 20, "several blocks of 1 MiB");
    let table = read_table_from(&model, text.as_bytes(), "remarques.csv", 2024).expect("the table reads");
    let population = model.variable_id("population").expect("population");
    let values = table.dataset.input(&model, population, 2024).expect("read").as_column().expect("a column");
    assert_eq!(values.len(), rows);
    let remarks = table
        .columns
        .iter()
        .find_map(|(name, column)| match column {
            TableColumn::Other(texts) if name == "remarque" => Some(texts),
            _ => None,
        })
        .expect("the remark column is kept");
    for row in [0, 1, 17_000, 26_513, rows - 1] {
        assert_eq!(values[row], (100 + row) as f64, "row {row}");
        assert_eq!(remarks[row], format!("première ligne {row},\nseconde ligne"), "row {row}");
    }
}
