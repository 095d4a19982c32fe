//! What every page needs to know about the whole model: where each page lives, who reads what
//! (dependencies and their reverse), and how rule files are named on the site.

use std::collections::{BTreeMap, BTreeSet};

use dotations_engine::graph::{dependencies, Dependencies};
use dotations_engine::model::{FileId, VarId};
use dotations_engine::Model;
use dotations_params::Entry;

use crate::Options;

/// A rule file as the site shows it.
pub(crate) struct SourceInfo {
    /// The file's name relative to the rule directory, e.g. `formulas/dsu.rules`.
    pub name: String,
    /// Its page, relative to the site's root, e.g. `sources/dsu.rules.html`.
    pub page: String,
    /// The first paragraph of the comment that opens the file: what the file is about.
    pub subject: Option<String>,
}

pub(crate) struct Context<'a> {
    pub model: &'a Model,
    prefix: Option<String>,
    /// Per variable: what its formulas read.
    pub deps: Vec<Dependencies>,
    /// Per variable: the variables that read it, with the periods they read it at.
    pub used_by: Vec<BTreeMap<VarId, BTreeSet<String>>>,
    /// Per parameter or scale (the path of its page): the variables that read it.
    pub readers: BTreeMap<String, BTreeSet<VarId>>,
    /// Paths of the parameters and scales, each of which has a page.
    pub leaves: BTreeSet<String>,
    /// Per rule file of the model (indexed like `model.sources`).
    pub sources: Vec<SourceInfo>,
}

impl<'a> Context<'a> {
    pub fn new(model: &'a Model, options: &Options) -> Context<'a> {
        let prefix = options.rules_dir.as_ref().map(|dir| {
            let dir = dir.display().to_string();
            if dir.ends_with('/') {
                dir
            } else {
                format!("{dir}/")
            }
        });
        let leaves: BTreeSet<String> = model.parameters.leaves().map(|entry| entry.path().to_string()).collect();
        let deps: Vec<Dependencies> = (0..model.variables.len()).map(|var| dependencies(model, var)).collect();
        let mut used_by = vec![BTreeMap::new(); model.variables.len()];
        let mut readers: BTreeMap<String, BTreeSet<VarId>> = BTreeMap::new();
        for (reader, dep) in deps.iter().enumerate() {
            for (read, periods) in &dep.variables {
                let entry: &mut BTreeSet<String> = used_by[*read].entry(reader).or_default();
                entry.extend(periods.iter().cloned());
            }
            for path in dep.parameters.keys() {
                if let Some(page) = leaf_of(model, &leaves, path) {
                    readers.entry(page.to_string()).or_default().insert(reader);
                }
            }
        }
        let sources = model
            .base_sources()
            .iter()
            .map(|source| {
                let name = shown_name(prefix.as_deref(), source.path()).to_string();
                let short = name.strip_prefix("formulas/").unwrap_or(&name);
                SourceInfo { page: format!("sources/{}.html", slug(short)), subject: subject(source.text()), name }
            })
            .collect();
        Context { model, prefix, deps, used_by, readers, leaves, sources }
    }

    /// A file name as shown on the site: relative to the rule directory.
    pub fn file_name<'s>(&self, file: &'s str) -> &'s str {
        shown_name(self.prefix.as_deref(), file)
    }

    /// The parameter or scale whose page documents `path` as a formula reads it (a bracket field
    /// such as `s.brackets[1].amount` is documented on its scale's page).
    pub fn parameter_leaf<'p>(&self, path: &'p str) -> Option<&'p str> {
        leaf_of(self.model, &self.leaves, path)
    }

    /// The description of a parameter, scale or node.
    pub fn parameter_description(&self, path: &str) -> Option<String> {
        match self.model.parameters.get(path)? {
            Entry::Parameter(parameter) => parameter.description.clone(),
            Entry::Scale(scale) => scale.description.clone(),
            Entry::Node(node) => node.description.clone(),
        }
    }

    /// The page of a variable, relative to the root.
    pub fn variable_page(&self, var: VarId) -> String {
        format!("variables/{}.html", slug(&self.model.variables[var].name))
    }

    /// The page of a rule file, with the anchor of a line.
    pub fn source_line(&self, file: FileId, line: usize) -> Option<String> {
        self.sources.get(file).map(|source| format!("{}#L{line}", source.page))
    }
}

fn shown_name<'s>(prefix: Option<&str>, file: &'s str) -> &'s str {
    prefix.and_then(|prefix| file.strip_prefix(prefix)).unwrap_or(file)
}

fn leaf_of<'p>(model: &Model, leaves: &BTreeSet<String>, path: &'p str) -> Option<&'p str> {
    if leaves.contains(path) {
        return Some(path);
    }
    let head = &path[..path.find('[')?];
    let head = head.strip_suffix(".brackets").unwrap_or(head);
    matches!(model.parameters.get(head), Some(Entry::Scale(_))).then_some(head)
}

/// The page of a parameter or scale, relative to the root.
pub(crate) fn parameter_page(path: &str) -> String {
    format!("parametres/{}.html", slug(path))
}

/// A file name for any text: ASCII letters, digits, `_`, `.` and `-` are kept; every other byte
/// is written `~XX`, so that two different names never share a page.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("~{byte:02X}"));
        }
    }
    out
}

/// The first paragraph of a file's opening comment, e.g. `# Dotation de solidarité urbaine …`.
fn subject(text: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        if comment.is_empty() {
            if words.is_empty() {
                continue;
            }
            break;
        }
        words.push(comment);
    }
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names_and_distinct() {
        assert_eq!(slug("dotation.bornes.plancher"), "dotation.bornes.plancher");
        assert_eq!(slug("a/b é"), "a~2Fb~20~C3~A9");
        assert_ne!(slug("a~20"), slug("a "));
    }

    #[test]
    fn the_subject_is_the_first_paragraph_of_the_opening_comment() {
        let text = "# Dotation de solidarité urbaine,\n# art. L2334-15.\n#\n# Éligibilité…\n\nvariable x";
        assert_eq!(subject(text).as_deref(), Some("Dotation de solidarité urbaine, art. L2334-15."));
        assert_eq!(subject("variable x : number, per commune, yearly\n# later"), None);
    }
}
