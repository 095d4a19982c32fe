//! `dotations diff A B`: what changes between two versions of the law, and its impact.
//!
//! The work is done by `dotations-diff`; this module reads the arguments, picks the data for
//! the impact (a file or the embedded synthetic France) and prints the report. Differences are
//! not errors: the exit status is non-zero only when a version cannot be read, does not compile
//! (the partial report is still printed) or cannot be computed on the data.

use std::io::IsTerminal;
use std::path::PathBuf;

use dotations_diagnostics::{Diagnostic, Diagnostics};

#[derive(clap::Args)]
pub struct Args {
    /// The old version: a git revision of the repository the command runs in (HEAD~1, main, a
    /// tag, a commit; REV:path for rules in a sub-directory) or a rule directory.
    #[arg(value_name = "A")]
    old: String,
    /// The new version, in the same forms; `.` is the working tree (uncommitted edits included).
    #[arg(value_name = "B")]
    new: String,
    /// Also compute every output of both versions on this input table (`.csv` or `.csv.gz`, as
    /// for `dotations compute`) and show what moves. Needs --year.
    #[arg(long, value_name = "IN.csv[.gz]", requires = "year")]
    input: Option<PathBuf>,
    /// Compute the impact on the embedded synthetic France (years 2024 and 2025). Needs --year.
    #[arg(long, conflicts_with = "input", requires = "year")]
    embedded: bool,
    /// The year of the impact, e.g. 2025.
    #[arg(long, value_parser = super::parse_year)]
    year: Option<i32>,
    /// Write Markdown (headings, tables, diff blocks) for a pull-request comment.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let cwd =
        std::env::current_dir().map_err(|e| Diagnostic::error(format!("cannot read the current directory: {e}")))?;
    let (old, new) = dotations_diff::load_pair(&args.old, &args.new, &cwd)?;
    let mut report = dotations_diff::compare(&old, &new);
    let mut errors = Diagnostics::new();
    if let Some(year) = args.year {
        if report.has_errors() {
            // The errors are in the report; the impact needs both versions to compile.
        } else if let Some(path) = &args.input {
            let name = path.display().to_string();
            let read = |model: &_| dotations_io::read_table(model, path, year);
            match dotations_diff::impact(&old, &new, year, &name, read) {
                Ok(impact) => report.impact = Some(impact),
                Err(e) => errors.extend(e),
            }
        } else if args.embedded {
            let read = |model: &_| crate::data::embedded_table(model, year);
            match dotations_diff::impact(&old, &new, year, "embedded data", read) {
                Ok(impact) => report.impact = Some(impact),
                Err(e) => errors.extend(e),
            }
        } else {
            return Err(Diagnostic::error(
                "--year is for the impact: give the data with --input FILE.csv or --embedded",
            )
            .into());
        }
    }
    let text = if args.markdown {
        dotations_diff::render::markdown(&report)
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        dotations_diff::render::terminal(&report, color)
    };
    print!("{text}");
    for side in [&report.old, &report.new] {
        if side.errors.is_some() {
            errors.push(
                Diagnostic::error(format!(
                    "the rules of `{}` do not load or compile; the diff above is partial",
                    side.name
                ))
                .with_help(
                    "the errors are listed at the end of the diff; `dotations check --rules DIR` shows them too",
                ),
            );
        }
    }
    errors.into_result(())
}
