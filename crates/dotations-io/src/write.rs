//! Writing results: a per-commune table and the national values.

use std::io::Write;

use dotations_engine::eval::Value;
use dotations_engine::model::{format_number, Model, ValueType, VarId};
use dotations_engine::Computed;

use crate::{InputTable, TableColumn};

/// How the cells of one output column are written.
enum Cells<'a> {
    /// Values of a type, one per row (a single value: the same in every row).
    Values {
        value_type: ValueType,
        values: &'a [f64],
    },
    Texts(&'a [String]),
    Empty,
}

/// Rows formatted together: large enough to amortise the hand-over between threads, small
/// enough that the text of a block stays in cache and memory stays flat.
const BLOCK: usize = 1024;

/// Writes the input columns (in their order) then the computed variables, one row per commune.
///
/// Rows are formatted in blocks, the halves of a block in parallel, straight into bytes (shortest
/// round-trip decimals for numbers, no intermediate strings), and written as they are ready.
pub fn write_table(
    out: impl Write,
    model: &Model,
    input: &InputTable,
    computed: &Computed<'_>,
    variables: &[VarId],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let dataset = &input.dataset;
    let rows = dataset.size(model.person_entity());
    let mut columns: Vec<Cells<'_>> = Vec::with_capacity(input.columns.len() + variables.len());
    let mut header = Vec::new();
    for (name, column) in &input.columns {
        header.push(name.as_str());
        columns.push(match column {
            TableColumn::Variable { var, year } => match model.variables[*var].value_type {
                ValueType::Text => dataset.text(model, *var, *year).map_or(Cells::Empty, |t| Cells::Texts(t)),
                value_type => {
                    dataset.input(model, *var, *year).map_or(Cells::Empty, |v| Cells::Values { value_type, values: v })
                }
            },
            TableColumn::Declared(index) => {
                let value_type = model.variables[model.columns[*index].var].value_type;
                dataset.column(*index).map_or(Cells::Empty, |v| Cells::Values { value_type, values: v })
            }
            TableColumn::Other(texts) => Cells::Texts(texts),
        });
    }
    for var in variables {
        header.push(model.variables[*var].name.as_str());
        let value_type = model.variables[*var].value_type;
        let values = computed.value(*var, computed.plan.year).and_then(Value::as_column);
        columns.push(values.map_or(Cells::Empty, |v| Cells::Values { value_type, values: v }));
    }
    let mut line = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        write_text(&mut line, name);
    }
    line.push(b'\n');
    out.write_all(&line)?;
    let mut start = 0;
    while start < rows {
        let end = (start + BLOCK).min(rows);
        let middle = start + (end - start) / 2;
        let (first, second) =
            rayon::join(|| format_rows(model, &columns, start..middle), || format_rows(model, &columns, middle..end));
        out.write_all(&first)?;
        out.write_all(&second)?;
        start = end;
    }
    out.flush()
}

/// The CSV text of some rows.
fn format_rows(model: &Model, columns: &[Cells<'_>], rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut text = Vec::with_capacity(rows.len() * columns.len() * 10);
    let mut number = zmij::Buffer::new();
    let mut integer = itoa::Buffer::new();
    for row in rows {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            match column {
                Cells::Values { value_type, values } => {
                    let value = if values.len() == 1 { values[0] } else { values[row] };
                    match value_type {
                        ValueType::Number | ValueType::Money => write_number(&mut text, &mut number, value),
                        ValueType::Integer if value.is_finite() => {
                            text.extend_from_slice(integer.format(value as i64).as_bytes())
                        }
                        ValueType::Boolean => text.push(if value != 0.0 { b'1' } else { b'0' }),
                        value_type => {
                            write_text(&mut text, &dotations_engine::model::format_value(model, *value_type, value))
                        }
                    }
                }
                Cells::Texts(texts) => write_text(&mut text, texts.get(row).map_or("", String::as_str)),
                Cells::Empty => {}
            }
        }
        text.push(b'\n');
    }
    text
}

/// A number in its shortest round-trip decimal form, without a `.0` for whole numbers (as
/// [`format_number`] writes it).
fn write_number(text: &mut Vec<u8>, buffer: &mut zmij::Buffer, value: f64) {
    if value == 0.0 {
        text.push(b'0');
    } else if !value.is_finite() {
        text.extend_from_slice(format_number(value).as_bytes());
    } else if value.abs() < 1e15 && (value as i64) as f64 == value {
        // A whole number (checked by conversion: `fract` is a library call on this target).
        let mut integer = itoa::Buffer::new();
        text.extend_from_slice(integer.format(value as i64).as_bytes());
    } else {
        // Exponents for very small or large numbers (`1e-7`) read back the same.
        text.extend_from_slice(buffer.format(value).as_bytes());
    }
}

/// A text cell, quoted when it holds a separator, a quote or a line break.
fn write_text(text: &mut Vec<u8>, value: &str) {
    if value.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        text.push(b'"');
        for byte in value.bytes() {
            if byte == b'"' {
                text.push(b'"');
            }
            text.push(byte);
        }
        text.push(b'"');
    } else {
        text.extend_from_slice(value.as_bytes());
    }
}

/// Writes `variable,value` for variables of a group entity (one group: the État).
pub fn write_national(
    out: impl Write,
    model: &Model,
    computed: &Computed<'_>,
    variables: &[VarId],
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["variable", "value"])?;
    for var in variables {
        let Some(value) = computed.value(*var, computed.plan.year) else {
            continue;
        };
        let text = match model.variables[*var].value_type {
            ValueType::Number | ValueType::Money => format_number(value.at(0)),
            value_type => dotations_engine::model::format_value(model, value_type, value.at(0)),
        };
        writer.write_record([model.variables[*var].name.as_str(), &text])?;
    }
    writer.flush()?;
    Ok(())
}
