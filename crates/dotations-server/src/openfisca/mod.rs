//! OpenFisca's Web API: the same routes, the same JSON, the same errors, so that a client of
//! an OpenFisca country package (the legislation explorer, a simulator) works with this server.

pub mod calculate;
pub mod metadata;
pub mod situation;
pub mod values;
