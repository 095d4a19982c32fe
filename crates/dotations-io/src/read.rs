//! Reading an input table into a [`Dataset`].

use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;
use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, Location};
use dotations_engine::model::{date_to_days, Kind, Model, PeriodKind, ValueType, VarId};
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

impl InputTable {
    /// Warnings for the columns that are no variable of the model but are close to one
    /// (`dotation_forfaitair__prev`): such a column is kept as text and written back, and the
    /// variable it was meant for is not given. Other unknown columns (a département, a note)
    /// are the user's own data, carried silently.
    pub fn misspelt_columns(&self, model: &Model, file: &str) -> Diagnostics {
        let names = || model.variables.iter().map(|v| v.name.as_str());
        let mut warnings = Diagnostics::new();
        for (index, (header, column)) in self.columns.iter().enumerate() {
            if !matches!(column, TableColumn::Other(_)) || header == "code_insee" {
                continue;
            }
            let help = match header.strip_suffix("__prev") {
                Some(base) => dotations_diagnostics::closest(base, names()).map(|n| format!("{n}__prev")),
                None => dotations_diagnostics::closest(header, names()).map(str::to_string),
            };
            if let Some(name) = help {
                warnings.push(
                    Diagnostic::warning(format!(
                        "column `{header}` is no variable of the model: its values are not used"
                    ))
                    .at(Location::new(file, 1, self.header_column(index)))
                    .with_help(format!("did you mean `{name}`?")),
                );
            }
        }
        warnings
    }

    /// The character column where the header of column `index` starts (headers unquoted).
    fn header_column(&self, index: usize) -> usize {
        self.columns[..index].iter().map(|(header, _)| header.chars().count() + 1).sum::<usize>() + 1
    }
}

/// Reads a CSV file (`.gz` allowed) for `year`.
pub fn read_table(model: &Model, path: &Path, year: i32) -> Result<InputTable, Diagnostics> {
    open_table(path)?.parse(model, year)
}

/// Starts reading a CSV file (`.gz` allowed) on a thread of its own, before the model that will
/// interpret it is ready: the file is read and decompressed while the rules load.
pub fn open_table(path: &Path) -> Result<PendingTable, Diagnostics> {
    let file = std::fs::File::open(path)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {}: {e}", path.display()))))?;
    let name = path.display().to_string();
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        PendingTable::start(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)), name)
    } else {
        PendingTable::start(file, name)
    })
}

/// The bytes of a table, being read on their own thread; [`PendingTable::parse`] interprets them.
pub struct PendingTable {
    name: String,
    blocks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    reader: std::thread::JoinHandle<()>,
}

/// Blocks read ahead of the parser: enough for a whole table of 35 000 communes to be read
/// while the rules load.
const BLOCKS_AHEAD: usize = 16;

impl PendingTable {
    /// Starts reading `reader` (its blocks wait, at most `BLOCKS_AHEAD` (16), to be parsed);
    /// `name` is used in messages.
    pub fn start(reader: impl Read + Send + 'static, name: String) -> PendingTable {
        let (sender, blocks) = std::sync::mpsc::sync_channel(BLOCKS_AHEAD);
        let reader = std::thread::spawn(move || read_blocks(reader, sender));
        PendingTable { name, blocks, reader }
    }

    /// Parses the table for `model` and `year` as its blocks arrive.
    pub fn parse(self, model: &Model, year: i32) -> Result<InputTable, Diagnostics> {
        let table = parse_blocks(model, self.blocks.into_iter(), &self.name, year);
        // The reader stops when the parser hangs up, even early on an error.
        self.reader.join().expect("the reading thread does not panic");
        table
    }
}

/// How to parse the cells of a column.
#[derive(Clone, Copy, PartialEq)]
enum CellKind {
    Number,
    /// An integer variable's: a whole number (the value computed on is the one written back).
    Integer,
    Bool,
    Date,
    Enum(usize),
    Text,
}

