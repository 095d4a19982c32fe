//! The explanation as a tree in the terminal: each variable with its value and label, then the
//! formula that applied, the parameters and national values it read, the decisions it made,
//! and the variables it read, one level further right.

use std::collections::HashSet;
use std::fmt::Write;

use crate::format;
use crate::tree::{Aggregate, AggregateDetail, Choice, ExplainedNode, Explanation, Origin, ParameterUse};

/// Longest expression shown on one line; the JSON keeps the whole text.
const EXPRESSION_WIDTH: usize = 96;

/// The explanation as text.
pub fn render_text(explanation: &Explanation) -> String {
    let root = &explanation.root;
    let commune = &explanation.commune;
    let name = commune.name.as_ref().map_or(String::new(), |n| format!(" ({n})"));
    let out = format!("Why commune {}{name} gets {} = {} in {}\n\n", commune.code, root.variable, root.text, root.year);
    let mut printer = Printer { out, year: root.year, references_shown: HashSet::new() };
    printer.node(root, "", "");
    printer.out
}

/// The text being written, and the parameters whose references were already printed (a
/// parameter read by many formulas shows its legal references once).
struct Printer {
    out: String,
    year: i32,
    references_shown: HashSet<String>,
}

impl Printer {
    fn node(&mut self, n: &ExplainedNode, first: &str, rest: &str) {
        let out = &mut self.out;
        let period = if n.year != self.year { format!("[{}]", n.year) } else { String::new() };
        let national = match (&n.entity_label, n.entity.as_str()) {
            (_, "commune") => String::new(),
            (Some(label), _) => format!(" ({label})"),
            (None, entity) => format!(" ({entity})"),
        };
        let repeated = if n.repeated { "   (shown above)" } else { "" };
        let _ = writeln!(out, "{first}{}{period}{national} = {}{repeated}", n.variable, n.text);
        let inner = format!("{rest}{}", if n.children.is_empty() { "   " } else { "│  " });
        let mut lines = Vec::new();
        if let Some(label) = n.label.as_ref().filter(|_| !n.repeated) {
            lines.push(format!("« {label} »"));
        }
        if !n.repeated {
            details(n, &mut |text: &str| lines.push(text.to_string()), &mut self.references_shown);
        }
        for text in lines {
            let _ = writeln!(out, "{inner}{text}");
        }
        for (i, child) in n.children.iter().enumerate() {
            let last = i + 1 == n.children.len();
            let (branch, next) = if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
            self.node(child, &format!("{rest}{branch}"), &format!("{rest}{next}"));
        }
    }
}

fn details(n: &ExplainedNode, line: &mut impl FnMut(&str), references_shown: &mut HashSet<String>) {
    match (n.source, &n.formula) {
        (Origin::Formula, Some(f)) => {
            let dates = match (&f.from, &f.until) {
                (Some(from), Some(until)) => format!(", from {from} until {until}"),
                (Some(from), None) => format!(", from {from}"),
                (None, Some(until)) => format!(", until {until}"),
                (None, None) => String::new(),
            };
            line(&format!("formula  {}:{}{dates}", f.file, f.line));
            f.text.lines().for_each(|l| line(&format!("    {l}")));
        }
        (Origin::Otherwise, Some(f)) => {
            line(&format!("otherwise  {}", n.why.as_deref().unwrap_or("")));
            line(&format!("formula  {}:{}", f.file, f.line));
            f.text.lines().for_each(|l| line(&format!("    {l}")));
        }
        (Origin::Input, _) => {
            let column = n.input.as_ref().map_or("?", |i| i.column.as_str());
            line(&format!("input  column `{column}` of the data"));
        }
        _ => line(&format!("default  {}", n.why.as_deref().unwrap_or(""))),
    }
    for p in &n.parameters {
        let first_time = references_shown.insert(p.path.clone());
        parameter(p, first_time, line);
    }
    n.aggregates.iter().for_each(|a| aggregate(a, line));
    n.choices.iter().for_each(|c| line(&choice(c)));
    if n.more > 0 {
        let s = if n.more == 1 { "" } else { "s" };
        line(&format!("… ({} more variable{s})", n.more));
    }
    if let Some(m) = &n.mismatch {
        line(&format!(
            "⚠ engine bug: the run computed {} but re-deriving this formula for the commune gives {}",
            m.computed, m.rederived
        ));
        m.notes.iter().for_each(|note| line(&format!("  {note}")));
    }
}

fn parameter(p: &ParameterUse, with_references: bool, line: &mut impl FnMut(&str)) {
    let at = format!("on {}", p.date);
    match p.scale_input {
        Some(x) => line(&format!("scale  {}({}) = {}  ({at})", p.path, format::number(x), p.text)),
        None => line(&format!("parameter  {} = {}  ({at})", p.path, p.text)),
    }
    for reference in p.references.iter().filter(|_| with_references) {
        let text = match (&reference.title, &reference.href) {
            (Some(title), Some(href)) => format!("{title} <{href}>"),
            (Some(title), None) => title.clone(),
            (None, Some(href)) => format!("<{href}>"),
            (None, None) => continue,
        };
        line(&format!("    {text}"));
    }
}

