//! The legislation's parameters: loading an OpenFisca-format parameter tree and answering "what is
//! this amount, rate or scale on that date?".
//!
//! The model's parameters (envelopes, rates, thresholds, scales by population stratum) live in a
//! directory of YAML files in OpenFisca's format, so that they stay shared with the OpenFisca
//! model this engine replaces. This crate reads that format whole and keeps three invariants:
//!
//! - **Exact decimals.** Every number is read from its source text into a
//!   [`rust_decimal::Decimal`], never through a binary float: `0.85` is 85/100 and `14_533.98` is
//!   14533.98. Floats appear only in [`ScaleAt::calc`], which reproduces OpenFisca's float
//!   arithmetic, and [`decimal_to_f64`] converts with correct rounding for it.
//! - **Every error located.** Malformed YAML, an unknown key (with a did-you-mean), a bad date, a
//!   duplicate date, a malformed number: each is a [`Diagnostic`](dotations_diagnostics::Diagnostic)
//!   pointing at file, line and column with the line's text. Loading goes on through every file
//!   and reports all the errors at once; nothing is silently skipped and nothing panics. (Only a
//!   directory that cannot be read is reported without a line.)
//! - **OpenFisca's semantics.** Which keys are allowed where, how a file becomes a node, a
//!   parameter or a scale, how a value holds until the next date and `null` ends it, how scales
//!   compute and how a reform updates a value follow `openfisca_core/parameters` and
//!   `openfisca_core/taxscales`.
//!
//! # The format
//!
//! `a/b/c.yaml` holds the item `a.b.c`; a directory's `index.yaml` describes its node. A file (or
//! a mapping inside a node file) is a parameter when it has `values` or only date keys, a scale
//! when it has `brackets`, and a node otherwise, whose children are its keys other than
//! `description`, `documentation`, `metadata`, `unit` and `reference`. Values are
//! `YYYY-MM-DD: {value: x, metadata: …}` or `YYYY-MM-DD: x`, in any order; entries marked
//! `expected` are skipped, as OpenFisca does. Numbers follow YAML 1.1 (`1_000`), as PyYAML reads
//! them for OpenFisca.
//!
//! Where OpenFisca would load a mistake without a word, this crate reports it instead: a date
//! that does not exist (`2019-02-30`), a node child one letter away from a reserved key
//! (`vaules:`, which OpenFisca reads as a child named `vaules`), a bracket without `threshold` or
//! without its scale's amount/rate field, a bracket field of another kind of scale, an unknown
//! `metadata.type`, a plain value that starts like a number but is not one (`0,85`), a leading-zero
//! integer (octal in YAML 1.1), a second YAML document in a file, an empty file. YAML anchors and
//! tags are not supported, nor lists as values.
//!
//! # Example
//!
//! ```
//! use chrono::NaiveDate;
//! use dotations_params::{ParamValue, ParameterTree};
//! use rust_decimal::Decimal;
//!
//! let files = vec![
//!     ("dsu/seuil.yaml".to_string(), "values:\n  2017-01-01: {value: 2.5}\n  2022-01-01: {value: 0.85}\n".to_string()),
//!     ("strates.yaml".to_string(), "\
//! metadata: {type: single_amount}
//! brackets:
//!   - threshold: {2017-01-01: {value: 0}}
//!     amount: {2017-01-01: {value: 1}}
//!   - threshold: {2017-01-01: {value: 500}}
//!     amount: {2017-01-01: {value: 2}}
//! ".to_string()),
//! ];
//! let tree = ParameterTree::from_files(files, "parameters").unwrap();
//!
//! let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! let seuil = tree.value_at("dsu.seuil", date(2023, 1, 1)).unwrap();
//! assert_eq!(seuil, Some(&ParamValue::Number(Decimal::new(85, 2))));
//! assert_eq!(tree.value_at("dsu.seuil", date(2016, 1, 1)).unwrap(), None);
//!
//! let strates = tree.scale("strates").unwrap().at(date(2024, 1, 1));
//! assert_eq!(strates.calc(499.0), 1.0);
//! assert_eq!(strates.calc(500.0), 2.0);
//! assert!(tree.to_json_at(date(2023, 1, 1)).contains(r#""dsu.seuil": 0.85"#));
//! ```
#![forbid(unsafe_code)]
// A `Diagnostic` is large, but it is built once per mistake in a file: boxing it would only add
// noise to the loader.
#![allow(clippy::result_large_err)]

mod json;
mod load;
pub mod located;
mod metadata;
mod model;
mod reform;
mod scale;
mod tree;
mod yaml;

pub use json::number_text;
pub use metadata::{JournalDate, Metadata, Reference};
pub use model::{Bracket, BracketField, DatedValue, Entry, ParamValue, Parameter, ParameterNode, Scale};
pub use scale::{ScaleAt, ScaleF64, ScaleKind};
pub use tree::{LookupError, ParameterTree};

use rust_decimal::Decimal;

/// The `f64` nearest to a decimal, as Python's `float()` gives for the same text. (The
/// `Decimal::to_f64` of `rust_decimal` may be one unit in the last place off.)
pub fn decimal_to_f64(number: Decimal) -> f64 {
    // Powers of ten that an f64 holds exactly.
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let mantissa = number.mantissa().unsigned_abs();
    let scale = number.scale() as usize;
    // Clinger's fast path: an exact mantissa divided by an exact power of ten is one correctly
    // rounded operation. That covers the values of a parameter tree; the rest go through the text.
    if mantissa <= 1 << 53 && scale < POWERS.len() {
        let magnitude = mantissa as f64 / POWERS[scale];
        return if number.is_sign_negative() { -magnitude } else { magnitude };
    }
    number.to_string().parse().expect("a decimal's text is a valid float literal")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_convert_to_the_nearest_float() {
        for text in [
            "0.85",
            "0.1",
            "747.347005",
            "-1280.623569",
            "7145440325",
            "14533.98",
            "0.666667",
            "1.008084756",
            "9007199254740993",
            "123456789.123456789123",
            "0.0000000000000000000000000001",
            "0",
        ] {
            let number = Decimal::from_str(text).unwrap();
            assert_eq!(decimal_to_f64(number), text.parse::<f64>().unwrap(), "{text}");
        }
    }
}
