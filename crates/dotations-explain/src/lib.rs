//! Why a commune gets what it gets: the tree of what made one of its computed values.
//!
//! The engine computes whole columns and keeps no trace, so that a run costs nothing extra
//! when nobody asks why. This crate answers afterwards, for one commune: it walks the typed
//! formula of the variable with a small row interpreter that reads everything from the full run
//! ([`Computed`]: the slot of each planned node, the parameter values the plan folded, the result
//! slots of its population steps), and records what contributed for that commune — only the
//! branch an `if` took, which bound a `clamp` applied, the national aggregates (sums, strate
//! means, ranks, point values of `distribute` with the commune's bounds), the parameters with
//! their legal references, and each variable read, explained in turn down to a depth.
//!
//! Invariants: the explanation never computes a value of its own — each node's value is the
//! run's, and the value the interpreter re-derives from its children must be the same to the
//! last bit; when it is not, the node carries a [`Mismatch`] (an engine bug to report), never
//! a silent difference. The run must have kept the values of its planned nodes and of its
//! population steps (the engine does; other intermediates it releases are re-derived here). A
//! (variable, year) is expanded once; later occurrences are marked
//! [`ExplainedNode::repeated`]. The output is data ([`Explanation`], serialisable as the JSON
//! shape documented in `docs/explain.md`) and a text rendering ([`render_text`]).
//!
//! ```no_run
//! # fn demo(model: &dotations_engine::Model, dataset: &dotations_engine::Dataset) {
//! use dotations_engine::{MissingInputs, Simulation};
//! let var = model.variable_id("dsr_fraction_cible").unwrap();
//! let computed = Simulation::new(model, dataset, MissingInputs::Error).compute_ids(2025, &[var]).unwrap();
//! let row = dotations_explain::find_commune(model, dataset, "66001").unwrap();
//! let options = dotations_explain::Options::default();
//! let explanation = dotations_explain::explain(&computed, dataset, row, var, 2025, &options).unwrap();
//! print!("{}", dotations_explain::render_text(&explanation));
//! # }
//! ```
#![forbid(unsafe_code)]

mod aggregates;
mod build;
mod context;
mod format;
mod interpret;
mod record;
mod render;
mod tree;

use dotations_diagnostics::{did_you_mean, Diagnostic};
use dotations_engine::model::{Model, PeriodKind, VarId};
use dotations_engine::plan::{DefaultReason, Source};
use dotations_engine::{Computed, Dataset};

pub use render::render_text;
pub use tree::*;

/// How much to show.
#[derive(Debug, Clone)]
pub struct Options {
    /// Levels of variables shown below the explained one; deeper ones are counted in
    /// [`ExplainedNode::more`].
    pub depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { depth: 3 }
    }
}

/// The row of the commune whose identifier (its `code_insee`) is `code`.
pub fn find_commune(model: &Model, dataset: &Dataset, code: &str) -> Result<usize, Diagnostic> {
    let ids = dataset.ids(model.person_entity());
    let code = code.trim();
    if let Some(row) = ids.iter().position(|id| id == code) {
        return Ok(row);
    }
    let count = format::integer(ids.len() as f64);
    let error = Diagnostic::error(format!("no commune `{code}` in the data ({count} communes)"));
    if ids.first().is_some_and(|id| id.starts_with("row ")) {
        return Err(error.with_help(
            "the data has no `code_insee` column: its communes are named by row, e.g. `row 1`".to_string(),
        ));
    }
    // A code one keystroke away (a digit missing, doubled or mistyped); the closest name else.
    let mut near: Vec<&str> = ids.iter().map(String::as_str).filter(|id| strsim::levenshtein(code, id) == 1).collect();
    near.sort_unstable();
    let help = match near.len() {
        0 => did_you_mean(code, ids.iter().map(String::as_str))
            .unwrap_or_else(|| "give a commune's INSEE code, as in the `code_insee` column of the data".into()),
        1 => format!("did you mean `{}`?", near[0]),
        n => {
            let shown: Vec<String> = near.iter().take(MAX_SUGGESTIONS).map(|id| format!("`{id}`")).collect();
            let others =
                if n > MAX_SUGGESTIONS { format!(" (and {} more)", n - MAX_SUGGESTIONS) } else { String::new() };
            format!("did you mean one of {}{others}?", shown.join(", "))
        }
    };
    Err(error.with_help(help))
}

/// Codes suggested at most for a mistyped commune code.
const MAX_SUGGESTIONS: usize = 5;

/// Explains the value of `var` for `year` for the commune at `row` of `dataset`, from a run on
/// that dataset. Fails when the run did not compute that (variable, year).
pub fn explain(
    computed: &Computed<'_>,
    dataset: &Dataset,
    row: usize,
    var: VarId,
    year: i32,
    options: &Options,
) -> Result<Explanation, Diagnostic> {
    let model = computed.model;
    let variable = &model.variables[var];
    let key = Dataset::key(model, var, year);
    let Some(index) = computed.plan.node_index(var, key) else {
        return Err(Diagnostic::error(format!("`{}` for {year} was not computed in this run", variable.name))
            .with_help("compute it first: ask the run for this variable and year"));
    };
    let context = context::Context { model, dataset, plan: &computed.plan, run: &computed.run, row };
    let mut builder = build::Builder::new(&context, options.depth);
    let root = builder.planned(index, 0);
    let person = model.person_entity();
    let name = model
        .variable_id("nom")
        .and_then(|nom| dataset.text(model, nom, year))
        .and_then(|names| names.get(row).cloned())
        .filter(|name| !name.is_empty());
    let commune = Commune { code: dataset.ids(person)[row].clone(), name, row };
    Ok(Explanation { commune, depth: options.depth, root })
}

/// Whether the variable is computed for `year` in this run (not a default for lack of a
/// formula), with a located error saying why not otherwise.
pub fn check_computed(computed: &Computed<'_>, var: VarId, year: i32) -> Result<(), Diagnostic> {
    let model = computed.model;
    let variable = &model.variables[var];
    let node = computed.plan.node(var, Dataset::key(model, var, year));
    match node.map(|n| &n.source) {
        Some(Source::Default(DefaultReason::NoFormula)) => {
            let dates: Vec<String> = variable
                .formulas
                .iter()
                .map(|f| f.start.map_or_else(|| "from the beginning".to_string(), |d| format!("from {d}")))
                .collect();
            let ended =
                variable.end.filter(|end| chrono::NaiveDate::from_ymd_opt(year, 1, 1).is_some_and(|d| d > *end));
            let help = match (ended, variable.formulas.is_empty()) {
                (Some(end), true) => format!("it is an input until {end}: after that it has its default value"),
                (Some(end), false) => format!("its formulas end on {end}"),
                (None, _) => format!("its formulas apply {}", dates.join(", then ")),
            };
            Err(Diagnostic::error(format!("`{}` is not computed in {year}: no formula applies then", variable.name))
                .at(model.location(variable.origin))
                .with_help(help))
        }
        Some(_) => Ok(()),
        None => Err(Diagnostic::error(format!("`{}` for {year} was not computed in this run", variable.name))),
    }
}

/// The column of an input table that gives `var` for `year`, in a table of `table_year`: the
/// variable's name, `name__prev` for the year before, the name alone for an eternal variable.
pub fn input_column(model: &Model, table_year: i32, var: VarId, year: i32) -> String {
    let variable = &model.variables[var];
    if variable.period == PeriodKind::Eternal || year == table_year {
        variable.name.clone()
    } else if year == table_year - 1 {
        format!("{}__prev", variable.name)
    } else {
        format!("{} for {year}", variable.name)
    }
}
