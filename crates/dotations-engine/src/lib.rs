//! The dotations engine: compile the law once, evaluate it for every commune at once.
//!
//! Rule files (the formula language of `dotations-lang`) and OpenFisca-format parameters
//! (`dotations-params`) compile into a [`Model`]: every name resolved, every formula typed, no
//! dependency cycle. For a year and a request, [`plan::build`] walks the dependency graph from
//! the requested variables, picks each variable's formula for that year, folds parameters into
//! constants and lowers formulas to column programs; [`plan::Plan::run`] then computes whole
//! columns. Invariants: a value that is neither given nor computable is an error (or, on
//! request, OpenFisca's default) — never a silent 0; every rounding is written in the rules;
//! numbers are `f64` at run time and parameters are read exactly, then converted once.
//!
//! ```
//! use dotations_diagnostics::SourceText;
//! use dotations_engine::{Dataset, Model, Simulation, MissingInputs};
//! use dotations_params::ParameterTree;
//!
//! let rules = SourceText::new("demo.rules", r#"
//! entity commune plural communes
//! group etat of commune plural etats
//! variable population : integer, per commune, yearly
//! variable part : number, per commune, yearly
//!   = share(population)
//! "#);
//! let parameters = ParameterTree::from_files(vec![], "parameters").unwrap();
//! let model = Model::compile(vec![rules], parameters).unwrap();
//! let mut dataset = Dataset::single_group(&model, vec!["a".into(), "b".into()]);
//! let population = model.variable_id("population").unwrap();
//! dataset.set_input(&model, population, 2024, vec![100.0, 300.0]).unwrap();
//! let simulation = Simulation::new(&model, &dataset, MissingInputs::Error);
//! let result = simulation.compute(2024, &["part"]).unwrap();
//! assert_eq!(result.values("part").unwrap(), [0.25, 0.75]);
//! ```
#![forbid(unsafe_code)]

pub mod dataset;
pub mod eval;
pub mod graph;
pub mod model;
pub mod plan;
mod simulation;

pub use dataset::Dataset;
pub use model::Model;
pub use plan::MissingInputs;
pub use simulation::{Computed, Simulation};
