//! A page per variable, and the index of variables grouped by rule file.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use dotations_engine::model::{format_value, Formula, PeriodKind, ValueType, VarId};

use crate::code::{self, entity_anchor, enum_anchor};
use crate::context::{parameter_page, Context};
use crate::html::{self, code_link, count, escape, time, Page, Section};

const ROOT: &str = "../";

pub(crate) fn page(cx: &Context, var: VarId) -> String {
    let model = cx.model;
    let variable = &model.variables[var];
    let source = &cx.sources[variable.origin.file];
    let location = model.location(variable.origin);
    let mut body = String::new();
    body.push_str(&format!(
        "<nav class=\"ariane\" aria-label=\"Fil d'Ariane\"><ol><li><a href=\"{ROOT}variables.html\">Variables</a></li>\
         <li><a href=\"{ROOT}variables.html#{}\">{}</a></li><li aria-current=\"page\">{}</li></ol></nav>\n",
        file_anchor(&source.name),
        escape(&source.name),
        escape(&variable.name)
    ));
    body.push_str(&format!("<h1><code>{}</code></h1>\n", escape(&variable.name)));
    if let Some(label) = &variable.label {
        body.push_str(&format!("<p class=\"libelle\">{}</p>\n", escape(label)));
    }
    body.push_str("<dl class=\"fiche\">\n");
    let mut fact = |term: &str, value: String| body.push_str(&format!("<dt>{term}</dt><dd>{value}</dd>\n"));
    fact("Type", value_type(cx, variable.value_type));
    let entity = &model.entities[variable.entity];
    fact("Entité", format!("<a href=\"{ROOT}{}\">{}</a>", entity_anchor(&entity.name), escape(&entity.name)));
    fact("Période", period(variable.period).to_string());
    fact("Valeur par défaut", default_value(cx, var));
    if let Some(unit) = &variable.unit {
        fact("Unité", html::unit(unit));
    }
    if let Some(end) = variable.end {
        fact("Fin", format!("les formules cessent de s'appliquer après le {}", time(end)));
    }
    let nature = if variable.is_computed() {
        format!("calculée ({})", count(variable.formulas.len(), "formule", "formules"))
    } else {
        "donnée d'entrée".to_string()
    };
    fact("Nature", nature);
    let declared = cx.source_line(variable.origin.file, location.line).unwrap_or_default();
    fact("Déclarée dans", format!("<a href=\"{ROOT}{declared}\">{}:{}</a>", escape(&source.name), location.line));
    body.push_str("</dl>\n");

    if !variable.references.is_empty() {
        body.push_str(
            "<section aria-labelledby=\"references\">\n<h2 id=\"references\">Références juridiques</h2>\n<ul>\n",
        );
        for reference in &variable.references {
            let text = html::reference(reference.title.as_deref(), reference.url.as_deref());
            body.push_str(&format!("<li>{text}</li>\n"));
        }
        body.push_str("</ul>\n</section>\n");
    }
    if let Some(documentation) = &variable.documentation {
        body.push_str("<section aria-labelledby=\"documentation\">\n<h2 id=\"documentation\">Documentation</h2>\n");
        for paragraph in documentation.split("\n\n") {
            body.push_str(&format!("<p>{}</p>\n", escape(paragraph.trim())));
        }
        body.push_str("</section>\n");
    }
    formulas(cx, var, &mut body);
    columns(cx, var, &mut body);
    dependencies(cx, var, &mut body);
    used_by(cx, var, &mut body);
    Page { title: &variable.name, root: ROOT, section: Section::Variables, body }.render()
}

fn value_type(cx: &Context, value_type: ValueType) -> String {
    match value_type {
        ValueType::Number => "nombre (<code>number</code>)".into(),
        ValueType::Money => "montant en euros (<code>money</code>)".into(),
        ValueType::Integer => "entier (<code>integer</code>)".into(),
        ValueType::Boolean => "booléen, vrai ou faux (<code>boolean</code>)".into(),
        ValueType::Date => "date (<code>date</code>)".into(),
        ValueType::Text => "texte (<code>text</code>)".into(),
        ValueType::Enum(e) => {
            let name = &cx.model.enums[e].name;
            format!("énumération {}", code_link(&format!("{ROOT}{}", enum_anchor(name)), name))
        }
    }
}

fn period(period: PeriodKind) -> &'static str {
    match period {
        PeriodKind::Yearly => "annuelle (une valeur par année)",
        PeriodKind::Monthly => "mensuelle (une valeur par année, donnée pour l'année)",
        PeriodKind::Eternal => "permanente (la même valeur pour toutes les années)",
    }
}

