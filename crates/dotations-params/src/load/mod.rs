//! Reading OpenFisca parameter files into tree items, collecting every error of every file.
//!
//! The rules follow `openfisca_core/parameters` (`helpers._parse_child`, `ParameterNode`,
//! `Parameter`, `ParameterAtInstant`, `ParameterScale`, `config.COMMON_KEYS`), made stricter where
//! OpenFisca would silently load a mistake (see the crate documentation). This module maps files
//! and directories to paths; `file` reads the content of a file, `scale` its scales.

mod file;
mod scale;

use std::collections::{BTreeMap, BTreeSet};

use dotations_diagnostics::{Diagnostic, Diagnostics, Location, SourceText};
use marked_yaml::Node;

use crate::metadata::Metadata;
use crate::model::{Parameter, ParameterNode, Scale};
use crate::yaml::{self, Locator};
use file::FileLoader;

/// Keys every node, parameter and scale may carry (`unit` and `reference` are OpenFisca's older
/// spelling of the metadata keys of the same names).
const COMMON_KEYS: [&str; 5] = ["description", "documentation", "metadata", "reference", "unit"];

/// A named thing of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Node(ParameterNode),
    Parameter(Parameter),
    Scale(Scale),
}

impl Item {
    fn location(&self) -> Option<&Location> {
        match self {
            Item::Node(node) => node.location.as_ref(),
            Item::Parameter(parameter) => Some(&parameter.location),
            Item::Scale(scale) => Some(&scale.location),
        }
    }
}

/// Builds the items of a tree from `(relative path, text)` files; non-YAML files are skipped.
pub(crate) fn build(files: Vec<(String, String)>, root_label: &str) -> Result<BTreeMap<String, Item>, Diagnostics> {
    let (items, _, diagnostics) = build_partial(files, root_label);
    diagnostics.into_result(items)
}

/// What the files give, with the errors of those that do not read: the parameters of the
/// files that do read are there, and the paths of those that do not (see
/// [`crate::ParameterTree::is_unreadable`]).
pub(crate) fn build_partial(
    mut files: Vec<(String, String)>,
    root_label: &str,
) -> (BTreeMap<String, Item>, Vec<String>, Diagnostics) {
    files.sort();
    let mut builder = Builder::default();
    builder.items.insert(String::new(), Item::Node(empty_node(String::new(), None)));
    for (relative, text) in files {
        let relative = relative.replace('\\', "/");
        let label = if root_label.is_empty() { relative.clone() } else { format!("{root_label}/{relative}") };
        builder.file(&relative, SourceText::new(label, text));
    }
    let Builder { mut items, diagnostics, unreadable, .. } = builder;
    let paths: Vec<String> = items.keys().filter(|p| !p.is_empty()).cloned().collect();
    for path in paths {
        let (parent, name) = path.rsplit_once('.').unwrap_or(("", &path));
        if let Some(Item::Node(node)) = items.get_mut(parent) {
            node.children.push(name.to_string());
        }
    }
    (items, unreadable, diagnostics)
}

fn empty_node(path: String, location: Option<Location>) -> ParameterNode {
    ParameterNode {
        path,
        description: None,
        documentation: None,
        metadata: Metadata::default(),
        children: Vec::new(),
        location,
    }
}

