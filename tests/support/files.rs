//! File helpers of the integration tests of several crates, `#[path]`-included by each (a test
//! crate cannot depend on another's tests).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's root (every crate lies two levels below it).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies a directory and everything below it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
