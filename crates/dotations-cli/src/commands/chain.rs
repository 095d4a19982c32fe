//! `dotations compute --years 2024..2026`: several years in a row, the results of each year
//! becoming the previous-year values of the next, as the DGCL and the LexImpact simulator do.
//!
//! Which values are carried is not a list written here: it is what the formulas of year N+1 read
//! at N, as the engine's plan of N+1 says (its nodes of year N read by nodes of year N+1). Per
//! commune, the value of N — computed, or given as an input — becomes the input of N+1 at N.
//! National (État) values are not carried: the formulas read their previous-year value with an
//! `otherwise` that gives the parameters of N-1, as the LexImpact back end sets the N-1
//! envelopes. A chain file (`data/chain.yaml`) says what is done to a result beyond a copy (the
//! cible parts masked by eligibility). Criteria of a year come from its own file, or are carried
//! forward from the last year given, and every carried variable is listed in the output.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::model::{Model, PeriodKind, VarId, YearKey};
use dotations_engine::plan::{self, MissingInputs, Source};
use dotations_engine::{Computed, Dataset, Simulation};
use dotations_io::{InputTable, TableColumn};

use super::chain_spec::ChainSpec;
use super::compute::Args;

/// The options of `compute` that chain years.
#[derive(clap::Args)]
pub struct ChainArgs {
    /// Compute several years in a row (FIRST..LAST, e.g. 2024..2026): the results of each year
    /// become the previous-year values (`__prev`) of the next. --output and --national then
    /// need `{year}` in their name.
    #[arg(long, value_name = "FIRST..LAST", value_parser = parse_years, conflicts_with = "year")]
    pub years: Option<(i32, i32)>,
    /// With --years: the input table of each year, a name with `{year}`, e.g.
    /// 'communes_{year}.csv'. A year whose file does not exist has its criteria carried forward
    /// from the year before.
    #[arg(long, value_name = "'IN_{year}.csv'")]
    pub inputs: Option<String>,
    /// With --years: the input table of one year (repeatable); `--input-2025 FILE` is the same.
    #[arg(long = "input-year", value_name = "YEAR=FILE")]
    pub input_year: Vec<String>,
    /// With --years: keep the previous-year values that a year's input table gives for these
    /// variables (comma-separated) instead of replacing them by the results of the year before.
    #[arg(long, value_delimiter = ',', value_name = "a,b,…")]
    pub keep_prev: Vec<String>,
    /// With --years: the chain file (what is done to a result before it becomes a previous-year
    /// value). Default: chain.yaml of the --rules directory, else the embedded data/chain.yaml.
    #[arg(long, value_name = "CHAIN.yaml")]
    pub chain: Option<PathBuf>,
}

