//! Writing results: a per-commune table and the national values.

use std::io::Write;

use dotations_engine::eval::value::Packed;
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
    /// Values of a type, packed (see [`Packed`]).
    Packed {
        value_type: ValueType,
        values: &'a Packed,
    },
    Texts(&'a [String]),
    /// The same text in every row, formatted once.
    Same(Vec<u8>),
    Empty,
}

/// Rows formatted together: large enough to amortise the hand-over between threads, small
/// enough that the text of a block stays in cache and memory stays flat.
const BLOCK: usize = 256;

/// Blocks a formatter may have ready before the writer takes them.
const BLOCKS_AHEAD: usize = 1;

/// Writes the input columns (in their order) then the computed variables, one row per commune.
///
/// Rows are formatted in blocks, on one thread per core, straight into bytes (shortest
/// round-trip decimals for numbers, no intermediate strings), and written in order as they are
/// ready.
pub fn write_table(
    out: impl Write + Send,
    model: &Model,
    input: &InputTable,
    computed: &Computed<'_>,
    variables: &[VarId],
) -> std::io::Result<()> {
    let dataset = &input.dataset;
    let rows = dataset.size(model.person_entity());
    let mut columns: Vec<Cells<'_>> = Vec::with_capacity(input.columns.len() + variables.len());
    let mut header = Vec::new();
    for (name, column) in &input.columns {
        header.push(name.as_str());
        columns.push(match column {
            TableColumn::Variable { var, year } => match model.variables[*var].value_type {
                ValueType::Text => dataset.text(model, *var, *year).map_or(Cells::Empty, |t| Cells::Texts(t)),
                value_type => dataset.input(model, *var, *year).map_or(Cells::Empty, |v| cells(model, value_type, v)),
            },
            TableColumn::Declared(index) => {
                let value_type = model.variables[model.columns[*index].var].value_type;
                dataset.column(*index).map_or(Cells::Empty, |v| Cells::Values { value_type, values: v })
            }
            TableColumn::Other(texts) => Cells::Texts(texts),
        });
    }
    // A variable given as an input of the year is that input: its column is written already.
    let given = |var: VarId| {
        input.columns.iter().any(
            |(_, c)| matches!(c, TableColumn::Variable { var: v, year } if *v == var && *year == computed.plan.year),
        )
    };
    for var in variables.iter().filter(|var| !given(**var)) {
        header.push(model.variables[*var].name.as_str());
        let value_type = model.variables[*var].value_type;
        let values = computed.value(*var, computed.plan.year);
        columns.push(values.map_or(Cells::Empty, |v| cells(model, value_type, v)));
    }
    // A column of one value (a national amount given to every commune) is formatted once, not
    // once a row. Another column stops the check at its first two different values.
    for cells in &mut columns {
        if let Cells::Values { value_type, values } = *cells {
            if let Some(text) = same_text(model, value_type, values) {
                *cells = Cells::Same(text);
            }
        }
    }
    let mut line = Vec::with_capacity(4096);
    for (i, name) in header.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        write_text(&mut line, name);
    }
    line.push(b'\n');
    // Each formatter takes every n-th block of rows; this thread writes the blocks in order as
    // they come, so the system's copy of the text overlaps the formatting instead of following
    // it.
    let formatters = rayon::current_num_threads().max(1);
    let blocks = rows.div_ceil(BLOCK);
    std::thread::scope(|scope| {
        // Formatter k formats blocks k, k + n, k + 2n… and hands them over, in order, on its own
        // channel; the writer takes them in turn from each. A formatter is at most
        // `BLOCKS_AHEAD` blocks ahead of the writer, so memory stays flat however the threads
        // are scheduled, and a written block's buffer goes back to its formatter for reuse.
        let mut texts = Vec::with_capacity(formatters);
        let mut spares = Vec::with_capacity(formatters);
        for first in 0..formatters {
            let (text_sender, text_receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(BLOCKS_AHEAD);
            let (spare_sender, spare_receiver) = std::sync::mpsc::channel::<Vec<u8>>();
            texts.push(text_receiver);
            spares.push(spare_sender);
            let columns = &columns;
            scope.spawn(move || {
                for block in (first..blocks).step_by(formatters) {
                    let mut text = spare_receiver.try_recv().unwrap_or_default();
                    text.clear();
                    format_rows(model, columns, block * BLOCK..((block + 1) * BLOCK).min(rows), &mut text);
                    // A send fails only when the writing stopped on an error, which it returns.
                    if text_sender.send(text).is_err() {
                        return;
                    }
                }
            });
        }
        let mut out = out;
        out.write_all(&line)?;
        for block in 0..blocks {
            let formatter = block % formatters;
            // A formatter stops early only by panicking, which the scope passes on.
            let Ok(text) = texts[formatter].recv() else { break };
            out.write_all(&text)?;
            let _ = spares[formatter].send(text);
        }
        out.flush()
    })
}

