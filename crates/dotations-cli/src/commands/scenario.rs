//! `dotations scenario`: run a scenario (a reform and its expected effects) against the law.

use std::path::PathBuf;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::Model;
use dotations_io::InputTable;
use dotations_scenario::{report, Impact, Scenario, Side, Threshold, DEFAULT_GROUPING};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario file, e.g. scenarios/plf_hausse_dsr_dsu.yaml (format: docs/scenarios.md).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The year to compute; default: the scenario's `year:`.
    #[arg(long, value_parser = super::parse_year)]
    year: Option<i32>,
    /// Input table (`.csv` or `.csv.gz`, as for `dotations compute`). Default: the embedded
    /// synthetic France.
    #[arg(long, value_name = "IN.csv[.gz]")]
    input: Option<PathBuf>,
    /// Write, for each commune, every dotation under both laws and their difference
    /// (`NAME__baseline`, `NAME__reform`, `NAME__difference`) to this CSV file.
    #[arg(long, value_name = "impact.csv")]
    output: Option<PathBuf>,
    /// Rule directory of the baseline law (holding parameters/ and formulas/); default: the
    /// embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// A commune is a winner (loser) when its value rises (falls) by more than this many
    /// euros — or this share of its baseline, written with `%` (e.g. `1%`).
    #[arg(long, value_name = "AMOUNT", default_value = "0")]
    threshold: String,
    /// Break the impact down by this variable (its baseline value); default:
    /// strate_demographique when the model has it.
    #[arg(long, value_name = "VARIABLE")]
    by: Option<String>,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let threshold = threshold(&args.threshold)?;
    let scenario = Scenario::load(&args.file)?;
    let Some(year) = args.year.or(scenario.year) else {
        return Err(Diagnostic::error(format!("{} gives no year and --year is missing", args.file.display()))
            .with_help("add `year: 2025` to the scenario, or run with --year 2025")
            .into());
    };
    let files = crate::whatif::rule_files(args.rules.as_deref())?;
    let rules = files.digest();
    let base = files.compile()?;
    let reform = scenario.reformed(&base)?;
    let grouping = match &args.by {
        Some(name) => match base.variable_id(name) {
            Some(_) => Some(name.as_str()),
            None => return Err(base.unknown_variable(name).into()),
        },
        None => base.variable_id(DEFAULT_GROUPING).map(|_| DEFAULT_GROUPING),
    };
    // Each law reads the table with its own variables (a reform may add some).
    let base_table = read(&base, &args, year)?;
    let reform_table = read(&reform, &args, year)?;
    for warning in scenario.warnings(&reform, &reform_table.dataset, year) {
        eprint!("{warning}");
    }
    let variables = scenario.reported_variables(&reform);
    let impact = Impact::compute(
        Side { model: &base, table: &base_table },
        Side { model: &reform, table: &reform_table },
        year,
        &variables,
        grouping,
    )
    .map_err(|d| scenario.with_file_lines(d))?;
    let data = match &args.input {
        Some(path) => {
            format!("{}: {} communes", path.display(), dotations_scenario::format::thousands(impact.communes() as f64))
        }
        None => format!("embedded data: {} communes", dotations_scenario::format::thousands(impact.communes() as f64)),
    };
    print!("{}", report::header(&scenario, year, &data));
    print!("{}", report::impact(&impact, threshold));
    if let Some(path) = &args.output {
        let file = std::fs::File::create(path)
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))?;
        report::write_csv(file, &impact)
            .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", path.display())))?;
        // The stamp: the baseline's rules, the data, and the scenario file (the reform).
        let inputs = vec![crate::stamping::table(args.input.as_deref(), year)?, crate::stamping::file(&args.file)?];
        crate::stamping::write_sidecar(path, &crate::stamping::stamp(rules, inputs))?;
        println!("\nPer-commune impact written to {}", path.display());
    }
    let (results, failures) = scenario.check(&impact);
    print!("{}", report::outcomes(&scenario.expectations, &results));
    if failures.has_errors() {
        return Err(failures);
    }
    Ok(())
}

fn read(model: &Model, args: &Args, year: i32) -> Result<InputTable, Diagnostics> {
    match &args.input {
        Some(path) => crate::data::read_input(model, path, year),
        None => crate::data::embedded_table(model, year),
    }
}

/// `--threshold`: an amount (`100`) or a percentage of the baseline (`1%`), as `scenario` and
/// `sweep` count winners and losers.
pub(super) fn threshold(text: &str) -> Result<Threshold, Diagnostics> {
    let text = text.trim();
    let (number, relative) = match text.strip_suffix('%') {
        Some(number) => (number.trim(), true),
        None => (text, false),
    };
    // A winner gains more than the threshold and a loser loses more: below 0 every commune
    // would be both, and `nan` would make none either.
    let value: f64 =
        number.replace('_', "").parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0).ok_or_else(|| {
            Diagnostic::error(format!("--threshold takes an amount or a percentage of 0 or more, not `{text}`"))
                .with_help("e.g. --threshold 100 or --threshold 1%")
        })?;
    Ok(if relative { Threshold::Relative(value / 100.0) } else { Threshold::Absolute(value) })
}
