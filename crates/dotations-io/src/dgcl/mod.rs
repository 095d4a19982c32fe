//! The DGCL's per-commune criteria files ("critères de répartition"), read as published.
//!
//! One CSV a year, one row per commune, French column headers, `,` between cells and `,` as the
//! decimal mark (numbers with decimals are quoted). A mapping file per year ([`Mapping`], in
//! `data/dgcl/YEAR.yaml`) says which column feeds which variable and how a cell is converted;
//! some variables are derived from several columns (a commune's canton chief town, the largest
//! commune of its agglomeration…) and some are not in the file at all (the mapping says which
//! value they take, and why).
//!
//! A file gives three things: the year's inputs ([`read_inputs`]), the previous-year values of
//! the *next* year's computation ([`add_previous`], from the `previous` section of the file's
//! own mapping) and the DGCL's results ([`read_published`]), to compare with the engine's.
//! Every error names the mapping file's line or the data file's row and column.

mod derive;
mod mapping;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
use dotations_engine::model::{Model, ValueType, VarId};
use dotations_engine::Dataset;

pub use mapping::{load_mapping, Column, Conversion, Entry, Mapping, Rule};

use crate::{InputTable, TableColumn};

/// A DGCL file read whole, as text cells.
#[derive(Debug, Clone)]
pub struct DgclFile {
    /// The file, as named to the user.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The line of each row in the file (for messages).
    pub lines: Vec<usize>,
}

/// At most this many cell errors are reported: past that, the mapping surely does not fit.
const MAX_CELL_ERRORS: usize = 20;

/// Reads a DGCL file. UTF-8 (with or without a byte-order mark) or, failing that, Latin-1; the
/// separator is `,`, or `;` when the header holds more `;` than `,`.
pub fn read_file(path: &Path) -> Result<DgclFile, Diagnostics> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {}: {e}", path.display()))))?;
    read_bytes(&bytes, &path.display().to_string())
}

/// Reads a DGCL file from its bytes; `name` is used in messages.
pub fn read_bytes(bytes: &[u8], name: &str) -> Result<DgclFile, Diagnostics> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        // Latin-1: every byte is the character of the same number.
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first_line = text.lines().next().unwrap_or_default();
    let separator = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(separator).has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read the header of {name}: {e}"))))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut diagnostics = Diagnostics::new();
    let mut seen = HashSet::new();
    for (index, header) in headers.iter().enumerate() {
        if !seen.insert(header) {
            diagnostics.push(Diagnostic::error(format!("column `{header}` appears twice")).at(Location::new(
                name,
                1,
                index + 1,
            )));
        }
    }
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    // Lines are counted from the records' byte offsets: the reader's own line count is off by
    // one in files with `\r\n` line ends, as the DGCL's are.
    let (mut counted_to, mut line_at) = (0usize, 1usize);
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                diagnostics.push(Diagnostic::error(format!("{name}: malformed CSV: {e}")));
                break;
            }
        };
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize).min(text.len());
        // After a `\r`, the reader places the next record on the `\n` that ends the line.
        while text.as_bytes().get(start).is_some_and(|b| *b == b'\n' || *b == b'\r') {
            start += 1;
        }
        line_at += text.as_bytes()[counted_to.min(start)..start].iter().filter(|b| **b == b'\n').count();
        counted_to = counted_to.max(start);
        let line = line_at;
        if record.len() != headers.len() {
            diagnostics.push(
                Diagnostic::error(format!(
                    "row {} has {} cells but the header has {}",
                    rows.len() + 1,
                    record.len(),
                    headers.len()
                ))
                .at(Location::new(name, line, 1))
                .with_help("a number with a decimal comma must be quoted: \"1234,56\""),
            );
            return Err(diagnostics);
        }
        rows.push(record.iter().map(str::to_string).collect());
        lines.push(line);
    }
    if rows.is_empty() && !diagnostics.has_errors() {
        diagnostics.push(
            Diagnostic::error(format!("{name} has a header but no rows"))
                .at(Location::new(name, 1, 1))
                .with_help("give the DGCL file with its communes, one row each"),
        );
    }
    diagnostics.into_result(DgclFile { name: name.to_string(), headers, rows, lines })
}

