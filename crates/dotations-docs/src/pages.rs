//! The other pages: home, entities and enumerations, whole rule files, and search results.

use std::collections::BTreeMap;

use dotations_engine::model::{FileId, ValueType};

use crate::code::{self, entity_anchor, enum_anchor};
use crate::context::Context;
use crate::html::{code_link, count, escape, Page, Section, SITE_NAME};
use crate::variables::file_anchor;

/// `index.html`: what the site is and where to start.
pub(crate) fn home(cx: &Context) -> String {
    let model = cx.model;
    let computed = model.variables.iter().filter(|v| v.is_computed()).count();
    let formulas: usize = model.variables.iter().map(|v| v.formulas.len()).sum();
    let body = format!(
        "<h1>{SITE_NAME} : la législation en règles</h1>\n\
         <p>Ce site montre la loi telle que le moteur <code>dotations</code> l'applique : chaque variable avec ses \
         formules par date, chaque paramètre avec l'historique de ses valeurs et ses références juridiques, et les \
         liens entre eux. Il est généré à partir des fichiers de règles ; rien n'y est écrit à la main.</p>\n\
         <ul class=\"cartes\">\n\
         <li><a href=\"variables.html\"><strong>Variables</strong></a> — {} ({computed} calculées par {}, {} \
         d'entrée), rangées par fichier de règles.</li>\n\
         <li><a href=\"parametres.html\"><strong>Paramètres</strong></a> — {}, en arbre : montants, taux, seuils et \
         barèmes, avec leurs valeurs par date.</li>\n\
         <li><a href=\"entites.html\"><strong>Entités et énumérations</strong></a> — {} et {}.</li>\n\
         </ul>\n\
         <h2>Lire une formule</h2>\n\
         <p>Dans une formule, un nom <a class=\"v\" href=\"variables.html\">souligné en bleu</a> est une variable et un \
         chemin <a class=\"p\" href=\"parametres.html\">souligné en bordeaux</a> est un paramètre : chacun mène à sa page. \
         <code>x[N-1]</code> est la valeur de l'année précédente ; un paramètre est lu au 1er janvier de l'année \
         calculée. Le langage des formules est décrit dans <code>docs/language.md</code>.</p>\n\
         <h2>Fichiers de règles</h2>\n<ul class=\"liste\">\n{}</ul>\n",
        count(model.variables.len(), "variable", "variables"),
        count(formulas, "formule", "formules"),
        count(model.variables.len() - computed, "donnée", "données"),
        count(cx.leaves.len(), "paramètre ou barème", "paramètres et barèmes"),
        count(model.entities.len(), "entité", "entités"),
        count(model.enums.len(), "énumération", "énumérations"),
        cx.sources
            .iter()
            .map(|s| {
                let subject = s.subject.as_deref().map(|t| format!(" — {}", escape(t))).unwrap_or_default();
                format!("<li>{}{subject}</li>\n", code_link(&s.page, &s.name))
            })
            .collect::<String>(),
    );
    Page { title: SITE_NAME, root: "", section: Section::Home, body }.render()
}

/// `entites.html`: entities, then enumerations with their items, each with the variables of it.
pub(crate) fn entities(cx: &Context) -> String {
    let model = cx.model;
    let mut body = String::from(
        "<h1>Entités et énumérations</h1>\n<p>Une <em>entité</em> porte des variables : la commune (une ligne par \
         commune) ou un groupe de communes. Une <em>énumération</em> est un type dont les valeurs sont des éléments \
         nommés.</p>\n<h2>Entités</h2>\n",
    );
    for (id, entity) in model.entities.iter().enumerate() {
        let anchor = entity_anchor(&entity.name);
        let anchor = &anchor[anchor.find('#').map_or(0, |i| i + 1)..];
        body.push_str(&format!(
            "<section aria-labelledby=\"{anchor}\">\n<h3 id=\"{anchor}\"><code>{}</code></h3>\n<dl class=\"fiche\">\n",
            escape(&entity.name)
        ));
        if let Some(label) = &entity.label {
            body.push_str(&format!("<dt>Libellé</dt><dd>{}</dd>\n", escape(label)));
        }
        body.push_str(&format!("<dt>Pluriel</dt><dd><code>{}</code></dd>\n", escape(&entity.plural)));
        match entity.members {
            Some(members) => body.push_str(&format!(
                "<dt>Nature</dt><dd>groupe de <a href=\"{}\"><code>{}</code></a></dd>\n",
                entity_anchor(&model.entities[members].name),
                escape(&model.entities[members].plural)
            )),
            None => body.push_str("<dt>Nature</dt><dd>entité de base : une ligne par élément</dd>\n"),
        }
        body.push_str("</dl>\n");
        if let Some(documentation) = &entity.documentation {
            body.push_str(&format!("<p>{}</p>\n", escape(documentation)));
        }
        let vars: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].entity == id).collect();
        body.push_str(&variable_list(cx, &vars, &format!("Variables par {}", entity.name)));
        body.push_str("</section>\n");
    }
    body.push_str("<h2>Énumérations</h2>\n");
    if model.enums.is_empty() {
        body.push_str("<p>Le modèle n'a pas d'énumération.</p>\n");
    }
    for (id, enumeration) in model.enums.iter().enumerate() {
        let anchor = enum_anchor(&enumeration.name);
        let anchor = &anchor[anchor.find('#').map_or(0, |i| i + 1)..];
        body.push_str(&format!(
            "<section aria-labelledby=\"{anchor}\">\n<h3 id=\"{anchor}\"><code>{}</code></h3>\n",
            escape(&enumeration.name)
        ));
        if let Some(label) = &enumeration.label {
            body.push_str(&format!("<p>{}</p>\n", escape(label)));
        }
        body.push_str(&format!(
            "<div class=\"tableau\"><table>\n<caption>Éléments de <code>{}</code></caption>\n<thead><tr>\
             <th scope=\"col\">Élément</th><th scope=\"col\">Libellé</th></tr></thead>\n<tbody>\n",
            escape(&enumeration.name)
        ));
        for item in &enumeration.items {
            body.push_str(&format!(
                "<tr><th scope=\"row\"><code>{}</code></th><td>{}</td></tr>\n",
                escape(&item.name),
                escape(item.label.as_deref().unwrap_or(""))
            ));
        }
        body.push_str("</tbody>\n</table></div>\n");
        let vars: Vec<usize> =
            (0..model.variables.len()).filter(|v| model.variables[*v].value_type == ValueType::Enum(id)).collect();
        body.push_str(&variable_list(cx, &vars, "Variables de ce type"));
        body.push_str("</section>\n");
    }
    Page { title: "Entités et énumérations", root: "", section: Section::Entities, body }.render()
}

