//! Expectations: what a scenario should do, checked against its impact.
//!
//! An expectation measures one thing (a national total, a commune's amount, a count of winners,
//! losers or beneficiaries, the largest loss or gain) and compares it with a bound written in
//! the scenario. Each keeps its location, so that a failure points at the line that states it.

use dotations_diagnostics::{Diagnostic, Diagnostics, Location};
use marked_yaml::types::MarkedMappingNode;
use marked_yaml::Node;

use crate::format;
use crate::impact::{all_rows, Impact, Threshold, VariableImpact};
use crate::scenario::{item, named_variable, NamedVariable};
use crate::yaml::{Amount, Locator};

/// One expected effect.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub measure: Measure,
    /// Which values a total, an amount or a count is taken from.
    pub of: Of,
    /// Only the communes where each of these variables is true (under both laws; under the
    /// reform alone for a variable the reform adds).
    pub filter: Vec<NamedVariable>,
    pub bound: Bound,
    pub label: Option<String>,
    /// Where the expectation is written (its first key).
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Baseline,
    Reform,
    /// Reform minus baseline.
    Difference,
}

#[derive(Debug, Clone)]
pub enum Measure {
    /// The national total of a variable (sum over communes, or a national value).
    Total(NamedVariable),
    /// One commune's value.
    Commune {
        code: String,
        variable: NamedVariable,
    },
    /// Communes whose value rises by more than the threshold.
    Winners {
        variable: NamedVariable,
        threshold: Threshold,
    },
    /// Communes whose value falls by more than the threshold.
    Losers {
        variable: NamedVariable,
        threshold: Threshold,
    },
    /// The largest fall of one commune, in units or (bound written in %) relative to its baseline.
    LargestLoss(NamedVariable),
    LargestGain(NamedVariable),
    /// Communes whose value is positive (that receive the dotation, or are eligible).
    Eligible(NamedVariable),
}

/// The comparison of the measured value with the scenario's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub comparison: Comparison,
    pub tolerance: Option<Amount>,
    /// The numbers were written as percentages (`5 %`).
    pub percent: bool,
    /// The bound as written, e.g. `at least 1 000 ± 0.5 %`.
    pub text: String,
    /// The most decimals written in the bound or its tolerance: a measured value is shown with
    /// as many, so that a failure shows the digits that matter.
    pub decimals: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    Equals(f64),
    AtLeast(f64),
    AtMost(f64),
    Between(f64, f64),
}

/// The result of checking an expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub passed: bool,
    /// What was measured, e.g. `total of dsu_montant (difference)`.
    pub what: String,
    pub value: f64,
    /// The measured value as shown (with its unit).
    pub shown: String,
    /// The bound as shown, e.g. `at least 1 000`.
    pub expected: String,
}

const MEASURE_KEYS: &[&str] = &["total", "commune", "winners", "losers", "largest_loss", "largest_gain", "eligible"];
const KEYS: &[&str] = &[
    "total",
    "commune",
    "variable",
    "winners",
    "losers",
    "largest_loss",
    "largest_gain",
    "eligible",
    "of",
    "where",
    "threshold",
    "equals",
    "at_least",
    "at_most",
    "between",
    "tolerance",
    "label",
];

pub(crate) fn parse(at: &Locator, node: &Node) -> Result<Expectation, Diagnostics> {
    item(at, node, KEYS, "an expectation", |mapping| parse_mapping(at, mapping))
}