fn default_value(cx: &Context, var: VarId) -> String {
    let variable = &cx.model.variables[var];
    let text = format_value(cx.model, variable.value_type, variable.default);
    let label = match variable.value_type {
        ValueType::Enum(e) => cx.model.enums[e].items.get(variable.default as usize).and_then(|i| i.label.clone()),
        ValueType::Boolean => {
            return if variable.default != 0.0 { "vrai (<code>true</code>)" } else { "faux (<code>false</code>)" }
                .into()
        }
        _ => None,
    };
    match label {
        Some(label) => format!("<code>{}</code> ({})", escape(&text), escape(&label)),
        None => format!("<code>{}</code>", escape(&text)),
    }
}

/// When formula `i` applies, in words: from its start to the day before the next one's.
fn validity(formulas: &[Formula], i: usize, end: Option<NaiveDate>) -> String {
    let start = formulas[i].start;
    let stop = formulas.get(i + 1).and_then(|next| next.start).and_then(|d| d.pred_opt()).or(end);
    match (start, stop) {
        (Some(start), Some(stop)) => format!("Du {} au {}", time(start), time(stop)),
        (Some(start), None) => format!("À partir du {}", time(start)),
        (None, Some(stop)) => format!("Jusqu'au {}", time(stop)),
        (None, None) => "À toute date".to_string(),
    }
}

/// The years a formula is used for: year N takes the formula in force on January 1 of N.
fn years(formulas: &[Formula], i: usize, end: Option<NaiveDate>) -> Option<String> {
    let first_year = |date: NaiveDate| if date.ordinal() == 1 { date.year() } else { date.year() + 1 };
    let from = formulas[i].start.map(first_year);
    let next = formulas.get(i + 1).and_then(|next| next.start).map(first_year);
    let to = next.map(|year| year - 1).or(end.map(|end| end.year()));
    match (from, to) {
        (Some(from), Some(to)) if from > to => Some("ne s'applique à aucun 1er janvier".to_string()),
        (Some(from), Some(to)) if from == to => Some(format!("année {from}")),
        (Some(from), Some(to)) => Some(format!("années {from} à {to}")),
        (Some(from), None) => Some(format!("années {from} et suivantes")),
        (None, Some(to)) => Some(format!("années jusqu'à {to}")),
        (None, None) => None,
    }
}

fn formulas(cx: &Context, var: VarId, body: &mut String) {
    let model = cx.model;
    let variable = &model.variables[var];
    if !variable.is_computed() {
        body.push_str(&format!(
            "<section aria-labelledby=\"formules\">\n<h2 id=\"formules\">Donnée d'entrée</h2>\n\
             <p>Cette variable n'a pas de formule : sa valeur vient des données, dans la colonne \
             <code>{0}</code> (et <code>{0}__prev</code> pour l'année précédente) ; à défaut, elle vaut sa \
             valeur par défaut.</p>\n</section>\n",
            escape(&variable.name)
        ));
        return;
    }
    body.push_str("<section aria-labelledby=\"formules\">\n<h2 id=\"formules\">Formules</h2>\n");
    for (i, formula) in variable.formulas.iter().enumerate() {
        let origin = formula.origin;
        let source = &model.sources[origin.file];
        let start = with_comments_above(source.text(), origin.span.start);
        let line = model.location(origin).line;
        let mut links = BTreeMap::new();
        for expr in formula.bindings.iter().chain([&formula.expr]) {
            code::expr_links(cx, expr, ROOT, &mut links);
        }
        let id = format!("formule-{}", i + 1);
        body.push_str(&format!(
            "<section class=\"formule\" aria-labelledby=\"{id}\">\n<h3 id=\"{id}\">{}</h3>\n",
            validity(&variable.formulas, i, variable.end)
        ));
        let place = format!(
            "<a href=\"{ROOT}{}\">{}:{line}</a>",
            cx.source_line(origin.file, line).unwrap_or_default(),
            escape(&cx.sources[origin.file].name)
        );
        match years(&variable.formulas, i, variable.end) {
            Some(years) => body.push_str(&format!("<p class=\"meta\">{years} · {place}</p>\n")),
            None => body.push_str(&format!("<p class=\"meta\">{place}</p>\n")),
        }
        body.push_str(&code::block(cx, origin.file, (start, origin.span.end), &links, ROOT, false));
        body.push_str("</section>\n");
    }
    body.push_str("</section>\n");
}

/// The start of the comment lines right above `start` (they say why the formula is written so,
/// e.g. `# Écart au droit: …`), or `start` when there are none.
fn with_comments_above(text: &str, start: usize) -> usize {
    let mut begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if !text[begin..start].trim().is_empty() {
        return start;
    }
    while begin > 0 {
        let previous = text[..begin - 1].rfind('\n').map_or(0, |i| i + 1);
        if !text[previous..begin].trim_start().starts_with('#') {
            break;
        }
        begin = previous;
    }
    if begin == text[..start].rfind('\n').map_or(0, |i| i + 1) {
        start
    } else {
        begin
    }
}

