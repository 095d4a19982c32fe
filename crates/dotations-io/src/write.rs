//! Writing results: a per-commune table and the national values.

use std::io::Write;

use dotations_engine::eval::Value;
use dotations_engine::model::{format_number, Model, ValueType, VarId};
use dotations_engine::Computed;

use crate::{InputTable, TableColumn};

/// Writes the input columns (in their order) then the computed variables, one row per commune.
pub fn write_table(
    out: impl Write,
    model: &Model,
    input: &InputTable,
    computed: &Computed<'_>,
    variables: &[VarId],
) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(std::io::BufWriter::with_capacity(1 << 20, out));
    let dataset = &input.dataset;
    let rows = dataset.size(model.person_entity());
    let mut header: Vec<&str> = input.columns.iter().map(|(h, _)| h.as_str()).collect();
    header.extend(variables.iter().map(|v| model.variables[*v].name.as_str()));
    writer.write_record(&header)?;
    // Each column is formatted whole, then rows are assembled: formatting by column keeps the
    // type dispatch out of the per-cell loop.
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(header.len());
    for (_, column) in &input.columns {
        cells.push(match column {
            TableColumn::Variable { var, year } => match model.variables[*var].value_type {
                ValueType::Text => dataset.text(model, *var, *year).map(|t| t.to_vec()).unwrap_or_default(),
                value_type => {
                    // A national value given in the table is written back in every row.
                    let values = dataset.input(model, *var, *year).map(|v| {
                        if v.len() == rows {
                            v.to_vec()
                        } else {
                            vec![v[0]; rows]
                        }
                    });
                    format_column(model, value_type, values.as_deref(), rows)
                }
            },
            TableColumn::Declared(index) => {
                let value_type = model.variables[model.columns[*index].var].value_type;
                format_column(model, value_type, dataset.column(*index).map(|c| &c[..]), rows)
            }
            TableColumn::Other(texts) => texts.clone(),
        });
    }
    for var in variables {
        let value = computed.value(*var, computed.plan.year);
        let column = value.and_then(Value::as_column).map(|c| &c[..]);
        cells.push(format_column(model, model.variables[*var].value_type, column, rows));
    }
    let mut record = csv::StringRecord::with_capacity(rows * 8, cells.len());
    for row in 0..rows {
        record.clear();
        for column in &cells {
            record.push_field(column.get(row).map_or("", String::as_str));
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

fn format_column(model: &Model, value_type: ValueType, values: Option<&[f64]>, rows: usize) -> Vec<String> {
    match values {
        Some(values) => values.iter().map(|v| dotations_engine::model::format_value(model, value_type, *v)).collect(),
        None => vec![String::new(); rows],
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
