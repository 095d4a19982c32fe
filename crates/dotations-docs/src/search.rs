//! The search index: every variable, parameter, scale, entity and enumeration with its label or
//! description and its page. Written twice with the same content: `recherche.json` for tools,
//! and `recherche-index.js`, which the search script loads with a `<script>` element — the only
//! way a page opened from `file://` can read a file next to it (browsers refuse `fetch` there).

use dotations_params::Entry;

use crate::code::{entity_anchor, enum_anchor};
use crate::context::{parameter_page, Context};

/// The index as JSON: an array of `{"t": type, "n": name, "l": label, "u": page}`, one entry a
/// line, sorted by type then name, so that two sites diff line by line.
pub(crate) fn index_json(cx: &Context) -> String {
    let model = cx.model;
    let mut entries: Vec<(u8, String, String, String)> = Vec::new();
    for (var, variable) in model.variables.iter().enumerate() {
        let mut text = variable.label.clone().unwrap_or_default();
        if let Some(documentation) = &variable.documentation {
            text = format!("{text} {documentation}").trim().to_string();
        }
        entries.push((0, variable.name.clone(), text, cx.variable_page(var)));
    }
    for path in &cx.leaves {
        let (kind, description) = match model.parameters.get(path) {
            Some(Entry::Scale(scale)) => (2, scale.description.clone()),
            Some(Entry::Parameter(parameter)) => (1, parameter.description.clone()),
            _ => continue,
        };
        entries.push((kind, path.clone(), description.unwrap_or_default(), parameter_page(path)));
    }
    for entity in &model.entities {
        entries.push((3, entity.name.clone(), entity.label.clone().unwrap_or_default(), entity_anchor(&entity.name)));
    }
    for enumeration in &model.enums {
        let items: Vec<String> = enumeration
            .items
            .iter()
            .map(|item| match &item.label {
                Some(label) => format!("{} {label}", item.name),
                None => item.name.clone(),
            })
            .collect();
        let text = format!("{} {}", enumeration.label.clone().unwrap_or_default(), items.join(" "));
        entries.push((4, enumeration.name.clone(), text.trim().to_string(), enum_anchor(&enumeration.name)));
    }
    entries.sort();
    let kinds = ["variable", "parametre", "bareme", "entite", "enum"];
    let lines: Vec<String> = entries
        .into_iter()
        .map(|(kind, name, label, url)| {
            // Written by hand rather than as a map, so that the key order never depends on
            // serde_json's features.
            let text = |s: &str| serde_json::Value::from(s).to_string();
            format!(
                "{{\"t\":{},\"n\":{},\"l\":{},\"u\":{}}}",
                text(kinds[kind as usize]),
                text(&name),
                text(&label),
                text(&url)
            )
        })
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// The same index as a script that the search loads from any page.
pub(crate) fn index_script(json: &str) -> String {
    format!("// Index de recherche généré par `dotations docs` (même contenu que recherche.json).\nwindow.DOTATIONS_RECHERCHE = {};\n", json.trim_end())
}
