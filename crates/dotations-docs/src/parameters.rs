//! A page per parameter and per scale, and the tree of parameters.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use dotations_diagnostics::Location;
use dotations_params::{Entry, Metadata, ParamValue, Parameter, Reference, Scale, ScaleKind};

use crate::context::{parameter_page, Context};
use crate::html::{self, code_link, count, escape, time, Page, Section};

const ROOT: &str = "../";

/// The page of the parameter or scale at `path` (a leaf of the tree).
pub(crate) fn page(cx: &Context, path: &str) -> String {
    let mut body = breadcrumb(cx, path);
    body.push_str(&format!("<h1><code>{}</code></h1>\n", escape(path)));
    match cx.model.parameters.get(path) {
        Some(Entry::Parameter(parameter)) => parameter_body(cx, parameter, &mut body),
        Some(Entry::Scale(scale)) => scale_body(cx, scale, &mut body),
        _ => {}
    }
    readers(cx, path, &mut body);
    Page { title: path, root: ROOT, section: Section::Parameters, body }.render()
}

fn breadcrumb(cx: &Context, path: &str) -> String {
    let mut out = format!(
        "<nav class=\"ariane\" aria-label=\"Fil d'Ariane\"><ol><li><a href=\"{ROOT}parametres.html\">Paramètres</a></li>"
    );
    let parts: Vec<&str> = path.split('.').collect();
    for i in 1..parts.len() {
        let node = parts[..i].join(".");
        let title = cx.parameter_description(&node).map(|d| format!(" title=\"{}\"", escape(&d))).unwrap_or_default();
        out.push_str(&format!(
            "<li><a href=\"{ROOT}parametres.html#{}\"{title}>{}</a></li>",
            node_anchor(&node),
            escape(parts[i - 1])
        ));
    }
    out.push_str(&format!("<li aria-current=\"page\">{}</li></ol></nav>\n", escape(parts[parts.len() - 1])));
    out
}

pub(crate) fn node_anchor(path: &str) -> String {
    format!("noeud-{}", crate::context::slug(path))
}

/// Description, documentation and the facts common to parameters and scales.
fn header(
    cx: &Context,
    description: Option<&str>,
    metadata: &Metadata,
    location: &Location,
    facts: Vec<(&str, String)>,
    body: &mut String,
) {
    if let Some(description) = description {
        body.push_str(&format!("<p class=\"libelle\">{}</p>\n", escape(description)));
    }
    body.push_str("<dl class=\"fiche\">\n");
    for (term, value) in facts {
        body.push_str(&format!("<dt>{term}</dt><dd>{value}</dd>\n"));
    }
    if let Some(date) = metadata.last_value_still_valid_on {
        body.push_str(&format!("<dt>Dernière valeur vérifiée le</dt><dd>{}</dd>\n", time(date)));
    }
    if let Some(label) = &metadata.label_en {
        body.push_str(&format!("<dt>Libellé anglais</dt><dd lang=\"en\">{}</dd>\n", escape(label)));
    }
    body.push_str(&format!(
        "<dt>Fichier</dt><dd><code>{}:{}</code></dd>\n</dl>\n",
        escape(cx.file_name(&location.file)),
        location.line
    ));
}

fn documentation(text: Option<&str>, body: &mut String) {
    if let Some(text) = text {
        body.push_str("<section aria-labelledby=\"documentation\">\n<h2 id=\"documentation\">Documentation</h2>\n");
        for paragraph in text.split("\n\n") {
            body.push_str(&format!("<p>{}</p>\n", escape(paragraph.trim())));
        }
        body.push_str("</section>\n");
    }
}

