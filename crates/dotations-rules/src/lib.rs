//! Where the law comes from: the repository's `parameters/` and `formulas/`, embedded in the
//! binary, or a rule directory given by the user.
//!
//! A rule directory holds `parameters/` (OpenFisca-format YAML) and `formulas/` (`*.rules`
//! files, in any sub-folder). Legal experts edit those files and run the engine with
//! `--rules DIR` without recompiling; without it, the engine uses the copy embedded at build
//! time. Files are read in path order, so every run sees the same model.
#![forbid(unsafe_code)]

pub mod stamp;
pub mod summary;

use std::path::{Path, PathBuf};

use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use dotations_engine::Model;
use dotations_params::ParameterTree;
use include_dir::{include_dir, Dir};

static EMBEDDED_PARAMETERS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../parameters");
static EMBEDDED_FORMULAS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../formulas");

/// The text of the rule files: parameter files (relative path, text) and formula sources.
pub struct RuleFiles {
    pub parameters: Vec<(String, String)>,
    pub formulas: Vec<SourceText>,
    /// Where the files come from, for messages (`embedded` or the directory).
    pub origin: String,
    /// `formulas/synthese.yaml`: the rows of the summary table of `dotations compute` (path, text).
    pub summary: Option<(String, String)>,
}

/// The summary table's definition, inside the formulas directory.
pub const SUMMARY_FILE: &str = "synthese.yaml";

impl RuleFiles {
    /// The rules embedded in the binary.
    pub fn embedded() -> RuleFiles {
        let mut parameters = Vec::new();
        collect_embedded(&EMBEDDED_PARAMETERS, &["yaml", "yml"], &mut parameters);
        let mut formulas = Vec::new();
        collect_embedded(&EMBEDDED_FORMULAS, &["rules"], &mut formulas);
        RuleFiles {
            parameters,
            formulas: formulas
                .into_iter()
                .map(|(path, text)| SourceText::new(format!("formulas/{path}"), text))
                .collect(),
            origin: "embedded".into(),
            summary: EMBEDDED_FORMULAS
                .get_file(SUMMARY_FILE)
                .and_then(|f| f.contents_utf8())
                .map(|text| (format!("formulas/{SUMMARY_FILE}"), text.to_string())),
        }
    }

    /// The rules of a directory holding `parameters/` and `formulas/`.
    pub fn from_dir(dir: &Path) -> Result<RuleFiles, Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        let mut read = |sub: &str, extensions: &[&str]| -> Vec<(String, String)> {
            let root = dir.join(sub);
            if !root.is_dir() {
                diagnostics.push(
                    Diagnostic::error(format!("{} is not a directory", root.display()))
                        .with_help("a rule directory holds `parameters/` and `formulas/`, as the repository does"),
                );
                return Vec::new();
            }
            let mut files = Vec::new();
            if let Err(e) = collect_dir(&root, &root, extensions, &mut files) {
                diagnostics.push(Diagnostic::error(format!("cannot read {}: {e}", root.display())));
            }
            files
        };
        let parameters = read("parameters", &["yaml", "yml"]);
        let formulas = read("formulas", &["rules"]);
        let formulas = formulas
            .into_iter()
            .map(|(path, text)| SourceText::new(dir.join("formulas").join(path).display().to_string(), text))
            .collect();
        let summary_path = dir.join("formulas").join(SUMMARY_FILE);
        let summary =
            std::fs::read_to_string(&summary_path).ok().map(|text| (summary_path.display().to_string(), text));
        diagnostics.into_result(RuleFiles { parameters, formulas, origin: dir.display().to_string(), summary })
    }

    /// Loads the parameters and compiles the formulas.
    pub fn compile(self) -> Result<Model, Diagnostics> {
        let label = self.parameters_label();
        let (parameters, mut diagnostics) = ParameterTree::from_files_partial(self.parameters, &label);
        if !diagnostics.has_errors() {
            return Model::compile(self.formulas, parameters);
        }
        // The formulas are checked too, so that every mistake is reported at once; a formula
        // that reads a parameter of a file in error may be reported as reading an unknown one.
        if let Err(errors) = Model::compile(self.formulas, parameters) {
            diagnostics.extend(errors.0);
        }
        Err(diagnostics)
    }

    fn parameters_label(&self) -> String {
        if self.origin == "embedded" {
            "parameters".into()
        } else {
            PathBuf::from(&self.origin).join("parameters").display().to_string()
        }
    }
}

/// The model of a rule directory, or the embedded one.
pub fn load(dir: Option<&Path>) -> Result<Model, Diagnostics> {
    match dir {
        Some(dir) => RuleFiles::from_dir(dir)?.compile(),
        None => RuleFiles::embedded().compile(),
    }
}

fn collect_embedded(dir: &Dir<'_>, extensions: &[&str], out: &mut Vec<(String, String)>) {
    let mut files: Vec<(String, String)> = Vec::new();
    walk_embedded(dir, extensions, &mut files);
    files.sort();
    out.extend(files);
}

fn walk_embedded(dir: &Dir<'_>, extensions: &[&str], out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let has_extension = file.path().extension().is_some_and(|e| extensions.iter().any(|x| e == *x));
        if has_extension {
            if let Some(text) = file.contents_utf8() {
                out.push((file.path().display().to_string(), text.to_string()));
            }
        }
    }
    for sub in dir.dirs() {
        walk_embedded(sub, extensions, out);
    }
}

fn collect_dir(root: &Path, dir: &Path, extensions: &[&str], out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_dir(root, &path, extensions, out)?;
        } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
            let text = std::fs::read_to_string(&path)?;
            let relative = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            out.push((relative, text));
        }
    }
    Ok(())
}
