//! `dotations`: the command line of the dotations engine.
//!
//! Each subcommand lives in its own module under `commands/`; this file only declares the
//! interface (clap) and turns diagnostics into messages on stderr and a non-zero exit.
#![forbid(unsafe_code)]

mod commands;
mod data;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dotations_diagnostics::Diagnostics;

/// Compute the French State's allocations to communes (DGF: dotation forfaitaire, DSR, DSU,
/// DNP, communes nouvelles) from the law written as parameters and formulas.
///
/// The law lives in files: `parameters/` (OpenFisca-format YAML, values by date) and
/// `formulas/` (the formula language). Edit them and pass `--rules DIR` to use your version
/// without recompiling; without `--rules`, the copy embedded in this binary is used.
#[derive(Parser)]
#[command(name = "dotations", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute every commune's allocations for a year.
    ///
    /// Without --input, runs on the embedded data (a synthetic France of 35 000 communes, years
    /// 2024 and 2025). Without --output, prints a summary per dotation.
    ///
    /// Examples:
    ///   dotations compute --year 2025
    ///   dotations compute --year 2025 --input communes_2025.csv.gz --output resultats.csv --national etat.csv
    ///   dotations compute --year 2025 --variables dotation_forfaitaire,dsu_montant --output dsu.csv --timings
    #[command(verbatim_doc_comment)]
    Compute(commands::compute::Args),
    /// Load and check the rules (parameters and formulas), reporting every error at once.
    ///
    /// Checks the YAML of every parameter file, the syntax of every formula, every name, every
    /// type and the absence of dependency cycles.
    Check {
        /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Print every parameter's value at a date, as JSON.
    ///
    /// `{"dotted.path": value}`; `null` when the parameter has no value at that date; a scale
    /// as `{"dotted.path": {"brackets": [{"threshold": t, "amount": a}, …]}}`.
    ///
    /// Example: dotations parameters --date 2025-01-01
    Parameters {
        /// Parameter directory (OpenFisca format); default: the embedded parameters.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: chrono::NaiveDate,
    },
    /// Show what a variable depends on: variables, parameters, and the inputs it needs.
    ///
    /// Example: dotations graph dsr_fraction_cible --inputs
    Graph {
        /// The variable, e.g. dsu_montant.
        variable: String,
        /// Also list every input variable it needs, directly or not.
        #[arg(long)]
        inputs: bool,
        /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compute(args) => commands::compute::run(args),
        Command::Check { rules } => commands::check::run(rules.as_deref()),
        Command::Parameters { dir, date } => commands::parameters::run(dir.as_deref(), date),
        Command::Graph { variable, inputs, rules } => commands::graph::run(&variable, inputs, rules.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(diagnostics) => {
            report(&diagnostics);
            ExitCode::FAILURE
        }
    }
}

/// Prints diagnostics on stderr.
fn report(diagnostics: &Diagnostics) {
    eprint!("{diagnostics}");
}