/// An expression on one line, shortened past [`EXPRESSION_WIDTH`] characters.
fn short(expression: &str) -> String {
    let flat = crate::aggregates::one_line(expression);
    if flat.chars().count() <= EXPRESSION_WIDTH {
        flat
    } else {
        format!("{}…", flat.chars().take(EXPRESSION_WIDTH - 1).collect::<String>())
    }
}

fn aggregate(a: &Aggregate, line: &mut impl FnMut(&str)) {
    let (kind, detail) = match &a.detail {
        AggregateDetail::Sum { statistic, group, communes, included } => {
            let over = match group {
                Some(g) => format!(
                    "over the {} communes of its group ({} = {})",
                    format::integer(*communes as f64),
                    g.by,
                    g.text
                ),
                None => format!("over {} communes", format::integer(*communes as f64)),
            };
            let counted = match included {
                Some(true) => "; this commune is counted",
                Some(false) => "; this commune is not counted (`where`)",
                None => "",
            };
            (statistic.as_str(), format!("{over}{counted}"))
        }
        AggregateDetail::RatioOfSums { group, communes, included, numerator, denominator, default_applied } => {
            let over = match group {
                Some(g) => format!(
                    "over the {} communes of its group ({} = {})",
                    format::integer(*communes as f64),
                    g.by,
                    g.text
                ),
                None => format!("over {} communes", format::integer(*communes as f64)),
            };
            let mut detail = format!("{} / {} {over}", format::number(*numerator), format::number(*denominator));
            if *default_applied {
                detail.push_str(": the divisor sums to 0, the `else` value applies");
            }
            match included {
                Some(false) => detail.push_str("; this commune is not counted (`where`)"),
                Some(true) => detail.push_str("; this commune is counted"),
                None => {}
            }
            ("ratio_of_sums", detail)
        }
        AggregateDetail::Rank { order, ranked_value, .. } => {
            let largest = if order == "descending" { "the largest" } else { "the smallest" };
            ("rank", format!("its value {} (rank 1 = {largest})", format::number(*ranked_value)))
        }
        AggregateDetail::Share { commune_value, total } => (
            "share",
            format!("its value {} out of a total of {}", format::number(*commune_value), format::number(*total)),
        ),
        AggregateDetail::First { first_commune } => {
            ("first", format!("the value of the first commune ({first_commune})"))
        }
        AggregateDetail::Distribute {
            point,
            budget,
            score,
            previous,
            low,
            high,
            floor,
            ceiling,
            amount,
            bound,
            unbounded_because,
        } => {
            line(&format!("distribute  {}", short(&a.expression)));
            line(&format!("    point value {} · budget {}", format::number(*point), format::money(*budget)));
            let spontaneous = format!("score {} × point = {}", format::number(*score), format::money(score * point));
            let outcome = match (bound.as_str(), floor, ceiling) {
                ("unbounded", _, _) => format!(
                    "unbounded ({}): amount {}",
                    unbounded_because.as_deref().unwrap_or(""),
                    format::money(*amount)
                ),
                (bound, Some(floor), Some(ceiling)) => {
                    let bounds = format!(
                        "bounds {} × {} = {} and {} × {} = {}",
                        format::number(*low),
                        format::money(*previous),
                        format::money(*floor),
                        format::number(*high),
                        format::money(*previous),
                        format::money(*ceiling)
                    );
                    let applied = match bound {
                        "floor" => "bounded by its floor",
                        "ceiling" => "bounded by its ceiling",
                        _ => "within its bounds",
                    };
                    format!("{bounds}: {applied}, amount {}", format::money(*amount))
                }
                _ => format!("amount {}", format::money(*amount)),
            };
            line(&format!("    this commune: {spontaneous}; {outcome}"));
            return;
        }
    };
    line(&format!("{kind}  {} → {}", short(&a.expression), a.text));
    line(&format!("    {detail}"));
}

fn choice(c: &Choice) -> String {
    match c {
        Choice::If { condition, holds, branch, taken } => {
            let holds = if *holds { "yes" } else { "no" };
            format!("if  `{}` is {holds} → {branch} `{}`", short(condition), short(taken))
        }
        Choice::Min { applied, argument, text, .. } => {
            format!("min  argument {argument} `{}` applies → {text}", short(applied))
        }
        Choice::Max { applied, argument, text, .. } => {
            format!("max  argument {argument} `{}` applies → {text}", short(applied))
        }
        Choice::Clamp { expression, bound, text, texts: [value, low, high], .. } => {
            let what = match bound.as_str() {
                "floor" => format!("the floor applies ({value} < {low})"),
                "ceiling" => format!("the ceiling applies ({value} > {high})"),
                _ => format!("{value} is within its bounds [{low}, {high}]"),
            };
            format!("clamp  `{}`: {what} → {text}", short(expression))
        }
        Choice::RatioElse { expression, text, .. } => {
            format!("ratio  `{}`: the divisor is 0, the `else` value applies → {text}", short(expression))
        }
        Choice::ShortCircuit { left, left_value, .. } => {
            let (value, op) = if *left_value { ("yes", "or") } else { ("no", "and") };
            format!("{op}  `{}` is {value}: the rest does not matter", short(left))
        }
    }
}
