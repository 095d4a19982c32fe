//! The loaded tree and the queries the engine and the CLI make on it.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use dotations_diagnostics::{closest, Diagnostic, Diagnostics, Location};

use crate::load::{build, Item};
use crate::model::{BracketField, Entry, ParamValue, Parameter, Scale};

/// A whole parameter tree, every node, parameter and scale under its dotted path.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterTree {
    pub(crate) items: BTreeMap<String, Item>,
    /// The paths of files that could not be read (only in a tree read partially).
    pub(crate) unreadable: Vec<String>,
}

/// Why [`ParameterTree::value_at`] could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("no parameter `{path}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    NotFound { path: String, suggestion: Option<String> },
    #[error("`{path}` is a {kind}, not a parameter")]
    NotAParameter { path: String, kind: &'static str },
}

/// A path that names a field of a bracket: `scale.brackets[2].amount` (or OpenFisca's internal
/// name `scale[2].amount`).
pub(crate) fn bracket_path(path: &str) -> Option<(&str, usize, BracketField)> {
    let (head, field) = path.rsplit_once("].")?;
    let field = BracketField::from_name(field)?;
    let (scale, index) = head.rsplit_once('[')?;
    let index = index.parse().ok()?;
    let scale = scale.strip_suffix(".brackets").unwrap_or(scale);
    Some((scale, index, field))
}

impl ParameterTree {
    /// Loads every `.yaml`/`.yml` file under `dir` (other files are ignored, as OpenFisca does).
    /// Locations name the files as `dir/relative/path.yaml`.
    pub fn load_dir(dir: &Path) -> Result<ParameterTree, Diagnostics> {
        let mut files = Vec::new();
        let mut errors = Diagnostics::new();
        collect_files(dir, "", &mut files, &mut errors);
        if errors.has_errors() {
            return Err(errors);
        }
        ParameterTree::from_files(files, &dir.display().to_string())
    }

    /// Loads a tree from `(relative path, text)` pairs such as `("dsu/montant.yaml", "…")`, e.g. a
    /// tree embedded in the binary or read from a git revision. `root_label` prefixes the paths
    /// in error locations (it may be empty).
    pub fn from_files(files: Vec<(String, String)>, root_label: &str) -> Result<ParameterTree, Diagnostics> {
        build(files, root_label).map(|items| ParameterTree { items, unreadable: Vec::new() })
    }

    /// The tree of the files that read, with the errors of the others: what a check needs to
    /// go on to the formulas and report their errors too.
    pub fn from_files_partial(files: Vec<(String, String)>, root_label: &str) -> (ParameterTree, Diagnostics) {
        let (items, unreadable, diagnostics) = crate::load::build_partial(files, root_label);
        (ParameterTree { items, unreadable }, diagnostics)
    }

    /// Whether `path` would be read from a file that could not be read (a tree read partially):
    /// such a parameter is missing because of that file's error, already reported.
    pub fn is_unreadable(&self, path: &str) -> bool {
        self.unreadable.iter().any(|file| {
            file.is_empty()
                || path.strip_prefix(file.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    /// The node, parameter or scale at a dotted path (the root is `""`), or a bracket field as a
    /// parameter: `scale.brackets[2].threshold`, `.amount`, `.rate`, `.average_rate`, `.base`.
    pub fn get(&self, path: &str) -> Option<Entry<'_>> {
        match self.items.get(path) {
            Some(Item::Node(node)) => Some(Entry::Node(node)),
            Some(Item::Parameter(parameter)) => Some(Entry::Parameter(parameter)),
            Some(Item::Scale(scale)) => Some(Entry::Scale(scale)),
            None => {
                let (scale, index, field) = bracket_path(path)?;
                let Some(Item::Scale(scale)) = self.items.get(scale) else {
                    return None;
                };
                scale.brackets.get(index)?.field(field).map(Entry::Parameter)
            }
        }
    }

    /// The parameter at `path` (bracket fields included).
    pub fn parameter(&self, path: &str) -> Option<&Parameter> {
        match self.get(path)? {
            Entry::Parameter(parameter) => Some(parameter),
            _ => None,
        }
    }

    /// The scale at `path`.
    pub fn scale(&self, path: &str) -> Option<&Scale> {
        match self.items.get(path)? {
            Item::Scale(scale) => Some(scale),
            _ => None,
        }
    }

    /// Every parameter and scale (not the bracket fields), sorted by path.
    pub fn leaves(&self) -> impl Iterator<Item = Entry<'_>> {
        self.items.values().filter_map(|item| match item {
            Item::Node(_) => None,
            Item::Parameter(parameter) => Some(Entry::Parameter(parameter)),
            Item::Scale(scale) => Some(Entry::Scale(scale)),
        })
    }

    /// Every path of the tree, nodes included (not the root), sorted: the candidates for a
    /// did-you-mean.
    pub fn paths(&self) -> Vec<&str> {
        self.items.keys().map(String::as_str).filter(|path| !path.is_empty()).collect()
    }

    /// The value of the parameter at `path` on `date`; `Ok(None)` when it has none then (before
    /// its first date, or after a `null`).
    pub fn value_at(&self, path: &str, date: NaiveDate) -> Result<Option<&ParamValue>, LookupError> {
        match self.get(path) {
            Some(Entry::Parameter(parameter)) => Ok(parameter.value_at(date)),
            Some(entry) => Err(LookupError::NotAParameter { path: path.to_string(), kind: entry.kind_name() }),
            None => Err(LookupError::NotFound {
                path: path.to_string(),
                suggestion: closest(path, self.paths()).map(str::to_string),
            }),
        }
    }
}

fn collect_files(dir: &Path, relative: &str, files: &mut Vec<(String, String)>, errors: &mut Diagnostics) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            return errors.push(Diagnostic::error(format!("cannot read the directory {}: {error}", dir.display())))
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                errors.push(Diagnostic::error(format!("cannot read the directory {}: {error}", dir.display())));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let child_relative = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, &child_relative, files, errors);
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            let file = Location::new(path.display().to_string(), 1, 1);
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push((child_relative, text)),
                    Err(_) => errors.push(Diagnostic::error("this file is not valid UTF-8").at(file)),
                },
                Err(error) => errors.push(Diagnostic::error(format!("cannot read this file: {error}")).at(file)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_paths_in_both_spellings() {
        assert_eq!(bracket_path("a.b.brackets[2].amount"), Some(("a.b", 2, BracketField::Amount)));
        assert_eq!(bracket_path("a.b[0].threshold"), Some(("a.b", 0, BracketField::Threshold)));
        assert_eq!(bracket_path("a.b.brackets[x].amount"), None);
        assert_eq!(bracket_path("a.b.amount"), None);
    }
}
