//! Every mistake in a parameter file is an error located at file:line:column, and loading reports
//! the errors of every file at once.

use dotations_diagnostics::Diagnostics;
use dotations_params::ParameterTree;

fn errors(files: &[(&str, &str)]) -> Diagnostics {
    let files = files.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect();
    match ParameterTree::from_files(files, "parameters") {
        Ok(_) => panic!("the tree loaded without errors"),
        Err(errors) => errors,
    }
}

/// The single error of a one-file tree: its message and `file:line:column`.
fn one_error(path: &str, text: &str) -> (String, String, Diagnostics) {
    let errors = errors(&[(path, text)]);
    assert_eq!(errors.len(), 1, "{errors}");
    let error = &errors.0[0];
    let location = error.location.as_ref().expect("the error is located").to_string();
    (error.message.clone(), location, errors)
}

#[test]
fn malformed_yaml() {
    let (message, location, rendered) =
        one_error("dsu/montant.yaml", "values:\n  2019-01-01: {value: 1\n  2020-01-01: 2\n");
    assert!(message.starts_with("invalid YAML"), "{message}");
    assert_eq!(location, "parameters/dsu/montant.yaml:3:13");
    insta::assert_snapshot!(rendered.to_string());
}

#[test]
fn unknown_key_in_a_parameter_with_did_you_mean() {
    let text = "descripton: Montant\nvalues:\n  2019-01-01:\n    value: 1\n";
    let (message, location, rendered) = one_error("montant.yaml", text);
    assert_eq!(message, "unexpected key `descripton` in parameter `montant`");
    assert_eq!(location, "parameters/montant.yaml:1:1");
    assert_eq!(rendered.0[0].help, ["did you mean `description`?"]);
    insta::assert_snapshot!(rendered.to_string());
}

#[test]
fn misspelt_values_is_not_read_as_a_child() {
    let text = "description: Montant\nvaules:\n  2019-01-01:\n    value: 1\n";
    let (message, location, rendered) = one_error("dsu/montant.yaml", text);
    assert_eq!(message, "unexpected key `vaules` in `dsu.montant`");
    assert_eq!(location, "parameters/dsu/montant.yaml:2:1");
    assert_eq!(rendered.0[0].help, ["did you mean `values`?"]);
    insta::assert_snapshot!(rendered.to_string());
}

#[test]
fn unknown_keys_in_values_brackets_and_index() {
    let errors = errors(&[
        ("a.yaml", "values:\n  2019-01-01:\n    valeu: 1\n"),
        ("b.yaml", "brackets:\n  - threshold: {2019-01-01: {value: 0}}\n    amont: {2019-01-01: {value: 1}}\n    amount: {2019-01-01: {value: 1}}\n"),
        ("c/index.yaml", "description: C\nmetdata: {}\n"),
    ]);
    let summary: Vec<String> =
        errors.iter().map(|e| format!("{} | {} | {:?}", e.location.as_ref().unwrap(), e.message, e.help)).collect();
    assert_eq!(
        summary,
        [
            "parameters/a.yaml:3:5 | unexpected key `valeu` in the value of `a` on 2019-01-01 | [\"did you mean `value`?\"]",
            "parameters/b.yaml:3:5 | unexpected key `amont` in bracket 0 of scale `b` | [\"did you mean `amount`?\"]",
            "parameters/c/index.yaml:2:1 | unexpected key `metdata` in the index of `c` | [\"did you mean `metadata`?\"]",
        ]
    );
}

#[test]
fn bad_date() {
    let (message, location, rendered) = one_error("seuil.yaml", "values:\n  2015-01-01: 0.75\n  2019-13-01: 0.85\n");
    assert_eq!(message, "`2019-13-01` is not a valid date");
    assert_eq!(location, "parameters/seuil.yaml:3:3");
    insta::assert_snapshot!(rendered.to_string());

    let (message, location, _) =
        one_error("seuil.yaml", "metadata:\n  last_value_still_valid_on: 2024-02-30\nvalues:\n  2015-01-01: 0.75\n");
    assert_eq!(message, "`2024-02-30` is not a valid date");
    assert_eq!(location, "parameters/seuil.yaml:2:30");
}

#[test]
fn duplicate_date() {
    let text = "values:\n  2019-01-01:\n    value: 1\n  2020-01-01:\n    value: 2\n  2019-01-01:\n    value: 3\n";
    let (message, location, rendered) = one_error("montant.yaml", text);
    assert_eq!(message, "duplicate date `2019-01-01`");
    assert_eq!(location, "parameters/montant.yaml:6:3");
    insta::assert_snapshot!(rendered.to_string());
}

#[test]
fn bad_numbers() {
    let (message, location, rendered) = one_error("taux.yaml", "values:\n  2019-01-01:\n    value: 0,85\n");
    assert_eq!(message, "`0,85` is not a number");
    assert_eq!(location, "parameters/taux.yaml:3:12");
    insta::assert_snapshot!(rendered.to_string());

    let text = "brackets:\n  - threshold: {2019-01-01: {value: zéro}}\n    rate: {2019-01-01: {value: 0.1}}\n";
    let (message, location, _) = one_error("bareme.yaml", text);
    assert_eq!(message, "`zéro` is not a number");
    assert_eq!(location, "parameters/bareme.yaml:2:37");

    let (message, location, _) = one_error("code.yaml", "values:\n  2019-01-01: 0123\n");
    assert_eq!(message, "`0123` has a leading zero");
    assert_eq!(location, "parameters/code.yaml:2:15");
}

#[test]
fn errors_of_every_file_are_collected() {
    let errors = errors(&[
        ("a.yaml", "values:\n  2019-01-01: {value: [1, 2]}\n"),
        ("b/c.yaml", "values: {2019-1-1: 3}\n"),
        ("b/d.yaml", "values:\n  - 1\n"),
        ("e.yaml", "x:\n  y: 3\n"),
        ("f.yaml", "values:\n  2019-01-01: 1\n"),
        ("f/g.yaml", "values:\n  2019-01-01: 1\n"),
        ("h.yaml", ""),
        ("i.yaml", "a: &anchor\n  2019-01-01: 1\nb: *anchor\n"),
        ("j.yaml", "a:\n  2019-01-01: 1\n---\nb:\n  2019-01-01: 1\n"),
        ("k.yaml", "metadata: {type: single_amout}\nbrackets: []\n"),
        (
            "l.yaml",
            "brackets:\n  - threshold: {2019-01-01: 0}\n    rate: {2019-01-01: 0.1}\n  - rate: {2019-01-01: 0.2}\n",
        ),
        (
            "m.yaml",
            "metadata: {type: single_amount}\nbrackets:\n  - threshold: {2019-01-01: 0}\n    rate: {2019-01-01: 0.1}\n",
        ),
        ("n.yaml", "values:\n  2019-01-01: {unit: currency}\n"),
        (
            "o.yaml",
            "metadata:\n  reference:\n    - {titel: Loi, href: https://example.org}\nvalues:\n  2019-01-01: 1\n",
        ),
        ("p.yml", "values:\n  2019-01-01: 1\n"),
        ("p.yaml", "values:\n  2019-01-01: 1\n"),
        ("q r.yaml", "values:\n  2019-01-01: 1\n"),
    ]);
    insta::assert_snapshot!(errors.to_string());
}