fn parameter_body(cx: &Context, parameter: &Parameter, body: &mut String) {
    let metadata = &parameter.metadata;
    let mut facts = vec![("Nature", "paramètre (une valeur par date)".to_string())];
    if let Some(unit) = &metadata.unit {
        facts.push(("Unité", html::unit(unit)));
    }
    header(cx, parameter.description.as_deref(), metadata, &parameter.location, facts, body);
    documentation(parameter.documentation.as_deref(), body);

    body.push_str("<section aria-labelledby=\"valeurs\">\n<h2 id=\"valeurs\">Valeurs</h2>\n");
    body.push_str(
        "<p>Chaque valeur s'applique à partir de sa date et jusqu'à la date suivante ; l'année N lit la valeur en \
         vigueur au 1er janvier de N. La plus récente est en haut.</p>\n",
    );
    let rows: Vec<(NaiveDate, String, String)> = parameter
        .values
        .iter()
        .rev()
        .map(|entry| {
            let value = match &entry.value {
                None => {
                    "<span class=\"nulle\">aucune valeur (<code>null</code> : le paramètre cesse de s'appliquer)</span>"
                        .to_string()
                }
                Some(value) => value_html(value),
            };
            let mut references = references_at(metadata, entry.start);
            references.extend(entry.metadata.references.iter().cloned());
            let mut cell: Vec<String> = references.iter().map(|r| reference_item(r, false)).collect();
            cell.extend(journal(metadata, &entry.metadata, entry.start));
            (entry.start, value, cell.join("<br>"))
        })
        .collect();
    let with_references = rows.iter().any(|(_, _, r)| !r.is_empty());
    body.push_str(&format!(
        "<div class=\"tableau\"><table class=\"valeurs\">\n<caption>Historique des valeurs de <code>{}</code></caption>\n\
         <thead><tr><th scope=\"col\">À partir du</th><th scope=\"col\">Valeur</th>{}</tr></thead>\n<tbody>\n",
        escape(&parameter.path),
        if with_references { "<th scope=\"col\">Références</th>" } else { "" }
    ));
    for (date, value, references) in rows {
        let references = if with_references { format!("<td>{references}</td>") } else { String::new() };
        body.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td class=\"nombre\">{value}</td>{references}</tr>\n",
            time(date)
        ));
    }
    body.push_str("</tbody>\n</table></div>\n</section>\n");
    let value_notes: Vec<Reference> = parameter
        .values
        .iter()
        .flat_map(|v| v.metadata.notes.iter().map(|n| Reference { date: n.date.or(Some(v.start)), ..n.clone() }))
        .collect();
    references_and_notes(metadata, &value_notes, body);
}

fn value_html(value: &ParamValue) -> String {
    match value {
        ParamValue::Number(number) => html::decimal(*number),
        ParamValue::Bool(true) => "vrai (<code>true</code>)".to_string(),
        ParamValue::Bool(false) => "faux (<code>false</code>)".to_string(),
        ParamValue::Text(text) => format!("<q>{}</q>", escape(text)),
    }
}

/// The references of the metadata that document the value starting on `date`: those written
/// under the latest reference date on or before it.
fn references_at(metadata: &Metadata, date: NaiveDate) -> Vec<Reference> {
    let latest = metadata.references.iter().filter_map(|r| r.date).filter(|d| *d <= date).max();
    match latest {
        Some(latest) => metadata.references.iter().filter(|r| r.date == Some(latest)).cloned().collect(),
        None => Vec::new(),
    }
}

/// The Journal officiel publication of the value starting on `date`, if the metadata give it.
fn journal(metadata: &Metadata, own: &Metadata, date: NaiveDate) -> Option<String> {
    let published = own
        .official_journal_date
        .iter()
        .chain(&metadata.official_journal_date)
        .find(|j| j.date.is_none_or(|d| d == date))?;
    Some(format!("publiée au Journal officiel le {}", time(published.published)))
}

fn reference_item(reference: &Reference, with_date: bool) -> String {
    let text = html::reference(reference.title.as_deref(), reference.href.as_deref());
    match reference.date.filter(|_| with_date) {
        Some(date) => format!("{text} <span class=\"date\">(à partir du {})</span>", time(date)),
        None => text,
    }
}

