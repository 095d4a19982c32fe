//! `dotations docs`: the static site that documents the rules (see the `dotations-docs` crate).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use dotations_diagnostics::Diagnostics;

#[derive(ClapArgs)]
pub struct Args {
    /// Directory to write the site into: new, empty, or generated before by this command
    /// (it is then replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Rule directory (holding parameters/ and formulas/); default: the embedded rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Diagnostics> {
    let model = dotations_rules::load(args.rules.as_deref())?;
    let options = dotations_docs::Options { rules_dir: args.rules.clone() };
    let site = dotations_docs::build(&model, &options);
    site.write(&args.out)?;
    println!(
        "wrote {} pages ({} variables, {} parameters and scales) to {}",
        site.page_count(),
        model.variables.len(),
        model.parameters.leaves().count(),
        args.out.display()
    );
    println!("open {} in a browser", args.out.join("index.html").display());
    Ok(())
}
