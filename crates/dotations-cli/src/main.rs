//! `dotations`: the command line of the dotations engine.
//!
//! Each subcommand lives in its own module under `commands/`; this file only declares the
//! interface (clap) and turns diagnostics into messages on stderr and a non-zero exit.
#![forbid(unsafe_code)]

mod commands;
mod data;
mod stamping;
mod summary;
mod whatif;

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
    ///   dotations compute --year 2025 --input communes_2025.csv.gz --output resultats.csv \
    ///       --national etat.csv
    ///   dotations compute --year 2025 --variables dotation_forfaitaire,dsu_montant \
    ///       --output dsu.csv --timings
    ///
    /// From the DGCL's criteria files as published (French headers, decimal commas; see docs/data.md):
    ///   dotations compute --year 2025 --dgcl criteres_repartition_2025.csv \
    ///       --dgcl-prev criteres_repartition_2024.csv
    ///
    /// Several years in a row, each year's results becoming the next year's previous-year values:
    ///   dotations compute --years 2024..2025 --output 'resultats_{year}.csv'
    ///   dotations compute --years 2024..2026 --inputs 'communes_{year}.csv' \
    ///       --output 'resultats_{year}.csv'
    ///   dotations compute --years 2025..2027 --input communes_2025.csv --input-2026 communes_2026.csv
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
        /// Rule directory (holding parameters/), as for the other commands; default: the
        /// embedded rules.
        #[arg(long, value_name = "DIR", conflicts_with = "dir")]
        rules: Option<PathBuf>,
        /// A parameter directory itself (OpenFisca format: the folder of the YAML files).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: chrono::NaiveDate,
    },
    /// Compare two versions of the law: parameters, formulas, and their impact on the communes.
    ///
    /// A and B are git revisions of the repository the command runs in (read without touching
    /// the working tree; REV:path for rules in a sub-directory) or rule directories (`.` is the
    /// working tree). Parameters are compared by value per path and date (YAML layout is not a
    /// change), formulas per variable and start date (layout and comments are not a change).
    /// With --input or --embedded and --year, every output of both versions is computed on the
    /// same data: how many communes change, by how much, and the largest moves.
    ///
    /// Examples:
    ///   dotations diff HEAD~1 HEAD
    ///   dotations diff main .                          # the working tree against main
    ///   dotations diff HEAD~1 HEAD --embedded --year 2025
    ///   dotations diff v1.0 HEAD --input communes_2025.csv.gz --year 2025 --markdown > comment.md
    ///   dotations diff HEAD:tests/model my_rules/      # a rule directory against a committed one
    #[command(verbatim_doc_comment)]
    Diff(commands::diff::Args),
    /// Run a scenario: a change to the law, compared with the law in force, and its expectations.
    ///
    /// The scenario (YAML, see docs/scenarios.md) changes parameters, replaces formulas or adds
    /// variables. Both laws are computed on the same data (default: the embedded synthetic
    /// France); the impact is printed per dotation — totals, communes receiving it, winners and
    /// losers — and by demographic strate. Each expectation of the scenario is then checked;
    /// the command fails (exit code 1) if one is not met.
    ///
    /// Examples:
    ///   dotations scenario scenarios/plf_hausse_dsr_dsu.yaml
    ///   dotations scenario scenarios/indice_cible_poids.yaml --year 2025 --output impact.csv
    ///   dotations scenario mon_scenario.yaml --input communes_2025.csv.gz --threshold 1%
    #[command(verbatim_doc_comment)]
    Scenario(commands::scenario::Args),
    /// Vary one parameter over a range and tabulate the impact of each value on every dotation.
    ///
    /// For N values evenly spaced from FROM to TO (each applied from January 1 of the year),
    /// one row each: the value, then per dotation the national total, the communes receiving
    /// it (amount > 0), and the winners and losers against the law in force. The law in force
    /// is computed once; each value recomputes only what it changes, in parallel (1 000 values
    /// of a DSR envelope take under a second on 2 cores). See docs/whatif.md.
    ///
    /// Examples:
    ///   dotations sweep dotation_solidarite_rurale.cible.montant 400_000_000..600_000_000 \
    ///       --steps 21 --year 2025
    ///   dotations sweep dotation_solidarite_urbaine.montant.total 2_800_000_000..3_200_000_000 \
    ///       --steps 1000 --year 2025 --output dsu.csv
    ///   dotations sweep 'population.groupes_demographiques.brackets[3].threshold' 1_800..2_200 \
    ///       --steps 5 --year 2025 --variables dsr_fraction_perequation,dotation_forfaitaire
    #[command(verbatim_doc_comment)]
    // `brackets[3]` above is a parameter path in the help text, not a link to documentation.
    #[allow(rustdoc::broken_intra_doc_links)]
    Sweep(commands::sweep::Args),
    /// Find the value of one parameter that makes the result meet a target.
    ///
    /// The target is `QUANTITY = GOAL`: QUANTITY is total(VARIABLE), count(VARIABLE) (rows > 0)
    /// or commune(CODE).VARIABLE; GOAL is a number, `baseline` (the quantity under the law in
    /// force), `baseline + 1_000`, `baseline - 2%` or `baseline * 1.05`. The values between A
    /// and B are searched (a grid, then Brent's method); the command says when the relation is
    /// not monotone there, or when no value meets the target (exit code 1). See docs/whatif.md.
    ///
    /// Examples:
    ///   dotations solve dotation_solidarite_urbaine.montant.total --year 2025 \
    ///       --target 'total(dsu_montant) = 2_900_000_000'
    ///   dotations solve dotation_solidarite_rurale.cible.montant --year 2025 \
    ///       --between 400_000_000..900_000_000 \
    ///       --set dotation_solidarite_rurale.perequation.montant=900_000_000 \
    ///       --target 'commune(66001).dotation_globale_fonctionnement_communes = baseline'
    #[command(verbatim_doc_comment)]
    Solve(commands::solve::Args),
    /// Run YAML tests of the law, in OpenFisca's test format (docs/testing.md).
    ///
    /// Each test gives communes and their inputs for a period, and the values it expects. For
    /// each failing test, the report gives the test's file and line, then for each output that
    /// differs: the variable, the year, the margin used and every commune whose value differs
    /// (expected, actual, difference). The last line is `N passed, M failed`; the exit code is 1
    /// when a test fails or cannot be read.
    ///
    /// Examples:
    ///   dotations test tests/yaml
    ///   dotations test tests/yaml/dsr --name-filter bourg-centre --verbose
    ///   dotations test mes_tests.yaml --rules mes_regles/
    #[command(verbatim_doc_comment)]
    Test(commands::test::Args),
    /// Generate a static web site that documents the rules, to read in a browser.
    ///
    /// A page per variable (declaration, formulas by date with every name a link, what it reads
    /// and what reads it), a page per parameter or scale (values by date as written, legal
    /// references), the rule files, indexes and a search. Plain HTML in French, no build step:
    /// open DIR/index.html directly or serve DIR with any static server. The output is
    /// deterministic, so two versions of the site can be compared with diff.
    ///
    /// Examples:
    ///   dotations docs --out site
    ///   dotations docs --out site --rules mes_regles/
    ///   python3 -m http.server --directory site 8000  # then open http://localhost:8000
    #[command(verbatim_doc_comment)]
    Docs(commands::docs::Args),
    /// Compare the engine's amounts with those the DGCL publishes in its criteria file.
    ///
    /// Reads the DGCL file of the year as published (French headers, decimal commas) through
    /// the mapping data/dgcl/YEAR.yaml, computes every commune, and prints per dotation how many
    /// communes match (amounts to the euro, ranks exactly) and the largest gaps.
    ///
    /// Examples (on the repository's fixture, in the format of the DGCL's files):
    ///   dotations compare --year 2025 --dgcl tests/dgcl/criteres_repartition_2025.csv \
    ///       --dgcl-prev tests/dgcl/criteres_repartition_2024.csv
    ///   dotations compare --year 2025 --dgcl tests/dgcl/criteres_repartition_2025.csv \
    ///       --dgcl-prev tests/dgcl/criteres_repartition_2024.csv --top 20 --output ecarts.csv
    #[command(verbatim_doc_comment)]
    Compare(commands::compare::Args),
    /// Explain why a commune gets a value: the tree of what made it.
    ///
    /// For one commune and one variable: the formula that applied (file, line, from which date),
    /// the parameters it read with their legal references, the national values it used (sums,
    /// strate means, ranks, point values of a distribution with the commune's bounds), the
    /// decisions it made (the branch of an `if`, the bound of a `clamp`), and each variable it
    /// read, explained in turn down to --depth levels. Only what mattered for that commune is
    /// shown; a variable already shown is referenced, not repeated. See docs/explain.md.
    ///
    /// Examples:
    ///   dotations explain --year 2025 --commune 66001 dsr_fraction_cible
    ///   dotations explain --year 2025 --commune 32002 dsr_fraction_cible --depth 2
    ///   dotations explain --year 2025 --commune 66001 dsu_montant --json > explication.json
    ///   dotations explain --year 2024 --commune B montant \
    ///       --rules tests/model --input tests/model/communes_2024.csv
    #[command(verbatim_doc_comment)]
    Explain(commands::explain::Args),
    /// Serve the law over HTTP: OpenFisca's Web API, commune pages and a web page.
    ///
    /// Loads the law and the data, computes every year once, then answers: GET / is a web page
    /// to find a commune, see its dotations and try a what-if; /calculate, /trace, /variables,
    /// /parameters, /entities and /spec follow OpenFisca's Web API; /communes, /law and
    /// /scenario are this server's own (docs/api.md).
    ///
    /// Examples:
    ///   dotations serve                      (then open http://localhost:8000/)
    ///   dotations serve --port 5000 --year 2025
    ///   dotations serve --input communes_2025.csv.gz --year 2025 --rules ./ma-loi
    #[command(verbatim_doc_comment)]
    Serve(commands::serve::Args),
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
    // `--input-2025 FILE` is spelt `--input-year 2025=FILE` for clap.
    let cli = Cli::parse_from(commands::chain::rewrite_args(std::env::args_os()));
    if !matches!(cli.command, Command::Serve(_)) {
        // A reader that stops early (`dotations compute | head`) ends the command as it ends
        // other Unix tools, by SIGPIPE; Rust's default (the signal ignored) makes printing panic.
        // The server keeps the default: a client that hangs up must not stop it.
        sigpipe::reset();
    }
    let result = match cli.command {
        Command::Compute(args) => commands::compute::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Check { rules } => commands::check::run(rules.as_deref()),
        Command::Scenario(args) => commands::scenario::run(args),
        Command::Sweep(args) => commands::sweep::run(args),
        Command::Solve(args) => commands::solve::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Docs(args) => commands::docs::run(args),
        Command::Parameters { rules, dir, date } => commands::parameters::run(rules.as_deref(), dir.as_deref(), date),
        Command::Compare(args) => commands::compare::run(args),
        Command::Serve(args) => commands::serve::run(args),
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
