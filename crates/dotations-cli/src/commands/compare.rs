//! `dotations compare --dgcl FILE --year YEAR`: the engine's amounts against those the DGCL
//! publishes in its criteria file, per dotation: how many communes match to the euro, and the
//! largest gaps.

use std::path::PathBuf;

use dotations_diagnostics::Diagnostics;
use dotations_engine::model::{Model, ValueType, VarId};
use dotations_engine::{MissingInputs, Simulation};
use dotations_io::dgcl::{self, Published};

#[derive(clap::Args)]
pub struct Args {
    /// The year of the DGCL file, e.g. 2025.
    #[arg(long, value_parser = super::parse_year)]
    year: i32,
    #[command(flatten)]
    dgcl: super::dgcl::DgclArgs,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// How many of the largest gaps to show per dotation.
    #[arg(long, default_value_t = 5, value_name = "N")]
    top: usize,
    /// Write every commune's published and computed values, and the gap, to this CSV file.
    #[arg(long, value_name = "GAPS.csv")]
    output: Option<PathBuf>,
}

/// How a variable is compared: amounts to the euro, ranks and counts exactly, other numbers
/// to a millionth.
#[derive(Clone, Copy)]
enum Tolerance {
    Euro,
    Exact,
    Relative,
}

impl Tolerance {
    fn of(model: &Model, var: VarId) -> Tolerance {
        match model.variables[var].value_type {
            ValueType::Money => Tolerance::Euro,
            ValueType::Integer | ValueType::Boolean | ValueType::Enum(_) => Tolerance::Exact,
            _ => Tolerance::Relative,
        }
    }

    fn matches(self, published: f64, computed: f64) -> bool {
        let gap = (computed - published).abs();
        match self {
            Tolerance::Euro => gap < 1.0,
            Tolerance::Exact => gap == 0.0,
            Tolerance::Relative => gap <= 1e-6 * published.abs().max(1.0),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Tolerance::Euro => "to the euro",
            Tolerance::Exact => "exactly",
            Tolerance::Relative => "to 1e-6",
        }
    }
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let model = dotations_rules::load(args.rules.as_deref())?;
    let Some(path) = &args.dgcl.dgcl else {
        return Err(dotations_diagnostics::Diagnostic::error(
            "give the DGCL file: --dgcl criteres_repartition_YEAR.csv",
        )
        .into());
    };
    let table = super::dgcl::read_table(&model, &args.dgcl, args.year)?;
    let mapping = super::dgcl::mapping(&model, args.dgcl.dgcl_mapping.as_deref(), args.year)?;
    let file = dgcl::read_file(path)?;
    let published = dgcl::read_published(&model, &mapping, &file)?;
    let targets: Vec<VarId> = published.iter().map(|p| p.var).collect();
    let simulation = Simulation::new(&model, &table.dataset, MissingInputs::Error);
    let computed = simulation.compute_ids(args.year, &targets)?;
    let codes = table.dataset.ids(model.person_entity()).to_vec();
    let names: Vec<String> = match &mapping.name {
        Some(column) => match file.index(column, &mapping) {
            Ok(index) => file.rows.iter().map(|r| r[index].clone()).collect(),
            Err(_) => vec![String::new(); codes.len()],
        },
        None => vec![String::new(); codes.len()],
    };
    println!("\nDGCL {} against the engine — {} communes\n", args.year, codes.len());
    println!("{:<66} {:>9} {:>9} {:>8}  compared", "variable (DGCL column)", "match", "differ", "share");
    let mut gaps_rows = Vec::new();
    let mut details = Vec::new();
    for column in &published {
        let values = computed.value(column.var, args.year).map(|v| v.to_column(codes.len()));
        let Some(values) = values else { continue };
        let tolerance = Tolerance::of(&model, column.var);
        let mut gaps: Vec<(usize, f64)> = Vec::new();
        let mut matching = 0;
        for (row, (published, ours)) in column.values.iter().zip(values.iter()).enumerate() {
            if tolerance.matches(*published, *ours) {
                matching += 1;
            } else {
                gaps.push((row, ours - published));
            }
            gaps_rows.push((column, row, *published, *ours));
        }
        let name = &model.variables[column.var].name;
        let share = 100.0 * matching as f64 / codes.len().max(1) as f64;
        println!("{name:<66} {matching:>9} {:>9} {share:>7.1}%  {}", gaps.len(), tolerance.describe());
        if !gaps.is_empty() {
            gaps.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            details.push(largest_gaps(&model, column, &gaps, &values, &codes, &names, args.top));
        }
    }
    for detail in details {
        print!("\n{detail}");
    }
    if let Some(path) = &args.output {
        let mut writer = csv::Writer::from_writer(super::compute::create(path)?);
        let io = |e: csv::Error| super::compute::io_error(path, std::io::Error::other(e));
        writer.write_record(["code_insee", "variable", "dgcl", "engine", "gap"]).map_err(io)?;
        for (column, row, published, ours) in gaps_rows {
            let variable = &model.variables[column.var].name;
            // Each value as the tables write it (shortest round-trip form): indices are compared
            // to 1e-6, which two decimals would hide.
            let exact = dotations_engine::model::format_number;
            let record = [codes[row].clone(), variable.clone(), exact(published), exact(ours), exact(ours - published)];
            writer.write_record(&record).map_err(io)?;
        }
        writer.flush().map_err(|e| super::compute::io_error(path, e))?;
        println!("\nwrote every commune's values to {}", path.display());
    }
    Ok(())
}

/// The largest gaps of one variable, as a small table.
fn largest_gaps(
    model: &Model,
    column: &Published,
    gaps: &[(usize, f64)],
    values: &[f64],
    codes: &[String],
    names: &[String],
    top: usize,
) -> String {
    let mut text = format!("{} — largest gaps (column `{}`):\n", model.variables[column.var].name, column.column);
    text.push_str(&format!("  {:<7} {:<30} {:>16} {:>16} {:>14}\n", "code", "commune", "DGCL", "engine", "gap"));
    for (row, gap) in gaps.iter().take(top) {
        let name: String = names[*row].chars().take(30).collect();
        text.push_str(&format!(
            "  {:<7} {:<30} {:>16} {:>16} {:>14}\n",
            codes[*row],
            name,
            fmt(column.values[*row]),
            fmt(values[*row]),
            fmt(*gap)
        ));
    }
    text
}

/// A value for the screen: whole, or to the cent.
fn fmt(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