/// Why a file, directory or key name cannot be a path part, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('.') {
        Some("contains a `.`, which separates the parts of a path")
    } else if name.contains(['[', ']']) {
        Some("contains a `[` or `]`, which mark bracket indices")
    } else if name.contains(char::is_whitespace) {
        Some("contains a space")
    } else {
        None
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

#[derive(Default)]
struct Builder {
    items: BTreeMap<String, Item>,
    /// Nodes made by a directory, which several files may share.
    directories: BTreeSet<String>,
    /// Directory nodes whose `index.yaml` has been read.
    indexed: BTreeSet<String>,
    diagnostics: Diagnostics,
    /// The paths of the files that are not YAML (their parameters are missing).
    unreadable: Vec<String>,
}

impl Builder {
    fn file(&mut self, relative: &str, source: SourceText) {
        let (directory, file_name) = relative.rsplit_once('/').unwrap_or(("", relative));
        // As `os.path.splitext`: `.yaml` alone has no extension, so it is not a YAML file.
        let Some((stem, extension)) = file_name.rsplit_once('.') else {
            return;
        };
        if stem.is_empty() || !matches!(extension, "yaml" | "yml") {
            return;
        }
        let file_start = Location::new(source.path(), 1, 1);
        let directories: Vec<&str> = directory.split('/').filter(|part| !part.is_empty()).collect();
        if let Some((part, problem)) =
            directories.iter().chain([&stem]).find_map(|part| name_problem(part).map(|problem| (part, problem)))
        {
            self.diagnostics.push(
                Diagnostic::error(format!("the name `{part}` in the path `{relative}` {problem}")).at(file_start),
            );
            return;
        }
        let mut node_path = String::new();
        for part in directories {
            node_path = join(&node_path, part);
            if !self.directory_node(&node_path, &file_start) {
                return;
            }
        }
        let root = match yaml::parse(&source) {
            Ok(root) => root,
            Err(error) => {
                self.unreadable.push(if stem == "index" { node_path } else { join(&node_path, stem) });
                return self.diagnostics.push(error);
            }
        };
        let mut loader = FileLoader { locator: Locator { source: &source }, errors: Vec::new(), items: Vec::new() };
        if stem == "index" {
            self.index(&node_path, &root, &mut loader);
        } else {
            let path = join(&node_path, stem);
            match self.items.get(&path) {
                Some(existing) => self.diagnostics.push(defined_twice(&path, file_start, existing)),
                None => loader.child(&path, &root, loader.locator.node(&root)),
            }
        }
        self.diagnostics.extend(loader.errors);
        for (path, item) in loader.items {
            self.items.insert(path, item);
        }
    }

    /// Makes sure the directory node exists; false (with an error) when a file already took it.
    fn directory_node(&mut self, path: &str, file_start: &Location) -> bool {
        match self.items.get(path) {
            None => {
                self.items.insert(path.to_string(), Item::Node(empty_node(path.to_string(), None)));
                self.directories.insert(path.to_string());
                true
            }
            Some(_) if self.directories.contains(path) => true,
            Some(existing) => {
                self.diagnostics.push(defined_twice(path, file_start.clone(), existing));
                false
            }
        }
    }

    /// `index.yaml` describes its directory's node.
    fn index(&mut self, path: &str, root: &Node, loader: &mut FileLoader<'_>) {
        let location = loader.locator.node(root);
        if !self.indexed.insert(path.to_string()) {
            let name = if path.is_empty() { "the root" } else { path };
            loader.errors.push(
                Diagnostic::error(format!("a second index file for the node `{name}`"))
                    .at(location)
                    .with_note("a directory has one `index.yaml` (or `index.yml`)"),
            );
            return;
        }
        let Some(mapping) = root.as_mapping() else {
            return;
        };
        let what = format!("the index of `{}`", if path.is_empty() { "the root" } else { path });
        loader.errors.extend(loader.locator.unknown_keys(mapping, &COMMON_KEYS, &what));
        let (description, documentation, metadata) = loader.common(mapping);
        if let Some(Item::Node(node)) = self.items.get_mut(path) {
            node.description = description;
            node.documentation = documentation;
            node.metadata = metadata;
            node.location = Some(location);
        }
    }
}

fn defined_twice(path: &str, location: Location, existing: &Item) -> Diagnostic {
    let first = existing.location().map_or_else(|| "a directory".to_string(), |l| l.to_string());
    Diagnostic::error(format!("`{path}` is defined twice"))
        .at(location)
        .with_note(format!("it is first defined by {first}"))
        .with_help("a name is either a file or a directory, and a file is either `.yaml` or `.yml`")
}
