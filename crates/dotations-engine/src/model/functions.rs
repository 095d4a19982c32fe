//! Built-in functions: row-by-row functions and population operators.

use dotations_lang::{self as lang, Argument, ExprKind};

use super::typing::{combine, ExprResolver, Keyword, SortOrder};
use super::*;

/// The arguments of a call, sorted by form.
struct Arguments<'x> {
    positional: Vec<&'x lang::Expr>,
    keywords: Vec<(Keyword, &'x lang::Expr, lang::Span)>,
    between: Option<(&'x lang::Expr, &'x lang::Expr, lang::Span)>,
    order: Option<(SortOrder, lang::Span)>,
}

impl<'x> Arguments<'x> {
    fn split(arguments: &'x [Argument]) -> Self {
        let mut split = Arguments { positional: vec![], keywords: vec![], between: None, order: None };
        for argument in arguments {
            match argument {
                Argument::Positional(e) => split.positional.push(e),
                Argument::Keyword { keyword, value, span } => split.keywords.push((*keyword, value, *span)),
                Argument::Between { low, high, span } => split.between = Some((low, high, *span)),
                Argument::Order { order, span } => split.order = Some((*order, *span)),
            }
        }
        split
    }

    fn keyword(&self, keyword: Keyword) -> Option<&'x lang::Expr> {
        self.keywords.iter().find(|(k, _, _)| *k == keyword).map(|(_, e, _)| *e)
    }
}

/// What a function accepts, to report misuse precisely.
struct Signature {
    name: &'static str,
    positional: std::ops::RangeInclusive<usize>,
    keywords: &'static [Keyword],
    between: bool,
    order: bool,
    usage: &'static str,
}

/// The names of the language's functions (the documentation site highlights them).
pub const FUNCTIONS: &[&str] = &[
    "min",
    "max",
    "clamp",
    "abs",
    "floor",
    "ceil",
    "trunc",
    "log10",
    "round_half_even",
    "round_half_away",
    "ratio",
    "year",
    "date",
    "sum",
    "count",
    "mean",
    "ratio_of_sums",
    "rank",
    "share",
    "first",
    "distribute",
];

fn signature(name: &str) -> Option<Signature> {
    use dotations_lang::ArgumentKeyword::*;
    let (positional, keywords, between, order, usage): (_, &'static [Keyword], _, _, _) = match name {
        "min" | "max" => (2..=usize::MAX, &[], false, false, "min(a, b, …)"),
        "clamp" => (3..=3, &[], false, false, "clamp(x, low, high)"),
        "abs" | "floor" | "ceil" | "trunc" | "log10" => (1..=1, &[], false, false, "floor(x)"),
        "round_half_even" | "round_half_away" => {
            (1..=2, &[], false, false, "round_half_even(x) or round_half_even(x, decimals)")
        }
        "ratio" => (2..=2, &[Else], false, false, "ratio(a, b, else d)"),
        "year" => (1..=1, &[], false, false, "year(date)"),
        "date" => (3..=3, &[], false, false, "date(year, month, day)"),
        "sum" | "mean" => (1..=1, &[Where, By, Per], false, false, "sum(x, where condition, by key, per group)"),
        "count" => (0..=1, &[Where, By, Per], false, false, "count(where condition, by key, per group)"),
        "ratio_of_sums" => {
            (2..=2, &[Where, By, Per, Else], false, false, "ratio_of_sums(a, b, where condition, by key, else d)")
        }
        "rank" => (1..=1, &[], false, true, "rank(x, descending)"),
        "share" => (1..=1, &[Where], false, false, "share(x, where condition)"),
        "first" => (1..=1, &[], false, false, "first(x)"),
        "distribute" => (
            0..=0,
            &[Budget, Score, Previous, Unbounded],
            true,
            false,
            "distribute(budget B, score s, previous p, between low and high, unbounded where c)",
        ),
        _ => return None,
    };
    let name = FUNCTIONS.iter().find(|f| **f == name).expect("listed");
    Some(Signature { name, positional, keywords, between, order, usage })
}

