//! The mapping file of a year (`data/dgcl/YEAR.yaml`): which DGCL column feeds which variable,
//! and how a cell is converted.
//!
//! The file is read with a location for every value, and checked against the model when it is
//! loaded: every variable exists, every conversion fits its variable's type, every enumeration
//! item exists. Columns are checked later, against the headers of the file being read.

use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location, SourceText};
use dotations_engine::model::{date_to_days, Kind, Model, VarId};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoaderOptions, Node};

/// A year's mapping, checked against a model.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The mapping file, as named to the user.
    pub path: String,
    pub year: i32,
    /// The column identifying a commune (its INSEE code): rows of two files are joined on it.
    pub code: Column,
    /// The column naming a commune, for messages and comparisons.
    pub name: Option<Column>,
    /// Year-N inputs: what the file gives for the year it is published for.
    pub inputs: Vec<Entry>,
    /// What this file gives for the *next* year's computation (its previous-year values).
    pub previous: Vec<Entry>,
    /// The DGCL's own results, to compare with the engine's.
    pub published: Vec<Entry>,
    /// Columns of the file deliberately not used, with why.
    pub ignored: Vec<(String, String)>,
}

/// A column named in the mapping, with where it is named (for a column missing from a file).
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub location: Location,
}

/// How one variable gets its values.
#[derive(Debug, Clone)]
pub struct Entry {
    pub var: VarId,
    pub rule: Rule,
    /// The mapping's explanation (`why:`), shown when the value is derived or not provided.
    pub why: Option<String>,
    /// Where the entry is written.
    pub location: Location,
}

#[derive(Debug, Clone)]
pub enum Rule {
    /// A cell converted; an empty cell takes `empty` if given, else is an error.
    Column { column: Column, conversion: Conversion, empty: Option<f64> },
    /// Not in the file: every commune takes this value.
    NotProvided(f64),
    /// True when the code in `column` starts with one of `prefixes` (after padding to 5).
    Prefix { column: Column, prefixes: Vec<String> },
    /// True when two code columns hold the same code.
    SameCode { left: Column, right: Column },
    /// The number in column `value` of the row whose `within` code equals this row's `column`
    /// code; `missing` when there is no such row.
    Lookup { column: Column, within: Column, value: Column, missing: f64 },
    /// The largest number in `value` among the rows with the same `group` number; rows whose
    /// group is 0 belong to no group and get 0.
    GroupMax { group: Column, value: Column },
    /// The sum of numeric columns.
    Sum(Vec<Column>),
    /// `value` when the sum of `test` columns is positive, else 0.
    ValueIfPositive { test: Vec<Column>, value: Column },
}

/// How the text of a cell becomes a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Conversion {
    /// A decimal number, comma or dot as decimal mark, spaces between thousands allowed.
    Number,
    /// A whole number (same writing as `Number`, the value must be whole).
    Integer,
    /// A percentage: the number divided by 100.
    Percent,
    /// A boolean from words (compared ignoring case).
    Boolean { truthy: Vec<String>, falsy: Vec<String> },
    /// An enumeration item from a code.
    Enum { enumeration: usize, codes: Vec<(String, usize)> },
    /// A commune code: text, padded with zeros to 5 characters when numeric (`1004` → `01004`).
    Code,
    /// Text kept as written.
    Text,
}

/// Loads a mapping file and checks it against `model`.
pub fn load_mapping(model: &Model, source: &SourceText) -> Result<Mapping, Diagnostics> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let root = marked_yaml::parse_yaml_with_options(0, source.text(), options).map_err(|error| {
        let (message, marker) = match &error {
            marked_yaml::LoadError::ScanError(marker, scan) => {
                (format!("invalid YAML: {}", scan.info()), Some(*marker))
            }
            marked_yaml::LoadError::DuplicateKey(inner) => {
                (format!("`{}` is written twice", inner.key.as_str()), inner.key.span().start().copied())
            }
            other => (format!("invalid mapping file: {other}"), None),
        };
        let location = marker.map(|m| source.location_at_line(m.line(), m.column(), 1));
        Diagnostics::from(Diagnostic::error(message).at_opt(location))
    })?;
    dotations_params::located::single_document(source, "a mapping file holds the mapping of one year")?;
    let reader = Reader { model, source, diagnostics: Diagnostics::new() };
    reader.mapping(&root)
}