/// Rewrites `--input-2025 FILE` (and `--input-2025=FILE`) into `--input-year 2025=FILE`: clap
/// cannot declare an option per year.
pub fn rewrite_args(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for arg in args {
        if let Some(year) = pending.take() {
            out.push(format!("{year}={}", arg.to_string_lossy()).into());
            continue;
        }
        let text = arg.to_string_lossy().to_string();
        let rest = text.strip_prefix("--input-").filter(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        match rest {
            Some(rest) => {
                out.push("--input-year".into());
                match rest.split_once('=') {
                    Some((year, file)) => out.push(format!("{year}={file}").into()),
                    None => pending = Some(rest.to_string()),
                }
            }
            None => out.push(arg),
        }
    }
    out
}

/// The options that only make sense with --years are an error with --year.
pub fn refuse_without_years(args: &ChainArgs) -> Result<(), Diagnostics> {
    let given = [
        ("--inputs", args.inputs.is_some()),
        ("--input-YEAR", !args.input_year.is_empty()),
        ("--keep-prev", !args.keep_prev.is_empty()),
        ("--chain", args.chain.is_some()),
    ];
    match given.iter().find(|(_, given)| *given) {
        Some((option, _)) => Err(Diagnostic::error(format!("{option} chains years: it needs --years, not --year"))
            .with_help("e.g. --years 2024..2025")
            .into()),
        None => Ok(()),
    }
}

fn parse_years(text: &str) -> Result<(i32, i32), String> {
    let parse = super::parse_year;
    let (first, last) = match text.split_once("..") {
        Some((a, b)) => (parse(a)?, parse(b.trim_start_matches('='))?),
        None => (parse(text)?, parse(text)?),
    };
    if last < first {
        return Err(format!("{last} is before {first}"));
    }
    Ok((first, last))
}

/// One computed year, kept to feed the next: its inputs, and the per-commune values its plan
/// computed for that year.
struct YearResult {
    year: i32,
    table: InputTable,
    values: HashMap<VarId, Arc<[f64]>>,
}

impl YearResult {
    /// The per-commune values of `year` in `computed`, with `rows` communes.
    fn values(model: &Model, year: i32, rows: usize, computed: &Computed<'_>) -> HashMap<VarId, Arc<[f64]>> {
        computed
            .plan
            .nodes
            .iter()
            .filter(|n| n.year == year && model.variables[n.var].entity == model.person_entity())
            .filter_map(|n| Some((n.var, computed.value(n.var, year)?.to_column(rows))))
            .collect()
    }
}

pub fn run(args: &Args) -> Result<(), Diagnostics> {
    let Some((first, last)) = args.chain.years else {
        return Err(Diagnostic::error("give the year to compute: --year 2025, or several: --years 2024..2026").into());
    };
    for (option, pattern) in [("--output", &args.output), ("--national", &args.national)] {
        if let Some(path) = pattern.as_ref().filter(|p| first != last && !p.to_string_lossy().contains("{year}")) {
            return Err(Diagnostic::error(format!("with several years, {option} needs `{{year}}` in its name"))
                .with_help(format!("e.g. {option} '{}'", with_year_placeholder(path)))
                .into());
        }
    }
    let files = match &args.rules {
        Some(dir) => dotations_rules::RuleFiles::from_dir(dir)?,
        None => dotations_rules::RuleFiles::embedded(),
    };
    let summary_file = files.summary.clone();
    let rules = files.digest();
    let model = files.compile()?;
    let spec = ChainSpec::load(&model, args.chain.chain.as_deref(), args.rules.as_deref())?;
    let keep = variables(&model, &args.chain.keep_prev)?;
    let sources = year_sources(args, first, last)?;
    // The summary of each year is printed, output files or not.
    let summary = match &summary_file {
        Some((path, text)) => Some(crate::summary::load(&model, path, text)?),
        None => None,
    };
    let mut targets: Vec<VarId> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
    for var in summary.as_deref().map(crate::summary::variables).unwrap_or_default() {
        if !targets.contains(&var) {
            targets.push(var);
        }
    }
    let written = super::compute::targets(&model, &args.variables)?;
    println!("{}", spec.describe());
    let mut previous: Option<YearResult> = None;
    // A year's results depend on the inputs of every year before it in the chain (and on the
    // chain file, when another than the embedded one is given): its stamp names them all.
    let mut inputs = Vec::new();
    let rules_chain = args.rules.as_ref().map(|dir| dir.join("chain.yaml")).filter(|path| path.is_file());
    if let Some(path) = args.chain.chain.as_ref().or(rules_chain.as_ref()) {
        inputs.push(crate::stamping::file(path)?);
    }
    for year in first..=last {
        let (mut table, origin) = match (sources.get(&year), &previous) {
            (Some(source), _) => {
                inputs.extend(source.digests(year)?);
                (source.read(&model, year)?, source.describe())
            }
            (None, Some(prev)) => {
                let (table, carried) = carry_forward(&model, prev);
                println!("{year}: no input table; criteria carried forward from {}: {}", prev.year, carried.join(", "));
                (table, format!("criteria of {}", prev.year))
            }
            (None, None) => {
                let mut error = Diagnostic::error(format!("no input table for {year}, the first year of the chain"));
                match &args.chain.inputs {
                    // The pattern was given: say which file it named.
                    Some(pattern) => {
                        let path = pattern.replace("{year}", &year.to_string());
                        error = error
                            .with_note(format!("--inputs names {path} for {year}, and there is no such file"))
                            .with_help(format!("add {path}, or give the first year's table with --input FILE"));
                    }
                    None => {
                        error =
                            error.with_help("give --input FILE, --input-YEAR FILE or --inputs 'communes_{year}.csv'")
                    }
                }
                return Err(error.into());
            }
        };
        if let Some(prev) = &previous {
            let lines = chain_previous(&model, &mut table, prev, &targets, &keep, &spec)?;
            for line in lines {
                println!("{year}: {line}");
            }
        }
        let simulation = Simulation::new(&model, &table.dataset, MissingInputs::Error);
        let computed = simulation.compute_ids(year, &targets)?;
        let person = model.person_entity();
        let communal: Vec<VarId> = written.iter().copied().filter(|v| model.variables[*v].entity == person).collect();
        let national = super::compute::national_written(&model, &computed, &written, year);
        if let Some(pattern) = &args.output {
            let path = for_year(pattern, year);
            let file = super::compute::create(&path)?;
            dotations_io::write_table(file, &model, &table, &computed, &communal)
                .map_err(|e| super::compute::io_error(&path, e))?;
            println!("{year}: wrote {}", path.display());
        }
        if let Some(pattern) = &args.national {
            let path = for_year(pattern, year);
            let file = super::compute::create(&path)?;
            dotations_io::write_national(file, &model, &computed, &national)
                .map_err(|e| super::compute::io_error(&path, e))?;
        }
        if args.output.is_some() || args.national.is_some() {
            let stamp = crate::stamping::stamp(rules.clone(), inputs.clone());
            for pattern in args.output.iter().chain(&args.national) {
                crate::stamping::write_sidecar(&for_year(pattern, year), &stamp)?;
            }
        }
        if let Some(rows) = &summary {
            println!();
            crate::summary::print(&model, &computed, rows, year, table.dataset.size(person), &origin);
            println!();
        }
        let values = YearResult::values(&model, year, table.dataset.size(person), &computed);
        drop(computed);
        previous = Some(YearResult { year, table, values });
    }
    Ok(())
}

/// Where a year's criteria come from.
enum YearSource {
    File(PathBuf),
    Embedded,
    /// A DGCL file (and, for the first year, the DGCL file of the year before).
    Dgcl(super::dgcl::DgclArgs),
}

impl YearSource {
    fn read(&self, model: &Model, year: i32) -> Result<InputTable, Diagnostics> {
        match self {
            YearSource::File(path) => crate::data::read_input(model, path, year),
            YearSource::Embedded => crate::data::embedded_table(model, year),
            // The previous-year values of later years come from the chain.
            YearSource::Dgcl(args) => super::dgcl::read_table_checked(model, args, year, args.dgcl_prev.is_some()),
        }
    }

    /// The digests of the files this year's criteria are read from, for the stamps.
    fn digests(&self, year: i32) -> Result<Vec<dotations_rules::stamp::InputDigest>, Diagnostics> {
        match self {
            YearSource::File(path) => Ok(vec![crate::stamping::file(path)?]),
            YearSource::Embedded => Ok(vec![crate::stamping::table(None, year)?]),
            YearSource::Dgcl(args) => {
                args.dgcl.iter().chain(&args.dgcl_prev).map(|path| crate::stamping::file(path)).collect()
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            YearSource::File(path) => path.display().to_string(),
            YearSource::Embedded => "embedded data".to_string(),
            YearSource::Dgcl(args) => args.dgcl.as_ref().map_or(String::new(), |p| p.display().to_string()),
        }
    }
}

/// The input table of each year that has one: --input-YEAR, then the --inputs pattern (when the
/// file exists), --input for the first year, the embedded data when no input is given at all.
fn year_sources(args: &Args, first: i32, last: i32) -> Result<HashMap<i32, YearSource>, Diagnostics> {
    let mut sources = HashMap::new();
    let mut diagnostics = Diagnostics::new();
    for item in &args.chain.input_year {
        match item.split_once('=').and_then(|(y, f)| Some((y.trim().parse::<i32>().ok()?, f))) {
            Some((year, file)) if (first..=last).contains(&year) => {
                sources.insert(year, YearSource::File(PathBuf::from(file)));
            }
            Some((year, _)) => diagnostics
                .push(Diagnostic::error(format!("--input-{year} is outside the years computed ({first}..{last})"))),
            None => diagnostics.push(
                Diagnostic::error(format!("`{item}` is not YEAR=FILE"))
                    .with_help("e.g. --input-2025 communes_2025.csv"),
            ),
        }
    }
    if let Some(pattern) = &args.chain.inputs {
        if !pattern.contains("{year}") {
            diagnostics.push(
                Diagnostic::error("--inputs needs `{year}` in the file name")
                    .with_help("e.g. --inputs 'communes_{year}.csv'; for one file for the first year, use --input"),
            );
        }
        for year in first..=last {
            let path = PathBuf::from(pattern.replace("{year}", &year.to_string()));
            if path.exists() {
                sources.entry(year).or_insert(YearSource::File(path));
            }
        }
    }
    if let Some(path) = &args.input {
        sources.entry(first).or_insert(YearSource::File(path.clone()));
    }
    // `--dgcl 'criteres_repartition_{year}.csv'`: the DGCL file of each year that has one
    // (without `{year}`: the first year's); `--dgcl-prev` is the year before the first.
    if let Some(pattern) = &args.dgcl.dgcl {
        let pattern = pattern.to_string_lossy().to_string();
        for year in first..=last {
            let path = PathBuf::from(pattern.replace("{year}", &year.to_string()));
            if year == first || (pattern.contains("{year}") && path.exists()) {
                let dgcl = super::dgcl::DgclArgs {
                    dgcl: Some(path),
                    dgcl_prev: args.dgcl.dgcl_prev.clone().filter(|_| year == first),
                    dgcl_mapping: args.dgcl.dgcl_mapping.clone(),
                };
                sources.entry(year).or_insert(YearSource::Dgcl(dgcl));
            }
        }
    }
    let any_input = args.input.is_some() || args.dgcl.dgcl.is_some();
    if !any_input && args.chain.inputs.is_none() && args.chain.input_year.is_empty() {
        for year in crate::data::YEARS.into_iter().filter(|y| (first..=last).contains(y)) {
            sources.insert(year, YearSource::Embedded);
        }
    }
    diagnostics.into_result(sources)
}

/// The criteria of the year after `prev`'s: its inputs of that year, moved one year on.
/// Previous-year values are dropped (the chain sets them). Returns the carried variables.
fn carry_forward(model: &Model, prev: &YearResult) -> (InputTable, Vec<String>) {
    let old = &prev.table.dataset;
    let person = model.person_entity();
    let next = prev.year + 1;
    let mut dataset = Dataset::single_group(model, old.ids(person).to_vec());
    let mut carried = BTreeSet::new();
    let mut keys: Vec<(VarId, YearKey)> = old.input_keys().collect();
    keys.sort_by_key(|(var, _)| *var);
    for (var, key) in keys {
        let year = match key {
            YearKey::Eternal => next,
            YearKey::Year(y) if y == prev.year => next,
            YearKey::Year(_) => continue,
        };
        if let Some(values) = old.input_by_key(var, key) {
            // Same lengths as before: cannot fail.
            if dataset.set_input_value(model, var, year, values.clone()).is_ok() && key != YearKey::Eternal {
                carried.insert(model.variables[var].name.clone());
            }
        }
    }
    for (var, variable) in model.variables.iter().enumerate() {
        if let Some(texts) = old.text(model, var, prev.year) {
            let _ = dataset.set_text(model, var, next, texts.to_vec());
            if variable.period != PeriodKind::Eternal {
                carried.insert(variable.name.clone());
            }
        }
    }
    for index in 0..model.columns.len() {
        if let Some(values) = old.column(index) {
            let _ = dataset.set_column(model, index, values.clone());
        }
    }
    let columns = prev
        .table
        .columns
        .iter()
        .filter_map(|(header, column)| match column {
            TableColumn::Variable { var, year } if *year == prev.year => {
                Some((header.clone(), TableColumn::Variable { var: *var, year: next }))
            }
            TableColumn::Variable { .. } => None,
            other => Some((header.clone(), other.clone())),
        })
        .collect();
    (InputTable { dataset, columns }, carried.into_iter().collect())
}

/// The per-commune variables that the formulas of `year` read at `year - 1`, and how the plan
/// of `year` gets each on `dataset` (an input, an `otherwise`, a default…).
pub fn previous_year_reads(
    model: &Model,
    dataset: &Dataset,
    year: i32,
    targets: &[VarId],
) -> Result<Vec<(VarId, Source)>, Diagnostics> {
    let plan = plan::build(model, dataset, year, targets, MissingInputs::Default)?;
    let person = model.person_entity();
    let mut seen = BTreeSet::new();
    let mut reads = Vec::new();
    for node in plan.nodes.iter().filter(|n| n.year == year) {
        for &read in &node.reads {
            let read = &plan.nodes[read];
            let variable = &model.variables[read.var];
            if read.year == year - 1
                && variable.entity == person
                && variable.period != PeriodKind::Eternal
                && seen.insert(read.var)
            {
                reads.push((read.var, read.source.clone()));
            }
        }
    }
    Ok(reads)
}

/// Sets in `table` (year N+1) the values of N that its formulas read, from `prev` (year N).
/// Returns what was done, for the user.
fn chain_previous(
    model: &Model,
    table: &mut InputTable,
    prev: &YearResult,
    targets: &[VarId],
    keep: &[VarId],
    spec: &ChainSpec,
) -> Result<Vec<String>, Diagnostics> {
    let year = prev.year;
    let reads = previous_year_reads(model, &table.dataset, year + 1, targets)?;
    let rows = RowMatch::new(model, &prev.table.dataset, &table.dataset);
    let (mut carried, mut replaced, mut kept, mut unavailable) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (var, source) in reads {
        let name = model.variables[var].name.clone();
        let given = source == Source::Input;
        if given && keep.contains(&var) {
            kept.push(name);
            continue;
        }
        let Some(values) = result_of(model, prev, var) else {
            unavailable.push(name);
            continue;
        };
        let (values, adjusted) = spec.apply(model, var, values, |mask| result_of(model, prev, mask));
        let values = rows.values(model, var, year, &values, &table.dataset);
        table
            .dataset
            .set_input(model, var, year, values)
            .map_err(|e| Diagnostics::from(Diagnostic::error(e.to_string())))?;
        let header = format!("{name}__prev");
        table.columns.retain(|(h, _)| *h != header);
        table.columns.push((header, TableColumn::Variable { var, year }));
        let label = match adjusted {
            Some(how) => format!("{name} ({how})"),
            None => name,
        };
        if given {
            replaced.push(label);
        } else {
            carried.push(label);
        }
    }
    let mut lines = Vec::new();
    if !carried.is_empty() {
        lines.push(format!("from the results of {year}: {}", carried.join(", ")));
    }
    if !replaced.is_empty() {
        lines.push(format!(
            "from the results of {year}, replacing the input table's `__prev` columns: {} (keep them with --keep-prev)",
            replaced.join(", ")
        ));
    }
    if !kept.is_empty() {
        lines.push(format!("kept from the input table (--keep-prev): {}", kept.join(", ")));
    }
    if !unavailable.is_empty() {
        lines.push(format!(
            "read at {year} but neither computed nor given then (their `otherwise` or default applies): {}",
            unavailable.join(", ")
        ));
    }
    if !rows.new.is_empty() {
        let shown: Vec<&str> = rows.new.iter().take(5).map(String::as_str).collect();
        let more = if rows.new.len() > shown.len() { ", …" } else { "" };
        let (count, verb) = match rows.new.len() {
            1 => ("1 commune".to_string(), "is"),
            n => (format!("{n} communes"), "are"),
        };
        lines.push(format!(
            "{count} {verb} not in {year} ({}{more}): their values of {year} are the input table's `__prev` columns where it gives them, else the variables' defaults",
            shown.join(", ")
        ));
    }
    Ok(lines)
}

/// Where each commune of the next year is in the year before, by code: the tables of two years
/// may list their communes in another order, and communes appear (a new commune) or go (merged
/// into one).
struct RowMatch {
    /// By row of the next year: its row in the year before. `None` when the rows are the same.
    rows: Option<Vec<Option<usize>>>,
    /// The codes of the next year's communes that the year before does not have.
    new: Vec<String>,
}

impl RowMatch {
    fn new(model: &Model, before: &Dataset, next: &Dataset) -> RowMatch {
        let person = model.person_entity();
        let (before, next) = (before.ids(person), next.ids(person));
        if before == next {
            return RowMatch { rows: None, new: Vec::new() };
        }
        let index: HashMap<&str, usize> = before.iter().enumerate().map(|(row, code)| (code.as_str(), row)).collect();
        let rows: Vec<Option<usize>> = next.iter().map(|code| index.get(code.as_str()).copied()).collect();
        let new = next.iter().zip(&rows).filter(|(_, row)| row.is_none()).map(|(code, _)| code.clone()).collect();
        RowMatch { rows: Some(rows), new }
    }

    /// `values` (by row of the year before) by row of the next year; a new commune takes the
    /// value `next` gives for `year`, else the variable's default.
    fn values(&self, model: &Model, var: VarId, year: i32, values: &Arc<[f64]>, next: &Dataset) -> Arc<[f64]> {
        let Some(rows) = &self.rows else { return values.clone() };
        let given = next.input(model, var, year);
        let default = model.variables[var].default;
        rows.iter()
            .enumerate()
            .map(|(row, before)| match before {
                Some(before) => values[*before],
                None => given.map_or(default, |given| given.at(row)),
            })
            .collect()
    }
}

/// The value of `var` at the year of `prev`: computed, or given as an input.
fn result_of(model: &Model, prev: &YearResult, var: VarId) -> Option<Arc<[f64]>> {
    let rows = prev.table.dataset.size(model.variables[var].entity);
    prev.values.get(&var).cloned().or_else(|| Some(prev.table.dataset.input(model, var, prev.year)?.to_column(rows)))
}

fn variables(model: &Model, names: &[String]) -> Result<Vec<VarId>, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut ids = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match model.variable_id(name) {
            Some(id) => ids.push(id),
            None => diagnostics.push(model.unknown_variable(name)),
        }
    }
    diagnostics.into_result(ids)
}