pub(super) fn resolve_call(
    r: &mut ExprResolver<'_>,
    function: &lang::Name,
    arguments: &[Argument],
    span: lang::Span,
    entity: EntityId,
) -> Option<TExpr> {
    let Some(signature) = signature(&function.text) else {
        // A scale at the root of the parameter tree reads like a function: `strates(population)`.
        if let Some(dotations_params::Entry::Scale(_)) = r.model().parameters.get(&function.text) {
            return root_scale(r, function, arguments, span, entity);
        }
        let help = dotations_diagnostics::did_you_mean(&function.text, FUNCTIONS.iter().copied());
        let diagnostic = r.report(function.span, format!("unknown function `{}`", function.text));
        diagnostic.help.extend(help);
        diagnostic.help.push(format!("the functions are: {}", FUNCTIONS.join(", ")));
        return None;
    };
    let args = Arguments::split(arguments);
    if !check_arguments(r, &signature, &args, arguments, span) {
        return None;
    }
    let person = r.model().person_entity();
    match signature.name {
        "min" | "max" | "clamp" | "abs" | "floor" | "ceil" | "trunc" | "log10" | "round_half_even"
        | "round_half_away" => {
            let builtin = match signature.name {
                "min" => Builtin::Min,
                "max" => Builtin::Max,
                "clamp" => Builtin::Clamp,
                "abs" => Builtin::Abs,
                "floor" => Builtin::Floor,
                "ceil" => Builtin::Ceil,
                "trunc" => Builtin::Trunc,
                "log10" => Builtin::Log10,
                "round_half_even" => Builtin::RoundHalfEven,
                _ => Builtin::RoundHalfAway,
            };
            let operands = numbers(r, &args.positional, entity, signature.name)?;
            Some(row_call(r, builtin, operands, Kind::Number, span))
        }
        "ratio" => {
            let Some(default) = args.keyword(Keyword::Else) else {
                r.report(span, "`ratio` needs the value to use when the divisor is 0")
                    .help
                    .push("write `ratio(a, b, else 0)`".into());
                return None;
            };
            let mut operands = numbers(r, &args.positional, entity, "ratio")?;
            operands.push(r.typed(default, entity, Kind::Number, "`else`")?);
            Some(row_call(r, Builtin::Ratio, operands, Kind::Number, span))
        }
        "year" => {
            let date = r.typed(args.positional[0], entity, Kind::Date, "`year`")?;
            Some(row_call(r, Builtin::YearOf, vec![date], Kind::Number, span))
        }
        "date" => {
            let operands = numbers(r, &args.positional, entity, "date")?;
            Some(row_call(r, Builtin::MakeDate, operands, Kind::Date, span))
        }
        "sum" | "mean" | "count" => {
            let statistic = match signature.name {
                "sum" => Statistic::Sum,
                "mean" => Statistic::Mean,
                _ => Statistic::Count,
            };
            let value = match (statistic, args.positional.first()) {
                (Statistic::Count, Some(condition)) => {
                    if args.keyword(Keyword::Where).is_some() {
                        r.report(span, "`count` takes its condition either first or after `where`, not both");
                        return None;
                    }
                    let condition = r.typed(condition, person, Kind::Bool, "`count`")?;
                    Some(condition)
                }
                (Statistic::Count, None) => None,
                (_, Some(value)) => Some(r.typed(value, person, Kind::Number, signature.name)?),
                (_, None) => unreachable!("checked by the signature"),
            };
            let filter = optional_condition(r, args.keyword(Keyword::Where), person)?;
            let (value, filter) = match (statistic, value) {
                // `count(c)` is `count(where c)`.
                (Statistic::Count, Some(condition)) => (None, Some(condition)),
                (_, value) => (value, filter),
            };
            let value = value.unwrap_or_else(|| r.make(Node::Const(1.0), Kind::Number, Shape::Scalar, span));
            let (key, grouping) = grouping(r, &args, person)?;
            let op = PopulationOp::Sum { value, filter, key, grouping, statistic };
            population(r, op, grouping, Kind::Number, span, entity)
        }
        "ratio_of_sums" => {
            let numerator = r.typed(args.positional[0], person, Kind::Number, "`ratio_of_sums`");
            let denominator = r.typed(args.positional[1], person, Kind::Number, "`ratio_of_sums`");
            let filter = optional_condition(r, args.keyword(Keyword::Where), person)?;
            let Some(default) = args.keyword(Keyword::Else) else {
                r.report(span, "`ratio_of_sums` needs the value to use when the sum of the divisor is 0")
                    .help
                    .push("add `else 0` (or another value)".into());
                return None;
            };
            let default = r.typed(default, person, Kind::Number, "`else`")?;
            let (numerator, denominator) = (numerator?, denominator?);
            let (key, grouping) = grouping(r, &args, person)?;
            let op = PopulationOp::RatioOfSums { numerator, denominator, filter, key, grouping, default };
            population(r, op, grouping, Kind::Number, span, entity)
        }
        "rank" => {
            let Some((order, _)) = args.order else {
                r.report(span, "`rank` needs an order: `rank(x, descending)` ranks the largest value 1");
                return None;
            };
            let value = r.typed(args.positional[0], person, Kind::Number, "`rank`")?;
            population(r, PopulationOp::Rank { value, order }, Grouping::ByKey, Kind::Number, span, entity)
        }
        "share" => {
            let value = r.typed(args.positional[0], person, Kind::Number, "`share`")?;
            let filter = optional_condition(r, args.keyword(Keyword::Where), person)?;
            population(r, PopulationOp::Share { value, filter }, Grouping::ByKey, Kind::Number, span, entity)
        }
        "first" => {
            let value = r.any(args.positional[0], person)?;
            let kind = value.kind;
            population(r, PopulationOp::First { value }, Grouping::All, kind, span, entity)
        }
        "distribute" => distribute(r, &args, span, entity),
        _ => unreachable!("every listed function is handled"),
    }
}