/// At most this many cell errors are reported: past that, the file is surely of another format.
const MAX_CELL_ERRORS: usize = 20;

/// Reads a CSV table from any reader; `name` is used in messages.
pub fn read_table_from(
    model: &Model,
    reader: impl Read + Send,
    name: &str,
    year: i32,
) -> Result<InputTable, Diagnostics> {
    // One thread reads (and decompresses) blocks; parts made of whole lines are parsed on the
    // pool as they arrive, so reading and parsing overlap.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(BLOCKS_AHEAD);
    std::thread::scope(|scope| {
        scope.spawn(move || read_blocks(reader, sender));
        parse_blocks(model, receiver.into_iter(), name, year)
    })
}

/// Parses a table arriving in blocks of bytes: the header first, then parts made of whole
/// lines, each parsed on the pool as soon as it is complete.
fn parse_blocks(
    model: &Model,
    mut blocks: impl Iterator<Item = std::io::Result<Vec<u8>>> + Send,
    name: &str,
    year: i32,
) -> Result<InputTable, Diagnostics> {
    let mut pending: Vec<u8> = Vec::new();
    let header = loop {
        if let Some(end) = memchr::memchr(b'\n', &pending) {
            break pending.drain(..=end).collect::<Vec<u8>>();
        }
        match blocks.next() {
            Some(Ok(block)) => pending.extend_from_slice(&block),
            Some(Err(e)) => return Err(Diagnostic::error(format!("cannot read {name}: {e}")).into()),
            None => break std::mem::take(&mut pending),
        }
    };
    let table = TableHeader::parse(model, &header, name, year)?;
    let parts = std::sync::Mutex::new(Vec::new());
    let mut failure = None;
    rayon::scope(|pool| {
        let (mut line, mut index) = (2, 0);
        let mut dispatch = |bytes: Vec<u8>, lines: std::ops::Range<usize>| {
            let (table, parts) = (&table, &parts);
            let count = memchr::memchr_iter(b'\n', &bytes[lines.clone()]).count();
            let (first_line, part_index) = (line, index);
            pool.spawn(move |_| {
                let part = parse_part(model, &table.headers(), &table.kinds, &bytes[lines], first_line, name);
                parts.lock().expect("parts lock").push((part_index, part));
            });
            line += count;
            index += 1;
        };
        // A block is parsed where it lies, from its first line break to its last; the line
        // that straddles two blocks is put together apart (the only bytes copied). From the
        // first quote on, a line break may be inside a quoted cell: the rest is kept whole.
        let mut straddling: Vec<u8> = std::mem::take(&mut pending);
        let mut quoted = memchr::memchr(b'"', &straddling).is_some();
        for block in blocks.by_ref() {
            let block = match block {
                Ok(block) => block,
                Err(e) => {
                    failure = Some(Diagnostic::error(format!("cannot read {name}: {e}")));
                    break;
                }
            };
            quoted = quoted || memchr::memchr(b'"', &block).is_some();
            if quoted {
                straddling.extend_from_slice(&block);
                continue;
            }
            let (Some(first), Some(last)) = (memchr::memchr(b'\n', &block), memchr::memrchr(b'\n', &block)) else {
                straddling.extend_from_slice(&block);
                continue;
            };
            straddling.extend_from_slice(&block[..=first]);
            let whole = straddling.len();
            dispatch(std::mem::replace(&mut straddling, block[last + 1..].to_vec()), 0..whole);
            let lines = first + 1..last + 1;
            if !lines.is_empty() {
                dispatch(block, lines);
            }
        }
        if !straddling.is_empty() {
            let whole = straddling.len();
            dispatch(straddling, 0..whole);
        }
    });
    if let Some(failure) = failure {
        return Err(failure.into());
    }
    let mut parts = parts.into_inner().expect("parts lock");
    parts.sort_by_key(|(index, _)| *index);
    table.assemble(model, parts.into_iter().map(|(_, part)| part).collect(), name)
}

