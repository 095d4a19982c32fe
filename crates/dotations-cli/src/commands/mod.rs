//! One module per subcommand.

pub mod chain;
pub mod chain_spec;
pub mod check;
pub mod compare;
pub mod compute;
pub mod dgcl;
pub mod diff;
pub mod docs;
pub mod explain;
pub mod graph;
pub mod parameters;
pub mod scenario;
pub mod serve;
pub mod solve;
pub mod sweep;
pub mod test;

use dotations_engine::model::YEARS;

/// A year given on the command line (`--year 2025`), within [`YEARS`].
pub fn parse_year(text: &str) -> Result<i32, String> {
    let year: i32 = text.trim().parse().map_err(|_| format!("`{text}` is not a year"))?;
    if !YEARS.contains(&year) {
        return Err(format!("{year} is not a year from {} to {}", YEARS.start(), YEARS.end()));
    }
    Ok(year)
}
