//! `dotations sweep`: N variants of one parameter, evenly spaced, and the impact of each on
//! every dotation — national total, communes receiving it, winners and losers.
//!
//! The law in force is computed once, keeping every intermediate value; each variant is planned
//! with the other value and computed again only where the change reaches (see
//! `crate::whatif`). Variants run in parallel and each is reduced to its row of the table as
//! soon as it is computed, so memory does not grow with the number of variants.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::eval::Value;
use dotations_scenario::Threshold;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::whatif::{self, Parameter, WhatIf};

#[derive(clap::Args)]
pub struct Args {
    /// The parameter to vary: its dotted path (as in parameters/, e.g.
    /// dotation_solidarite_rurale.cible.montant), or one field of a scale's bracket
    /// (`PATH.brackets[0].amount`, `PATH.brackets[2].threshold`; brackets count from 0).
    #[arg(value_name = "PARAM")]
    parameter: String,
    /// The values, from FROM to TO included, evenly spaced (`_` may separate thousands).
    #[arg(value_name = "FROM..TO", allow_hyphen_values = true)]
    range: String,
    /// How many variants (values), FROM and TO included.
    #[arg(long, value_name = "N")]
    steps: usize,
    /// The year; each value applies from January 1 of that year.
    #[arg(long, value_parser = super::parse_year)]
    year: i32,
    /// Input table (`.csv` or `.csv.gz`, as for `compute`). Default: the embedded synthetic France.
    #[arg(long, value_name = "IN.csv[.gz]")]
    input: Option<PathBuf>,
    /// Write the table to this CSV file (and its stamp to OUT.csv.stamp.json); default: stdout.
    #[arg(long, value_name = "OUT.csv")]
    output: Option<PathBuf>,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// The dotations to report (comma-separated); default: those of the summary table
    /// (formulas/synthese.yaml).
    #[arg(long, value_delimiter = ',', value_name = "a,b,…")]
    variables: Vec<String>,
    /// A commune is a winner (loser) when its amount rises (falls) by more than this many euros —
    /// or this share of its amount under the law in force, written with `%` (e.g. `1%`).
    #[arg(long, value_name = "AMOUNT", default_value = "0")]
    threshold: String,
    /// Also set another parameter in every variant (not in the law in force they are compared
    /// with), from January 1 of the year: PATH=VALUE. Repeatable.
    #[arg(long, value_name = "PATH=VALUE")]
    set: Vec<String>,
}