/// A path with `{year}` replaced.
fn for_year(pattern: &Path, year: i32) -> PathBuf {
    PathBuf::from(pattern.to_string_lossy().replace("{year}", &year.to_string()))
}

/// `out.csv` → `out_{year}.csv`, for a suggestion.
fn with_year_placeholder(path: &Path) -> String {
    let text = path.display().to_string();
    match text.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}_{{year}}.{ext}"),
        _ => format!("{text}_{{year}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges() {
        assert_eq!(parse_years("2024..2026"), Ok((2024, 2026)));
        assert_eq!(parse_years("2024..=2026"), Ok((2024, 2026)));
        assert_eq!(parse_years("2025"), Ok((2025, 2025)));
        assert!(parse_years("2026..2024").is_err());
        assert!(parse_years("2024..x").is_err());
    }

    #[test]
    fn per_year_input_options_are_rewritten() {
        let args = ["dotations", "--input-2025", "a.csv", "--input-2026=b.csv", "--input", "c.csv"].map(Into::into);
        let rewritten: Vec<String> =
            rewrite_args(args.into_iter()).into_iter().map(|a| a.to_string_lossy().to_string()).collect();
        assert_eq!(
            rewritten,
            ["dotations", "--input-year", "2025=a.csv", "--input-year", "2026=b.csv", "--input", "c.csv"]
        );
    }

    #[test]
    fn output_suggestion_puts_the_year_before_the_extension() {
        assert_eq!(with_year_placeholder(Path::new("out.csv")), "out_{year}.csv");
        assert_eq!(with_year_placeholder(Path::new("out")), "out_{year}");
    }
}
