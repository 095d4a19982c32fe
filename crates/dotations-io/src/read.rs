//! Reading an input table into a [`Dataset`].

use std::io::Read;

use rayon::prelude::*;
use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
use dotations_engine::model::{date_to_days, Kind, Model, ValueType, VarId};
use dotations_engine::Dataset;

/// What a column of the input table holds.
#[derive(Debug, Clone, PartialEq)]
pub enum TableColumn {
    /// A variable for a year (`year` is the table's year or the previous one).
    Variable { var: VarId, year: i32 },
    /// A column declared in the rules (a variable at a year computed per row).
    Declared(usize),
    /// Not a variable of the model: kept as text and written back.
    Other(Vec<String>),
}

/// A table read into a dataset, with what is needed to write it back.
pub struct InputTable {
    pub dataset: Dataset,
    /// The columns in file order, with their header.
    pub columns: Vec<(String, TableColumn)>,
}

/// Reads a CSV file (`.gz` allowed) for `year`.
pub fn read_table(model: &Model, path: &Path, year: i32) -> Result<InputTable, Diagnostics> {
    let file = std::fs::File::open(path)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {}: {e}", path.display()))))?;
    let name = path.display().to_string();
    if path.extension().is_some_and(|e| e == "gz") {
        read_table_from(model, flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)), &name, year)
    } else {
        read_table_from(model, file, &name, year)
    }
}

/// How to parse the cells of a column.
#[derive(Clone, Copy, PartialEq)]
enum CellKind {
    Number,
    Bool,
    Date,
    Enum(usize),
    Text,
}

/// At most this many cell errors are reported: past that, the file is surely of another format.
const MAX_CELL_ERRORS: usize = 20;

/// Reads a CSV table from any reader; `name` is used in messages.
pub fn read_table_from(model: &Model, mut reader: impl Read, name: &str, year: i32) -> Result<InputTable, Diagnostics> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {name}: {e}"))))?;
    parse_table(model, &bytes, name, year)
}

/// The cells of one part of the table, parsed (parts are parsed in parallel).
struct Part {
    values: Vec<Vec<f64>>,
    texts: Vec<Vec<String>>,
    rows: usize,
    diagnostics: Vec<Diagnostic>,
    cell_errors: usize,
}

