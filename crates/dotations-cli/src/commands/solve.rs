//! `dotations solve`: the value of one parameter that makes a quantity of the result meet a
//! target — a national total, a count of eligible communes, one commune's amount — measured
//! on each value tried through the what-if path (see `crate::whatif`, and
//! `crate::whatif::target` for the target's syntax).

use std::path::PathBuf;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::whatif::root::{self, Outcome, Point, Problem};
use crate::whatif::target::Target;
use crate::whatif::{self, decimal_of, Parameter, WhatIf};

/// Points measured across the bracket before narrowing (its ends included).
const GRID: usize = 9;

#[derive(clap::Args)]
pub struct Args {
    /// The parameter to find: its dotted path, or one field of a scale's bracket
    /// (`PATH.brackets[0].amount`).
    #[arg(value_name = "PARAM")]
    parameter: String,
    /// What the result must meet: `QUANTITY = GOAL`, where QUANTITY is `total(VARIABLE)`,
    /// `count(VARIABLE)` (communes > 0) or `commune(CODE).VARIABLE`, and GOAL a number,
    /// `baseline` (the quantity under the law in force), `baseline + 1_000`, `baseline - 2%`
    /// or `baseline * 1.05`.
    #[arg(long, value_name = "EXPR")]
    target: String,
    /// The year; the value applies from January 1 of that year.
    #[arg(long, value_parser = super::parse_year)]
    year: i32,
    /// The values to search, A..B; default: from half to twice the value in force.
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    between: Option<String>,
    /// How close to the goal is close enough (in the quantity's unit: euros, communes); at
    /// least 1e-12 of the goal, the precision of the numbers computed.
    #[arg(long, value_name = "AMOUNT", default_value = "0.01")]
    tolerance: f64,
    /// At most this many evaluations (at least 10: the search first measures 9 values across
    /// the range).
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_evaluations: usize,
    /// Input table (`.csv` or `.csv.gz`, as for `compute`). Default: the embedded synthetic France.
    #[arg(long, value_name = "IN.csv[.gz]")]
    input: Option<PathBuf>,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Also set another parameter in every value tried (not in the law in force that `baseline`
    /// measures), from January 1 of the year: PATH=VALUE. Repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    set: Vec<String>,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        return Err(Diagnostic::error(format!("--tolerance is an amount of 0 or more, not {}", args.tolerance)).into());
    }
    if args.max_evaluations <= GRID {
        return Err(Diagnostic::error(format!(
            "--max-evaluations must be at least {}: the search first measures {GRID} values across the range",
            GRID + 1
        ))
        .into());
    }
    let model = whatif::rule_files(args.rules.as_deref())?.compile()?;
    let parameter = Parameter::resolve(&model, &args.parameter, args.year, "PARAM")?;
    let (low, high) = bracket(&args, &parameter)?;
    let fixed = whatif::fixed_changes(&model, &args.set, args.year, &parameter.path)?;
    let table = whatif::read_table(&model, args.input.as_deref(), args.year)?;
    let target = Target::parse(&args.target, &model, &table.dataset)?;
    let path = parameter.path.clone();
    let current = parameter.current;
    let whatif = WhatIf::new(&model, &table.dataset, args.year, vec![target.variable()], parameter, fixed)?;
    // A value for which the law cannot be computed (an envelope below the guarantees it must
    // pay) stops the search: say how to leave it out.
    let variant = |scratch: &mut dotations_params::ParameterTree, x: f64| {
        whatif.variant(scratch, decimal_of(x)).map_err(|found| {
            let mut helped = Diagnostics::new();
            for d in found {
                helped.push(d.with_help("search among values for which the law can be computed, with --between A..B"));
            }
            helped
        })
    };
    let measured = |computed: &dotations_engine::Computed<'_>| {
        target.measure(computed).ok_or_else(|| {
            let name = &model.variables[target.variable()].name;
            Diagnostics::from(Diagnostic::error(format!("`{name}` is not computed for {}", args.year)))
        })
    };
    let baseline = measured(&whatif.base)?;
    let goal = target.goal_value(baseline);
    let prepared = whatif.scratch()?;
    // Not below what the sums of 35 000 amounts can tell apart.
    let tolerance = args.tolerance.max(1e-12 * goal.abs());
    let problem = Problem {
        low: dotations_params::decimal_to_f64(low),
        high: dotations_params::decimal_to_f64(high),
        goal,
        tolerance,
        // The width of the range, in f64 when it is beyond what a decimal holds.
        resolution: high
            .checked_sub(low)
            .map_or_else(
                || dotations_params::decimal_to_f64(high) - dotations_params::decimal_to_f64(low),
                dotations_params::decimal_to_f64,
            )
            .abs()
            * 1e-12,
        grid: GRID,
        max_evaluations: args.max_evaluations,
    };
    let grid = |xs: &[f64]| -> Result<Vec<f64>, Diagnostics> {
        xs.par_iter().map_init(|| prepared.clone(), |scratch, x| measured(&variant(scratch, *x)?)).collect()
    };
    let mut scratch = prepared.clone();
    let measure = |x: f64| measured(&variant(&mut scratch, x)?);
    let report = root::solve(&problem, grid, measure)?;

    let law = current.map_or("no value".to_string(), |c| c.to_string());
    let quantity = target.text.split('=').next().unwrap_or_default().trim().to_string();
    println!("solving `{path}` in {} for {}", args.year, target.text);
    println!("law in force: {path} = {law}, {quantity} = {}", number(baseline));
    if let Some(points) = report.not_monotone {
        eprint!("{}", not_monotone(&path, &quantity, low, high, points));
    }
    let evaluations = match report.evaluations.saturating_sub(GRID) {
        0 => format!("{} (across [{low}, {high}])", report.evaluations),
        narrowing => format!("{} ({GRID} across [{low}, {high}], then {narrowing} to narrow)", report.evaluations),
    };
    match report.outcome {
        Outcome::Found { point } => {
            println!("found: {path} = {}", decimal_of(point.0));
            println!(
                "achieved: {quantity} = {} (goal {}, gap {}, tolerance {})",
                number(point.1),
                number(goal),
                number(point.1 - goal),
                tolerance
            );
            println!("evaluations: {evaluations}");
            Ok(())
        }
        Outcome::Unreached { low: a, high: b, closest } => {
            let mut error = Diagnostic::error(format!(
                "no value of `{path}` in [{low}, {high}] meets the target: {quantity} goes from {} to {}, the goal is {}",
                number(a.1),
                number(b.1),
                number(goal)
            ))
            .with_note(format!("the closest: {path} = {} gives {}", decimal_of(closest.0), number(closest.1)))
            .with_note(format!("evaluations: {evaluations}"));
            error = match report.not_monotone {
                None => error.with_help("widen the values searched with --between A..B"),
                Some(_) => error.with_help(
                    "the relation is not monotone on these values: a value between the points tried may still meet the target; narrow --between around the closest",
                ),
            };
            Err(error.into())
        }
        Outcome::Jump { below, above } => Err(Diagnostic::error(format!(
            "no value of `{path}` meets the target exactly: {quantity} jumps from {} ({path} = {}) to {} ({path} = {})",
            number(below.1),
            decimal_of(below.0),
            number(above.1),
            decimal_of(above.0)
        ))
        .with_note(format!(
            "the goal is {}; a threshold (an eligibility, a floor, a ceiling) lies in between",
            number(goal)
        ))
        .with_note(format!("evaluations: {evaluations}"))
        .with_help("loosen --tolerance to accept the closest value")
        .into()),
        Outcome::Exhausted { best, bracket } => Err(Diagnostic::error(format!(
            "the search stopped after {} evaluations: {path} = {} gives {} (goal {})",
            report.evaluations,
            decimal_of(best.0),
            number(best.1),
            number(goal)
        ))
        .with_note(format!("the value lies between {} and {}", decimal_of(bracket.0 .0), decimal_of(bracket.1 .0)))
        .with_help("allow more with --max-evaluations, or loosen --tolerance")
        .into()),
    }
}