fn columns(cx: &Context, var: VarId, body: &mut String) {
    let columns: Vec<_> = cx.model.columns.iter().filter(|c| c.var == var).collect();
    if columns.is_empty() {
        return;
    }
    body.push_str(
        "<section aria-labelledby=\"colonnes\">\n<h2 id=\"colonnes\">Colonnes d'entrée</h2>\n\
         <p>Ces colonnes des données donnent cette variable à une année calculée pour chaque commune.</p>\n",
    );
    for column in columns {
        body.push_str(&format!("<h3><code>{}</code></h3>\n", escape(&column.name)));
        if let Some(label) = &column.label {
            body.push_str(&format!("<p>{}</p>\n", escape(label)));
        }
        let mut links = BTreeMap::new();
        code::expr_links(cx, &column.year, ROOT, &mut links);
        let span = column.origin.span;
        body.push_str(&code::block(cx, column.origin.file, (span.start, span.end), &links, ROOT, false));
    }
    body.push_str("</section>\n");
}

/// A table of variables with their labels and the periods read.
fn variable_table(cx: &Context, rows: &BTreeMap<VarId, std::collections::BTreeSet<String>>, caption: &str) -> String {
    let mut rows: Vec<_> = rows.iter().collect();
    rows.sort_by(|a, b| cx.model.variables[*a.0].name.cmp(&cx.model.variables[*b.0].name));
    let mut out = format!(
        "<div class=\"tableau\"><table>\n<caption>{caption}</caption>\n<thead><tr><th scope=\"col\">Variable</th>\
         <th scope=\"col\">Libellé</th><th scope=\"col\">Périodes lues</th></tr></thead>\n<tbody>\n"
    );
    for (read, periods) in rows {
        let variable = &cx.model.variables[*read];
        let periods: Vec<String> = periods.iter().map(|p| format!("<code>{}</code>", escape(&period_fr(p)))).collect();
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>\n",
            code_link(&format!("{ROOT}{}", cx.variable_page(*read)), &variable.name),
            escape(variable.label.as_deref().unwrap_or("")),
            periods.join(", ")
        ));
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// The period of a read as the engine names it, in French where it is words.
fn period_fr(period: &str) -> String {
    if period == "a year per row" {
        "une année par commune".to_string()
    } else {
        period.to_string()
    }
}

fn dependencies(cx: &Context, var: VarId, body: &mut String) {
    if !cx.model.variables[var].is_computed() {
        return;
    }
    let deps = &cx.deps[var];
    body.push_str("<section aria-labelledby=\"dependances\">\n<h2 id=\"dependances\">Ce dont elle dépend</h2>\n");
    if deps.variables.is_empty() {
        body.push_str("<p>Ses formules ne lisent aucune variable.</p>\n");
    } else {
        body.push_str(&variable_table(cx, &deps.variables, "Variables lues par ses formules"));
    }
    if deps.parameters.is_empty() {
        body.push_str("<p>Ses formules ne lisent aucun paramètre.</p>\n");
    } else {
        body.push_str("<h3>Paramètres lus</h3>\n<ul class=\"liste\">\n");
        for path in deps.parameters.keys() {
            let item = match cx.parameter_leaf(path) {
                Some(page) => code_link(&format!("{ROOT}{}", parameter_page(page)), path),
                None => format!("<code>{}</code>", escape(path)),
            };
            let description = cx.parameter_leaf(path).and_then(|p| cx.parameter_description(p));
            match description {
                Some(d) => body.push_str(&format!("<li>{item} — {}</li>\n", escape(&d))),
                None => body.push_str(&format!("<li>{item}</li>\n")),
            }
        }
        body.push_str("</ul>\n");
    }
    let inputs: Vec<VarId> = deps.inputs.iter().copied().filter(|input| *input != var).collect();
    if !inputs.is_empty() {
        body.push_str(&format!(
            "<details>\n<summary>Données d'entrée nécessaires, directement ou non ({})</summary>\n<ul class=\"colonnes\">\n",
            inputs.len()
        ));
        let mut names: Vec<&str> = inputs.iter().map(|i| cx.model.variables[*i].name.as_str()).collect();
        names.sort();
        for name in names {
            let id = cx.model.variable_id(name).expect("a variable of the model");
            body.push_str(&format!("<li>{}</li>\n", code_link(&format!("{ROOT}{}", cx.variable_page(id)), name)));
        }
        body.push_str("</ul>\n</details>\n");
    }
    body.push_str("</section>\n");
}