/// Parses a whole table held in memory.
pub fn parse_table(model: &Model, bytes: &[u8], name: &str, year: i32) -> Result<InputTable, Diagnostics> {
    let header_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..header_end]);
    let headers = csv
        .byte_headers()
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read the header of {name}: {e}"))))?
        .clone();
    let mut diagnostics = Diagnostics::new();
    let header_location = |column: usize| Location::new(name, 1, column + 1);
    let mut specs = Vec::with_capacity(headers.len());
    let mut seen = std::collections::HashSet::new();
    for (index, header) in headers.iter().enumerate() {
        let header = String::from_utf8_lossy(header).trim().to_string();
        if !seen.insert(header.clone()) {
            diagnostics.push(Diagnostic::error(format!("column `{header}` appears twice")).at(header_location(index)));
        }
        specs.push((header.clone(), interpret_header(model, &header, year)));
    }
    let kinds: Vec<CellKind> = specs.iter().map(|(_, spec)| cell_kind(model, spec)).collect();
    let headers: Vec<&str> = specs.iter().map(|(h, _)| h.as_str()).collect();
    let body = &bytes[header_end..];
    let parts: Vec<Part> = split_lines(body, 2)
        .into_par_iter()
        .map(|(start, end, first_line)| parse_part(model, &headers, &kinds, &body[start..end], first_line, name))
        .collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); specs.len()];
    let mut texts: Vec<Vec<String>> = vec![Vec::new(); specs.len()];
    let mut row = 0usize;
    let mut cell_errors = 0usize;
    for part in parts {
        for (column, part_values) in part.values.into_iter().enumerate() {
            values[column].extend(part_values);
        }
        for (column, part_texts) in part.texts.into_iter().enumerate() {
            texts[column].extend(part_texts);
        }
        row += part.rows;
        cell_errors += part.cell_errors;
        for diagnostic in part.diagnostics {
            if diagnostics.len() <= MAX_CELL_ERRORS {
                diagnostics.push(diagnostic);
            }
        }
    }
    if cell_errors > MAX_CELL_ERRORS {
        diagnostics
            .push(Diagnostic::error(format!("… and {} more cells that cannot be read", cell_errors - MAX_CELL_ERRORS)));
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let ids = identifiers(model, &specs, &texts, row);
    let mut dataset = Dataset::single_group(model, ids);
    let mut columns = Vec::with_capacity(specs.len());
    for (column, (header, spec)) in specs.into_iter().enumerate() {
        let values = std::mem::take(&mut values[column]);
        let texts = std::mem::take(&mut texts[column]);
        let stored = match &spec {
            Spec::Variable { var, year } if matches!(model.variables[*var].value_type, ValueType::Text) => {
                dataset.set_text(model, *var, *year, texts).map(|_| TableColumn::Variable { var: *var, year: *year })
            }
            Spec::Variable { var, year } if model.entities[model.variables[*var].entity].is_group() => {
                let Some(value) = national_value(&values) else {
                    let group = &model.entities[model.variables[*var].entity].name;
                    diagnostics.push(
                        Diagnostic::error(format!("column `{header}` holds a value per {group}, but its rows differ"))
                            .at(header_location(column))
                            .with_help("a national value given in the commune table must be the same in every row"),
                    );
                    continue;
                };
                dataset
                    .set_input(model, *var, *year, vec![value])
                    .map(|_| TableColumn::Variable { var: *var, year: *year })
            }
            Spec::Variable { var, year } => {
                dataset.set_input(model, *var, *year, values).map(|_| TableColumn::Variable { var: *var, year: *year })
            }
            Spec::Declared(index) => dataset.set_column(model, *index, values).map(|_| TableColumn::Declared(*index)),
            Spec::Other => Ok(TableColumn::Other(texts)),
        };
        match stored {
            Ok(stored) => columns.push((header, stored)),
            Err(e) => diagnostics.push(Diagnostic::error(format!("{name}: {e}"))),
        }
    }
    diagnostics.into_result(InputTable { dataset, columns })
}

/// Cuts a table's body into about `parts` pieces of whole lines, with the line number each starts
/// at (the header is line 1). A body with quotes is kept whole: a quoted cell may span lines.
fn split_lines(body: &[u8], parts: usize) -> Vec<(usize, usize, usize)> {
    if parts <= 1 || body.len() < (1 << 20) || memchr::memchr(b'"', body).is_some() {
        return vec![(0, body.len(), 2)];
    }
    let mut pieces = Vec::with_capacity(parts);
    let (mut start, mut line) = (0, 2);
    for k in 1..parts {
        let target = body.len() * k / parts;
        let Some(offset) = memchr::memchr(b'\n', &body[target.max(start)..]) else { break };
        let end = target.max(start) + offset + 1;
        pieces.push((start, end, line));
        line += memchr::memchr_iter(b'\n', &body[start..end]).count();
        start = end;
    }
    pieces.push((start, body.len(), line));
    pieces
}

/// Parses whole lines of a table into columns, with located errors.
fn parse_part(
    model: &Model,
    headers: &[&str],
    kinds: &[CellKind],
    bytes: &[u8],
    first_line: usize,
    name: &str,
) -> Part {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    let mut part = Part {
        values: vec![Vec::new(); kinds.len()],
        texts: vec![Vec::new(); kinds.len()],
        rows: 0,
        diagnostics: Vec::new(),
        cell_errors: 0,
    };
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                part.diagnostics.push(Diagnostic::error(format!("{name}: malformed CSV: {e}")));
                break;
            }
        }
        part.rows += 1;
        let line = record.position().map_or(part.rows, |p| p.line() as usize) + first_line - 1;
        let row = line - 1;
        if record.len() != kinds.len() {
            part.diagnostics.push(
                Diagnostic::error(format!("row {row} has {} cells but the header has {}", record.len(), kinds.len()))
                    .at(Location::new(name, line, 1)),
            );
            break;
        }
        for (column, cell) in record.iter().enumerate() {
            match kinds[column] {
                CellKind::Text => part.texts[column].push(String::from_utf8_lossy(cell).into_owned()),
                kind => match parse_cell(model, kind, cell) {
                    Ok(v) => part.values[column].push(v),
                    Err(expected) => {
                        part.values[column].push(f64::NAN);
                        part.cell_errors += 1;
                        if part.cell_errors <= MAX_CELL_ERRORS {
                            let text = String::from_utf8_lossy(cell);
                            let header = headers[column];
                            part.diagnostics.push(
                                Diagnostic::error(format!("row {row}, column `{header}`: `{text}` is not {expected}"))
                                    .at(Location::new(name, line, column + 1))
                                    .with_help_opt(enum_help(model, kind, &text)),
                            );
                        }
                    }
                },
            }
        }
    }
    part
}