/// Reads `reader` in blocks of about 1 MiB and sends them, then ends the channel.
fn read_blocks(mut reader: impl Read, sender: std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>) {
    loop {
        let mut block = vec![0; 1 << 20];
        let mut filled = 0;
        while filled < block.len() {
            match reader.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = sender.send(Err(e));
                    return;
                }
            }
        }
        block.truncate(filled);
        if filled == 0 || sender.send(Ok(block)).is_err() {
            return;
        }
    }
}

/// The cells of one part of the table, parsed (parts are parsed in parallel).
struct Part {
    values: Vec<Vec<f64>>,
    texts: Vec<Vec<String>>,
    rows: usize,
    /// The line of the file each row starts on (a quoted cell may span several).
    lines: Vec<u32>,
    diagnostics: Vec<Diagnostic>,
    cell_errors: usize,
}

/// Parses a whole table held in memory.
pub fn parse_table(model: &Model, bytes: &[u8], name: &str, year: i32) -> Result<InputTable, Diagnostics> {
    let header_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let table = TableHeader::parse(model, &bytes[..header_end], name, year)?;
    let body = &bytes[header_end..];
    let parts: Vec<Part> = split_lines(body, 2)
        .into_par_iter()
        .map(|(start, end, first_line)| {
            parse_part(model, &table.headers(), &table.kinds, &body[start..end], first_line, name)
        })
        .collect();
    table.assemble(model, parts, name)
}

/// What the header of a table says: each column's name, meaning and cell kind.
struct TableHeader {
    specs: Vec<(String, Spec)>,
    kinds: Vec<CellKind>,
    /// Problems of the header itself (a column named twice).
    diagnostics: Diagnostics,
}

impl TableHeader {
    fn parse(model: &Model, line: &[u8], name: &str, year: i32) -> Result<TableHeader, Diagnostics> {
        let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(line);
        let headers = csv
            .byte_headers()
            .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read the header of {name}: {e}"))))?
            .clone();
        let mut diagnostics = Diagnostics::new();
        let mut specs = Vec::with_capacity(headers.len());
        let mut seen = std::collections::HashSet::new();
        let mut given = std::collections::HashMap::new();
        for (index, header) in headers.iter().enumerate() {
            let header = String::from_utf8_lossy(header).trim().to_string();
            if !seen.insert(header.clone()) {
                let location = Location::new(name, 1, index + 1);
                diagnostics.push(Diagnostic::error(format!("column `{header}` appears twice")).at(location));
            }
            let spec = interpret_header(model, &header, year);
            if let Spec::Variable { var, year } = spec {
                // An eternal variable has one value for every year: `x` and `x__prev` would
                // both give it, and one would silently replace the other.
                let eternal = model.variables[var].period == PeriodKind::Eternal;
                if let Some(first) = given.insert((var, (!eternal).then_some(year)), header.clone()) {
                    let variable = &model.variables[var].name;
                    diagnostics.push(
                        Diagnostic::error(format!("columns `{first}` and `{header}` both give `{variable}`"))
                            .at(Location::new(name, 1, index + 1))
                            .with_note(format!("`{variable}` has one value for every year"))
                            .with_help("keep one of the two columns"),
                    );
                }
            }
            specs.push((header.clone(), spec));
        }
        let kinds = specs.iter().map(|(_, spec)| cell_kind(model, spec)).collect();
        Ok(TableHeader { specs, kinds, diagnostics })
    }

    fn headers(&self) -> Vec<&str> {
        self.specs.iter().map(|(h, _)| h.as_str()).collect()
    }