impl DgclFile {
    /// The index of a column the mapping names, or an error at the mapping's line.
    pub fn index(&self, column: &Column, mapping: &Mapping) -> Result<usize, Diagnostic> {
        self.headers.iter().position(|h| *h == column.name).ok_or_else(|| {
            Diagnostic::error(format!("column `{}` of the mapping is not in {}", column.name, self.name))
                .at(column.location.clone())
                .with_help_opt(did_you_mean(&column.name, self.headers.iter().map(String::as_str)))
                .with_note(format!(
                    "{} is the mapping for {}; a column renamed from one year to the next is fixed in that file",
                    mapping.path, mapping.year
                ))
        })
    }

    /// The location of a cell, for messages.
    fn cell_location(&self, row: usize, column: usize) -> Location {
        Location::new(self.name.as_str(), self.lines[row], column + 1)
    }

    /// The commune codes of every row, checked to be unique.
    pub fn codes(&self, mapping: &Mapping) -> Result<Vec<String>, Diagnostics> {
        let column = self.index(&mapping.code, mapping)?;
        let codes: Vec<String> = self.rows.iter().map(|row| normalize_code(&row[column])).collect();
        crate::read::check_codes(&codes, |row| self.cell_location(row, column)).into_result(codes)
    }

    /// Headers that no entry of the mapping uses and that it does not list as ignored.
    pub fn unmapped_columns(&self, mapping: &Mapping) -> Vec<String> {
        let mut used: HashSet<&str> = mapping.ignored.iter().map(|(c, _)| c.as_str()).collect();
        used.insert(&mapping.code.name);
        used.extend(mapping.name.iter().map(|c| c.name.as_str()));
        for entry in mapping.inputs.iter().chain(&mapping.previous).chain(&mapping.published) {
            used.extend(derive::columns(&entry.rule).into_iter().map(|c| c.name.as_str()));
        }
        self.headers.iter().filter(|h| !used.contains(h.as_str())).cloned().collect()
    }
}

/// A commune code as the model writes it: trimmed, padded with zeros to 5 characters when
/// numeric (a spreadsheet turns `01004` into `1004`).
pub fn normalize_code(text: &str) -> String {
    let text = text.trim();
    if !text.is_empty() && text.len() < 5 && text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{text:0>5}")
    } else {
        text.to_string()
    }
}

/// The values of one entry over the rows of a file.
#[derive(Debug, Clone)]
pub enum Values {
    Numbers(Vec<f64>),
    Texts(Vec<String>),
}

/// What reading a file did beyond copying cells, one line per variable, for the user.
pub type Report = Vec<String>;

/// Reads the year's inputs: a table whose rows are the file's communes, in its order.
pub fn read_inputs(
    model: &Model,
    mapping: &Mapping,
    file: &DgclFile,
    year: i32,
) -> Result<(InputTable, Report), Diagnostics> {
    let codes = file.codes(mapping)?;
    let mut diagnostics = Diagnostics::new();
    if mapping.year != year {
        diagnostics.push(
            Diagnostic::error(format!("{} is the mapping for {}, not {year}", mapping.path, mapping.year))
                .with_help(format!("use the mapping of {year} (data/dgcl/{year}.yaml)")),
        );
        return Err(diagnostics);
    }
    let mut dataset = Dataset::single_group(model, codes);
    let mut columns = Vec::new();
    let mut report = Report::new();
    for entry in &mapping.inputs {
        let values = match derive::evaluate(model, entry, file, mapping) {
            Ok(values) => values,
            Err(errors) => {
                diagnostics.extend(errors);
                continue;
            }
        };
        report.extend(describe(model, entry));
        let name = model.variables[entry.var].name.clone();
        match store(model, &mut dataset, entry.var, year, values) {
            Ok(()) => columns.push((name, TableColumn::Variable { var: entry.var, year })),
            Err(e) => diagnostics.push(e.at(entry.location.clone())),
        }
    }
    diagnostics.one_per_place().into_result((InputTable { dataset, columns }, report))
}