fn references_and_notes(metadata: &Metadata, more_notes: &[Reference], body: &mut String) {
    if !metadata.references.is_empty() {
        body.push_str(
            "<section aria-labelledby=\"references\">\n<h2 id=\"references\">Références juridiques</h2>\n<ul>\n",
        );
        for reference in &metadata.references {
            body.push_str(&format!("<li>{}</li>\n", reference_item(reference, true)));
        }
        body.push_str("</ul>\n</section>\n");
    }
    if !metadata.notes.is_empty() || !more_notes.is_empty() {
        body.push_str("<section aria-labelledby=\"notes\">\n<h2 id=\"notes\">Notes</h2>\n<ul>\n");
        for note in metadata.notes.iter().chain(more_notes) {
            body.push_str(&format!("<li>{}</li>\n", reference_item(note, true)));
        }
        body.push_str("</ul>\n</section>\n");
    }
}

fn kind_fr(kind: ScaleKind) -> &'static str {
    match kind {
        ScaleKind::SingleAmount => "le montant de la tranche où se situe la valeur",
        ScaleKind::MarginalAmount => "la somme des montants des tranches que la valeur dépasse",
        ScaleKind::MarginalRate => "chaque taux s'applique à la part de la valeur comprise dans sa tranche",
        ScaleKind::LinearAverageRate => "un taux moyen interpolé linéairement entre les seuils",
    }
}

fn scale_body(cx: &Context, scale: &Scale, body: &mut String) {
    let metadata = &scale.metadata;
    let mut facts = vec![("Nature", format!("barème <code>{}</code> : {}", scale.kind.name(), kind_fr(scale.kind)))];
    if let Some(unit) = &metadata.threshold_unit {
        facts.push(("Unité des seuils", html::unit(unit)));
    }
    let value_unit = match scale.kind {
        ScaleKind::SingleAmount | ScaleKind::MarginalAmount => metadata.amount_unit.as_ref(),
        _ => metadata.rate_unit.as_ref(),
    };
    if let Some(unit) = value_unit.or(metadata.unit.as_ref()) {
        facts.push(("Unité des valeurs", html::unit(unit)));
    }
    facts.push(("Tranches", count(scale.brackets.len(), "tranche", "tranches")));
    header(cx, scale.description.as_deref(), metadata, &scale.location, facts, body);
    documentation(scale.documentation.as_deref(), body);

    let value_name = match scale.kind {
        ScaleKind::SingleAmount | ScaleKind::MarginalAmount => "Montant",
        ScaleKind::MarginalRate => "Taux",
        ScaleKind::LinearAverageRate => "Taux moyen",
    };
    let dates: BTreeSet<NaiveDate> = scale
        .brackets
        .iter()
        .flat_map(|b| std::iter::once(&b.threshold).chain(b.field(scale.kind.value_field())))
        .flat_map(|p| p.dates())
        .collect();
    body.push_str("<section aria-labelledby=\"tranches\">\n<h2 id=\"tranches\">Tranches par date</h2>\n");
    body.push_str(
        "<p>Le barème en vigueur à chaque date où l'une de ses valeurs change ; le plus récent est en haut.</p>\n",
    );
    for date in dates.iter().rev() {
        let at = scale.at(*date);
        let id = format!("au-{}", date.format("%Y-%m-%d"));
        body.push_str(&format!("<h3 id=\"{id}\">À partir du {}</h3>\n", time(*date)));
        if at.brackets.is_empty() {
            body.push_str("<p>Aucune tranche n'a de valeur à cette date.</p>\n");
            continue;
        }
        body.push_str(&format!(
            "<div class=\"tableau\"><table class=\"valeurs\">\n<caption>Tranches de <code>{}</code> à partir du {}</caption>\n\
             <thead><tr><th scope=\"col\">Tranche</th><th scope=\"col\">Seuil</th><th scope=\"col\">{value_name}</th></tr></thead>\n<tbody>\n",
            escape(&scale.path),
            time(*date)
        ));
        for (i, (threshold, value)) in at.brackets.iter().enumerate() {
            body.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td class=\"nombre\">{}</td><td class=\"nombre\">{}</td></tr>\n",
                i + 1,
                html::decimal(*threshold),
                html::decimal(*value)
            ));
        }
        body.push_str("</tbody>\n</table></div>\n");
    }
    body.push_str("</section>\n");
    references_and_notes(metadata, &[], body);
}