fn check_arguments(
    r: &mut ExprResolver<'_>,
    signature: &Signature,
    args: &Arguments<'_>,
    all: &[Argument],
    span: lang::Span,
) -> bool {
    let mut ok = true;
    let count = args.positional.len();
    if !signature.positional.contains(&count) {
        let expected = match (*signature.positional.start(), *signature.positional.end()) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        r.report(span, format!("`{}` takes {expected} value(s), found {count}", signature.name))
            .help
            .push(format!("usage: {}", signature.usage));
        ok = false;
    }
    for argument in all {
        let misplaced = match argument {
            Argument::Keyword { keyword, .. } => {
                (!signature.keywords.contains(keyword)).then(|| format!("`{}`", keyword.as_str()))
            }
            Argument::Between { .. } => (!signature.between).then(|| "`between`".to_string()),
            Argument::Order { .. } => (!signature.order).then(|| "an order".to_string()),
            Argument::Positional(_) => None,
        };
        if let Some(what) = misplaced {
            r.report(argument.span(), format!("`{}` does not take {what}", signature.name))
                .help
                .push(format!("usage: {}", signature.usage));
            ok = false;
        }
    }
    let mut seen: Vec<Keyword> = Vec::new();
    for (keyword, _, span) in &args.keywords {
        if seen.contains(keyword) {
            r.report(*span, format!("`{}` is given twice", keyword.as_str()));
            ok = false;
        }
        seen.push(*keyword);
    }
    ok
}

fn numbers(r: &mut ExprResolver<'_>, exprs: &[&lang::Expr], entity: EntityId, function: &str) -> Option<Vec<TExpr>> {
    let what = format!("`{function}`");
    let resolved: Vec<Option<TExpr>> = exprs.iter().map(|e| r.typed(e, entity, Kind::Number, &what)).collect();
    resolved.into_iter().collect()
}

fn row_call(r: &mut ExprResolver<'_>, builtin: Builtin, operands: Vec<TExpr>, kind: Kind, span: lang::Span) -> TExpr {
    let shape = operands.iter().fold(Shape::Scalar, |shape, e| combine(shape, e.shape));
    r.make(Node::Call(builtin, operands), kind, shape, span)
}

fn optional_condition(
    r: &mut ExprResolver<'_>,
    condition: Option<&lang::Expr>,
    person: EntityId,
) -> Option<Option<TExpr>> {
    match condition {
        None => Some(None),
        Some(condition) => Some(Some(r.typed(condition, person, Kind::Bool, "`where`")?)),
    }
}