/// Adds to `table` the previous-year values that `file` (the DGCL file of `year`, the year
/// before the table's) gives, from the `previous` section of its mapping. Communes are joined on
/// their code; a commune of the table absent from the file gets 0 (said in the report).
pub fn add_previous(
    model: &Model,
    table: &mut InputTable,
    mapping: &Mapping,
    file: &DgclFile,
    year: i32,
) -> Result<Report, Diagnostics> {
    if mapping.year != year {
        return Err(Diagnostic::error(format!(
            "{} is the mapping for {}, but the previous-year file is read for {year}",
            mapping.path, mapping.year
        ))
        .into());
    }
    if mapping.previous.is_empty() {
        return Err(Diagnostic::error(format!("{} has no `previous` section", mapping.path))
            .with_help("the `previous` section says which columns of this year's file feed the next year")
            .into());
    }
    let codes = file.codes(mapping)?;
    let position: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let person = model.person_entity();
    let ids = table.dataset.ids(person).to_vec();
    let rows: Vec<Option<usize>> = ids.iter().map(|code| position.get(code.as_str()).copied()).collect();
    let mut report = Report::new();
    let absent: Vec<&str> = ids.iter().zip(&rows).filter(|(_, r)| r.is_none()).map(|(c, _)| c.as_str()).collect();
    if !absent.is_empty() {
        report.push(format!(
            "{} communes are not in {} (their {year} values are 0): {}",
            absent.len(),
            file.name,
            abbreviate(&absent)
        ));
    }
    let mut diagnostics = Diagnostics::new();
    for entry in &mapping.previous {
        let variable = &model.variables[entry.var];
        if variable.period == dotations_engine::model::PeriodKind::Eternal {
            diagnostics.push(
                Diagnostic::error(format!(
                    "`{}` has one value for all years: it has no previous-year value",
                    variable.name
                ))
                .at(entry.location.clone()),
            );
            continue;
        }
        let values = match derive::evaluate(model, entry, file, mapping) {
            Ok(Values::Numbers(values)) => values,
            Ok(Values::Texts(_)) => continue,
            Err(errors) => {
                diagnostics.extend(errors);
                continue;
            }
        };
        let joined: Vec<f64> = rows.iter().map(|row| row.map_or(0.0, |r| values[r])).collect();
        match store(model, &mut table.dataset, entry.var, year, Values::Numbers(joined)) {
            Ok(()) => {
                table.columns.push((format!("{}__prev", variable.name), TableColumn::Variable { var: entry.var, year }))
            }
            Err(e) => diagnostics.push(e.at(entry.location.clone())),
        }
        report.extend(describe(model, entry).map(|line| format!("{line} ({year}, from {})", file.name)));
    }
    diagnostics.one_per_place().into_result(report)
}

/// One published (DGCL-computed) column, aligned with the file's rows.
#[derive(Debug, Clone)]
pub struct Published {
    pub var: VarId,
    /// The column (or, for a derivation, the mapping's description of it).
    pub column: String,
    pub values: Vec<f64>,
}

/// Reads the DGCL's results listed in the `published` section.
pub fn read_published(model: &Model, mapping: &Mapping, file: &DgclFile) -> Result<Vec<Published>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut published = Vec::new();
    for entry in &mapping.published {
        let column = match &entry.rule {
            Rule::Column { column, .. } => column.name.clone(),
            _ => format!("derived ({})", model.variables[entry.var].name),
        };
        match derive::evaluate(model, entry, file, mapping) {
            Ok(Values::Numbers(values)) => published.push(Published { var: entry.var, column, values }),
            Ok(Values::Texts(_)) => {}
            Err(errors) => diagnostics.extend(errors),
        }
    }
    diagnostics.one_per_place().into_result(published)
}

