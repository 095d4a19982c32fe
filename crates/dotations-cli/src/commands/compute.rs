//! `dotations compute`: every commune's allocations for a year.

use std::path::PathBuf;
use std::time::Instant;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::model::VarId;
use dotations_engine::{MissingInputs, Simulation};

#[derive(clap::Args)]
pub struct Args {
    /// The year to compute, e.g. 2025.
    #[arg(long, required_unless_present = "years", value_parser = super::parse_year)]
    pub(crate) year: Option<i32>,
    /// Input table: one row per commune, one column per input variable (`name__prev` for the
    /// previous year); `.csv` or `.csv.gz`. Default: the embedded synthetic France.
    #[arg(long, value_name = "IN.csv[.gz]")]
    pub(crate) input: Option<PathBuf>,
    /// Write every input column and the computed commune variables to this CSV file.
    #[arg(long, value_name = "OUT.csv")]
    pub(crate) output: Option<PathBuf>,
    /// Write the national (État) variables as `variable,value` to this CSV file: every one
    /// computed, or with --variables those named (naming none, those the computation needed).
    #[arg(long, value_name = "NAT.csv")]
    pub(crate) national: Option<PathBuf>,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    pub(crate) rules: Option<PathBuf>,
    /// Compute only these variables (comma-separated) and what they need.
    #[arg(long, value_delimiter = ',', value_name = "a,b,…")]
    pub(crate) variables: Vec<String>,
    /// Print the time of each phase on stderr.
    #[arg(long)]
    pub(crate) timings: bool,
    #[command(flatten)]
    pub(crate) dgcl: super::dgcl::DgclArgs,
    #[command(flatten)]
    pub(crate) chain: super::chain::ChainArgs,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    if let (Some(output), Some(national)) = (&args.output, &args.national) {
        if output == national {
            return Err(Diagnostic::error(format!(
                "--output and --national name the same file, {}: one table would replace the other",
                output.display()
            ))
            .with_help("give the national values a file of their own, e.g. --national national.csv")
            .into());
        }
    }
    let Some(year) = args.year else { return super::chain::run(&args) };
    super::chain::refuse_without_years(&args.chain)?;
    let mut timings = Timings::new(args.timings);
    let files = match &args.rules {
        Some(dir) => dotations_rules::RuleFiles::from_dir(dir)?,
        None => dotations_rules::RuleFiles::embedded(),
    };
    let summary_file = files.summary.clone();
    // The stamp's hashes are computed on the side while the rules load and the model runs.
    let writes = args.output.is_some() || args.national.is_some();
    std::thread::scope(|scope| {
        let stamp = writes.then(|| {
            let rules = files.digest();
            let args = &args;
            scope.spawn(move || inputs(args, year).map(|inputs| crate::stamping::stamp(rules, inputs)))
        });
        let stamp = || stamp.map(|handle| handle.join().expect("the stamp thread does not panic")).transpose();
        compute(&args, year, files, summary_file, &mut timings, stamp)
    })
}

/// Loads, reads, computes and writes; `stamp` gives the stamp of the files written.
fn compute(
    args: &Args,
    year: i32,
    files: dotations_rules::RuleFiles,
    summary_file: Option<(String, String)>,
    timings: &mut Timings,
    stamp: impl FnOnce() -> Result<Option<dotations_rules::stamp::Stamp>, Diagnostics>,
) -> Result<(), Diagnostics> {
    // The input table is read (and decompressed) on its own thread while the rules load.
    let pending = match &args.input {
        Some(path) => Some(dotations_io::open_table(path)?),
        None if args.dgcl.dgcl.is_some() => None,
        None => Some(crate::data::embedded_pending(year)?),
    };
    let model = files.compile()?;
    timings.lap("load rules");
    let mut table = match pending {
        Some(pending) => pending.parse(&model, year)?,
        None => super::dgcl::read_table(&model, &args.dgcl, year)?,
    };
    if let Some(path) = &args.input {
        crate::data::warn_misspelt_columns(&model, &table, path);
    }
    // The inputs are read once by the run and once by the writer: packed, they leave room.
    table.dataset.pack_inputs();
    timings.lap("read input");
    let mut targets = targets(&model, &args.variables)?;
    let named = targets.clone();
    // Without --output the summary table is printed: it needs its own variables.
    let summary = match (&args.output, &summary_file) {
        (None, Some((path, text))) => Some(crate::summary::load(&model, path, text)?),
        _ => None,
    };
    for var in summary.as_deref().map(crate::summary::variables).unwrap_or_default() {
        if !targets.contains(&var) {
            targets.push(var);
        }
    }
    let simulation = Simulation::new(&model, &table.dataset, MissingInputs::Error);
    // The results are only written or summed up: each is packed once computed on.
    let computed = simulation.compute_ids_packed(year, &targets)?;
    timings.lap("compute");
    let person = model.person_entity();
    let communal: Vec<VarId> = targets.iter().copied().filter(|v| model.variables[*v].entity == person).collect();
    let national = national_written(&model, &computed, &named, year);
    if let Some(path) = &args.output {
        let file = create(path)?;
        dotations_io::write_table(file, &model, &table, &computed, &communal).map_err(|e| io_error(path, e))?;
    }
    if let Some(path) = &args.national {
        let file = create(path)?;
        dotations_io::write_national(file, &model, &computed, &national).map_err(|e| io_error(path, e))?;
    }
    // Each file written carries its stamp beside it (OUT.csv.stamp.json).
    if let Some(stamp) = stamp()? {
        for path in args.output.iter().chain(&args.national) {
            crate::stamping::write_sidecar(path, &stamp)?;
        }
    }
    timings.lap("write");
    if args.output.is_none() {
        let communes = table.dataset.size(person);
        let origin = args.input.as_ref().or(args.dgcl.dgcl.as_ref());
        let origin = origin.map_or("embedded data".to_string(), |p| p.display().to_string());
        match &summary {
            Some(rows) => crate::summary::print(&model, &computed, rows, year, communes, &origin),
            None => println!("computed {} variables for {communes} communes in {year}", targets.len()),
        }
        println!("\nwrite every commune's values with --output FILE.csv (--help for more)");
    }
    Ok(())
}