/// The value of a national (État) column given in the commune table: the same in every row.
fn national_value(values: &[f64]) -> Option<f64> {
    let first = *values.first()?;
    values.iter().all(|v| v.to_bits() == first.to_bits()).then_some(first)
}

/// What a header names, before reading cells.
enum Spec {
    Variable { var: VarId, year: i32 },
    Declared(usize),
    Other,
}

fn interpret_header(model: &Model, header: &str, year: i32) -> Spec {
    if let Some(var) = model.variable_id(header) {
        return Spec::Variable { var, year };
    }
    if let Some(base) = header.strip_suffix("__prev") {
        if let Some(var) = model.variable_id(base) {
            return Spec::Variable { var, year: year - 1 };
        }
    }
    if let Some(index) = model.columns.iter().position(|c| c.name == header) {
        return Spec::Declared(index);
    }
    Spec::Other
}

fn cell_kind(model: &Model, spec: &Spec) -> CellKind {
    let var = match spec {
        Spec::Variable { var, .. } => *var,
        Spec::Declared(index) => model.columns[*index].var,
        Spec::Other => return CellKind::Text,
    };
    match model.variables[var].value_type.kind() {
        Kind::Number => CellKind::Number,
        Kind::Bool => CellKind::Bool,
        Kind::Date => CellKind::Date,
        Kind::Enum(e) => CellKind::Enum(e),
        Kind::Text => CellKind::Text,
    }
}

fn parse_cell(model: &Model, kind: CellKind, cell: &[u8]) -> Result<f64, &'static str> {
    if let CellKind::Number = kind {
        // Straight from the bytes: numbers are most of the table.
        return fast_float2::parse(cell.trim_ascii()).map_err(|_| "a number");
    }
    let text = std::str::from_utf8(cell).map_err(|_| "valid UTF-8")?.trim();
    match kind {
        CellKind::Number => unreachable!("parsed above"),
        CellKind::Bool => match text {
            "1" | "true" | "True" | "TRUE" | "1.0" => Ok(1.0),
            "0" | "false" | "False" | "FALSE" | "0.0" => Ok(0.0),
            _ => Err("a boolean (0 or 1)"),
        },
        CellKind::Date => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(date_to_days).map_err(|_| "a date (YYYY-MM-DD)")
        }
        CellKind::Enum(e) => model.enums[e].index_of(text).map(|i| i as f64).ok_or("an item of the enumeration"),
        CellKind::Text => Ok(0.0),
    }
}

fn enum_help(model: &Model, kind: CellKind, text: &str) -> Option<String> {
    let CellKind::Enum(e) = kind else { return None };
    let items = &model.enums[e].items;
    did_you_mean(text, items.iter().map(|i| i.name.as_str())).or_else(|| {
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        Some(format!("the items of `{}` are: {}", model.enums[e].name, names.join(", ")))
    })
}

/// Row identifiers: the `code_insee` column when there is one, else row numbers.
fn identifiers(model: &Model, specs: &[(String, Spec)], texts: &[Vec<String>], rows: usize) -> Vec<String> {
    let code = specs.iter().position(|(header, _)| header == "code_insee");
    match code {
        Some(column) if texts[column].len() == rows => texts[column].clone(),
        _ => {
            let _ = model;
            (1..=rows).map(|i| format!("row {i}")).collect()
        }
    }
}