    /// Puts the parsed parts together into a dataset.
    fn assemble(self, model: &Model, parts: Vec<Part>, name: &str) -> Result<InputTable, Diagnostics> {
        let TableHeader { specs, mut diagnostics, .. } = self;
        let header_location = |column: usize| Location::new(name, 1, column + 1);
        let mut parts = parts;
        let row: usize = parts.iter().map(|p| p.rows).sum();
        let lines: Vec<u32> = parts.iter().flat_map(|p| p.lines.iter().copied()).collect();
        let cell_errors: usize = parts.iter().map(|p| p.cell_errors).sum();
        for part in &mut parts {
            for diagnostic in std::mem::take(&mut part.diagnostics) {
                if diagnostics.len() <= MAX_CELL_ERRORS {
                    diagnostics.push(diagnostic);
                }
            }
        }
        // The parts' pieces, column by column.
        let mut pieces: Vec<Vec<Vec<f64>>> = (0..specs.len()).map(|_| Vec::with_capacity(parts.len())).collect();
        let mut texts: Vec<Vec<String>> = (0..specs.len()).map(|_| Vec::new()).collect();
        for part in &mut parts {
            for (column, piece) in std::mem::take(&mut part.values).into_iter().enumerate() {
                pieces[column].push(piece);
            }
            for (column, piece) in std::mem::take(&mut part.texts).into_iter().enumerate() {
                texts[column].extend(piece);
            }
        }
        // Each column put together on the pool, straight into its final, shared form (an
        // `Arc<[f64]>` made from a `Vec` would be a second copy), its pieces freed once copied.
        let mut values: Vec<std::sync::Arc<[f64]>> = pieces
            .into_par_iter()
            .map(|pieces| {
                let numbers = pieces.iter().any(|piece| !piece.is_empty());
                let mut column: std::sync::Arc<[f64]> =
                    std::iter::repeat_n(0.0, if numbers { row } else { 0 }).collect();
                let slots = std::sync::Arc::get_mut(&mut column).expect("a new column is not shared");
                let mut start = 0;
                for piece in pieces {
                    slots[start..start + piece.len()].copy_from_slice(&piece);
                    start += piece.len();
                }
                column
            })
            .collect();
        drop(parts);
        if cell_errors > MAX_CELL_ERRORS {
            diagnostics.push(Diagnostic::error(format!(
                "… and {} more cells that cannot be read",
                cell_errors - MAX_CELL_ERRORS
            )));
        }
        if row == 0 && !diagnostics.has_errors() {
            // No commune: nothing to compute, and national columns would have no value to give.
            diagnostics.push(
                Diagnostic::error(format!("{name} has a header but no rows"))
                    .at(Location::new(name, 1, 1))
                    .with_help("give one row per commune after the header"),
            );
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let (ids, code) = identifiers(&specs, &mut texts, row);
        if code.is_some() {
            let line = |row: usize| lines.get(row).map_or(1, |line| *line as usize);
            let mistakes = check_codes(&ids, |row| Location::new(name, line(row), 1));
            if mistakes.has_errors() {
                return Err(mistakes);
            }
        }
        let mut dataset = Dataset::single_group_sharing(model, ids.clone());
        let mut columns = Vec::with_capacity(specs.len());
        for (column, (header, spec)) in specs.into_iter().enumerate() {
            let values = std::mem::replace(&mut values[column], std::sync::Arc::from([]));
            let texts = std::mem::take(&mut texts[column]);
            let stored = match &spec {
                Spec::Variable { var, year } if matches!(model.variables[*var].value_type, ValueType::Text) => dataset
                    // The identifiers' column is the one the dataset holds as its rows' names.
                    .set_text(model, *var, *year, if code == Some(column) { ids.clone() } else { texts.into() })
                    .map(|_| TableColumn::Variable { var: *var, year: *year }),
                Spec::Variable { var, year } if model.entities[model.variables[*var].entity].is_group() => {
                    let Some(value) = national_value(&values) else {
                        let group = &model.entities[model.variables[*var].entity].name;
                        diagnostics.push(
                            Diagnostic::error(format!(
                                "column `{header}` holds a value per {group}, but its rows differ"
                            ))
                            .at(header_location(column))
                            .with_help("a national value given in the commune table must be the same in every row"),
                        );
                        continue;
                    };
                    dataset
                        .set_input(model, *var, *year, vec![value])
                        .map(|_| TableColumn::Variable { var: *var, year: *year })
                }
                Spec::Variable { var, year } => dataset
                    .set_input(model, *var, *year, values)
                    .map(|_| TableColumn::Variable { var: *var, year: *year }),
                Spec::Declared(index) => {
                    dataset.set_column(model, *index, values).map(|_| TableColumn::Declared(*index))
                }
                Spec::Other if code == Some(column) => Ok(TableColumn::Other(ids.to_vec())),
                Spec::Other => Ok(TableColumn::Other(texts)),
            };
            match stored {
                Ok(stored) => columns.push((header, stored)),
                Err(e) => diagnostics.push(Diagnostic::error(format!("{name}: {e}"))),
            }
        }
        diagnostics.into_result(InputTable { dataset, columns })
    }
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
    // Columns sized for the part's lines at once: growing them would leave freed buffers behind.
    let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
    let mut part = Part {
        values: kinds.iter().map(|k| Vec::with_capacity(if *k == CellKind::Text { 0 } else { lines })).collect(),
        texts: kinds.iter().map(|k| Vec::with_capacity(if *k == CellKind::Text { lines } else { 0 })).collect(),
        rows: 0,
        lines: Vec::with_capacity(lines),
        diagnostics: Vec::new(),
        cell_errors: 0,
    };
    if memchr::memchr(b'"', bytes).is_none() {
        parse_plain_lines(model, headers, kinds, bytes, first_line, name, &mut part);
        return part;
    }
    // Flexible: a row of the wrong length is reported by `push_row`, at its line in the file.
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    // The line of a record, from the newlines before its first byte: the reader's own line count
    // lags by one after a line ended by `\r\n`.
    let (mut counted, mut newlines) = (0, 0);
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                part.diagnostics.push(Diagnostic::error(format!("{name}: malformed CSV: {e}")));
                break;
            }
        }
        let start = record.position().map_or(counted, |p| p.byte() as usize).clamp(counted, bytes.len());
        let start = start + bytes[start..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        newlines += memchr::memchr_iter(b'\n', &bytes[counted..start]).count();
        counted = start;
        let line = first_line + newlines;
        if !push_row(model, headers, kinds, record.iter(), record.len(), line, name, &mut part) {
            break;
        }
    }
    part
}

