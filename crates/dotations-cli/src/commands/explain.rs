//! `dotations explain`: why a commune gets what it gets — the tree of what made a value.

use std::path::PathBuf;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::{MissingInputs, Simulation};

#[derive(clap::Args)]
pub struct Args {
    /// The variable to explain, e.g. dsr_fraction_cible.
    variable: String,
    /// The year, e.g. 2025.
    #[arg(long, value_parser = super::parse_year)]
    year: i32,
    /// The commune, by its INSEE code (the `code_insee` column of the data), e.g. 66001.
    #[arg(long, value_name = "CODE")]
    commune: String,
    /// Input table (`.csv` or `.csv.gz`, as for `compute`). Default: the embedded synthetic France.
    #[arg(long, value_name = "IN.csv[.gz]")]
    input: Option<PathBuf>,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Levels of variables shown below the explained one; deeper ones are counted.
    #[arg(long, value_name = "N", default_value_t = 3)]
    depth: usize,
    /// Print the tree as JSON (shape documented in docs/explain.md) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let files = crate::whatif::rule_files(args.rules.as_deref())?;
    let rules = files.digest();
    let model = files.compile()?;
    let Some(var) = model.variable_id(&args.variable) else {
        return Err(model.unknown_variable(&args.variable).into());
    };
    if model.variables[var].value_type == dotations_engine::model::ValueType::Text {
        return Err(Diagnostic::error(format!(
            "`{}` is a text given by the data: there is nothing to explain",
            args.variable
        ))
        .with_help("explain a value the rules compute, e.g. dotation_forfaitaire")
        .into());
    }
    let table = match &args.input {
        Some(path) => crate::data::read_input(&model, path, args.year)?,
        None => crate::data::embedded_table(&model, args.year)?,
    };
    let dataset = &table.dataset;
    let row = dotations_explain::find_commune(&model, dataset, &args.commune)?;
    // Only what the variable needs is computed; the run itself is not traced.
    let computed = Simulation::new(&model, dataset, MissingInputs::Error).compute_ids(args.year, &[var])?;
    dotations_explain::check_computed(&computed, var, args.year)?;
    let options = dotations_explain::Options { depth: args.depth };
    let explanation = dotations_explain::explain(&computed, dataset, row, var, args.year, &options)?;
    let text = if args.json {
        let json_error = |e: serde_json::Error| {
            Diagnostics::from(Diagnostic::error(format!("cannot write the explanation as JSON: {e}")))
        };
        // The answer carries its stamp: the engine, the rules and the data it was computed from.
        let stamp = crate::stamping::stamp(rules, vec![crate::stamping::table(args.input.as_deref(), args.year)?]);
        let stamped = crate::stamping::Stamped { answer: &explanation, stamp: &stamp };
        let json = serde_json::to_string_pretty(&stamped).map_err(json_error)?;
        format!("{json}\n")
    } else {
        let mut text = dotations_explain::render_text(&explanation);
        if explanation_has_more(&explanation.root) {
            text.push_str(&format!(
                "\nmore levels with --depth {}; the whole tree as JSON with --json\n",
                args.depth + 1
            ));
        }
        text
    };
    write_out(&text)
}

/// Writes to stdout; a reader that stops early (`| head`) is not an error.
fn write_out(text: &str) -> Result<(), Diagnostics> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Diagnostic::error(format!("cannot write the explanation: {e}")).into())
        }
        _ => Ok(()),
    }
}

fn explanation_has_more(node: &dotations_explain::ExplainedNode) -> bool {
    node.more > 0 || node.children.iter().any(explanation_has_more)
}