struct Reader<'a> {
    model: &'a Model,
    source: &'a SourceText,
    diagnostics: Diagnostics,
}

const TOP_KEYS: [&str; 6] = ["year", "file", "inputs", "previous", "published", "ignored"];
const ENTRY_KEYS: [&str; 17] = [
    "column",
    "type",
    "empty",
    "true",
    "false",
    "codes",
    "derive",
    "prefixes",
    "columns",
    "in",
    "value",
    "missing",
    "group",
    "test",
    "not_provided",
    "why",
    "note",
];
const TYPES: [&str; 7] = ["number", "integer", "percent", "boolean", "enum", "code", "text"];
const DERIVATIONS: [&str; 6] = ["prefix", "same_code", "lookup", "group_max", "sum", "value_if_positive"];

impl Reader<'_> {
    fn mapping(mut self, root: &Node) -> Result<Mapping, Diagnostics> {
        let path = self.source.path().to_string();
        let Some(top) = root.as_mapping() else {
            return Err(Diagnostic::error("a mapping file holds `key: value` lines at its top level")
                .at(self.node(root))
                .into());
        };
        self.unknown_keys(top, &TOP_KEYS, "a mapping file");
        let year = match top.get_node("year") {
            Some(node) => self.year(node),
            None => {
                self.diagnostics.push(
                    Diagnostic::error("the mapping file does not say its year")
                        .at(self.source.location_at_line(1, 1, 1))
                        .with_help("add `year: 2025` (the year of the DGCL file it describes)"),
                );
                None
            }
        };
        let (code, name) = self.file_section(top);
        let inputs = self.entries(top, "inputs");
        let previous = self.entries(top, "previous");
        let published = self.entries(top, "published");
        let ignored = self.ignored(top);
        if self.diagnostics.has_errors() {
            return Err(self.diagnostics);
        }
        let (Some(year), Some(code)) = (year, code) else { return Err(self.diagnostics) };
        Ok(Mapping { path, year, code, name, inputs, previous, published, ignored })
    }

    fn year(&mut self, node: &Node) -> Option<i32> {
        let scalar = self.scalar(node, "`year`")?;
        match scalar.as_str().trim().parse::<i32>() {
            Ok(year) => Some(year),
            Err(_) => {
                self.diagnostics.push(
                    Diagnostic::error(format!("`year` must be a year, not `{}`", scalar.as_str())).at(self.at(scalar)),
                );
                None
            }
        }
    }

    /// `file: {code: COLUMN, name: COLUMN}`.
    fn file_section(&mut self, top: &MarkedMappingNode) -> (Option<Column>, Option<Column>) {
        let Some(node) = top.get_node("file") else {
            self.diagnostics.push(
                Diagnostic::error("the mapping file does not name the column of the commune code")
                    .at(self.source.location_at_line(1, 1, 1))
                    .with_help("add `file:` with `code: \"Informations générales - Code INSEE de la commune\"`"),
            );
            return (None, None);
        };
        let Some(file) = self.expect_mapping(node, "`file`") else { return (None, None) };
        self.unknown_keys(file, &["code", "name"], "`file`");
        let code = match file.get_node("code") {
            Some(node) => self.column(node),
            None => {
                self.diagnostics.push(
                    Diagnostic::error("`file` must name the column of the commune code (`code:`)").at(self.node(node)),
                );
                None
            }
        };
        let name = file.get_node("name").and_then(|node| self.column(node));
        (code, name)
    }

    fn entries(&mut self, top: &MarkedMappingNode, section: &str) -> Vec<Entry> {
        let Some(node) = top.get_node(section) else { return Vec::new() };
        let Some(entries) = self.expect_mapping(node, &format!("`{section}`")) else { return Vec::new() };
        let mut result = Vec::new();
        for (key, node) in entries.iter() {
            let name = key.as_str().trim();
            let Some(var) = self.model.variable_id(name) else {
                self.diagnostics.push(
                    Diagnostic::error(format!("unknown variable `{name}` in `{section}`"))
                        .at(self.at(key))
                        .with_help_opt(did_you_mean(name, self.model.variables.iter().map(|v| v.name.as_str()))),
                );
                continue;
            };
            if let Some(entry) = self.entry(var, key, node) {
                result.push(entry);
            }
        }
        result
    }

    fn entry(&mut self, var: VarId, key: &MarkedScalarNode, node: &Node) -> Option<Entry> {
        let name = &self.model.variables[var].name;
        let what = format!("the entry of `{name}`");
        let fields = self.expect_mapping(node, &what)?;
        self.unknown_keys(fields, &ENTRY_KEYS, &what);
        let why = fields.get_scalar("why").map(|s| s.as_str().trim().to_string());
        let location = self.at(key);
        let rule = if let Some(value) = fields.get_node("not_provided") {
            self.not_provided(var, value)?
        } else if let Some(derive) = fields.get_node("derive") {
            self.derivation(var, fields, derive)?
        } else if let Some(column) = fields.get_node("column") {
            let column = self.column(column)?;
            let conversion = self.conversion(var, fields, key)?;
            let empty = match fields.get_node("empty") {
                Some(node) => Some(self.value_for(var, node)?),
                None => None,
            };
            Rule::Column { column, conversion, empty }
        } else {
            self.diagnostics.push(
                Diagnostic::error(format!("{what} says neither `column`, `derive` nor `not_provided`"))
                    .at(location.clone())
                    .with_help(
                        "name the DGCL column (`column: \"…\"` and `type:`), a derivation, or `not_provided: 0`",
                    ),
            );
            return None;
        };
        Some(Entry { var, rule, why, location })
    }

    /// The conversion of a column entry, checked against the variable's type.
    fn conversion(&mut self, var: VarId, fields: &MarkedMappingNode, key: &MarkedScalarNode) -> Option<Conversion> {
        let variable = &self.model.variables[var];
        let Some(type_node) = fields.get_node("type") else {
            self.diagnostics.push(
                Diagnostic::error(format!("the entry of `{}` does not say how to convert the column", variable.name))
                    .at(self.at(key))
                    .with_help(format!("add `type:` — one of {}", TYPES.join(", "))),
            );
            return None;
        };
        let scalar = self.scalar(type_node, "`type`")?;
        let kind = variable.value_type.kind();
        let conversion = match scalar.as_str().trim() {
            "number" => Conversion::Number,
            "integer" => Conversion::Integer,
            "percent" => Conversion::Percent,
            "code" => Conversion::Code,
            "text" => Conversion::Text,
            "boolean" => Conversion::Boolean {
                truthy: self.words(fields.get_node("true")).unwrap_or_else(|| vec!["OUI".to_string()]),
                falsy: self.words(fields.get_node("false")).unwrap_or_else(|| vec!["NON".to_string()]),
            },
            "enum" => {
                let Kind::Enum(enumeration) = kind else {
                    return self.type_mismatch(scalar, var);
                };
                Conversion::Enum { enumeration, codes: self.codes(enumeration, fields, key)? }
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(format!("unknown conversion type `{other}`"))
                        .at(self.at(scalar))
                        .with_help_opt(did_you_mean(other, TYPES.iter().copied()))
                        .with_note(format!("the types are: {}", TYPES.join(", "))),
                );
                return None;
            }
        };
        let fits = match &conversion {
            Conversion::Number | Conversion::Integer | Conversion::Percent => kind == Kind::Number,
            // A yes/no column may feed a number variable as 1/0 (the model declares some
            // eligibilities as numbers).
            Conversion::Boolean { .. } => kind == Kind::Bool || kind == Kind::Number,
            Conversion::Enum { .. } => true,
            Conversion::Code | Conversion::Text => kind == Kind::Text,
        };
        if fits {
            Some(conversion)
        } else {
            self.type_mismatch(scalar, var)
        }
    }

    fn type_mismatch<T>(&mut self, scalar: &MarkedScalarNode, var: VarId) -> Option<T> {
        let variable = &self.model.variables[var];
        self.diagnostics.push(
            Diagnostic::error(format!(
                "`type: {}` does not fit `{}`, a {} variable",
                scalar.as_str().trim(),
                variable.name,
                variable.value_type.name()
            ))
            .at(self.at(scalar)),
        );
        None
    }

    /// `codes: {"1": item, …}` of an enum conversion.
    fn codes(
        &mut self,
        enumeration: usize,
        fields: &MarkedMappingNode,
        key: &MarkedScalarNode,
    ) -> Option<Vec<(String, usize)>> {
        let enum_type = &self.model.enums[enumeration];
        let Some(node) = fields.get_node("codes") else {
            self.diagnostics.push(
                Diagnostic::error("an `enum` conversion needs `codes:` (the code written in the file → the item)")
                    .at(self.at(key)),
            );
            return None;
        };
        let codes = self.expect_mapping(node, "`codes`")?;
        let mut result = Vec::new();
        for (code, item) in codes.iter() {
            let item = self.scalar(item, "an item")?;
            match enum_type.index_of(item.as_str().trim()) {
                Some(index) => result.push((code.as_str().trim().to_string(), index)),
                None => self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is not an item of `{}`", item.as_str().trim(), enum_type.name))
                        .at(self.at(item))
                        .with_help_opt(did_you_mean(
                            item.as_str().trim(),
                            enum_type.items.iter().map(|i| i.name.as_str()),
                        )),
                ),
            }
        }
        Some(result)
    }

    fn derivation(&mut self, var: VarId, fields: &MarkedMappingNode, derive: &Node) -> Option<Rule> {
        let scalar = self.scalar(derive, "`derive`")?;
        let kind = self.model.variables[var].value_type.kind();
        let (rule, expected) = match scalar.as_str().trim() {
            "prefix" => {
                let column = self.required_column(fields, "column", scalar)?;
                let prefixes = self.words(fields.get_node("prefixes")).unwrap_or_default();
                (Rule::Prefix { column, prefixes }, Kind::Bool)
            }
            "same_code" => {
                let columns = self.required_columns(fields, "columns", scalar)?;
                let [left, right] = <[Column; 2]>::try_from(columns).ok().or_else(|| {
                    self.diagnostics
                        .push(Diagnostic::error("`same_code` compares exactly two columns").at(self.at(scalar)));
                    None
                })?;
                (Rule::SameCode { left, right }, Kind::Bool)
            }
            "lookup" => {
                let column = self.required_column(fields, "column", scalar)?;
                let within = self.required_column(fields, "in", scalar)?;
                let value = self.required_column(fields, "value", scalar)?;
                let missing = match fields.get_node("missing") {
                    Some(node) => self.value_for(var, node)?,
                    None => 0.0,
                };
                (Rule::Lookup { column, within, value, missing }, Kind::Number)
            }
            "group_max" => {
                let group = self.required_column(fields, "group", scalar)?;
                let value = self.required_column(fields, "value", scalar)?;
                (Rule::GroupMax { group, value }, Kind::Number)
            }
            "sum" => (Rule::Sum(self.required_columns(fields, "columns", scalar)?), Kind::Number),
            "value_if_positive" => {
                let test = self.required_columns(fields, "test", scalar)?;
                let value = self.required_column(fields, "value", scalar)?;
                (Rule::ValueIfPositive { test, value }, Kind::Number)
            }
            other => {
                self.diagnostics.push(
                    Diagnostic::error(format!("unknown derivation `{other}`"))
                        .at(self.at(scalar))
                        .with_help_opt(did_you_mean(other, DERIVATIONS.iter().copied()))
                        .with_note(format!("the derivations are: {}", DERIVATIONS.join(", "))),
                );
                return None;
            }
        };
        if kind != expected {
            return self.type_mismatch(scalar, var);
        }
        Some(rule)
    }

    fn required_column(&mut self, fields: &MarkedMappingNode, key: &str, derive: &MarkedScalarNode) -> Option<Column> {
        match fields.get_node(key) {
            Some(node) => self.column(node),
            None => {
                self.diagnostics.push(
                    Diagnostic::error(format!("`derive: {}` needs `{key}:`", derive.as_str().trim()))
                        .at(self.at(derive)),
                );
                None
            }
        }
    }

    fn required_columns(
        &mut self,
        fields: &MarkedMappingNode,
        key: &str,
        derive: &MarkedScalarNode,
    ) -> Option<Vec<Column>> {
        let Some(node) = fields.get_node(key) else {
            self.diagnostics.push(
                Diagnostic::error(format!("`derive: {}` needs `{key}:` (a list of columns)", derive.as_str().trim()))
                    .at(self.at(derive)),
            );
            return None;
        };
        let items: Vec<&Node> = match node {
            Node::Sequence(sequence) => sequence.iter().collect(),
            other => vec![other],
        };
        items.into_iter().map(|item| self.column(item)).collect()
    }

    /// A value given in the mapping (`not_provided`, `empty`, `missing`), typed by the variable.
    fn value_for(&mut self, var: VarId, node: &Node) -> Option<f64> {
        let scalar = self.scalar(node, "a value")?;
        let text = scalar.as_str().trim();
        let variable = &self.model.variables[var];
        if text == "default" {
            return Some(variable.default);
        }
        let value = match variable.value_type.kind() {
            // `nan` and `inf` parse, but no criterion is such a number.
            Kind::Number => text.replace('_', "").parse::<f64>().ok().filter(|v| v.is_finite()),
            Kind::Bool => match text {
                "true" => Some(1.0),
                "false" => Some(0.0),
                _ => None,
            },
            Kind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(date_to_days),
            Kind::Enum(e) => self.model.enums[e].index_of(text).map(|i| i as f64),
            Kind::Text => None,
        };
        if value.is_none() {
            self.diagnostics.push(
                Diagnostic::error(format!(
                    "`{text}` is not a value of `{}` ({})",
                    variable.name,
                    variable.value_type.name()
                ))
                .at(self.at(scalar))
                .with_help("write a value of the variable's type, or `default` for its default value"),
            );
        }
        value
    }

    fn not_provided(&mut self, var: VarId, node: &Node) -> Option<Rule> {
        self.value_for(var, node).map(Rule::NotProvided)
    }

    /// `ignored: {COLUMN: why, …}`.
    fn ignored(&mut self, top: &MarkedMappingNode) -> Vec<(String, String)> {
        let Some(node) = top.get_node("ignored") else { return Vec::new() };
        let Some(ignored) = self.expect_mapping(node, "`ignored`") else { return Vec::new() };
        ignored
            .iter()
            .map(|(column, why)| {
                let why = why.as_scalar().map(|s| s.as_str().trim().to_string()).unwrap_or_default();
                (column.as_str().trim().to_string(), why)
            })
            .collect()
    }

    fn column(&mut self, node: &Node) -> Option<Column> {
        let scalar = self.scalar(node, "a column name")?;
        Some(Column { name: scalar.as_str().trim().to_string(), location: self.at(scalar) })
    }

    /// A list of words (`[OUI, Oui]`), or one word.
    fn words(&mut self, node: Option<&Node>) -> Option<Vec<String>> {
        let items: Vec<&Node> = match node? {
            Node::Sequence(sequence) => sequence.iter().collect(),
            other => vec![other],
        };
        Some(items.into_iter().filter_map(|n| n.as_scalar().map(|s| s.as_str().trim().to_string())).collect())
    }

    fn scalar<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedScalarNode> {
        match node {
            Node::Scalar(scalar) => Some(scalar),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(format!("{what} must be a single value, not a mapping or a list"))
                        .at(self.node(node)),
                );
                None
            }
        }
    }

    fn expect_mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n MarkedMappingNode> {
        match node {
            Node::Mapping(mapping) => Some(mapping),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(format!("{what} must be a mapping (`key: value` lines)")).at(self.node(node)),
                );
                None
            }
        }
    }

    fn unknown_keys(&mut self, mapping: &MarkedMappingNode, allowed: &[&str], what: &str) {
        for key in mapping.keys() {
            if !allowed.contains(&key.as_str()) {
                self.diagnostics.push(
                    Diagnostic::error(format!("unknown key `{}` in {what}", key.as_str()))
                        .at(self.at(key))
                        .with_help_opt(did_you_mean(key.as_str(), allowed.iter().copied()))
                        .with_note(format!("the keys of {what} are: {}", allowed.join(", "))),
                );
            }
        }
    }

    fn at(&self, scalar: &MarkedScalarNode) -> Location {
        let length = scalar.as_str().lines().next().map_or(1, |l| l.chars().count());
        match scalar.span().start() {
            Some(marker) => self.source.location_at_line(marker.line(), marker.column(), length),
            None => self.source.location_at_line(1, 1, 1),
        }
    }

    fn node(&self, node: &Node) -> Location {
        match node {
            Node::Scalar(scalar) => self.at(scalar),
            Node::Mapping(mapping) => match mapping.keys().next() {
                Some(key) => self.at(key),
                None => self.source.location_at_line(1, 1, 1),
            },
            Node::Sequence(sequence) => match sequence.span().start() {
                Some(marker) => self.source.location_at_line(marker.line(), marker.column(), 1),
                None => self.source.location_at_line(1, 1, 1),
            },
        }
    }
}