/// The digests of the inputs read: the table given, the DGCL files, or the embedded data.
fn inputs(args: &Args, year: i32) -> Result<Vec<dotations_rules::stamp::InputDigest>, Diagnostics> {
    if args.input.is_none() {
        if let Some(dgcl) = &args.dgcl.dgcl {
            let mut digests = vec![crate::stamping::file(dgcl)?];
            if let Some(previous) = &args.dgcl.dgcl_prev {
                digests.push(crate::stamping::file(previous)?);
            }
            // The embedded mappings are part of the engine (its commit); another copy is an input.
            if let Some(dir) = &args.dgcl.dgcl_mapping {
                digests.push(crate::stamping::file(&dir.join(format!("{year}.yaml")))?);
            }
            return Ok(digests);
        }
    }
    Ok(vec![crate::stamping::table(args.input.as_deref(), year)?])
}

/// The variables to compute: those asked for, or every variable that has a formula.
/// The national (État) variables `--national` writes: those of `named` (the variables asked
/// for); when it names none (`--variables` of commune variables only), every national variable
/// the computation made for the year, by name.
pub(super) fn national_written(
    model: &dotations_engine::Model,
    computed: &dotations_engine::Computed<'_>,
    named: &[VarId],
    year: i32,
) -> Vec<VarId> {
    let national = |var: &VarId| model.variables[*var].entity != model.person_entity();
    let mut written: Vec<VarId> = named.iter().copied().filter(national).collect();
    if written.is_empty() {
        let nodes = computed.plan.nodes.iter().filter(|n| n.year == year && model.variables[n.var].is_computed());
        written = nodes.map(|n| n.var).filter(national).collect();
        written.sort_by(|a, b| model.variables[*a].name.cmp(&model.variables[*b].name));
        written.dedup();
    }
    written
}

pub(super) fn targets(model: &dotations_engine::Model, names: &[String]) -> Result<Vec<VarId>, Diagnostics> {
    if names.is_empty() {
        let mut all: Vec<VarId> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
        all.sort_by(|a, b| model.variables[*a].name.cmp(&model.variables[*b].name));
        return Ok(all);
    }
    let mut diagnostics = Diagnostics::new();
    let mut ids = Vec::new();
    for name in names {
        match model.variable_id(name.trim()) {
            // Named twice, written once: a table has one column per name.
            Some(id) if ids.contains(&id) => {}
            // A text (a name, a code) is no value to compute: its column is written as the input
            // table gives it, with the others.
            Some(id) if model.variables[id].value_type == dotations_engine::model::ValueType::Text => {}
            Some(id) => ids.push(id),
            None => diagnostics.push(model.unknown_variable(name.trim())),
        }
    }
    diagnostics.into_result(ids)
}

/// Creates an output file, replacing a regular file already there by a new one rather than
/// truncating it: a file system such as ext4 writes a truncated file's new content to disk when
/// it is closed (to protect replace-by-truncate), which costs as much as writing it. A path that
/// is a link or a device (`/dev/stdout`) is written through, as `File::create` does.
pub(super) fn create(path: &std::path::Path) -> Result<std::fs::File, Diagnostics> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        // If it cannot be removed, creating it says why.
        let _ = std::fs::remove_file(path);
    }
    std::fs::File::create(path).map_err(|e| io_error(path, e))
}

pub(super) fn io_error(path: &std::path::Path, error: std::io::Error) -> Diagnostics {
    Diagnostic::error(format!("cannot write {}: {error}", path.display())).into()
}

/// Phase times, printed on stderr when asked for.
struct Timings {
    enabled: bool,
    start: Instant,
    last: Instant,
}

impl Timings {
    fn new(enabled: bool) -> Self {
        let now = Instant::now();
        Timings { enabled, start: now, last: now }
    }

    fn lap(&mut self, phase: &str) {
        let now = Instant::now();
        if self.enabled {
            let peak = memory().map_or(String::new(), |(now, peak)| {
                format!("   (memory: {now:.1} MiB now, {peak:.1} MiB at the peak so far)")
            });
            eprintln!("{phase:<12} {:>9.1} ms{peak}", (now - self.last).as_secs_f64() * 1e3);
            if phase == "write" {
                eprintln!("{:<12} {:>9.1} ms", "total", (now - self.start).as_secs_f64() * 1e3);
            }
        }
        self.last = now;
    }
}

/// The resident memory of the process now and at its peak so far, in MiB (Linux: `VmRSS` and
/// `VmHWM` of /proc/self/status).
fn memory() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mib = |key: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((mib("VmRSS:")?, mib("VmHWM:")?))
}
