//! Tests of the law written as YAML files in OpenFisca's test format, run against the model.
//!
//! A test file holds one test or a list of tests; each test gives a situation (communes, their
//! États and their inputs), a period, and the values it expects. This crate reads those files
//! ([`format`](mod@format)), builds the situation as a [`dotations_engine::Dataset`] and the expected
//! values for the model at hand (`situation`), computes each expected variable for its year
//! with OpenFisca's semantics — an input not given takes its default value, and a variable
//! read for another year while it is being computed takes its default (the "spiral" rule,
//! [`dotations_engine::MissingInputs::Default`]) — and compares as OpenFisca's `assert_near`
//! does. `dotations test` prints the [`Report`]; `docs/testing.md` describes the format.
//!
//! Invariants: every mistake in a test file is a located diagnostic (file, line, column) and
//! makes that test fail, never the run panic; a test that cannot be read does not stop the
//! others; a failure names the test's place, the variable, the year, each differing row with
//! its identifier, the expected and actual values and the margin used. Expected values are
//! compared against the engine's numbers, never against a second implementation: arithmetic
//! written in an expected value is parsed and computed by the formula language itself.
//!
//! ```
//! use dotations_testing::{format::parse_file, Options, Runner};
//!
//! let model = dotations_rules::load(None).unwrap();
//! let file = parse_file("strates.yaml", "
//! - name: Strates démographiques
//!   period: 2024
//!   input:
//!     population_dgf: [499, 500, 200_000]
//!   output:
//!     strate_demographique: [1, 2, 15]
//! ");
//! let mut runner = Runner::new(&model, None, Options::default());
//! let report = runner.run_files(&[file]);
//! assert_eq!(report.render(false), "1 passed, 0 failed\n");
//! ```
#![forbid(unsafe_code)]

mod discover;
pub mod format;
mod reforms;
mod report;
mod run;
mod situation;
mod trace;
mod values;
mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dotations_diagnostics::{Diagnostic, Diagnostics};
use dotations_engine::Model;

pub use discover::discover;
pub use format::{Margin, Named, TestCase, TestFile};
pub use report::{Outcome, Report};
pub use run::{Failure, Mismatch, TestResult};
pub use situation::Selection;

/// How a run selects tests and what it shows.
#[derive(Debug, Clone)]
pub struct Options {
    /// Run only the tests whose file name or `name` contains this text, or that have it as a
    /// keyword (OpenFisca's `--name_filter`).
    pub name_filter: Option<String>,
    /// Also list passing tests, and show how each differing value was computed.
    pub verbose: bool,
    /// How deep the computation trees of `verbose` go.
    pub max_depth: usize,
    /// Outputs checked (`--only-variables`, `--ignore-variables`).
    pub selection: Selection,
}

impl Default for Options {
    fn default() -> Self {
        Options { name_filter: None, verbose: false, max_depth: 4, selection: Selection::default() }
    }
}

/// Reads a test file from disk; a file that cannot be read gives a file-level error.
pub fn load_file(path: &Path) -> TestFile {
    let display = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => format::parse_file(&display, &text),
        Err(e) => TestFile {
            path: display.clone(),
            tests: Vec::new(),
            errors: Diagnostic::error(format!("cannot read {display}: {e}")).into(),
        },
    }
}

/// Runs tests against a model; models with reforms are compiled once per set of reforms.
pub struct Runner<'a> {
    base: &'a Model,
    rules: Option<PathBuf>,
    options: Options,
    reformed: HashMap<Vec<PathBuf>, Result<Model, Diagnostics>>,
}

impl<'a> Runner<'a> {
    /// `rules` is the rule directory the model comes from (`None`: the embedded rules), where
    /// reforms are looked for.
    pub fn new(base: &'a Model, rules: Option<&Path>, options: Options) -> Self {
        Runner { base, rules: rules.map(Path::to_path_buf), options, reformed: HashMap::new() }
    }