/// `by key` or `per group` (or neither: over every row).
fn grouping(r: &mut ExprResolver<'_>, args: &Arguments<'_>, person: EntityId) -> Option<(Option<TExpr>, Grouping)> {
    match (args.keyword(Keyword::By), args.keyword(Keyword::Per)) {
        (Some(_), Some(per)) => {
            r.report(per.span, "`by` and `per` cannot be combined");
            None
        }
        (Some(by), None) => {
            let key = r.any(by, person)?;
            if matches!(key.kind, Kind::Date | Kind::Text) {
                r.report(by.span, "`by` groups rows by a number, a boolean or an enumeration value");
                return None;
            }
            Some((Some(key), Grouping::ByKey))
        }
        (None, Some(per)) => {
            let group = match &per.kind {
                ExprKind::Reference(reference) if reference.path.len() == 1 => {
                    r.model().entity_id(&reference.path[0].text)
                }
                _ => None,
            };
            match group {
                Some(group) if r.model().entities[group].members == Some(person) => {
                    Some((None, Grouping::PerGroup(group)))
                }
                _ => {
                    let groups: Vec<String> =
                        r.model().entities.iter().filter(|e| e.is_group()).map(|e| e.name.clone()).collect();
                    r.report(per.span, "`per` names a group entity")
                        .help
                        .push(format!("the groups are: {}", groups.join(", ")));
                    None
                }
            }
        }
        (None, None) => Some((None, Grouping::All)),
    }
}

/// Wraps a population operator with the shape of its result and gives it to the formula's rows.
fn population(
    r: &mut ExprResolver<'_>,
    op: PopulationOp,
    grouping: Grouping,
    kind: Kind,
    span: lang::Span,
    entity: EntityId,
) -> Option<TExpr> {
    let shape = match grouping {
        Grouping::All => Shape::Scalar,
        Grouping::ByKey => Shape::Rows(r.model().person_entity()),
        Grouping::PerGroup(group) => Shape::Rows(group),
    };
    let expr = r.make(Node::Population(Box::new(op)), kind, shape, span);
    r.place(expr, entity, span)
}

fn distribute(r: &mut ExprResolver<'_>, args: &Arguments<'_>, span: lang::Span, entity: EntityId) -> Option<TExpr> {
    let person = r.model().person_entity();
    let mut missing = Vec::new();
    for (keyword, name) in [(Keyword::Budget, "budget"), (Keyword::Score, "score"), (Keyword::Previous, "previous")] {
        if args.keyword(keyword).is_none() {
            missing.push(name);
        }
    }
    if args.between.is_none() {
        missing.push("between");
    }
    if !missing.is_empty() {
        r.report(span, format!("`distribute` is missing {}", missing.join(", ")))
            .help
            .push("usage: distribute(budget B, score s, previous p, between low and high, unbounded where c)".into());
        return None;
    }
    let budget_written = args.keyword(Keyword::Budget).expect("checked");
    let budget = r.typed(budget_written, person, Kind::Number, "`budget`");
    let score = r.typed(args.keyword(Keyword::Score).expect("checked"), person, Kind::Number, "`score`");
    let previous = r.typed(args.keyword(Keyword::Previous).expect("checked"), person, Kind::Number, "`previous`");
    let (low, high, _) = args.between.expect("checked");
    let low_written = low;
    let low = r.typed(low, person, Kind::Number, "`between`");
    let high = r.typed(high, person, Kind::Number, "`between`");
    let unbounded = optional_condition(r, args.keyword(Keyword::Unbounded), person)?;
    let (budget, score, previous, low, high) = (budget?, score?, previous?, low?, high?);
    if budget.shape != Shape::Scalar {
        r.report(budget_written.span, "the budget of a distribution is one amount for the whole run")
            .help
            .push("a national amount stored per commune can be read with first(x)".into());
        return None;
    }
    if low.shape != Shape::Scalar || high.shape != Shape::Scalar {
        r.report(low_written.span, "the bounds of a distribution are ratios for the whole run (e.g. parameters)");
        return None;
    }
    let distribution = Distribution { budget, score, previous, low, high, unbounded, point: false };
    population(r, PopulationOp::Distribute(Box::new(distribution)), Grouping::ByKey, Kind::Number, span, entity)
}

fn root_scale(
    r: &mut ExprResolver<'_>,
    function: &lang::Name,
    arguments: &[Argument],
    span: lang::Span,
    entity: EntityId,
) -> Option<TExpr> {
    let [Argument::Positional(argument)] = arguments else {
        r.report(
            span,
            format!("the scale `{}` applies to one value, e.g. `{}(population_dgf)`", function.text, function.text),
        );
        return None;
    };
    let argument = r.typed(argument, entity, Kind::Number, "a scale")?;
    let shape = argument.shape;
    let node = Node::Scale { path: function.text.clone(), at: ParamDate::Offset(0), argument: Box::new(argument) };
    Some(r.make(node, Kind::Number, shape, span))
}
