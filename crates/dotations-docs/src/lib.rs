//! A static web site that documents the law as the rules write it, in the manner of OpenFisca's
//! legislation explorer: a page per variable (its declaration, its formulas by date with every
//! name a link, what it reads and what reads it), a page per parameter or scale (its values by
//! date, exactly as written, with their legal references), the rule files themselves, indexes,
//! and a search over names, labels and descriptions.
//!
//! The site is for legal experts who read the law rather than the code: French, accessible
//! (`lang="fr"`, labelled landmarks and forms, keyboard use, contrast), plain HTML with one CSS
//! file and one small script, no build step and nothing fetched from elsewhere — it works opened
//! from `file://` as well as from any static server.
//!
//! Invariants:
//! - **Deterministic.** The same rules give the same bytes: everything is sorted or in the order
//!   of the rule files, and no page holds a date of generation or an absolute path, so two
//!   versions of the site can be diffed.
//! - **No broken link.** Every page that a link points to is part of the [`Site`], and every
//!   anchor exists (the tests check every `href` of the sites of the test model and of the
//!   real model).
//! - **Nothing unescaped.** Every text that comes from the rules is escaped before it reaches
//!   a page.
//!
//! ```
//! use dotations_diagnostics::SourceText;
//! use dotations_engine::Model;
//! use dotations_params::ParameterTree;
//!
//! let rules = SourceText::new("formulas/demo.rules", r#"
//! entity commune plural communes
//! group etat of commune plural etats
//! variable population : integer, per commune, yearly
//!   label "Population"
//! variable majoree : number, per commune, yearly
//!   = population * taux
//! "#);
//! let parameters = vec![("taux.yaml".to_string(), "values:\n  2024-01-01: {value: 1.5}\n".to_string())];
//! let parameters = ParameterTree::from_files(parameters, "parameters").unwrap();
//! let model = Model::compile(vec![rules], parameters).unwrap();
//! let site = dotations_docs::build(&model, &dotations_docs::Options::default());
//! let page = &site.files["variables/majoree.html"];
//! assert!(page.contains(r#"<a class="p" href="../parametres/taux.html""#));
//! assert!(site.files["parametres/taux.html"].contains("majoree"));
//! ```
#![forbid(unsafe_code)]

mod code;
mod context;
mod highlight;
mod html;
mod pages;
mod parameters;
mod search;
mod variables;
mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

use dotations_engine::Model;

pub use write::MARKER;

/// How to build the site.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The rule directory the model was loaded from (`--rules DIR`): file names are shown
    /// relative to it (`formulas/dsu.rules`), as for the embedded rules.
    pub rules_dir: Option<PathBuf>,
}

/// A generated site: every file, by its path relative to the site's root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub files: BTreeMap<String, String>,
}

impl Site {
    /// How many HTML pages the site has.
    pub fn page_count(&self) -> usize {
        self.files.keys().filter(|path| path.ends_with(".html")).count()
    }
}

/// Builds every page of the site for a compiled model.
pub fn build(model: &Model, options: &Options) -> Site {
    let cx = context::Context::new(model, options);
    let mut files = BTreeMap::new();
    files.insert("index.html".to_string(), pages::home(&cx));
    files.insert("variables.html".to_string(), variables::index(&cx));
    files.insert("parametres.html".to_string(), parameters::index(&cx));
    files.insert("entites.html".to_string(), pages::entities(&cx));
    files.insert("recherche.html".to_string(), pages::search());
    for var in 0..model.variables.len() {
        files.insert(cx.variable_page(var), variables::page(&cx, var));
    }
    for path in &cx.leaves {
        files.insert(context::parameter_page(path), parameters::page(&cx, path));
    }
    for (file, source) in cx.sources.iter().enumerate() {
        files.insert(source.page.clone(), pages::source(&cx, file));
    }
    let index = search::index_json(&cx);
    files.insert("recherche-index.js".to_string(), search::index_script(&index));
    files.insert("recherche.json".to_string(), index);
    files.insert("recherche.js".to_string(), include_str!("../assets/recherche.js").to_string());
    files.insert("style.css".to_string(), include_str!("../assets/style.css").to_string());
    Site { files }
}
