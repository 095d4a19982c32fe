//! The formula language in which the law is written: grammar, syntax tree and parser.
//!
//! Rule files (`formulas/*.rules`) declare entities, enumerations and variables; a variable
//! carries its type, entity, period, label, legal references and its formulas by date. The
//! grammar (`grammar.pest`) is the single definition of the syntax; [`parse`] turns a file into
//! a [`RuleFile`] *and* its syntax errors, so one run reports every broken declaration. Names are
//! not resolved here: the engine resolves variables, parameters and types against the whole
//! model. `docs/language.md` teaches the language with an example of every construct.
//!
//! ```
//! use dotations_diagnostics::SourceText;
//! use dotations_lang::{parse, Item};
//!
//! let text = r#"
//! variable population_dgf_plafonnee : integer, per commune, yearly
//!   label "Population DGF plafonnée"
//!   from 2019-01-01:
//!     min(population.plafond_dgf(population_insee), population_dgf)
//! "#;
//! let parsed = parse(&SourceText::new("population.rules", text));
//! assert!(parsed.diagnostics.is_empty());
//! let Item::Variable(variable) = &parsed.file.items[0] else { panic!() };
//! assert_eq!(variable.formulas.len(), 1);
//! ```
#![forbid(unsafe_code)]

pub mod ast;
mod parser;

pub use ast::*;
pub use parser::{parse, parse_body, parse_expression, Parsed, MAX_NESTING};
