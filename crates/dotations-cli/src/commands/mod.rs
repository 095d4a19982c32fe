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