/// The values to search: `--between`, or from half to twice the value in force.
fn bracket(args: &Args, parameter: &Parameter) -> Result<(Decimal, Decimal), Diagnostics> {
    let (low, high) = match (&args.between, parameter.current) {
        (Some(text), _) => whatif::range(text, "--between")?,
        (None, Some(current)) if !current.is_zero() => {
            let twice = current.checked_mul(Decimal::TWO).ok_or_else(|| {
                Diagnostic::error(format!(
                    "`{}` is too large to search around: say which values to search",
                    parameter.path
                ))
                .with_help("give them with --between A..B")
            })?;
            let half = current / Decimal::TWO;
            (half.min(twice), half.max(twice))
        }
        (None, current) => {
            let law = current.map_or("has no value".to_string(), |_| "is 0".to_string());
            return Err(Diagnostic::error(format!(
                "`{}` {law} in {}: say which values to search",
                parameter.path, args.year
            ))
            .with_help("give them with --between A..B")
            .into());
        }
    };
    if low >= high {
        return Err(
            Diagnostic::error(format!("--between {low}..{high}: the first value must be below the second")).into()
        );
    }
    Ok((low, high))
}

fn not_monotone(path: &str, quantity: &str, low: Decimal, high: Decimal, points: [Point; 3]) -> Diagnostic {
    let shown: Vec<String> =
        points.iter().map(|(x, q)| format!("{path} = {} gives {}", decimal_of(*x), number(*q))).collect();
    Diagnostic::warning(format!("{quantity} is not monotone in `{path}` on [{low}, {high}]"))
        .with_note(shown.join("; "))
        .with_note("the value found is one of several that may meet the target")
}

/// A quantity, as short as it reads exactly.
fn number(value: f64) -> String {
    format!("{value}")
}
