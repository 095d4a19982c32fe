//! Reproducibility stamps of the command line's results (see `dotations_rules::stamp`): the
//! engine (this binary's version and git commit), the rules and the inputs — beside each CSV
//! written (`OUT.csv.stamp.json`), and in JSON answers.

use std::path::Path;

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_rules::stamp::{EngineVersion, InputDigest, RulesDigest, Stamp};
use serde::Serialize;

/// This binary: its crate version and the commit it was built from (`build.rs`).
pub fn engine() -> EngineVersion {
    EngineVersion { version: env!("CARGO_PKG_VERSION").into(), commit: env!("DOTATIONS_GIT_COMMIT").into() }
}

/// The stamp of a result computed from `rules` and `inputs`.
pub fn stamp(rules: RulesDigest, inputs: Vec<InputDigest>) -> Stamp {
    Stamp::new(engine(), rules, inputs)
}

/// The digest of the communes' table read: the file given, or the embedded data of the year.
pub fn table(input: Option<&Path>, year: i32) -> Result<InputDigest, Diagnostics> {
    match input {
        Some(path) => file(path),
        None => match dotations_data::embedded_bytes(year) {
            Some(bytes) => Ok(InputDigest::of_bytes(format!("embedded:{year}"), bytes)),
            None => Err(Diagnostic::error(format!("there is no embedded data for {year}")).into()),
        },
    }
}

/// The digest of an input file's bytes.
pub fn file(path: &Path) -> Result<InputDigest, Diagnostics> {
    InputDigest::of_file(path)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {}: {e}", path.display()))))
}

/// The sidecar file of a CSV output: which file, the command that wrote it, and the stamp.
#[derive(Serialize)]
struct Sidecar<'a> {
    /// The CSV file's name (the sidecar sits beside it).
    output: String,
    /// The command line that wrote it.
    command: Vec<String>,
    #[serde(flatten)]
    stamp: &'a Stamp,
}

/// Writes `OUT.csv.stamp.json` beside `output`.
pub fn write_sidecar(output: &Path, stamp: &Stamp) -> Result<(), Diagnostics> {
    // `--output /dev/stdout` and the like: no file to put a stamp beside.
    if std::fs::metadata(output).is_ok_and(|m| !m.is_file()) {
        return Ok(());
    }
    let sidecar = Sidecar {
        output: output.file_name().map_or_else(|| output.display().to_string(), |n| n.to_string_lossy().into_owned()),
        command: std::env::args().collect(),
        stamp,
    };
    let path = Stamp::sidecar_path(output);
    let mut text = serde_json::to_string_pretty(&sidecar).expect("a stamp serializes");
    text.push('\n');
    std::fs::write(&path, text)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot write {}: {e}", path.display()))))
}

/// A JSON answer with its stamp as a last field `stamp` (the answer's own fields keep their order).
#[derive(Serialize)]
pub struct Stamped<'a, T: Serialize> {
    #[serde(flatten)]
    pub answer: &'a T,
    pub stamp: &'a Stamp,
}