/// Lines without any quote: cells are split at commas directly (most tables are such).
fn parse_plain_lines(
    model: &Model,
    headers: &[&str],
    kinds: &[CellKind],
    bytes: &[u8],
    first_line: usize,
    name: &str,
    part: &mut Part,
) {
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let mut cells: Vec<&[u8]> = Vec::with_capacity(kinds.len());
    let (mut row, mut texts) = (vec![0.0; kinds.len()], Vec::new());
    for (line, end) in (first_line..).zip(ends) {
        let text = &bytes[start..end];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        start = end + 1;
        if !text.is_empty() && read_plain_row(model, kinds, text, &mut row, &mut texts) {
            part.rows += 1;
            part.lines.push(line as u32);
            let mut texts = texts.iter();
            for (column, kind) in kinds.iter().enumerate() {
                match kind {
                    CellKind::Text => {
                        let cell = texts.next().expect("a span per text cell").clone();
                        part.texts[column].push(String::from_utf8_lossy(&text[cell]).into_owned());
                    }
                    _ => part.values[column].push(row[column]),
                }
            }
        } else if !text.is_empty() {
            // A row that does not read: cell by cell, with messages.
            // The commas found by memchr's vector search, not byte by byte.
            cells.clear();
            let mut cell_start = 0;
            for comma in memchr::memchr_iter(b',', text) {
                cells.push(&text[cell_start..comma]);
                cell_start = comma + 1;
            }
            cells.push(&text[cell_start..]);
            if !push_row(model, headers, kinds, cells.iter().copied(), cells.len(), line, name, part) {
                return;
            }
        }
        if start > bytes.len() {
            break;
        }
    }
}