/// Puts values into a dataset: text, a national (État) value (the same in every row), or a
/// column per commune.
fn store(model: &Model, dataset: &mut Dataset, var: VarId, year: i32, values: Values) -> Result<(), Diagnostic> {
    let variable = &model.variables[var];
    let result = match values {
        Values::Texts(texts) => dataset.set_text(model, var, year, texts),
        Values::Numbers(numbers) if model.entities[variable.entity].is_group() => {
            let first = numbers.first().copied().unwrap_or(variable.default);
            if numbers.iter().any(|v| v.to_bits() != first.to_bits()) {
                return Err(Diagnostic::error(format!(
                    "`{}` is a national value, but the rows of the file differ",
                    variable.name
                )));
            }
            dataset.set_input(model, var, year, vec![first])
        }
        Values::Numbers(numbers) => dataset.set_input(model, var, year, numbers),
    };
    result.map_err(|e| Diagnostic::error(e.to_string()))
}

/// A line for the report when an entry is not a plain column.
fn describe(model: &Model, entry: &Entry) -> Option<String> {
    let variable = &model.variables[entry.var];
    let why = entry.why.as_deref().map(|w| format!(": {w}")).unwrap_or_default();
    match &entry.rule {
        Rule::Column { .. } => None,
        Rule::NotProvided(value) => Some(format!(
            "{} = {} for every commune, not in the DGCL file{why}",
            variable.name,
            model.format_value(entry.var, *value)
        )),
        _ => Some(format!("{} derived{why}", variable.name)),
    }
}

/// The first few items of a list, then how many more.
fn abbreviate(items: &[&str]) -> String {
    let shown: Vec<&str> = items.iter().take(5).copied().collect();
    match items.len() {
        n if n > shown.len() => format!("{} … and {} more", shown.join(", "), n - shown.len()),
        _ => shown.join(", "),
    }
}

/// Whether a variable holds text (identifiers, names).
fn is_text(model: &Model, var: VarId) -> bool {
    matches!(model.variables[var].value_type, ValueType::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_padded_to_five_characters() {
        assert_eq!(normalize_code(" 1004 "), "01004");
        assert_eq!(normalize_code("2A004"), "2A004");
        assert_eq!(normalize_code("97101"), "97101");
        assert_eq!(normalize_code(""), "");
    }

    #[test]
    fn a_latin1_file_with_semicolons_and_crlf_is_read() {
        // "Superficie;Nom\r\n12,5;Ambérieu\r\n" in Latin-1 (é = 0xE9), with decimal commas
        // unquoted since `;` separates cells.
        let mut bytes = b"Superficie;Nom\r\n12,5;Amb".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"rieu\r\n3;X\r\n");
        let file = read_bytes(&bytes, "f.csv").unwrap();
        assert_eq!(file.headers, ["Superficie", "Nom"]);
        assert_eq!(file.rows[0], ["12,5", "Ambérieu"]);
        assert_eq!(file.lines, [2, 3]);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_header() {
        let file = read_bytes("\u{feff}Code,Nom\n01004,A\n".as_bytes(), "f.csv").unwrap();
        assert_eq!(file.headers[0], "Code");
    }

    #[test]
    fn a_file_of_headers_only_is_an_error() {
        let errors = read_bytes(b"Code,Nom\r\n", "f.csv").unwrap_err();
        assert_eq!(errors.to_string().lines().next(), Some("error: f.csv has a header but no rows"));
    }

    #[test]
    fn a_row_with_too_many_cells_says_to_quote_decimal_commas() {
        let errors = read_bytes(b"A,B\n1,2,5\n", "f.csv").unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("row 1 has 3 cells but the header has 2"), "{text}");
        assert!(text.contains("f.csv:2:1"), "{text}");
    }
}