/// How to write the cells of a column of values.
fn cells<'a>(model: &Model, value_type: ValueType, values: &'a Value) -> Cells<'a> {
    match values {
        Value::Column(values) => Cells::Values { value_type, values },
        Value::Packed(values) => match **values {
            Packed::Same { value, .. } => Cells::Same(cell_text(model, value_type, value)),
            _ => Cells::Packed { value_type, values },
        },
        // A commune variable is a column; a scalar would be a national value.
        Value::Scalar(_) => Cells::Empty,
    }
}

/// Rows whose values are gathered before they are formatted (see [`format_rows`]).
const TILE: usize = 64;

/// The CSV text of some rows, appended to `text`.
///
/// A row reads one value from each of a hundred-odd columns: read in row order, every cell
/// would wait on memory. The values of [`TILE`] rows are first copied column by column (each a
/// short sequential read, which the processor fetches ahead), then formatted from that tile.
fn format_rows(model: &Model, columns: &[Cells<'_>], rows: std::ops::Range<usize>, text: &mut Vec<u8>) {
    text.reserve(rows.len() * columns.len() * 8);
    let mut number = zmij::Buffer::new();
    let mut integer = itoa::Buffer::new();
    let mut tile = vec![0.0; columns.len() * TILE];
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + TILE).min(rows.end);
        for (column, cells) in columns.iter().enumerate() {
            let slots = &mut tile[column * TILE..column * TILE + (end - start)];
            match cells {
                Cells::Values { values, .. } => slots.copy_from_slice(&values[start..end]),
                Cells::Packed { values, .. } => values.unpack_into(start, slots),
                Cells::Texts(_) | Cells::Same(_) | Cells::Empty => {}
            }
        }
        for row in start..end {
            let offset = row - start;
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    text.push(b',');
                }
                match column {
                    Cells::Same(cell) => text.extend_from_slice(cell),
                    Cells::Values { value_type, .. } | Cells::Packed { value_type, .. } => {
                        let value = tile[i * TILE + offset];
                        write_cell(text, model, *value_type, value, &mut number, &mut integer)
                    }
                    Cells::Texts(texts) => write_text(text, texts.get(row).map_or("", String::as_str)),
                    Cells::Empty => {}
                }
            }
            text.push(b'\n');
        }
        start = end;
    }
}

/// The text of every cell of a column whose values are all the same (bit for bit), if they are.
fn same_text(model: &Model, value_type: ValueType, values: &[f64]) -> Option<Vec<u8>> {
    let (first, rest) = values.split_first()?;
    if !rest.iter().all(|value| value.to_bits() == first.to_bits()) {
        return None;
    }
    Some(cell_text(model, value_type, *first))
}

/// The text of one cell.
fn cell_text(model: &Model, value_type: ValueType, value: f64) -> Vec<u8> {
    let mut text = Vec::new();
    write_cell(&mut text, model, value_type, value, &mut zmij::Buffer::new(), &mut itoa::Buffer::new());
    text
}

/// The text of one value of a type.
fn write_cell(
    text: &mut Vec<u8>,
    model: &Model,
    value_type: ValueType,
    value: f64,
    number: &mut zmij::Buffer,
    integer: &mut itoa::Buffer,
) {
    match value_type {
        ValueType::Number | ValueType::Money => write_number(text, number, value),
        ValueType::Integer if value.is_finite() => text.extend_from_slice(integer.format(value as i64).as_bytes()),
        ValueType::Boolean => text.push(if value != 0.0 { b'1' } else { b'0' }),
        ValueType::Date if write_date(text, value) => {}
        ValueType::Enum(e) if model.enums[e].items.get(value as usize).is_some() => {
            write_text(text, &model.enums[e].items[value as usize].name)
        }
        value_type => write_text(text, &dotations_engine::model::format_value(model, value_type, value)),
    }
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
    } else if !write_cents(text, value) {
        // Exponents for very small or large numbers (`1e-7`) read back the same.
        text.extend_from_slice(buffer.format(value).as_bytes());
    }
}

/// Below this, numbers of two decimals are 0.01 apart, more than twice the spacing of doubles
/// (2^-8 at most): the one double nearest to such a number has it as its only shortest form.
const CENTS_BELOW: f64 = 35_184_372_088_832.0; // 2^45

