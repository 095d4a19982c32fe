//! The structure of a test file, read without the model: which keys a test has and what they
//! hold. Inputs and outputs stay YAML nodes here; they are read against the model (variable
//! names, types, numbers of communes) when the test is prepared, because a test's reforms may
//! add variables.

use std::sync::Arc;

use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Node;

use crate::yaml::{self, classify, Locator, Scalar};

/// The keys of a test, as OpenFisca's test runner knows them.
pub(crate) const TEST_KEYS: &[&str] = &[
    "name",
    "description",
    "keywords",
    "period",
    "input",
    "output",
    "absolute_error_margin",
    "relative_error_margin",
    "reforms",
    "only_variables",
    "ignore_variables",
    "max_spiral_loops",
    "extensions",
    "parameters",
];

/// One test file: its tests, or why it could not be read.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The path as shown in reports (as the user wrote it, joined with the file's place under a
    /// directory argument).
    pub path: String,
    pub tests: Vec<TestCase>,
    /// Errors that concern the whole file (YAML syntax, not a test): none of its tests run.
    pub errors: Diagnostics,
}

/// A name written in a test, with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub location: Location,
}

/// An error margin: one number for every variable, or per variable with a `default`.
#[derive(Debug, Clone, Default)]
pub struct Margin {
    pub default: Option<f64>,
    pub by_variable: Vec<(Named, f64)>,
}

impl Margin {
    /// The margin of a variable (`None`: not given).
    pub fn of(&self, variable: &str) -> Option<f64> {
        self.by_variable.iter().find(|(named, _)| named.name == variable).map_or(self.default, |(_, m)| Some(*m))
    }
}

/// One test as written.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// `name`, or empty.
    pub name: String,
    /// Where the test starts (its first key).
    pub location: Location,
    pub description: Option<String>,
    pub keywords: Vec<String>,
    /// The year of `period`, if given.
    pub period: Option<i32>,
    pub input: Option<Node>,
    pub output: Option<Node>,
    pub absolute_error_margin: Margin,
    pub relative_error_margin: Margin,
    pub reforms: Vec<Named>,
    pub only_variables: Option<Vec<Named>>,
    pub ignore_variables: Vec<Named>,
    /// Mistakes in the test's structure: the test is reported as failed, not run.
    pub errors: Diagnostics,
    pub(crate) source: Arc<SourceText>,
}

/// Reads a test file's text.
pub fn parse_file(path: &str, text: &str) -> TestFile {
    let source = Arc::new(SourceText::new(path, text));
    let mut file = TestFile { path: path.to_string(), tests: Vec::new(), errors: Diagnostics::new() };
    let root = match yaml::parse(&source) {
        Ok(root) => root,
        Err(error) => {
            file.errors.push(error);
            return file;
        }
    };
    let locator = Locator { source: &source };
    let items: Vec<&Node> = match &root {
        Node::Sequence(items) => items.iter().collect(),
        node => vec![node],
    };
    for item in items {
        match item {
            Node::Mapping(mapping) if mapping.is_empty() => {}
            Node::Mapping(_) => file.tests.push(read_test(item, &source)),
            other => file.errors.push(
                Diagnostic::error(format!(
                    "a test is a mapping (`name:`, `period:`, `input:`, `output:` …), not {}",
                    yaml::describe(other)
                ))
                .at(locator.node(other)),
            ),
        }
    }
    if file.tests.is_empty() && !file.errors.has_errors() {
        file.errors.push(
            Diagnostic::error("this file holds no test")
                .at(source.location_at_line(1, 1, 0))
                .with_help("a test file holds a test (`name:`, `period:`, `input:`, `output:`) or a list of them"),
        );
    }
    file
}