/// Reads a row whose every cell reads, in one scan of the line: the values into `row`, the
/// spans of the text cells into `texts`. `false` for any other row (a cell that does not read,
/// a wrong number of cells), which [`push_row`] then reads and reports on.
fn read_plain_row(
    model: &Model,
    kinds: &[CellKind],
    text: &[u8],
    row: &mut [f64],
    texts: &mut Vec<std::ops::Range<usize>>,
) -> bool {
    texts.clear();
    let mut position = 0;
    for (column, kind) in kinds.iter().enumerate() {
        if column > 0 {
            if text.get(position) != Some(&b',') {
                return false;
            }
            position += 1;
        }
        let rest = &text[position..];
        let length = memchr::memchr(b',', rest).unwrap_or(rest.len());
        match kind {
            CellKind::Text => texts.push(position..position + length),
            _ => match parse_cell(model, *kind, &rest[..length]) {
                Ok(value) => row[column] = value,
                Err(_) => return false,
            },
        }
        position += length;
    }
    position == text.len()
}

/// Parses one row's cells into the part's columns; `false` when the row has the wrong number of
/// cells (the rest of the part is then not read).
#[allow(clippy::too_many_arguments)]
fn push_row<'c>(
    model: &Model,
    headers: &[&str],
    kinds: &[CellKind],
    cells: impl Iterator<Item = &'c [u8]>,
    count: usize,
    line: usize,
    name: &str,
    part: &mut Part,
) -> bool {
    part.rows += 1;
    part.lines.push(line as u32);
    let row = line - 1;
    if count != kinds.len() {
        part.diagnostics.push(
            Diagnostic::error(format!("row {row} has {count} cells but the header has {}", kinds.len()))
                .at(Location::new(name, line, 1)),
        );
        return false;
    }
    for (column, cell) in cells.enumerate() {
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
    true
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
        Kind::Number if model.variables[var].value_type == ValueType::Integer => CellKind::Integer,
        Kind::Number => CellKind::Number,
        Kind::Bool => CellKind::Bool,
        Kind::Date => CellKind::Date,
        Kind::Enum(e) => CellKind::Enum(e),
        Kind::Text => CellKind::Text,
    }
}

fn parse_cell(model: &Model, kind: CellKind, cell: &[u8]) -> Result<f64, &'static str> {
    if let CellKind::Integer = kind {
        return parse_cell(model, CellKind::Number, cell).and_then(|value| {
            if value.fract() != 0.0 {
                Err("a whole number")
            } else if !dotations_engine::eval::kernels::is_in_integer_range(value) {
                Err("a whole number within ±2^63")
            } else {
                Ok(value)
            }
        });
    }
    if let CellKind::Number = kind {
        // Straight from the bytes: numbers are most of the table, and most of them whole.
        let cell = cell.trim_ascii();
        return match whole_number(cell) {
            Some(value) => Ok(value),
            // `nan` and `inf` parse, but a commune's criterion is a finite number: such a cell is
            // most often a missing value, which computing on would turn into wrong amounts.
            None => match fast_float2::parse::<f64, _>(cell) {
                Ok(value) if value.is_finite() => Ok(value),
                Ok(_) => Err("a finite number"),
                Err(_) => Err("a number"),
            },
        };
    }
    let text = std::str::from_utf8(cell).map_err(|_| "valid UTF-8")?.trim();
    match kind {
        CellKind::Number | CellKind::Integer => unreachable!("parsed above"),
        CellKind::Bool => match text {
            "1" | "true" | "True" | "TRUE" | "1.0" => Ok(1.0),
            "0" | "false" | "False" | "FALSE" | "0.0" => Ok(0.0),
            _ => Err("a boolean (0 or 1)"),
        },
        CellKind::Date => parse_date(text).map(date_to_days).ok_or("a date (YYYY-MM-DD)"),
        CellKind::Enum(e) => model.enums[e].index_of(text).map(|i| i as f64).ok_or("an item of the enumeration"),
        CellKind::Text => Ok(0.0),
    }
}