/// A number of one or two decimals (an amount in cents, most often) written from its cents:
/// the shortest round-trip form, as the general algorithm would write it, for less. `false`
/// (nothing written) for any other number, whole numbers included.
fn write_cents(text: &mut Vec<u8>, value: f64) -> bool {
    if value.abs() >= CENTS_BELOW {
        return false;
    }
    let cents = (value * 100.0).round();
    // `cents / 100` is exact in its rounding: the double nearest to the decimal number.
    if cents / 100.0 != value {
        return false;
    }
    let cents = (cents as i64).unsigned_abs();
    if cents.is_multiple_of(100) {
        // A whole number: no decimals to write.
        return false;
    }
    if value < 0.0 {
        text.push(b'-');
    }
    text.extend_from_slice(itoa::Buffer::new().format(cents / 100).as_bytes());
    let (tenths, hundredths) = ((cents / 10 % 10) as u8, (cents % 10) as u8);
    text.push(b'.');
    text.push(b'0' + tenths);
    if hundredths != 0 {
        text.push(b'0' + hundredths);
    }
    true
}

/// A date as `YYYY-MM-DD` (what `format_value` writes, without its general formatter); `false`
/// when the value is not a date of years 0 to 9999, left to `format_value`.
fn write_date(text: &mut Vec<u8>, days: f64) -> bool {
    use chrono::Datelike;
    let Some(date) = dotations_engine::model::days_to_date(days) else { return false };
    let Ok(year) = u16::try_from(date.year()) else { return false };
    if year > 9999 {
        return false;
    }
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let year = u32::from(year);
    text.extend_from_slice(&[
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(date.month() / 10),
        digit(date.month()),
        b'-',
        digit(date.day() / 10),
        digit(date.day()),
    ]);
    true
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use dotations_engine::model::date_to_days;

    fn date(days: f64) -> Option<String> {
        let mut text = Vec::new();
        write_date(&mut text, days).then(|| String::from_utf8(text).expect("ascii"))
    }

    #[test]
    fn a_column_of_one_value_is_formatted_once_as_each_of_its_cells_would_be() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model");
        let model = dotations_rules::load(Some(&root)).expect("the test model compiles");
        let text =
            |value_type, values: &[f64]| same_text(&model, value_type, values).map(|t| String::from_utf8(t).unwrap());
        assert_eq!(text(ValueType::Money, &[1234.5; 3]).as_deref(), Some("1234.5"));
        assert_eq!(text(ValueType::Number, &[0.1 + 0.2, 0.1 + 0.2]).as_deref(), Some("0.30000000000000004"));
        assert_eq!(text(ValueType::Integer, &[7.0]).as_deref(), Some("7"));
        assert_eq!(text(ValueType::Boolean, &[1.0, 1.0]).as_deref(), Some("1"));
        assert_eq!(text(ValueType::Number, &[2.0, 2.0, 2.5]), None);
        // 0 and -0 are equal numbers, but not the same bits: each cell is written as it is.
        assert_eq!(text(ValueType::Number, &[0.0, -0.0]), None);
        assert_eq!(text(ValueType::Number, &[]), None);
    }

    #[test]
    fn amounts_in_cents_are_written_as_the_shortest_round_trip_form() {
        let general = |value: f64| zmij::Buffer::new().format(value).to_string();
        let written = |value: f64| {
            let mut text = Vec::new();
            write_number(&mut text, &mut zmij::Buffer::new(), value);
            String::from_utf8(text).expect("ascii")
        };
        assert_eq!(written(4_454_617.51), "4454617.51");
        assert_eq!(written(-0.5), "-0.5");
        assert_eq!(written(0.05), "0.05");
        assert_eq!(written(0.1 + 0.2), "0.30000000000000004");
        // Cents of every size up to the bound, and numbers just off a cent.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = 1 + state % 15;
            let cents = (state >> 8) % 10u64.pow(digits as u32);
            for value in [cents as f64 / 100.0, -(cents as f64) / 100.0, cents as f64 / 100.0 + 1e-9] {
                if value != 0.0 && value.fract() != 0.0 {
                    assert_eq!(written(value), general(value), "{value:e}");
                }
            }
        }
        assert!(!write_cents(&mut Vec::new(), f64::NAN));
        assert!(!write_cents(&mut Vec::new(), 5.0));
        assert!(!write_cents(&mut Vec::new(), CENTS_BELOW + 0.5));
        assert_eq!(written(CENTS_BELOW - 0.5), general(CENTS_BELOW - 0.5));
        assert_eq!(written(1e14 + 0.5), general(1e14 + 0.5));
    }

    #[test]
    fn dates_are_written_as_iso_days() {
        let days = |y, m, d| date_to_days(NaiveDate::from_ymd_opt(y, m, d).expect("a date"));
        assert_eq!(date(days(2025, 1, 1)).as_deref(), Some("2025-01-01"));
        assert_eq!(date(days(1, 1, 1)).as_deref(), Some("0001-01-01"));
        assert_eq!(date(days(1999, 12, 31)).as_deref(), Some("1999-12-31"));
        // Not a whole day, or out of four-digit years: left to the general formatter.
        assert_eq!(date(0.5), None);
        assert_eq!(date(f64::NAN), None);
        assert_eq!(date(days(-5, 1, 1)), None);
    }
}
