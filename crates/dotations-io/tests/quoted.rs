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

#[test]
fn a_short_row_of_a_table_with_quotes_is_located_at_its_line() {
    // The CSV reader counted lines from the first row after the header, and said so in its own
    // words: "record 2 (line: 3)" for line 4 of the file.
    let model = dotations_rules::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model")))
        .expect("the test model compiles");
    let text = "code_insee,nom,population,potentiel,categorie_commune,date_creation,montant__prev\n\
                A,Alpha,500,250000,rurale,0001-01-01,300\n\
                B,\"Beta\",800,800000,rurale,0001-01-01,1000\n\
                C,Gamma,2000,1000000,rurale,2024-01-01\n";
    let message = read_table_from(&model, text.as_bytes(), "q.csv", 2024).err().expect("a short row").to_string();
    assert!(message.starts_with("error: row 3 has 6 cells but the header has 7\n --> q.csv:4:1"), "{message}");
}

#[test]
fn a_bad_cell_after_quotes_and_crlf_line_ends_is_located_at_its_line() {
    // With `\r\n` line ends, the CSV reader's line count lagged by one after a quoted cell.
    let model = dotations_rules::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model")))
        .expect("the test model compiles");
    let text = "code_insee,nom,population,potentiel,categorie_commune,date_creation,montant__prev\r\n\
                A,Alpha,500,250000,rurale,0001-01-01,300\r\n\
                B,\"Beta, quoted\",800,800000,rurale,0001-01-01,1000\r\n\
                C,Gamma,2000,1000000,rurale,2024-01-01,300\r\n\
                D,Delta,abc,1000000,rurale,2024-01-01,300\r\n";
    let message = read_table_from(&model, text.as_bytes(), "q.csv", 2024).err().expect("a bad cell").to_string();
    assert!(message.starts_with("error: row 4, column `population`: `abc` is not a number"), "{message}");
    assert!(message.contains("--> q.csv:5:"), "{message}");
}