    /// Finds, reads and runs every test under `paths`.
    pub fn run_paths(&mut self, paths: &[PathBuf]) -> Report {
        let (files, errors) = discover(paths);
        let mut report = Report::default();
        for (path, error) in errors {
            report.outcomes.push(Outcome {
                file: path.display().to_string(),
                name: String::new(),
                location: None,
                result: TestResult::Error(error.into()),
            });
        }
        let files: Vec<TestFile> = files.iter().map(|path| load_file(path)).collect();
        report.outcomes.extend(self.run_files(&files).outcomes);
        report
    }

    /// Runs the tests of files already read.
    pub fn run_files(&mut self, files: &[TestFile]) -> Report {
        let mut report = Report::default();
        for file in files {
            if file.errors.has_errors() {
                report.outcomes.push(Outcome {
                    file: file.path.clone(),
                    name: String::new(),
                    location: None,
                    result: TestResult::Error(file.errors.clone()),
                });
            }
            for test in &file.tests {
                if !self.selected(&file.path, test) {
                    continue;
                }
                let result = self.run_test(&file.path, test);
                report.outcomes.push(Outcome {
                    file: file.path.clone(),
                    name: test.name.clone(),
                    location: Some(test.location.clone()),
                    result,
                });
            }
        }
        report
    }

    /// OpenFisca's name filter: the file's name, the test's name, or one of its keywords.
    fn selected(&self, file: &str, test: &TestCase) -> bool {
        let Some(filter) = &self.options.name_filter else { return true };
        let stem = Path::new(file).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        stem.contains(filter.as_str())
            || test.name.contains(filter.as_str())
            || test.keywords.iter().any(|k| k == filter)
    }

    /// The variables named on the command line (`--only-variables`, `--ignore-variables`) that
    /// no model of the run knows (the base model, or one with the reforms of a test run): a
    /// typo there would skip outputs silently. Call it after the run.
    pub fn unknown_selected(&self) -> Diagnostics {
        let selection = &self.options.selection;
        let models = || std::iter::once(self.base).chain(self.reformed.values().filter_map(|m| m.as_ref().ok()));
        let mut diagnostics = Diagnostics::new();
        let named = selection.only.iter().flatten().map(|n| (n, "--only-variables"));
        for (name, option) in named.chain(selection.ignore.iter().map(|n| (n, "--ignore-variables"))) {
            if models().all(|model| model.variable_id(name).is_none()) {
                diagnostics.push(self.base.unknown_variable(name).with_note(format!("named in {option}")));
            }
        }
        diagnostics
    }

    /// Runs one test of the file `file`.
    pub fn run_test(&mut self, file: &str, test: &TestCase) -> TestResult {
        if test.errors.has_errors() {
            return TestResult::Error(test.errors.clone());
        }
        let options = run::RunOptions { verbose: self.options.verbose, max_depth: self.options.max_depth };
        let selection = self.options.selection.clone();
        let model = match self.model_for(file, test) {
            Ok(model) => model,
            Err(errors) => return TestResult::Error(errors),
        };
        let prepared = match situation::prepare(model, test, &selection) {
            Ok(prepared) => prepared,
            Err(errors) => return TestResult::Error(errors),
        };
        run::run(model, &prepared, &options)
    }

    /// The base model, or the model with the test's reforms.
    fn model_for(&mut self, file: &str, test: &TestCase) -> Result<&Model, Diagnostics> {
        if test.reforms.is_empty() {
            return Ok(self.base);
        }
        let mut files = Vec::new();
        let mut errors = Diagnostics::new();
        for named in &test.reforms {
            match reforms::resolve(named, Path::new(file), self.rules.as_deref()) {
                Ok(path) => files.push((path, named.clone())),
                Err(error) => errors.push(error),
            }
        }
        if errors.has_errors() {
            return Err(errors);
        }
        let key: Vec<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
        let base = self.base;
        self.reformed.entry(key).or_insert_with(|| reforms::reformed(base, &files)).as_ref().map_err(Clone::clone)
    }
}