fn read_test(node: &Node, source: &Arc<SourceText>) -> TestCase {
    let locator = Locator { source };
    let Node::Mapping(mapping) = node else { unreachable!("read_test is given mappings") };
    let mut test = TestCase {
        name: String::new(),
        location: locator.node(node),
        description: None,
        keywords: Vec::new(),
        period: None,
        input: None,
        output: None,
        absolute_error_margin: Margin::default(),
        relative_error_margin: Margin::default(),
        reforms: Vec::new(),
        only_variables: None,
        ignore_variables: Vec::new(),
        errors: Diagnostics::new(),
        source: source.clone(),
    };
    let mut errors = Diagnostics::new();
    for (key, mut error) in mapping
        .keys()
        .filter(|k| !TEST_KEYS.contains(&k.as_str()))
        .zip(locator.unknown_keys(mapping, TEST_KEYS, "a test"))
    {
        // The syntax of OpenFisca before its version 25.
        let renamed = match key.as_str() {
            "input_variables" => Some("input"),
            "output_variables" => Some("output"),
            _ => None,
        };
        if let Some(new) = renamed {
            error = error
                .with_help(format!("`{}` is OpenFisca's syntax before its version 25: write `{new}`", key.as_str()));
        }
        errors.push(error);
    }
    for (key, value) in mapping.iter() {
        let result = match key.as_str() {
            "name" => text(&locator, value, "`name`").map(|t| test.name = t),
            "description" => text(&locator, value, "`description`").map(|t| test.description = Some(t)),
            "keywords" => {
                names(&locator, value, "`keywords`").map(|k| test.keywords = k.into_iter().map(|n| n.name).collect())
            }
            "period" => period(&locator, value).map(|p| test.period = Some(p)),
            "input" => {
                test.input = Some(value.clone());
                Ok(())
            }
            "output" => {
                test.output = Some(value.clone());
                let empty = match value {
                    Node::Mapping(mapping) => mapping.is_empty(),
                    Node::Scalar(scalar) => classify(scalar) == Scalar::Null,
                    Node::Sequence(_) => false,
                };
                if empty {
                    // A test that checks nothing cannot fail.
                    Err(Diagnostic::error("this test expects nothing: its `output` is empty")
                        .at(locator.scalar(key))
                        .with_help("give the values the test expects, e.g. `output: {strate_demographique: 3}`"))
                } else {
                    Ok(())
                }
            }
            "absolute_error_margin" => margin(&locator, value, key).map(|m| test.absolute_error_margin = m),
            "relative_error_margin" => margin(&locator, value, key).map(|m| test.relative_error_margin = m),
            "reforms" => names(&locator, value, "`reforms`").map(|r| test.reforms = r),
            "only_variables" => names(&locator, value, "`only_variables`").map(|v| test.only_variables = Some(v)),
            "ignore_variables" => names(&locator, value, "`ignore_variables`").map(|v| test.ignore_variables = v),
            "max_spiral_loops" => max_spiral_loops(&locator, value),
            "extensions" => Err(Diagnostic::error("`extensions` are not supported")
                .at(locator.scalar(key))
                .with_note("OpenFisca extensions are Python packages; this engine's law is the rule directory")
                .with_help("write the extension's changes as a scenario and name it in `reforms`")),
            "parameters" => Err(Diagnostic::error("`parameters` in a test is not supported")
                .at(locator.scalar(key))
                .with_help("write the parameter changes in a scenario file and name it in `reforms`")),
            _ => Ok(()), // reported by `unknown_keys`
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    if test.output.is_none() {
        errors.push(
            Diagnostic::error("this test has no `output`")
                .at(test.location.clone())
                .with_help("add `output:` with the values the test expects, e.g. `output: {strate_demographique: 3}`"),
        );
    }
    test.errors = errors;
    test
}

fn text(locator: &Locator<'_>, node: &Node, what: &str) -> Result<String, Diagnostic> {
    match node {
        Node::Scalar(scalar) if classify(scalar) == Scalar::Null => Ok(String::new()),
        Node::Scalar(scalar) => Ok(scalar.as_str().to_string()),
        other => {
            Err(Diagnostic::error(format!("{what} must be a text, not {}", yaml::describe(other)))
                .at(locator.node(other)))
        }
    }
}

/// A list of names (`[a, b]`, or a single name).
fn names(locator: &Locator<'_>, node: &Node, what: &str) -> Result<Vec<Named>, Diagnostic> {
    let named =
        |scalar: &MarkedScalarNode| Named { name: scalar.as_str().to_string(), location: locator.scalar(scalar) };
    match node {
        Node::Scalar(scalar) if classify(scalar) == Scalar::Null => Ok(Vec::new()),
        Node::Scalar(scalar) => Ok(vec![named(scalar)]),
        Node::Sequence(items) => items
            .iter()
            .map(|item| match item {
                Node::Scalar(scalar) => Ok(named(scalar)),
                other => Err(Diagnostic::error(format!("{what} lists names, not {}", yaml::describe(other)))
                    .at(locator.node(other))),
            })
            .collect(),
        other => Err(Diagnostic::error(format!("{what} must be a list of names, not {}", yaml::describe(other)))
            .at(locator.node(other))
            .with_help(format!("e.g. {}: [a, b]", what.trim_matches('`')))),
    }
}

/// The year of a period written `2020`, `"2020"` or `2020-01` (a month stands for its year:
/// the model's variables are yearly).
pub(crate) fn period_year(scalar: &MarkedScalarNode) -> Option<i32> {
    let text = scalar.as_str().trim();
    // `year:2024-03` is a year from March: not a calendar year, which is all the engine computes.
    let text = match text.strip_prefix("year:") {
        Some(year) if year.contains('-') => return None,
        Some(year) => year,
        None => text,
    };
    let year_part = match text.split_once('-') {
        Some((year, month)) => {
            let month_ok = month.len() == 2 && month.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
            if !month_ok {
                return None;
            }
            year
        }
        None => text,
    };
    (year_part.len() == 4 && year_part.bytes().all(|b| b.is_ascii_digit())).then(|| year_part.parse().ok()).flatten()
}

pub(crate) fn bad_period(locator: &Locator<'_>, node: &Node) -> Diagnostic {
    Diagnostic::error(format!("{} is not a period", yaml::describe(node)))
        .at(locator.node(node))
        .with_help("a period is a year (`2020`); a month (`2020-01`) stands for its year")
}

fn period(locator: &Locator<'_>, node: &Node) -> Result<i32, Diagnostic> {
    match node {
        Node::Scalar(scalar) => period_year(scalar).ok_or_else(|| bad_period(locator, node)),
        other => Err(bad_period(locator, other)),
    }
}

fn number(locator: &Locator<'_>, node: &Node, what: &str) -> Result<f64, Diagnostic> {
    if let Some(error) = yaml::scalar(node).and_then(yaml::yaml11_integer) {
        return Err(error.at(locator.node(node)));
    }
    let value = match node {
        Node::Scalar(scalar) => match classify(scalar) {
            Scalar::Number(n) => Some(n),
            Scalar::Text(text) => yaml::parse_number(text),
            _ => None,
        },
        _ => None,
    };
    match value {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(Diagnostic::error(format!("{what} must be a number ≥ 0, not {}", yaml::describe(node)))
            .at(locator.node(node))),
    }
}

/// `absolute_error_margin: 0.5`, or `{default: 0.5, some_variable: 10}`; an empty value (`~`)
/// is no margin, as in OpenFisca.
fn margin(locator: &Locator<'_>, node: &Node, key: &MarkedScalarNode) -> Result<Margin, Diagnostic> {
    let what = format!("`{}`", key.as_str());
    let empty = |node: &Node| matches!(node, Node::Scalar(scalar) if classify(scalar) == Scalar::Null);
    match node {
        _ if empty(node) => Ok(Margin::default()),
        Node::Mapping(mapping) => {
            let mut margin = Margin::default();
            for (variable, value) in mapping.iter().filter(|(_, value)| !empty(value)) {
                let value = number(locator, value, &format!("the margin of `{}`", variable.as_str()))?;
                if variable.as_str() == "default" {
                    margin.default = Some(value);
                } else {
                    let named = Named { name: variable.as_str().to_string(), location: locator.scalar(variable) };
                    margin.by_variable.push((named, value));
                }
            }
            Ok(margin)
        }
        _ => Ok(Margin { default: Some(number(locator, node, &what)?), by_variable: Vec::new() }),
    }
}

/// `max_spiral_loops: 1`, OpenFisca's default, is accepted: it is the rule this engine always
/// applies (a variable read for another year while it is being computed takes its default
/// value). Another number would change results, and is refused.
fn max_spiral_loops(locator: &Locator<'_>, node: &Node) -> Result<(), Diagnostic> {
    let value = number(locator, node, "`max_spiral_loops`")?;
    if value != 1.0 {
        return Err(Diagnostic::error(format!(
            "`max_spiral_loops: {}` is not supported: this engine applies OpenFisca's default, 1",
            yaml::scalar(node).map_or(String::new(), |s| s.as_str().to_string())
        ))
        .at(locator.node(node))
        .with_note("a variable read for another year while it is being computed takes its default value")
        .with_help("remove the key, or write `max_spiral_loops: 1`"));
    }
    Ok(())
}