fn parse_mapping(at: &Locator, mapping: &MarkedMappingNode) -> Result<Expectation, Diagnostic> {
    let location = mapping.keys().next().map_or_else(|| at.node(&Node::Mapping(mapping.clone())), |k| at.scalar(k));
    let measures: Vec<&str> = MEASURE_KEYS.iter().copied().filter(|k| mapping.get_node(k).is_some()).collect();
    let kind = match measures.as_slice() {
        [kind] => *kind,
        [] => {
            return Err(Diagnostic::error("the expectation does not say what it measures")
                .at(location)
                .with_help(format!("give one of: {}", MEASURE_KEYS.join(", "))))
        }
        [_, second, ..] => {
            return Err(Diagnostic::error(format!("one expectation measures one thing; `{second}` is a second one"))
                .at(at.scalar(at.key(mapping, second).expect("present")))
                .with_help("write it as another expectation (a new `- …` item)"))
        }
    };
    let node = mapping.get_node(kind).expect("present");
    let variable = |what: &str| named_variable(at, node, what);
    let not_allowed = |key: &str, why: &str| -> Result<(), Diagnostic> {
        match at.key(mapping, key) {
            Some(scalar) => {
                Err(Diagnostic::error(format!("`{key}` does not apply to `{kind}`: {why}")).at(at.scalar(scalar)))
            }
            None => Ok(()),
        }
    };
    if kind != "commune" {
        not_allowed("variable", "the variable is the value of the first key")?;
    }
    if !matches!(kind, "winners" | "losers") {
        not_allowed("threshold", "only winners and losers have a threshold")?;
    }
    if matches!(kind, "winners" | "losers" | "largest_loss" | "largest_gain") {
        not_allowed("of", "it compares the reform with the baseline")?;
    }
    let measure = match kind {
        "total" => Measure::Total(variable("the variable of `total`")?),
        "commune" => {
            let code = at.text(node, "the commune's code")?;
            let Some(variable_node) = mapping.get_node("variable") else {
                return Err(Diagnostic::error("the expectation on a commune does not say which variable")
                    .at(at.node(node))
                    .with_help("add e.g. `variable: dsu_montant`"));
            };
            not_allowed("where", "it looks at one commune")?;
            Measure::Commune { code, variable: named_variable(at, variable_node, "`variable`")? }
        }
        "winners" | "losers" => {
            let threshold = match mapping.get_node("threshold") {
                None => Threshold::Absolute(0.0),
                Some(node) => {
                    let amount = at.amount(node, "`threshold`")?;
                    let (Amount::Number(n) | Amount::Percent(n)) = amount;
                    if n.is_sign_negative() && !n.is_zero() {
                        // Below 0 every commune is a winner and a loser (as `--threshold`).
                        return Err(Diagnostic::error("`threshold` is an amount or a percentage of 0 or more")
                            .at(at.node(node)));
                    }
                    match amount {
                        Amount::Number(n) => Threshold::Absolute(to_f64(n)),
                        Amount::Percent(p) => Threshold::Relative(to_f64(p) / 100.0),
                    }
                }
            };
            let variable = variable(&format!("the variable of `{kind}`"))?;
            if kind == "winners" {
                Measure::Winners { variable, threshold }
            } else {
                Measure::Losers { variable, threshold }
            }
        }
        "largest_loss" => Measure::LargestLoss(variable("the variable of `largest_loss`")?),
        "largest_gain" => Measure::LargestGain(variable("the variable of `largest_gain`")?),
        _ => Measure::Eligible(variable("the variable of `eligible`")?),
    };
    let of = match mapping.get_node("of") {
        None => Of::Reform,
        Some(node) => match at.text(node, "`of`")?.as_str() {
            "baseline" => Of::Baseline,
            "reform" => Of::Reform,
            "difference" => Of::Difference,
            other => {
                return Err(Diagnostic::error(format!("`of` is baseline, reform or difference, not `{other}`"))
                    .at(at.node(node))
                    .with_help_opt(dotations_diagnostics::did_you_mean(other, ["baseline", "reform", "difference"])))
            }
        },
    };
    let filter = match mapping.get_node("where") {
        Some(node) => at.items(node).into_iter().map(|n| named_variable(at, n, "`where`")).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let label = mapping.get_node("label").map(|node| at.text(node, "`label`")).transpose()?;
    let relative_allowed = matches!(measure, Measure::LargestLoss(_) | Measure::LargestGain(_));
    let bound = bound(at, mapping, &location, relative_allowed)?;
    Ok(Expectation { measure, of, filter, bound, label, location })
}

fn bound(at: &Locator, mapping: &MarkedMappingNode, location: &Location, relative: bool) -> Result<Bound, Diagnostic> {
    let keys = ["equals", "at_least", "at_most", "between"];
    let given: Vec<&str> = keys.iter().copied().filter(|k| mapping.get_node(k).is_some()).collect();
    let key = match given.as_slice() {
        [key] => *key,
        [] => {
            return Err(Diagnostic::error("the expectation has no bound")
                .at(location.clone())
                .with_help("give one of `equals`, `at_least`, `at_most` or `between: [low, high]`"))
        }
        [first, second, ..] => {
            return Err(Diagnostic::error(format!("give one bound: `{first}` or `{second}`, not both"))
                .at(at.scalar(at.key(mapping, second).expect("present")))
                .with_help("for a range, write `between: [low, high]`"))
        }
    };
    let node = mapping.get_node(key).expect("present");
    let amounts: Vec<(Amount, &Node)> = match (key, node) {
        ("between", Node::Sequence(items)) if items.len() == 2 => {
            items.iter().map(|n| at.amount(n, "a bound").map(|a| (a, n))).collect::<Result<_, _>>()?
        }
        ("between", _) => {
            return Err(Diagnostic::error("`between` takes two numbers: `between: [low, high]`").at(at.node(node)))
        }
        _ => vec![(at.amount(node, &format!("`{key}`"))?, node)],
    };
    let percent = matches!(amounts[0].0, Amount::Percent(_));
    let mut numbers = Vec::new();
    let mut written = Vec::new();
    let mut decimals = 0;
    for (amount, node) in &amounts {
        let (Amount::Number(d) | Amount::Percent(d)) = amount;
        decimals = decimals.max(d.normalize().scale());
        written.push(if percent { format!("{} %", format::decimal(*d)) } else { format::decimal(*d) });
        match (amount, percent) {
            (Amount::Percent(p), true) if relative => numbers.push(to_f64(*p) / 100.0),
            (Amount::Number(n), false) => numbers.push(to_f64(*n)),
            (Amount::Percent(_), _) if !relative => {
                return Err(Diagnostic::error("a percentage is a bound of `largest_loss` or `largest_gain` only")
                    .at(at.node(node))
                    .with_help("write the number itself; `tolerance: 0.1 %` gives a relative margin"))
            }
            _ => return Err(Diagnostic::error("both bounds are percentages, or neither").at(at.node(node))),
        }
    }
    let comparison = match key {
        "equals" => Comparison::Equals(numbers[0]),
        "at_least" => Comparison::AtLeast(numbers[0]),
        "at_most" => Comparison::AtMost(numbers[0]),
        _ if numbers[0] > numbers[1] => {
            return Err(Diagnostic::error("the low bound of `between` is above its high bound").at(at.node(node)))
        }
        _ => Comparison::Between(numbers[0], numbers[1]),
    };
    let mut text = match key {
        "equals" => written[0].clone(),
        "at_least" => format!("at least {}", written[0]),
        "at_most" => format!("at most {}", written[0]),
        _ => format!("between {} and {}", written[0], written[1]),
    };
    let tolerance = mapping.get_node("tolerance").map(|n| at.amount(n, "`tolerance`")).transpose()?;
    if let Some(Amount::Number(t) | Amount::Percent(t)) = tolerance {
        if t.is_sign_negative() {
            let node = mapping.get_node("tolerance").expect("present");
            return Err(Diagnostic::error("a tolerance is positive").at(at.node(node)));
        }
        let percent_sign = if matches!(tolerance, Some(Amount::Percent(_))) { " %" } else { "" };
        text = format!("{text} ± {}{percent_sign}", format::decimal(t));
        if percent_sign.is_empty() && !percent {
            decimals = decimals.max(t.normalize().scale());
        }
    }
    Ok(Bound { comparison, tolerance, percent, text, decimals })
}

fn to_f64(decimal: rust_decimal::Decimal) -> f64 {
    dotations_params::decimal_to_f64(decimal)
}

impl Expectation {
    /// The variables the expectation names, each with whether it needs a baseline value.
    pub fn variables(&self) -> impl Iterator<Item = (&NamedVariable, bool)> {
        let (variable, compares) = match &self.measure {
            Measure::Total(v) | Measure::Eligible(v) | Measure::Commune { variable: v, .. } => (v, false),
            Measure::Winners { variable, .. } | Measure::Losers { variable, .. } => (variable, true),
            Measure::LargestLoss(v) | Measure::LargestGain(v) => (v, true),
        };
        let needs_baseline = compares || self.of != Of::Reform;
        std::iter::once((variable, needs_baseline)).chain(self.filter.iter().map(|f| (f, false)))
    }

    /// Measures the impact and compares. An error when the expectation cannot be measured
    /// (a commune that is not in the data, a filter on a national value).
    pub fn check(&self, impact: &Impact) -> Result<Outcome, Diagnostic> {
        let (value, what, count) = self.measure(impact)?;
        let passed = self.bound.holds(value);
        let shown = if self.bound.percent {
            format::percent(value)
        } else if self.bound.decimals > 0 && value.is_finite() {
            let text = format::fixed(value, self.bound.decimals as usize);
            if self.of == Of::Difference && value > 0.0 {
                format!("+{text}")
            } else {
                text
            }
        } else {
            show(value, count, self.of)
        };
        Ok(Outcome { passed, what, value, shown, expected: self.bound.text.clone() })
    }

    /// The measured value, what it is, and whether it is a count of communes.
    fn measure(&self, impact: &Impact) -> Result<(f64, String, bool), Diagnostic> {
        let find = |named: &NamedVariable| -> Result<&VariableImpact, Diagnostic> {
            impact.variable(&named.name).ok_or_else(|| {
                Diagnostic::error(format!("`{}` was not computed", named.name)).at(named.location.clone())
            })
        };
        let filters: Vec<&VariableImpact> = self.filter.iter().map(find).collect::<Result<_, _>>()?;
        if let Some(national) = filters.iter().find(|f| !f.per_commune) {
            return Err(Diagnostic::error(format!(
                "`{}` is a national value: `where` takes commune variables",
                national.name
            ))
            .at(self.location.clone()));
        }
        let keep =
            |i: usize| filters.iter().all(|f| f.reform[i] != 0.0 && f.baseline.as_ref().is_none_or(|b| b[i] != 0.0));
        let rows: &dyn Fn(usize) -> bool = if filters.is_empty() { &all_rows } else { &keep };
        // A side without values (the baseline of a new variable) gives NaN, which fails.
        let of = |measure: &dyn Fn(bool) -> Option<f64>| -> f64 {
            let value = |reform| measure(reform).unwrap_or(f64::NAN);
            match self.of {
                Of::Baseline => value(false),
                Of::Reform => value(true),
                Of::Difference => value(true) - value(false),
            }
        };
        let suffix = match self.filter.as_slice() {
            [] => String::new(),
            filters => {
                format!(" where {}", filters.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(" and "))
            }
        };
        let of_name = match self.of {
            Of::Baseline => " (baseline)",
            Of::Reform => "",
            Of::Difference => " (difference)",
        };
        let measured = match &self.measure {
            Measure::Total(named) => {
                let v = find(named)?;
                if !v.per_commune && !self.filter.is_empty() {
                    return Err(Diagnostic::error(format!(
                        "`{}` is a national value: `where` cannot select communes",
                        named.name
                    ))
                    .at(self.location.clone()));
                }
                (of(&|r| v.total(r, rows)), format!("total of {}{of_name}{suffix}", named.name), false)
            }
            Measure::Commune { code, variable } => {
                let v = find(variable)?;
                let row = impact.codes.iter().position(|c| c == code).ok_or_else(|| {
                    Diagnostic::error(format!("no commune has the code `{code}` in the data")).at(self.location.clone())
                })?;
                if !v.per_commune {
                    return Err(Diagnostic::error(format!("`{}` is a national value, not a commune's", v.name))
                        .at(variable.location.clone()));
                }
                let value = of(&|r| v.side(r).map(|values| values[row]));
                (value, format!("{} of commune {code}{of_name}", v.name), false)
            }
            Measure::Winners { variable, threshold } | Measure::Losers { variable, threshold } => {
                let v = commune_variable(find(variable)?, variable)?;
                let winners = matches!(self.measure, Measure::Winners { .. });
                let count = if winners { v.winners(*threshold, rows) } else { v.losers(*threshold, rows) };
                let by = match threshold {
                    Threshold::Absolute(t) => format::number(*t),
                    Threshold::Relative(t) => format::percent(*t),
                };
                let word = if winners { "winners" } else { "losers" };
                (
                    count.map_or(f64::NAN, |c| c as f64),
                    format!("{word} of {} (by more than {by}){suffix}", v.name),
                    true,
                )
            }
            Measure::LargestLoss(named) | Measure::LargestGain(named) => {
                let v = commune_variable(find(named)?, named)?;
                let loss = matches!(self.measure, Measure::LargestLoss(_));
                let value = v.largest_change(loss, self.bound.percent, rows).unwrap_or(f64::NAN);
                let word = if loss { "largest loss" } else { "largest gain" };
                (value, format!("{word} of {}{suffix}", v.name), false)
            }
            Measure::Eligible(named) => {
                let v = commune_variable(find(named)?, named)?;
                let value = of(&|r| v.eligible(r, rows).map(|c| c as f64));
                (value, format!("communes with {} > 0{of_name}{suffix}", v.name), true)
            }
        };
        Ok(measured)
    }
}

fn commune_variable<'v>(v: &'v VariableImpact, named: &NamedVariable) -> Result<&'v VariableImpact, Diagnostic> {
    if v.per_commune {
        Ok(v)
    } else {
        Err(Diagnostic::error(format!("`{}` is a national value: it has no communes to count", v.name))
            .at(named.location.clone()))
    }
}

fn show(value: f64, count: bool, of: Of) -> String {
    match (count, of) {
        (_, Of::Difference) => format::signed(value),
        (true, _) => format::thousands(value),
        (false, _) => format::number(value),
    }
}

impl Bound {
    /// Whether `value` satisfies the bound, within the tolerance. NaN never does.
    pub fn holds(&self, value: f64) -> bool {
        let slack = |bound: f64| match self.tolerance {
            None => 0.0,
            Some(Amount::Number(t)) => to_f64(t),
            Some(Amount::Percent(t)) => to_f64(t) / 100.0 * bound.abs(),
        };
        match self.comparison {
            Comparison::Equals(x) => (value - x).abs() <= slack(x),
            Comparison::AtLeast(x) => value >= x - slack(x),
            Comparison::AtMost(x) => value <= x + slack(x),
            Comparison::Between(low, high) => value >= low - slack(low) && value <= high + slack(high),
        }
    }
}
