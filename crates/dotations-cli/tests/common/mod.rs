//! Helpers shared by the integration tests of the command line (each test file is its own
//! crate and uses some of them).
#![allow(dead_code)]

#[path = "../../../../tests/support/files.rs"]
mod files;
#[allow(unused_imports)] // each test crate uses some of them
pub use files::{copy_dir, repo};
