//! `dotations test`: run YAML test files in OpenFisca's format (see docs/testing.md).

use std::path::PathBuf;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_testing::{Options, Runner, Selection};

#[derive(clap::Args)]
pub struct Args {
    /// Test files, or directories: every *.yaml / *.yml under them, recursively.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Run only the tests whose file name or `name` contains TEXT, or that have TEXT as a keyword.
    #[arg(long, value_name = "TEXT")]
    name_filter: Option<String>,
    /// Also list the tests that pass, and show how each differing value was computed: the tree of
    /// the variables and parameters it reads, with their values for the commune that differs,
    /// each formula's text and where it is written.
    #[arg(long, short)]
    verbose: bool,
    /// How many levels of the computation tree --verbose shows.
    #[arg(long, value_name = "N", default_value_t = 4)]
    max_depth: usize,
    /// Check only these output variables (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "a,b,…")]
    only_variables: Vec<String>,
    /// Do not check these output variables (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "a,b,…")]
    ignore_variables: Vec<String>,
    /// Rule directory (holding parameters/ and formulas/, and scenarios/ for the tests' reforms);
    /// default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let model = dotations_rules::load(args.rules.as_deref())?;
    let options = Options {
        name_filter: args.name_filter,
        verbose: args.verbose,
        max_depth: args.max_depth.max(1),
        selection: Selection {
            only: (!args.only_variables.is_empty()).then_some(args.only_variables),
            ignore: args.ignore_variables,
        },
    };
    let name_filter = options.name_filter.clone();
    let mut runner = Runner::new(&model, args.rules.as_deref(), options);
    let report = runner.run_paths(&args.paths);
    print!("{}", report.render(args.verbose));
    let unknown = runner.unknown_selected();
    if unknown.has_errors() {
        return Err(unknown);
    }
    if let (Some(filter), true) = (name_filter, report.outcomes.iter().all(|o| o.location.is_none())) {
        // As OpenFisca: a filter that selects nothing is a mistake, not a success.
        return Err(Diagnostic::error(format!("no test matches --name-filter `{filter}`"))
            .with_help("the filter is matched against test file names, test names and keywords")
            .into());
    }
    if report.failed() > 0 {
        // The report says what failed; the error list is empty so that only the exit code
        // changes.
        return Err(Diagnostics::new());
    }
    Ok(())
}
