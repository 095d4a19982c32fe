//! The site of the test model (`tests/model`) and of the real model: pages, content, escaping,
//! and every link of every page.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use dotations_diagnostics::SourceText;
use dotations_docs::{build, Options, Site};
use dotations_engine::Model;
use dotations_params::ParameterTree;
use dotations_rules::RuleFiles;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn test_model_site() -> (Model, Site) {
    let dir = repo().join("tests/model");
    let model = RuleFiles::from_dir(&dir).and_then(RuleFiles::compile).expect("the test model compiles");
    let site = build(&model, &Options { rules_dir: Some(dir) });
    (model, site)
}

/// The content of `<main>`, what differs from page to page.
fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("a <main>");
    let end = page.find("</main>").expect("a </main>") + "</main>".len();
    &page[start..end]
}

/// Every value of an attribute in a page, unescaped as a browser would.
fn attributes(page: &str, name: &str) -> Vec<String> {
    let pattern = format!(" {name}=\"");
    let mut values = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find(&pattern) {
        rest = &rest[i + pattern.len()..];
        let end = rest.find('"').expect("a closed attribute");
        values.push(rest[..end].replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&"));
        rest = &rest[end..];
    }
    values
}

/// `dir/../x` → `x`, with `/` separators, as a browser resolves a relative link.
fn resolve(page: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for part in href.split('/') {
        match part {
            ".." => {
                assert!(parts.pop().is_some(), "{page}: {href} leaves the site");
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// Checks every `href` and `src` of every page: the file is part of the site (and written, when
/// `dir` is given) and the anchor exists in it. Returns how many links were checked.
fn check_links(site: &Site, dir: Option<&Path>) -> usize {
    let ids: BTreeMap<&str, BTreeSet<String>> =
        site.files.iter().map(|(path, text)| (path.as_str(), attributes(text, "id").into_iter().collect())).collect();
    let mut checked = 0;
    for (page, text) in site.files.iter().filter(|(path, _)| path.ends_with(".html")) {
        for href in attributes(text, "href").into_iter().chain(attributes(text, "src")) {
            assert!(!href.is_empty(), "{page}: empty link");
            if href.starts_with("https://") || href.starts_with("http://") {
                continue;
            }
            let (file, anchor) = match href.split_once('#') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (href.as_str(), None),
            };
            let target = if file.is_empty() { page.clone() } else { resolve(page, file) };
            assert!(site.files.contains_key(&target), "{page}: broken link {href} ({target} is not in the site)");
            if let Some(dir) = dir {
                assert!(dir.join(&target).is_file(), "{page}: {target} was not written");
            }
            if let Some(anchor) = anchor {
                assert!(ids[target.as_str()].contains(anchor), "{page}: no id {anchor:?} in {target} (link {href})");
            }
            checked += 1;
        }
    }
    checked
}

/// Pages are well formed: every element opened is closed in order, and no id appears twice.
fn check_structure(site: &Site) {
    const VOID: [&str; 5] = ["meta", "link", "input", "br", "!DOCTYPE"];
    for (page, text) in site.files.iter().filter(|(path, _)| path.ends_with(".html")) {
        let mut stack: Vec<&str> = Vec::new();
        for piece in text.split('<').skip(1) {
            let tag_end = piece.find([' ', '>', '\n']).expect("a tag name");
            let tag = &piece[..tag_end];
            if let Some(closed) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(closed), "{page}: </{closed}> closes another element");
            } else if !VOID.contains(&tag) {
                stack.push(tag);
            }
        }
        assert!(stack.is_empty(), "{page}: unclosed {stack:?}");
        let ids = attributes(text, "id");
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{page}: an id appears twice");
    }
}

#[test]
fn the_test_model_has_a_page_for_every_variable_and_parameter() {
    let (model, site) = test_model_site();
    for variable in &model.variables {
        assert!(site.files.contains_key(&format!("variables/{}.html", variable.name)), "{}", variable.name);
    }
    for leaf in model.parameters.leaves() {
        assert!(site.files.contains_key(&format!("parametres/{}.html", leaf.path())), "{}", leaf.path());
    }
    for page in ["index.html", "variables.html", "parametres.html", "entites.html", "recherche.html"] {
        assert!(site.files[page].starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"), "{page}");
    }
    assert!(site.files.contains_key("sources/modele.rules.html"));
    assert_eq!(site.page_count(), 5 + 20 + 6 + 1);
}

#[test]
fn a_parameter_page_shows_its_values_by_date_and_who_reads_it() {
    let (_, site) = test_model_site();
    insta::assert_snapshot!("parameter_page", main_of(&site.files["parametres/dotation.taux_majoration.html"]));
    insta::assert_snapshot!("scale_page", main_of(&site.files["parametres/strates.html"]));
}

#[test]
fn a_variable_page_shows_its_formulas_with_links_and_its_dependencies() {
    let (_, site) = test_model_site();
    insta::assert_snapshot!("variable_page", main_of(&site.files["variables/eligible.html"]));
    // The frame of every page: header, navigation, search form, footer.
    insta::assert_snapshot!("search_page", site.files["recherche.html"]);
}

#[test]
fn reverse_dependencies_and_indexes() {
    let (_, site) = test_model_site();
    let population = &site.files["variables/population.html"];
    assert!(population.contains("Donnée d'entrée"));
    for reader in ["potentiel_par_habitant", "potentiel_moyen_strate", "strate", "score"] {
        assert!(population.contains(&format!("<a href=\"../variables/{reader}.html\"><code>{reader}</code></a>")));
    }
    let montant = &site.files["variables/montant.html"];
    // montant reads itself at N-1 (its previous amount), and evolution reads it at N and N-1.
    assert!(montant.contains("<code>evolution</code></a></th><td></td><td><code>N</code>, <code>N-1</code></td>"));
    let variables = &site.files["variables.html"];
    assert!(variables.contains("id=\"fichier-modele.rules\""));
    assert!(
        variables.contains("Une dotation d&#39;essai : elle exerce chaque construction du langage sur six communes.")
    );
    let tree = &site.files["parametres.html"];
    assert!(tree.contains("<li id=\"noeud-dotation.bornes\"><span class=\"noeud\"><code>bornes</code></span>"));
    assert!(
        tree.contains("<a href=\"parametres/strates.html\"><code>strates</code></a> <span class=\"etiquette\">barème")
    );
    let entities = &site.files["entites.html"];
    assert!(entities.contains("<tr><th scope=\"row\"><code>rurale</code></th><td>Rurale</td></tr>"));
    let source = &site.files["sources/modele.rules.html"];
    assert!(source.contains("<span class=\"ligne\" id=\"L55\">"));
    assert!(
        source.contains("<span class=\"k\">variable</span> <a class=\"v\" href=\"../variables/score.html\">score</a>")
    );
}

#[test]
fn every_link_of_the_test_model_site_resolves_once_written() {
    let (_, site) = test_model_site();
    check_structure(&site);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    site.write(&out).unwrap();
    let checked = check_links(&site, Some(&out));
    assert!(checked > 500, "{checked} links");
    for (path, text) in &site.files {
        assert_eq!(&std::fs::read_to_string(out.join(path)).unwrap(), text, "{path}");
    }
    // Writing again replaces the site, including pages that no longer exist.
    std::fs::write(out.join("variables/ancienne.html"), "stale").unwrap();
    site.write(&out).unwrap();
    assert!(!out.join("variables/ancienne.html").exists());
    assert!(out.join(dotations_docs::MARKER).is_file());
}

#[test]
fn the_site_is_deterministic() {
    let (model, first) = test_model_site();
    let second = build(&model, &Options { rules_dir: Some(repo().join("tests/model")) });
    assert_eq!(first, second);
    for text in first.files.values() {
        assert!(!text.contains(&*repo().display().to_string()), "a page holds the absolute path of the rules");
    }
}

#[test]
fn the_search_index_lists_everything_and_points_to_pages() {
    let (model, site) = test_model_site();
    let index: Vec<serde_json::Value> = serde_json::from_str(&site.files["recherche.json"]).unwrap();
    assert_eq!(index.len(), model.variables.len() + 6 + model.entities.len() + model.enums.len());
    for entry in &index {
        let url = entry["u"].as_str().unwrap();
        let file = url.split('#').next().unwrap();
        assert!(site.files.contains_key(file), "{url}");
        if let Some((_, anchor)) = url.split_once('#') {
            assert!(site.files[file].contains(&format!("id=\"{anchor}\"")), "{url}");
        }
    }
    let strates = index.iter().find(|e| e["n"] == "strates").unwrap();
    assert_eq!(strates["t"], "bareme");
    assert_eq!(strates["l"], "Strate démographique selon la population");
    let script = &site.files["recherche-index.js"];
    assert!(script.contains(&format!("window.DOTATIONS_RECHERCHE = {};", site.files["recherche.json"].trim_end())));
    // Every page loads the search script, which loads the index relative to the page.
    assert!(site.files["variables/score.html"].contains("<script src=\"../recherche.js\" defer></script>"));
    assert!(site.files["variables/score.html"].contains("<body data-racine=\"../\">"));
    assert!(site.files["recherche.js"].contains("racine + \"recherche-index.js\""));
}

#[test]
fn text_from_the_rules_is_escaped() {
    let rules = SourceText::new(
        "formulas/essai.rules",
        r#"entity commune plural communes label "Commune & co"
group etat of commune plural etats
enum taille label "Taille <de> la commune"
  petite "Moins de 1 000 & <rurale>"
  grande "Plus"
variable population : integer, per commune, yearly
  label "Population < 1 000 & <b>gras</b>"
  reference "Code \"A\" & <art>" https://example.org/a?b=1&c=<2>
  documentation "Voir <script>alert(1)</script> & la suite"
variable petite : boolean, per commune, yearly
  label "Petite & <i>commune</i>"
  = population < seuil and population > 0 # avant : population <= 10 & plus
variable t : enum taille, per commune, yearly
"#,
    );
    let parameters = vec![(
        "seuil.yaml".to_string(),
        "description: Seuil <strong>bas</strong> & haut\nmetadata:\n  last_value_still_valid_on: 2025-03-01\n  official_journal_date:\n    2024-01-01: 2023-12-29\n  notes:\n    2024-01-01:\n      title: Note & <remarque>\n  reference:\n    2024-01-01:\n      title: \"Loi <n°1> & décret\"\n      href: \"https://example.org/?a=1&b=2\"\nvalues:\n  2024-01-01: {value: 1_000}\n  2025-01-01: {value: null}\n"
            .to_string(),
    )];
    let parameters = ParameterTree::from_files(parameters, "parameters").unwrap();
    let model = Model::compile(vec![rules], parameters).unwrap();
    let site = build(&model, &Options::default());
    check_structure(&site);
    check_links(&site, None);
    let petite = &site.files["variables/petite.html"];
    assert!(petite.contains("<p class=\"libelle\">Petite &amp; &lt;i&gt;commune&lt;/i&gt;</p>"));
    assert!(petite.contains(
        "= <a class=\"v\" href=\"../variables/population.html\" title=\"Population &lt; 1 000 &amp; &lt;b&gt;gras&lt;/b&gt;\">population</a> &lt; \
         <a class=\"p\" href=\"../parametres/seuil.html\" title=\"Seuil &lt;strong&gt;bas&lt;/strong&gt; &amp; haut\">seuil</a> \
         <span class=\"k\">and</span> <a class=\"v\""
    ));
    assert!(petite
        .contains("&gt; <span class=\"n\">0</span> <span class=\"c\"># avant : population &lt;= 10 &amp; plus</span>"));
    let population = &site.files["variables/population.html"];
    assert!(population
        .contains("<a href=\"https://example.org/a?b=1&amp;c=&lt;2&gt;\">Code &quot;A&quot; &amp; &lt;art&gt;</a>"));
    assert!(population.contains("<p>Voir &lt;script&gt;alert(1)&lt;/script&gt; &amp; la suite</p>"));
    let seuil = &site.files["parametres/seuil.html"];
    assert!(seuil.contains("<p class=\"libelle\">Seuil &lt;strong&gt;bas&lt;/strong&gt; &amp; haut</p>"));
    assert!(seuil.contains("<a href=\"https://example.org/?a=1&amp;b=2\">Loi &lt;n°1&gt; &amp; décret</a>"));
    assert!(seuil.contains("<data value=\"1000\">1\u{202F}000</data>"));
    assert!(seuil.contains("aucune valeur (<code>null</code>"));
    assert!(
        seuil.contains("<br>publiée au Journal officiel le <time datetime=\"2023-12-29\">29 décembre 2023</time></td>")
    );
    assert!(seuil
        .contains("<dt>Dernière valeur vérifiée le</dt><dd><time datetime=\"2025-03-01\">1er mars 2025</time></dd>"));
    assert!(seuil
        .contains("<li>Note &amp; &lt;remarque&gt; <span class=\"date\">(à partir du <time datetime=\"2024-01-01\">"));
    let entities = &site.files["entites.html"];
    assert!(entities.contains("<td>Moins de 1 000 &amp; &lt;rurale&gt;</td>"));
    assert!(entities.contains("<p>Taille &lt;de&gt; la commune</p>"));
    // No tag of the rules' text survives in a page. (The search index keeps the text as data:
    // the script shows it with `textContent`, never as HTML.)
    for (path, text) in site.files.iter().filter(|(path, _)| path.ends_with(".html")) {
        for tag in [
            "<b>gras",
            "<i>commune",
            "<strong>bas",
            "<script>alert",
            "<art>",
            "<rurale>",
            "<de>",
            "<n°1>",
            "<remarque>",
        ] {
            assert!(!text.contains(tag), "{path} holds {tag}");
        }
    }
    let index: Vec<serde_json::Value> = serde_json::from_str(&site.files["recherche.json"]).unwrap();
    assert!(
        index.iter().any(|e| e["l"] == "Petite & <i>commune</i>"),
        "the index keeps the text, the script escapes it"
    );
}

#[test]
fn writing_into_a_directory_of_other_files_is_refused() {
    let (_, site) = test_model_site();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let error = site.write(dir.path()).unwrap_err();
    let message = error.to_string().replace(&*dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!("refused_directory", message);
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");
}

#[test]
fn the_real_model_has_no_broken_link() {
    let model = RuleFiles::embedded().compile().expect("the embedded rules compile");
    let site = build(&model, &Options::default());
    check_structure(&site);
    let checked = check_links(&site, None);
    assert!(checked > 5_000, "{checked} links");
    assert_eq!(
        site.page_count(),
        5 + model.variables.len() + model.parameters.leaves().count() + model.base_sources().len()
    );
    // Values are shown exactly as written, not through a float.
    let page = &site.files["parametres/dotation_solidarite_urbaine.attribution.plafond_effort_fiscal.html"];
    assert!(page.contains("<data value=\"1.3\">1.3</data>"));
    // Each value shows the reference written for its date.
    let page = &site.files["parametres/dotation_solidarite_urbaine.attribution.taux_garantie_sortie.html"];
    assert!(page.contains(
        "<td class=\"nombre\"><data value=\"0.5\">0.5</data></td><td><a href=\"https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006390851/2017-01-01\">"
    ));
    // Every name read by a formula is a link: no formula of the model shows an unlinked variable.
    for (var, variable) in model.variables.iter().enumerate() {
        let page = &site.files[&format!("variables/{}.html", variable.name)];
        for read in dotations_engine::graph::dependencies(&model, var).variables.keys() {
            let name = &model.variables[*read].name;
            assert!(
                page.contains(&format!("<a class=\"v\" href=\"../variables/{name}.html\"")),
                "{} → {name}",
                variable.name
            );
        }
    }
}