fn used_by(cx: &Context, var: VarId, body: &mut String) {
    body.push_str("<section aria-labelledby=\"lue-par\">\n<h2 id=\"lue-par\">Ce qui en dépend</h2>\n");
    let readers = &cx.used_by[var];
    if readers.is_empty() {
        body.push_str("<p>Aucune formule ne lit cette variable : c'est un résultat du modèle.</p>\n");
    } else {
        body.push_str(&variable_table(cx, readers, "Variables dont les formules lisent celle-ci"));
    }
    body.push_str("</section>\n");
}

/// The anchor of a rule file's section on the index of variables.
pub(crate) fn file_anchor(name: &str) -> String {
    format!("fichier-{}", crate::context::slug(name.strip_prefix("formulas/").unwrap_or(name)))
}

/// `variables.html`: the variables of each rule file, in the order they are declared.
pub(crate) fn index(cx: &Context) -> String {
    let model = cx.model;
    let mut by_file: BTreeMap<&str, (usize, Vec<VarId>)> = BTreeMap::new();
    for (file, source) in cx.sources.iter().enumerate() {
        by_file.insert(&source.name, (file, Vec::new()));
    }
    for (var, variable) in model.variables.iter().enumerate() {
        if let Some(source) = cx.sources.get(variable.origin.file) {
            by_file.get_mut(source.name.as_str()).expect("every source is listed").1.push(var);
        }
    }
    let mut body = format!(
        "<h1>Variables</h1>\n<p>{} du modèle, rangées par fichier de règles dans l'ordre où elles y sont \
         déclarées. Une variable <em>calculée</em> a des formules ; une <em>donnée</em> vient des fichiers \
         d'entrée.</p>\n<nav aria-labelledby=\"fichiers\"><h2 id=\"fichiers\">Fichiers de règles</h2>\n<ul class=\"liste\">\n",
        count(model.variables.len(), "variable", "variables")
    );
    for (name, (file, vars)) in &by_file {
        if vars.is_empty() {
            continue;
        }
        let subject = cx.sources[*file].subject.as_deref().map(|s| format!(" — {}", escape(s))).unwrap_or_default();
        body.push_str(&format!(
            "<li><a href=\"#{}\"><code>{}</code></a> ({}){subject}</li>\n",
            file_anchor(name),
            escape(name),
            count(vars.len(), "variable", "variables")
        ));
    }
    body.push_str("</ul>\n</nav>\n");
    for (name, (file, vars)) in &by_file {
        if vars.is_empty() {
            continue;
        }
        let source = &cx.sources[*file];
        let id = file_anchor(name);
        body.push_str(&format!(
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\"><code>{}</code></h2>\n",
            escape(name)
        ));
        if let Some(subject) = &source.subject {
            body.push_str(&format!("<p>{}</p>\n", escape(subject)));
        }
        body.push_str(&format!(
            "<p><a href=\"{}\">Lire le fichier entier</a></p>\n<div class=\"tableau\"><table>\n<caption>Variables de \
             <code>{}</code></caption>\n<thead><tr><th scope=\"col\">Variable</th><th scope=\"col\">Libellé</th>\
             <th scope=\"col\">Entité</th><th scope=\"col\">Type</th><th scope=\"col\">Nature</th></tr></thead>\n<tbody>\n",
            source.page,
            escape(name)
        ));
        for var in vars {
            let variable = &model.variables[*var];
            let value_type = match variable.value_type {
                ValueType::Enum(e) => model.enums[e].name.as_str(),
                other => other.name(),
            };
            let nature = if variable.is_computed() { "calculée" } else { "donnée" };
            body.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td><code>{}</code></td><td>{nature}</td></tr>\n",
                code_link(&cx.variable_page(*var), &variable.name),
                escape(variable.label.as_deref().unwrap_or("")),
                escape(&model.entities[variable.entity].name),
                escape(value_type)
            ));
        }
        body.push_str("</tbody>\n</table></div>\n</section>\n");
    }
    Page { title: "Variables", root: "", section: Section::Variables, body }.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_right_above_a_formula_belong_to_it() {
        let text = "variable x\n  label \"X\"\n  # Écart au droit: why.\n  # More.\n  from 2020-01-01:\n    1\n";
        let start = text.find("from").unwrap();
        assert_eq!(&text[with_comments_above(text, start)..start], "  # Écart au droit: why.\n  # More.\n  ");
        let plain = "variable x\n  = 1\n";
        let start = plain.find('=').unwrap();
        assert_eq!(with_comments_above(plain, start), start);
    }
}
