//! One side of a diff: a version of the law read from a rule directory or a git revision.
//!
//! A side keeps three views of the same files, because each part of the diff needs a different
//! one and a broken side must still be compared as far as possible: the raw parameter tree
//! (values by date, exactly as in the YAML), the parsed rule files (declarations and the text of
//! each formula, even when names do not resolve) and the compiled model (to compute the impact).

use std::path::Path;

use dotations_diagnostics::{Diagnostics, SourceText};
use dotations_engine::Model;
use dotations_lang::RuleFile;
use dotations_params::ParameterTree;
use dotations_rules::RuleFiles;

use crate::git;

/// A rule file: where it is for the reader, and its source.
pub struct SourceFile {
    /// Relative to the rule tree, e.g. `formulas/dsu.rules` — the same on both sides, so that a
    /// report does not depend on where the files were read from.
    pub path: String,
    pub source: SourceText,
    /// The parse (declarations written correctly are there even when others are broken).
    pub parsed: RuleFile,
}

/// A version of the law.
pub struct Side {
    /// As the user named it: `HEAD~1`, `main:tests/model`, `../rules`.
    pub name: String,
    /// What it is: `git revision, commit 1a2b3c4` or `directory`.
    pub description: String,
    /// The parameter tree, or why it cannot be loaded.
    pub parameters: Result<ParameterTree, Diagnostics>,
    pub files: Vec<SourceFile>,
    /// The compiled model, or why it does not compile (parameter errors included).
    pub model: Result<Model, Diagnostics>,
}

impl Side {
    /// Reads a side named `spec`: a directory when one exists at that path (relative to `cwd`),
    /// else a git revision of the repository holding `cwd`, optionally followed by `:path` for
    /// a rule tree in a sub-directory of the repository (`HEAD~1:tests/model`).
    pub fn load(spec: &str, cwd: &Path) -> Result<Side, Diagnostics> {
        let path = cwd.join(spec);
        if path.is_dir() {
            let files = RuleFiles::from_dir(&path)?;
            let label =
                |sub: &str| if Path::new(spec).is_absolute() { path.join(sub) } else { Path::new(spec).join(sub) };
            let formulas_root = label("formulas");
            let formulas = files
                .formulas
                .into_iter()
                .map(|source| {
                    let relative = Path::new(source.path())
                        .strip_prefix(path.join("formulas"))
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| source.path().to_string());
                    let shown = formulas_root.join(&relative).display().to_string();
                    (format!("formulas/{relative}"), SourceText::new(shown, source.text().to_string()))
                })
                .collect();
            return Ok(Side::from_sources(
                spec,
                "directory",
                files.parameters,
                &label("parameters").display().to_string(),
                formulas,
            ));
        }
        let (revision, prefix) = match spec.split_once(':') {
            Some((revision, prefix)) if !revision.is_empty() => (revision, prefix.trim_matches('/')),
            _ => (spec, ""),
        };
        let top = git::toplevel(cwd, spec)?;
        let tree = git::read_tree(&top, spec, revision, prefix)?;
        let root = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
        let mut parameters = Vec::new();
        let mut formulas = Vec::new();
        for (path, text) in tree.files {
            let Some(relative) = path.strip_prefix(&root) else { continue };
            if let Some(file) = relative.strip_prefix("parameters/") {
                if file.ends_with(".yaml") || file.ends_with(".yml") {
                    parameters.push((file.to_string(), text));
                }
            } else if relative.starts_with("formulas/") && relative.ends_with(".rules") {
                let source = SourceText::new(format!("{revision}:{path}"), text);
                formulas.push((relative.to_string(), source));
            }
        }
        let description = format!("git revision, commit {}", tree.short);
        Ok(Side::from_sources(spec, &description, parameters, &format!("{revision}:{root}parameters"), formulas))
    }

    /// A side from files already read: parameter files `(path relative to parameters/, text)`,
    /// labelled `parameters_label` in messages, and formula files `(path relative to the rule
    /// tree, source)`.
    pub fn from_sources(
        name: &str,
        description: &str,
        mut parameter_files: Vec<(String, String)>,
        parameters_label: &str,
        mut formulas: Vec<(String, SourceText)>,
    ) -> Side {
        parameter_files.sort();
        formulas.sort_by(|a, b| a.0.cmp(&b.0));
        let parameters = ParameterTree::from_files(parameter_files, parameters_label);
        let mut parse_errors = Diagnostics::new();
        let files: Vec<SourceFile> = formulas
            .into_iter()
            .map(|(path, source)| {
                let parsed = dotations_lang::parse(&source);
                parse_errors.extend(parsed.diagnostics);
                SourceFile { path, source, parsed: parsed.file }
            })
            .collect();
        let model = match &parameters {
            Ok(tree) => Model::compile(files.iter().map(|f| f.source.clone()).collect(), tree.clone()),
            Err(errors) => {
                let mut all = errors.clone();
                all.extend(parse_errors);
                Err(all)
            }
        };
        Side { name: name.to_string(), description: description.to_string(), parameters, files, model }
    }

    /// Every error of this side: parameters that do not load, formulas that do not compile.
    pub fn errors(&self) -> Option<&Diagnostics> {
        self.model.as_ref().err()
    }

    /// The model, or its errors, each noting that the impact needs it to compile.
    pub fn compiled(&self) -> Result<&Model, Diagnostics> {
        self.model.as_ref().map_err(|errors| {
            let note = format!("in the rules of `{}`: the impact needs both versions to compile", self.name);
            Diagnostics(errors.iter().cloned().map(|d| d.with_note(note.clone())).collect())
        })
    }
}
