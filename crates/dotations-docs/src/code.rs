//! Rule text on a page: the links of the names a formula reads, found in the typed formulas, and
//! code blocks with line numbers. Used for the formulas of a variable page and for the pages that
//! show a whole rule file.

use std::collections::BTreeMap;

use dotations_engine::model::{FileId, TExpr};

use crate::context::{parameter_page, Context};
use crate::highlight::{self, Link, Names};

/// Adds a link for every variable and parameter that `expr` reads, at the place it is written.
pub(crate) fn expr_links(cx: &Context, expr: &TExpr, root: &str, links: &mut BTreeMap<usize, Link>) {
    let model = cx.model;
    let text = |origin: dotations_engine::model::Origin| model.sources[origin.file].text();
    expr.visit_variables(&mut |var, _, origin| {
        let variable = &model.variables[var];
        if let Some(end) = name_end(text(origin), origin.span.start, &variable.name) {
            let href = format!("{root}{}", cx.variable_page(var));
            links.insert(origin.span.start, Link { end, href, class: "v", title: variable.label.clone() });
        }
    });
    expr.visit_parameters(&mut |path, _, origin| {
        let Some(page) = cx.parameter_leaf(path) else {
            return;
        };
        if let Some(end) = name_end(text(origin), origin.span.start, path) {
            let title = cx.parameter_description(page);
            let href = format!("{root}{}", parameter_page(page));
            links.insert(origin.span.start, Link { end, href, class: "p", title });
        }
    });
}

/// Where `name` ends when it is written at `start` as a whole word; `None` if the text there is
/// something else (then the name is shown without a link rather than linking the wrong text).
fn name_end(text: &str, start: usize, name: &str) -> Option<usize> {
    let end = start + name.len();
    let written = text.get(start..end)? == name;
    let whole = !text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    (written && whole).then_some(end)
}

/// The anchors of entities and enumerations, as seen from a page at `root`.
fn names(cx: &Context, root: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let entities = cx.model.entities.iter().map(|e| (e.name.clone(), format!("{root}{}", entity_anchor(&e.name))));
    let enums = cx.model.enums.iter().map(|e| (e.name.clone(), format!("{root}{}", enum_anchor(&e.name))));
    (entities.collect(), enums.collect())
}

pub(crate) fn entity_anchor(name: &str) -> String {
    format!("entites.html#entite-{name}")
}

pub(crate) fn enum_anchor(name: &str) -> String {
    format!("entites.html#enum-{name}")
}

/// The end of `[start, end)` without the blank and comment lines that close it: a formula's span
/// runs to the next token, over the comments that introduce the next formula.
pub(crate) fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let mut end = start + text[start..end].trim_end().len();
    loop {
        let line_start = text[start..end].rfind('\n').map_or(start, |i| start + i + 1);
        if line_start == start || !text[line_start..end].trim_start().starts_with('#') {
            return end;
        }
        end = start + text[start..line_start].trim_end().len();
    }
}

/// A code block of the lines of `file` that hold `[start, end)`, with line numbers; each line
/// gets the anchor `L<n>` when `anchors` is set (the page of a whole file).
pub(crate) fn block(
    cx: &Context,
    file: FileId,
    (start, end): (usize, usize),
    links: &BTreeMap<usize, Link>,
    root: &str,
    anchors: bool,
) -> String {
    let source = &cx.model.sources[file];
    let end = trim_end(source.text(), start, end);
    let first = source.location(start, 0).line;
    let (entities, enums) = names(cx, root);
    let lines = highlight::lines(source.text(), start, end, links, &Names { entities: &entities, enums: &enums });
    let width = (first + lines.len()).to_string().len();
    let mut out = String::from("<pre class=\"code\"><code>");
    for (i, line) in lines.iter().enumerate() {
        let n = first + i;
        let id = if anchors { format!(" id=\"L{n}\"") } else { String::new() };
        out.push_str(&format!(
            "<span class=\"ligne\"{id}><span class=\"ln\" aria-hidden=\"true\">{n:>width$}</span>{line}</span>\n"
        ));
    }
    out.push_str("</code></pre>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_ends_with_its_last_line_of_code() {
        let text = "= a\n    + b # why\n\n  # about the next formula\n  # more\n\n  from";
        let end = trim_end(text, 0, text.len() - 4);
        assert_eq!(&text[..end], "= a\n    + b # why");
        assert_eq!(trim_end("# only\n", 0, 7), 6);
    }
}
