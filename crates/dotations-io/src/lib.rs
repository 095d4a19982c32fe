//! Per-commune tables in and out: the CSV format of the command line.
//!
//! An input table has one row per commune and one column per input variable, named as the
//! variable; `name__prev` holds the previous year's value; a column declared in the rules
//! (`column …`) holds a variable at a year computed per row. Booleans are `0`/`1` (or
//! `true`/`false`), enum values are item names, dates are ISO (`YYYY-MM-DD`). A `.gz` file is
//! decompressed on the fly. Columns that are not variables of the model are kept as text and
//! written back unchanged, so nothing the user gave is silently dropped. A column named after a
//! national (État) variable gives its value (the same in every row), e.g. an official point value.
//! Every error names the file, the row and the column.
//!
//! The DGCL's own per-commune criteria files (French headers, decimal commas) are read through a
//! mapping file per year: see [`dgcl`].
#![forbid(unsafe_code)]

pub mod dgcl;
mod read;
mod write;

pub use read::{open_table, parse_table, read_table, read_table_from, InputTable, PendingTable, TableColumn};
pub use write::{write_national, write_table};