/// A cell of at most 15 digits, with an optional `-`: read digit by digit (exact: such numbers
/// are below 2^53), as the general parser would read it, `-0` included.
fn whole_number(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut value = 0u64;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(digit - b'0');
    }
    let value = value as f64;
    Some(if negative { -value } else { value })
}

/// A `YYYY-MM-DD` date; the common shape is read digit by digit (chrono's general parser costs
/// more than the rest of a row), any other is left to chrono.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes[range].iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        if let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) {
            return NaiveDate::from_ymd_opt(year as i32, month, day);
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
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
/// The column they are taken from (and out of `texts`), if any.
fn identifiers(specs: &[(String, Spec)], texts: &mut [Vec<String>], rows: usize) -> (Arc<[String]>, Option<usize>) {
    let code = specs.iter().position(|(header, _)| header == "code_insee");
    match code {
        // Trimmed, as numbers are: `A ` is commune `A`, not another one.
        Some(column) if texts[column].len() == rows => {
            let codes = std::mem::take(&mut texts[column]);
            (codes.into_iter().map(trimmed).collect(), code)
        }
        _ => ((1..=rows).map(|i| format!("row {i}")).collect(), None),
    }
}

/// `text` without the blanks around it, reusing its buffer when there are none.
fn trimmed(text: String) -> String {
    match text.trim() {
        same if same.len() == text.len() => text,
        trimmed => trimmed.to_string(),
    }
}

/// The commune codes that are empty or given a second time, as errors: results are matched to
/// communes by their code (the years of a chain, explanations, the DGCL's files). `location`
/// places the code of a row.
pub(crate) fn check_codes(codes: &[String], location: impl Fn(usize) -> Location) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(codes.len());
    for (row, code) in codes.iter().enumerate() {
        if code.is_empty() {
            diagnostics
                .push(Diagnostic::error(format!("row {}: the commune code is empty", row + 1)).at(location(row)));
            continue;
        }
        let first_row = *first.entry(code.as_str()).or_insert(row);
        if first_row != row {
            diagnostics.push(
                Diagnostic::error(format!("row {}: commune `{code}` appears twice", row + 1))
                    .at(location(row))
                    .with_note(format!("first on row {}", first_row + 1)),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_given_three_times_points_each_repeat_at_its_first_row_and_an_empty_code_is_named() {
        let codes: Vec<String> = ["01004", "01002", "01004", "", "01004"].map(String::from).to_vec();
        let text = check_codes(&codes, |row| Location::new("f.csv", row + 2, 1)).to_string();
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error") || l.contains("note")).collect();
        assert_eq!(
            errors,
            [
                "error: row 3: commune `01004` appears twice",
                "  = note: first on row 1",
                "error: row 4: the commune code is empty",
                "error: row 5: commune `01004` appears twice",
                "  = note: first on row 1",
            ],
            "{text}"
        );
    }

    #[test]
    fn whole_numbers_read_digit_by_digit_as_the_general_parser_reads_them() {
        for text in ["0", "-0", "7", "-9999", "204", "000123", "999999999999999", "-123456789012345"] {
            let expected: f64 = fast_float2::parse(text.as_bytes()).unwrap();
            let read = whole_number(text.as_bytes()).unwrap();
            assert_eq!(read.to_bits(), expected.to_bits(), "{text}");
        }
        // Not whole, too long, or not a number: left to the general parser.
        for text in ["", "-", "1.5", "1e3", "+4", "1234567890123456", "12a", " 1"] {
            assert_eq!(whole_number(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn dates_read_digit_by_digit_or_by_chrono() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2025-01-01"), ymd(2025, 1, 1));
        assert_eq!(parse_date("0001-01-01"), ymd(1, 1, 1));
        assert_eq!(parse_date("2024-02-29"), ymd(2024, 2, 29));
        // Not a day of the calendar, not digits, or another shape: chrono decides.
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2025-1a-01"), None);
        assert_eq!(parse_date("2025-1-1"), ymd(2025, 1, 1));
        assert_eq!(parse_date("01/01/2025"), None);
    }
}
