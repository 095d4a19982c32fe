//! `--dgcl FILE`: the year's inputs from a DGCL criteria file as published, through the mapping
//! file of the year (`data/dgcl/YEAR.yaml`, embedded; `--dgcl-mapping DIR` for another copy).
//!
//! Before computing, what the formulas need and the files do not give is said precisely: an
//! input of the year that the mapping does not provide, or a previous-year value, with the
//! column of the previous year's file it would come from (`--dgcl-prev FILE`).

use std::path::{Path, PathBuf};

use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use dotations_engine::model::{Model, VarId};
use dotations_engine::plan::{self, DefaultReason, MissingInputs, Source};
use dotations_io::dgcl::{self, DgclFile, Mapping, Rule};
use dotations_io::InputTable;

/// The embedded mapping files, by year.
const MAPPINGS: [(i32, &str); 3] = [
    (2024, include_str!("../../../../data/dgcl/2024.yaml")),
    (2025, include_str!("../../../../data/dgcl/2025.yaml")),
    (2026, include_str!("../../../../data/dgcl/2026.yaml")),
];

/// The options of `compute` and `compare` that read DGCL files.
#[derive(clap::Args, Clone, Default)]
pub struct DgclArgs {
    /// Read the year's inputs from the DGCL's criteria file as published (French column
    /// headers, decimal commas), through the mapping of the year (data/dgcl/YEAR.yaml).
    #[arg(long, value_name = "CRITERES_N.csv", conflicts_with = "input")]
    pub dgcl: Option<PathBuf>,
    /// The DGCL file of the previous year: the amounts it publishes become the previous-year
    /// values (dotation forfaitaire, DSR and DSU attributions, parts…).
    #[arg(long, value_name = "CRITERES_N-1.csv", requires = "dgcl")]
    pub dgcl_prev: Option<PathBuf>,
    /// A directory of mapping files (YEAR.yaml) to use instead of the embedded data/dgcl.
    #[arg(long, value_name = "DIR", requires = "dgcl")]
    pub dgcl_mapping: Option<PathBuf>,
}

/// The mapping of `year`: from `dir` if given, else the embedded one.
pub fn mapping(model: &Model, dir: Option<&Path>, year: i32) -> Result<Mapping, Diagnostics> {
    let source = match dir {
        Some(dir) => {
            let path = dir.join(format!("{year}.yaml"));
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Diagnostics::from(Diagnostic::error(format!("cannot read the mapping {}: {e}", path.display())))
            })?;
            SourceText::new(path.display().to_string(), text)
        }
        None => {
            let Some((_, text)) = MAPPINGS.iter().find(|(y, _)| *y == year) else {
                let years: Vec<String> = MAPPINGS.iter().map(|(y, _)| y.to_string()).collect();
                return Err(Diagnostic::error(format!("there is no DGCL mapping for {year}"))
                    .with_help(format!(
                        "the embedded mappings cover {}; write data/dgcl/{year}.yaml (copy the closest year) and pass --dgcl-mapping data/dgcl",
                        years.join(", ")
                    ))
                    .into());
            };
            SourceText::new(format!("data/dgcl/{year}.yaml"), *text)
        }
    };
    dgcl::load_mapping(model, &source)
}

/// Reads the year's inputs (and the previous year's values, with --dgcl-prev), prints what was
/// derived or not provided, warns of columns the mapping does not know, and checks that nothing
/// the formulas of `year` need is missing.
pub fn read_table(model: &Model, args: &DgclArgs, year: i32) -> Result<InputTable, Diagnostics> {
    read_table_checked(model, args, year, true)
}

/// [`read_table`], checking the previous-year values only when asked (a chain of years sets
/// them from the year before).
pub fn read_table_checked(
    model: &Model,
    args: &DgclArgs,
    year: i32,
    check_previous: bool,
) -> Result<InputTable, Diagnostics> {
    let Some(path) = &args.dgcl else {
        return Err(Diagnostic::error("no DGCL file given (--dgcl FILE)").into());
    };
    let current = mapping(model, args.dgcl_mapping.as_deref(), year)?;
    let file = dgcl::read_file(path)?;
    warn_unmapped(&file, &current);
    let (mut table, mut report) = dgcl::read_inputs(model, &current, &file, year)?;
    let previous = match &args.dgcl_prev {
        Some(prev_path) => {
            let prev_mapping = mapping(model, args.dgcl_mapping.as_deref(), year - 1)?;
            let prev_file = dgcl::read_file(prev_path)?;
            report.extend(dgcl::add_previous(model, &mut table, &prev_mapping, &prev_file, year - 1)?);
            None
        }
        None => mapping(model, args.dgcl_mapping.as_deref(), year - 1).ok(),
    };
    println!("Read {} ({} communes) through {}:", file.name, file.rows.len(), current.path);
    for line in &report {
        println!("  {line}");
    }
    let targets: Vec<VarId> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
    let prev_given = args.dgcl_prev.is_some();
    let previous = Previous { mapping: previous.as_ref(), given: prev_given, checked: check_previous };
    check_complete(model, &table, year, &targets, &current, previous)?;
    Ok(table)
}