/// The impact of one variant on one dotation.
#[derive(Debug, Clone, Copy)]
struct Impact {
    total: f64,
    eligible: usize,
    winners: usize,
    losers: usize,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let start = Instant::now();
    let files = whatif::rule_files(args.rules.as_deref())?;
    let rules = files.digest();
    let summary = files.summary.clone();
    let model = files.compile()?;
    let threshold = super::scenario::threshold(&args.threshold)?;
    let parameter = Parameter::resolve(&model, &args.parameter, args.year, "PARAM")?;
    let (from, to) = whatif::range(&args.range, "FROM..TO")?;
    let values = evenly(from, to, args.steps)?;
    let fixed = whatif::fixed_changes(&model, &args.set, args.year, &parameter.path)?;
    let table = whatif::read_table(&model, args.input.as_deref(), args.year)?;
    let variables = if args.variables.is_empty() {
        let Some((path, text)) = &summary else {
            return Err(Diagnostic::error("these rules have no summary table (formulas/synthese.yaml)")
                .with_help("name the dotations to report with --variables a,b")
                .into());
        };
        crate::summary::amounts(&crate::summary::load(&model, path, text)?)
    } else {
        super::compute::targets(&model, &args.variables)?
    };
    let path = parameter.path.clone();
    let current = parameter.current;
    let whatif = WhatIf::new(&model, &table.dataset, args.year, variables.clone(), parameter, fixed)?;
    let baseline: Vec<(&Value, bool, Impact)> = variables
        .iter()
        .map(|var| {
            let value = whatif::values(&whatif.base, *var).expect("the law in force computes every target");
            let amount = whatif::is_amount_per_commune(&model, *var);
            let total = whatif::total(value, amount);
            (value, amount, Impact { total, eligible: whatif::positive(value), winners: 0, losers: 0 })
        })
        .collect();
    let prepared = whatif.scratch()?;
    let progress = Progress::new(values.len());
    let rows: Vec<(Decimal, Vec<Impact>)> = values
        .par_iter()
        .map_init(
            || prepared.clone(),
            |scratch, value| {
                let computed = whatif.variant(scratch, *value)?;
                let impacts = variables
                    .iter()
                    .zip(&baseline)
                    .map(|(var, (base, amount, base_impact))| {
                        let value = whatif::values(&computed, *var).expect("every variant computes every target");
                        impact(base, *base_impact, value, threshold, *amount)
                    })
                    .collect();
                progress.tick();
                Ok::<_, Diagnostics>((*value, impacts))
            },
        )
        .collect::<Result<_, _>>()?;
    let names: Vec<&str> = variables.iter().map(|v| model.variables[*v].name.as_str()).collect();
    match &args.output {
        Some(output) => {
            let file = super::compute::create(output)?;
            write_csv(file, &names, &rows).map_err(|e| super::compute::io_error(output, e))?;
            let inputs = vec![crate::stamping::table(args.input.as_deref(), args.year)?];
            crate::stamping::write_sidecar(output, &crate::stamping::stamp(rules, inputs))?;
            let current = current.map_or("none".to_string(), |c| c.to_string());
            println!(
                "{} variants of `{path}` (law in force: {current}) from {from} to {to}, {} dotations, in {:.1} s",
                values.len(),
                names.len(),
                start.elapsed().as_secs_f64()
            );
            println!(
                "written to {} (stamp: {})",
                output.display(),
                dotations_rules::stamp::Stamp::sidecar_path(output).display()
            );
        }
        None => {
            let stdout = std::io::stdout().lock();
            match write_csv(stdout, &names, &rows) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    return Err(Diagnostic::error(format!("cannot write the table: {e}")).into())
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// At most this many values in a sweep: each is a row of the output, computed and kept.
const MAX_STEPS: usize = 1_000_000;

/// `steps` values from `from` to `to` included, evenly spaced, exact to 12 decimals.
fn evenly(from: Decimal, to: Decimal, steps: usize) -> Result<Vec<Decimal>, Diagnostics> {
    let too_large =
        || Diagnostics::from(Diagnostic::error(format!("the values from {from} to {to} are too large to divide")));
    match steps {
        0 => Err(Diagnostic::error("--steps must be at least 1").into()),
        1 if from == to => Ok(vec![from]),
        // FROM and TO are both in the sweep: one value cannot be both.
        1 => Err(Diagnostic::error(format!("--steps 1 tries one value, but {from}..{to} names two"))
            .with_help(format!("give --steps 2 for {from} and {to}, or the range {from}..{from}"))
            .into()),
        _ if steps > MAX_STEPS => Err(Diagnostic::error(format!("--steps is at most {MAX_STEPS}, not {steps}"))
            .with_help("sweep a narrower range, or several ranges one after the other")
            .into()),
        _ => {
            let span = to.checked_sub(from).ok_or_else(too_large)?;
            (0..steps)
                .map(|i| {
                    let offset =
                        span.checked_mul(Decimal::from(i)).and_then(|d| d.checked_div(Decimal::from(steps - 1)));
                    offset.and_then(|o| from.checked_add(o)).map(|v| v.round_dp(12).normalize()).ok_or_else(too_large)
                })
                .collect()
        }
    }
}

/// One variant against the law in force: a column that is the law in force's own (the change did
/// not reach it) is not looked at again.
fn impact(base: &Value, base_impact: Impact, value: &Value, threshold: Threshold, amount: bool) -> Impact {
    let unchanged = match (base, value) {
        (Value::Column(a), Value::Column(b)) => Arc::ptr_eq(a, b) || a == b,
        (a, b) => a == b,
    };
    if unchanged {
        return base_impact;
    }
    let rows = value.rows();
    // Read as slices: a loop over a thousand variants of every commune.
    let (base, value) = (base.to_column(rows), value.to_column(rows));
    let (mut winners, mut losers) = (0, 0);
    for (before, after) in base.iter().zip(value.iter()) {
        let (before, after) = (*before, *after);
        if threshold.exceeded_by(after - before, before) {
            winners += 1;
        } else if threshold.exceeded_by(before - after, before) {
            losers += 1;
        }
    }
    let value = Value::Column(value);
    Impact { total: whatif::total(&value, amount), eligible: whatif::positive(&value), winners, losers }
}

fn write_csv(out: impl std::io::Write, names: &[&str], rows: &[(Decimal, Vec<Impact>)]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["value".to_string()];
    for name in names {
        for measure in ["total", "eligible", "winners", "losers"] {
            header.push(format!("{name}__{measure}"));
        }
    }
    writer.write_record(&header)?;
    for (value, impacts) in rows {
        let mut record = vec![value.to_string()];
        for impact in impacts {
            record.push(format!("{}", impact.total));
            record.push(impact.eligible.to_string());
            record.push(impact.winners.to_string());
            record.push(impact.losers.to_string());
        }
        writer.write_record(&record)?;
    }
    writer.flush()
}

/// Progress on stderr, every 10 %, for sweeps of 100 variants or more.
struct Progress {
    total: usize,
    done: AtomicUsize,
    start: Instant,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress { total, done: AtomicUsize::new(0), start: Instant::now() }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.total >= 100 && done * 10 / self.total > (done - 1) * 10 / self.total {
            let seconds = self.start.elapsed().as_secs_f64();
            eprintln!("sweep: {:>3} % ({done}/{} variants, {seconds:.1} s)", done * 100 / self.total, self.total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_evenly_spaced_with_both_ends() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let values = evenly(d("400_000_000".replace('_', "").as_str()), d("600000000"), 5).unwrap();
        let text: Vec<String> = values.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["400000000", "450000000", "500000000", "550000000", "600000000"]);
        let thirds: Vec<String> = evenly(d("0"), d("1"), 4).unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(thirds, ["0", "0.333333333333", "0.666666666667", "1"]);
        assert_eq!(evenly(d("7"), d("7"), 1).unwrap(), [d("7")]);
        // TO was dropped: both ends are in a sweep.
        assert!(evenly(d("7"), d("9"), 1)
            .unwrap_err()
            .to_string()
            .contains("--steps 1 tries one value, but 7..9 names two"));
        assert!(evenly(d("7"), d("9"), 0).is_err());
    }

    #[test]
    fn winners_and_losers_pass_the_threshold() {
        let base = Value::Column(vec![100.0, 100.0, 100.0, 0.0].into());
        let after = Value::Column(vec![101.0, 99.5, 100.0, 5.0].into());
        let base_impact = Impact { total: 300.0, eligible: 3, winners: 0, losers: 0 };
        let impact = impact(&base, base_impact, &after, Threshold::Absolute(0.0), true);
        assert_eq!((impact.total, impact.eligible, impact.winners, impact.losers), (305.5, 4, 2, 1));
        let relative = super::impact(&base, base_impact, &after, Threshold::Relative(0.006), true);
        assert_eq!((relative.winners, relative.losers), (2, 0));
        // One amount in every row: a national amount stored per commune, whose total it is.
        let envelope = Value::Column(vec![450.0; 4].into());
        assert_eq!(super::impact(&base, base_impact, &envelope, Threshold::Absolute(0.0), true).total, 450.0);
        assert_eq!(super::impact(&base, base_impact, &envelope, Threshold::Absolute(0.0), false).total, 1_800.0);
    }
}