fn variable_list(cx: &Context, vars: &[usize], summary: &str) -> String {
    if vars.is_empty() {
        return String::new();
    }
    let mut names: Vec<(&str, usize)> = vars.iter().map(|v| (cx.model.variables[*v].name.as_str(), *v)).collect();
    names.sort();
    let items: String =
        names.iter().map(|(name, var)| format!("<li>{}</li>\n", code_link(&cx.variable_page(*var), name))).collect();
    format!(
        "<details>\n<summary>{summary} ({})</summary>\n<ul class=\"colonnes\">\n{items}</ul>\n</details>\n",
        vars.len()
    )
}

/// The page of a whole rule file, every line numbered and anchored (`#L12`).
pub(crate) fn source(cx: &Context, file: FileId) -> String {
    let model = cx.model;
    let info = &cx.sources[file];
    let root = "../";
    let mut links = BTreeMap::new();
    for (var, variable) in model.variables.iter().enumerate() {
        if variable.origin.file == file {
            let start = variable.origin.span.start;
            let href = format!("{root}{}", cx.variable_page(var));
            let end = start + variable.name.len();
            if model.sources[file].text().get(start..end) == Some(variable.name.as_str()) {
                links.insert(start, crate::highlight::Link { end, href, class: "v", title: variable.label.clone() });
            }
        }
        for formula in variable.formulas.iter().filter(|f| f.origin.file == file) {
            for expr in formula.bindings.iter().chain([&formula.expr]) {
                code::expr_links(cx, expr, root, &mut links);
            }
        }
    }
    for column in model.columns.iter().filter(|c| c.origin.file == file) {
        code::expr_links(cx, &column.year, root, &mut links);
    }
    let mut body = format!(
        "<nav class=\"ariane\" aria-label=\"Fil d'Ariane\"><ol><li><a href=\"{root}variables.html\">Variables</a></li>\
         <li aria-current=\"page\">{}</li></ol></nav>\n<h1><code>{}</code></h1>\n",
        escape(&info.name),
        escape(&info.name)
    );
    if let Some(subject) = &info.subject {
        body.push_str(&format!("<p class=\"libelle\">{}</p>\n", escape(subject)));
    }
    let declared = model.variables.iter().filter(|v| v.origin.file == file).count();
    if declared > 0 {
        body.push_str(&format!(
            "<p>{} déclarées dans ce fichier : <a href=\"{root}variables.html#{}\">la liste</a>.</p>\n",
            count(declared, "variable", "variables"),
            file_anchor(&info.name)
        ));
    }
    let text = model.sources[file].text();
    body.push_str(&code::block(cx, file, (0, text.len()), &links, root, true));
    Page { title: &info.name, root, section: Section::Variables, body }.render()
}

/// `recherche.html`: the full list of results of the search form.
pub(crate) fn search() -> String {
    let body = "<h1>Recherche</h1>\n\
        <p id=\"recherche-resume\" role=\"status\" aria-live=\"polite\">Saisissez un nom, un libellé ou une description \
        dans le champ de recherche.</p>\n\
        <noscript><p>La recherche demande JavaScript. Sans lui, les pages <a href=\"variables.html\">Variables</a> et \
        <a href=\"parametres.html\">Paramètres</a> donnent accès à tout le site.</p></noscript>\n\
        <ul id=\"recherche-page\" class=\"resultats-page\"></ul>\n"
        .to_string();
    Page { title: "Recherche", root: "", section: Section::Search, body }.render()
}