fn readers(cx: &Context, path: &str, body: &mut String) {
    body.push_str("<section aria-labelledby=\"lu-par\">\n<h2 id=\"lu-par\">Variables qui le lisent</h2>\n");
    match cx.readers.get(path) {
        None => body.push_str("<p>Aucune formule ne lit ce paramètre.</p>\n"),
        Some(readers) => {
            let mut readers: Vec<_> = readers.iter().collect();
            readers.sort_by(|a, b| cx.model.variables[**a].name.cmp(&cx.model.variables[**b].name));
            body.push_str("<ul class=\"liste\">\n");
            for var in readers {
                let variable = &cx.model.variables[*var];
                let label = variable.label.as_deref().map(|l| format!(" — {}", escape(l))).unwrap_or_default();
                body.push_str(&format!(
                    "<li>{}{label}</li>\n",
                    code_link(&format!("{ROOT}{}", cx.variable_page(*var)), &variable.name)
                ));
            }
            body.push_str("</ul>\n");
        }
    }
    body.push_str("</section>\n");
}

/// `parametres.html`: the tree of parameters, nodes with their descriptions.
pub(crate) fn index(cx: &Context) -> String {
    let tree = &cx.model.parameters;
    let mut body = format!(
        "<h1>Paramètres</h1>\n<p>{} et {}, rangés comme les fichiers de <code>parameters/</code> : le chemin \
         <code>a.b.c</code> est le fichier <code>a/b/c.yaml</code>. Les formules citent un paramètre par son chemin.</p>\n",
        count(cx.leaves.iter().filter(|p| matches!(tree.get(p), Some(Entry::Parameter(_)))).count(), "paramètre", "paramètres"),
        count(cx.leaves.iter().filter(|p| matches!(tree.get(p), Some(Entry::Scale(_)))).count(), "barème", "barèmes"),
    );
    if let Some(Entry::Node(root)) = tree.get("") {
        body.push_str("<ul class=\"arbre\">\n");
        for child in &root.children {
            tree_item(cx, child, child, &mut body);
        }
        body.push_str("</ul>\n");
    }
    Page { title: "Paramètres", root: "", section: Section::Parameters, body }.render()
}

fn tree_item(cx: &Context, name: &str, path: &str, body: &mut String) {
    let description = |d: Option<&String>| d.map(|d| format!(" — {}", escape(d))).unwrap_or_default();
    match cx.model.parameters.get(path) {
        Some(Entry::Node(node)) => {
            body.push_str(&format!(
                "<li id=\"{}\"><span class=\"noeud\"><code>{}</code></span>{}\n<ul>\n",
                node_anchor(path),
                escape(name),
                description(node.description.as_ref())
            ));
            for child in &node.children {
                tree_item(cx, child, &format!("{path}.{child}"), body);
            }
            body.push_str("</ul>\n</li>\n");
        }
        Some(Entry::Parameter(parameter)) => body.push_str(&format!(
            "<li>{}{}</li>\n",
            code_link(&parameter_page(path), name),
            description(parameter.description.as_ref())
        )),
        Some(Entry::Scale(scale)) => body.push_str(&format!(
            "<li>{} <span class=\"etiquette\">barème</span>{}</li>\n",
            code_link(&parameter_page(path), name),
            description(scale.description.as_ref())
        )),
        None => {}
    }
}