/// Warns of the file's columns that the mapping neither uses nor lists as ignored: a column
/// renamed by the DGCL shows up here.
fn warn_unmapped(file: &DgclFile, mapping: &Mapping) {
    let unmapped = file.unmapped_columns(mapping);
    if unmapped.is_empty() {
        return;
    }
    let mut warning = Diagnostic::warning(format!(
        "{} columns of {} are not in the mapping {} and are not read",
        unmapped.len(),
        file.name,
        mapping.path
    ))
    .with_help("map them, or list them under `ignored:` with why");
    for column in unmapped.iter().take(10) {
        warning = warning.with_note(format!("`{column}`"));
    }
    eprint!("{warning}");
}

/// The previous year, for the checks: its mapping (if there is one), whether its file was given,
/// and whether the values it would give are checked (not in a chain, which sets them).
#[derive(Clone, Copy)]
struct Previous<'a> {
    mapping: Option<&'a Mapping>,
    given: bool,
    checked: bool,
}

/// Fails when the formulas of `year` need a value that neither the files nor the mapping give.
fn check_complete(
    model: &Model,
    table: &InputTable,
    year: i32,
    targets: &[VarId],
    mapping: &Mapping,
    previous: Previous,
) -> Result<(), Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let plan = plan::build(model, &table.dataset, year, targets, MissingInputs::Default)?;
    let mut seen = std::collections::BTreeSet::new();
    for node in &plan.nodes {
        if node.year == year && node.source == Source::Default(DefaultReason::NotGiven) && seen.insert(node.var) {
            let name = &model.variables[node.var].name;
            diagnostics.push(
                Diagnostic::error(format!("the DGCL file gives no `{name}` for {year}, which the formulas need"))
                    .with_help(format!(
                        "say in {} where it comes from: a column (`column:` and `type:`), or `not_provided: VALUE` with why",
                        mapping.path
                    )),
            );
        }
    }
    // A value read with an `otherwise` (a national envelope taken from the parameters) is
    // missing only when the previous year's file would give it.
    let Previous { mapping: previous, given: prev_given, checked } = previous;
    if !checked {
        return diagnostics.into_result(());
    }
    let from_file = |var: VarId| previous.is_some_and(|m| m.previous.iter().any(|e| e.var == var));
    let missing: Vec<VarId> = super::chain::previous_year_reads(model, &table.dataset, year, targets)?
        .into_iter()
        .filter(|(var, source)| match source {
            Source::Input => false,
            Source::Fallback => from_file(*var),
            _ => true,
        })
        .map(|(var, _)| var)
        .collect();
    if !missing.is_empty() {
        let mut error = Diagnostic::error(format!(
            "the formulas of {year} read {} values of {} that the DGCL file of {year} does not give",
            missing.len(),
            year - 1
        ))
        .with_help(if prev_given {
            format!("add them to the `previous` section of the mapping of {}", year - 1)
        } else {
            format!("give the DGCL file of {}: --dgcl-prev criteres_repartition_{}.csv", year - 1, year - 1)
        });
        for var in missing {
            let name = &model.variables[var].name;
            let from = previous.and_then(|m| m.previous.iter().find(|e| e.var == var)).map(|entry| match &entry.rule {
                Rule::Column { column, .. } => format!("column `{}` of the {} file", column.name, year - 1),
                _ => format!(
                    "derived from the {} file ({})",
                    year - 1,
                    entry.why.as_deref().unwrap_or("see the mapping")
                ),
            });
            let from = from.unwrap_or_else(|| format!("not in the `previous` section of the mapping of {}", year - 1));
            error = error.with_note(format!("{name} ({}): {from}", year - 1));
        }
        diagnostics.push(error);
    }
    diagnostics.into_result(())
}
