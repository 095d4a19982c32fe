//! One module per subcommand.

pub mod check;
pub mod compute;
pub mod graph;
pub mod parameters;
