//! From pest pairs to syntax tree nodes.

use chrono::NaiveDate;
use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use pest::iterators::Pair;

use super::Rule;
use crate::ast::*;

/// How deep an expression's tree may be: each operator, call, condition or read of a period
/// is one level (a sum of 30 terms is 29). The passes over a formula (checking, planning,
/// explaining) follow its tree, and a tree of thousands of levels would exhaust the stack;
/// no formula of the law comes near this.
pub const MAX_NESTING: usize = 200;

/// Turns pest pairs into syntax tree nodes. Semantic checks that need only the text (valid
/// dates, how deep expressions nest) are reported here; names are checked later by the engine.
pub(super) struct Builder<'a> {
    pub(super) source: &'a SourceText,
    pub(super) offset: usize,
    pub(super) diagnostics: &'a mut Diagnostics,
    /// Levels of the expression tree above the expression being built.
    depth: usize,
    /// Whether an expression nested too deep was reported (once is enough).
    too_deep: bool,
}

impl<'a> Builder<'a> {
    pub(super) fn new(source: &'a SourceText, offset: usize, diagnostics: &'a mut Diagnostics) -> Self {
        Builder { source, offset, diagnostics, depth: 0, too_deep: false }
    }

    /// Builds an expression `levels` deep above what `build` builds below it; one that would
    /// pass [`MAX_NESTING`] is an error (reported once) and is not built.
    fn nested(&mut self, levels: usize, span: Span, build: impl FnOnce(&mut Self) -> Expr) -> Expr {
        if self.depth + levels > MAX_NESTING {
            return self.too_deep(span);
        }
        self.depth += levels;
        let built = build(self);
        self.depth -= levels;
        built
    }

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn name(&self, pair: Pair<Rule>) -> Name {
        Name { text: pair.as_str().to_string(), span: self.span(&pair) }
    }

    pub(super) fn file(mut self, pair: Pair<Rule>, file: &mut RuleFile) {
        for item in pair.into_inner() {
            let item = match item.as_rule() {
                Rule::entity_decl | Rule::group_decl => Item::Entity(self.entity(item)),
                Rule::enum_decl => Item::Enum(self.enumeration(item)),
                Rule::variable_decl => Item::Variable(self.variable(item)),
                Rule::column_decl => Item::Column(self.column(item)),
                _ => continue, // EOI
            };
            file.items.push(item);
        }
    }

    fn entity(&mut self, pair: Pair<Rule>) -> EntityDecl {
        let is_group = pair.as_rule() == Rule::group_decl;
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("entity name"));
        let members = if is_group { Some(self.name(inner.next().expect("member entity"))) } else { None };
        let mut decl = EntityDecl { name, members, plural: None, label: None, documentation: None, span };
        for property in inner {
            match property.as_rule() {
                Rule::plural => decl.plural = Some(self.name(first(property))),
                Rule::label => decl.label = Some(self.string(first(property))),
                Rule::documentation => decl.documentation = Some(self.string(first(property))),
                _ => {}
            }
        }
        decl
    }

    fn enumeration(&mut self, pair: Pair<Rule>) -> EnumDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("enum name"));
        let mut decl = EnumDecl { name, label: None, items: Vec::new(), span };
        for part in inner {
            match part.as_rule() {
                Rule::label => decl.label = Some(self.string(first(part))),
                Rule::enum_item => {
                    let mut item = part.into_inner();
                    let name = self.name(item.next().expect("item name"));
                    let label = item.next().map(|s| self.string(s));
                    decl.items.push(EnumItem { name, label });
                }
                _ => {}
            }
        }
        decl
    }

    fn variable(&mut self, pair: Pair<Rule>) -> VariableDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("variable name"));
        let type_pair = inner.next().expect("value type");
        let value_type_span = self.span(&type_pair);
        let value_type = self.value_type(type_pair);
        let entity = self.name(inner.next().expect("entity"));
        let period = match inner.next().expect("period").as_str() {
            "yearly" => PeriodKind::Yearly,
            "monthly" => PeriodKind::Monthly,
            _ => PeriodKind::Eternal,
        };
        let mut decl = VariableDecl {
            name,
            value_type,
            value_type_span,
            entity,
            period,
            label: None,
            references: Vec::new(),
            unit: None,
            default: None,
            end: None,
            documentation: None,
            formulas: Vec::new(),
            span,
        };
        for property in inner {
            match property.as_rule() {
                Rule::label => decl.label = Some(self.string(first(property))),
                Rule::documentation => decl.documentation = Some(self.string(first(property))),
                Rule::unit => {
                    let value = first(property);
                    decl.unit = Some(match value.as_rule() {
                        Rule::string => self.string(value),
                        _ => value.as_str().to_string(),
                    });
                }
                Rule::reference => {
                    let mut reference = Reference { title: None, url: None };
                    for part in property.into_inner() {
                        match part.as_rule() {
                            Rule::string => reference.title = Some(self.string(part)),
                            _ => reference.url = Some(part.as_str().to_string()),
                        }
                    }
                    decl.references.push(reference);
                }
                Rule::default => {
                    let value = first(property);
                    let span = self.span(&value);
                    decl.default = Some((self.literal(value), span));
                }
                Rule::end => {
                    let value = first(property);
                    let span = self.span(&value);
                    decl.end = self.date(&value).map(|d| (d, span));
                }
                Rule::formulas => decl.formulas = self.formulas(property),
                _ => {}
            }
        }
        decl
    }

    fn value_type(&self, pair: Pair<Rule>) -> TypeName {
        let inner = first(pair);
        match inner.as_rule() {
            Rule::enum_type => TypeName::Enum(self.name(first(inner))),
            _ => match inner.as_str().trim() {
                "number" => TypeName::Number,
                "money" => TypeName::Money,
                "integer" => TypeName::Integer,
                "boolean" => TypeName::Boolean,
                "date" => TypeName::Date,
                _ => TypeName::Text,
            },
        }
    }

    fn formulas(&mut self, pair: Pair<Rule>) -> Vec<Formula> {
        let mut formulas = Vec::new();
        for formula in pair.into_inner() {
            let span = self.span(&formula);
            let mut inner = formula.clone().into_inner();
            let start = match formula.as_rule() {
                Rule::dated_formula => {
                    let date = inner.next().expect("formula date");
                    match self.date(&date) {
                        Some(d) => Some(d),
                        None => continue,
                    }
                }
                _ => None,
            };
            let (bindings, expr) = self.body(inner.next().expect("formula body"));
            formulas.push(Formula { start, bindings, expr, span });
        }
        formulas
    }

    pub(super) fn body(&mut self, body: Pair<Rule>) -> (Vec<Binding>, Expr) {
        let mut bindings = Vec::new();
        let mut expr = None;
        for part in body.into_inner() {
            match part.as_rule() {
                Rule::binding => {
                    let mut b = part.into_inner();
                    let name = self.name(b.next().expect("binding name"));
                    let value = self.expr(b.next().expect("binding value"));
                    bindings.push(Binding { name, value });
                }
                _ => expr = Some(self.expr(part)),
            }
        }
        (bindings, expr.expect("a body ends with an expression"))
    }

    fn column(&mut self, pair: Pair<Rule>) -> ColumnDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().expect("column name"));
        let mut label = None;
        let mut target = None;
        for part in inner {
            match part.as_rule() {
                Rule::label => label = Some(self.string(first(part))),
                _ => target = Some(self.expr(part)),
            }
        }
        ColumnDecl { name, label, target: target.expect("column expression"), span }
    }

    fn literal(&mut self, pair: Pair<Rule>) -> Literal {
        match pair.as_rule() {
            Rule::date => self.date(&pair).map_or(Literal::Item(String::new()), Literal::Date),
            Rule::number_literal => {
                let text = pair.as_str().to_string();
                Literal::Number { value: parse_number(&text), text }
            }
            Rule::boolean => Literal::Boolean(pair.as_str() == "true"),
            Rule::string => Literal::Text(self.string(pair)),
            _ => Literal::Item(pair.as_str().to_string()),
        }
    }

    fn date(&mut self, pair: &Pair<Rule>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(pair.as_str(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                let span = self.span(pair);
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is not a valid date", pair.as_str()))
                        .at(self.source.location(span.start, span.len()))
                        .with_help("dates are written YYYY-MM-DD, e.g. 2024-01-01"),
                );
                None
            }
        }
    }

    fn string(&self, pair: Pair<Rule>) -> String {
        let raw = first(pair).as_str();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    pub(super) fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.expr(first(pair)),
            Rule::conditional => self.nested(1, span, |b| {
                let mut inner = pair.into_inner();
                let condition = Box::new(b.expr(inner.next().expect("condition")));
                let then = Box::new(b.expr(inner.next().expect("then")));
                let otherwise = Box::new(b.expr(inner.next().expect("else")));
                Expr { kind: ExprKind::If { condition, then, otherwise }, span }
            }),
            Rule::disjunction | Rule::conjunction | Rule::sum | Rule::product => self.binary_chain(pair),
            Rule::negation => {
                let mut inner = pair.into_inner();
                let head = inner.next().expect("negation");
                if head.as_rule() == Rule::not_op {
                    self.nested(1, span, |b| {
                        let operand = b.expr(inner.next().expect("negated"));
                        Expr { kind: ExprKind::Not(Box::new(operand)), span }
                    })
                } else {
                    self.expr(head)
                }
            }
            Rule::comparison => self.comparison(pair),
            Rule::unary => {
                let mut inner = pair.into_inner();
                let head = inner.next().expect("unary");
                if head.as_rule() == Rule::neg_op {
                    self.nested(1, span, |b| {
                        let operand = b.expr(inner.next().expect("negated"));
                        Expr { kind: ExprKind::Negate(Box::new(operand)), span }
                    })
                } else {
                    self.expr(head)
                }
            }
            Rule::postfix => {
                // The pair's span may end with the blanks pest skipped looking for a field.
                let span = Span::new(span.start, span.start + pair.as_str().trim_end().len());
                let fields = pair.clone().into_inner().count() - 1;
                self.nested(fields, span, |b| {
                    let mut inner = pair.into_inner().peekable();
                    let mut expr = b.expr(inner.next().expect("primary"));
                    // A parenthesised expression spans its parentheses (the primary rule that
                    // holds them is silent): a location shows `(1 + b)`, not `1 + b`.
                    // A name keeps its own span (tools link it), even in parentheses.
                    if inner.peek().is_none() && !matches!(expr.kind, ExprKind::Reference(_)) {
                        expr.span = span;
                    }
                    for field in inner {
                        let name = b.name(first(field));
                        let span = expr.span.to(name.span);
                        expr = Expr { kind: ExprKind::Field { target: Box::new(expr), field: name }, span };
                    }
                    expr
                })
            }
            Rule::number => {
                let text = pair.as_str().to_string();
                Expr { kind: ExprKind::Number { value: parse_number(&text), text }, span }
            }
            Rule::date => {
                let kind = self.date(&pair).map_or(ExprKind::Number { value: 0.0, text: "0".into() }, ExprKind::Date);
                Expr { kind, span }
            }
            Rule::boolean => Expr { kind: ExprKind::Boolean(pair.as_str() == "true"), span },
            Rule::string => Expr { kind: ExprKind::Text(self.string(pair)), span },
            Rule::year => Expr { kind: ExprKind::Year, span },
            Rule::call => self.nested(1, span, |b| b.call(pair)),
            Rule::name_ref => self.nested(1, span, |b| b.reference(pair)),
            other => unreachable!("unexpected rule in expression: {other:?}"),
        }
    }

    /// An expression nested past [`MAX_NESTING`]: reported once, and built as a number.
    fn too_deep(&mut self, span: Span) -> Expr {
        if !self.too_deep {
            self.too_deep = true;
            let location = self.source.location(span.start, span.len());
            self.diagnostics.push(
                Diagnostic::error(format!("this expression nests more than {MAX_NESTING} levels deep"))
                    .at(location)
                    .with_help("name parts of it with `let`, or make them variables of their own"),
            );
        }
        Expr { kind: ExprKind::Number { value: 0.0, text: "0".into() }, span }
    }

    fn binary_chain(&mut self, pair: Pair<Rule>) -> Expr {
        // A chain of n operands is a tree of n - 1 levels (`a + b + c` is `(a + b) + c`).
        let levels = pair.clone().into_inner().count() / 2;
        let span = self.span(&pair);
        self.nested(levels, span, |b| b.binary_chain_of(pair))
    }

    fn binary_chain_of(&mut self, pair: Pair<Rule>) -> Expr {
        let mut inner = pair.into_inner();
        let mut lhs = self.expr(inner.next().expect("operand"));
        while let Some(op) = inner.next() {
            let op = match op.as_str().trim() {
                "+" => BinaryOp::Add,
                "-" => BinaryOp::Sub,
                "*" => BinaryOp::Mul,
                "/" => BinaryOp::Div,
                "and" => BinaryOp::And,
                _ => BinaryOp::Or,
            };
            let rhs = self.expr(inner.next().expect("operand"));
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span };
        }
        lhs
    }

    fn comparison(&mut self, pair: Pair<Rule>) -> Expr {
        if pair.clone().into_inner().count() > 1 {
            let span = self.span(&pair);
            return self.nested(1, span, |b| b.comparison_of(pair));
        }
        self.expr(first(pair))
    }

    fn comparison_of(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first_operand = self.expr(inner.next().expect("operand"));
        let Some(next) = inner.next() else {
            return first_operand;
        };
        let target = Box::new(first_operand);
        match next.as_rule() {
            Rule::is_test => {
                let item = self.name(next.into_inner().find(|p| p.as_rule() == Rule::name).expect("item"));
                Expr { kind: ExprKind::Is { target, item }, span }
            }
            Rule::in_test => {
                let items = next.into_inner().filter(|p| p.as_rule() == Rule::name).map(|n| self.name(n)).collect();
                Expr { kind: ExprKind::In { target, items }, span }
            }
            _ => {
                let mut rest = vec![(compare_op(next.as_str()), self.expr(inner.next().expect("operand")))];
                while let Some(op) = inner.next() {
                    rest.push((compare_op(op.as_str()), self.expr(inner.next().expect("operand"))));
                }
                Expr { kind: ExprKind::Compare { first: target, rest }, span }
            }
        }
    }

    fn call(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let function = self.name(inner.next().expect("function name"));
        let mut arguments = Vec::new();
        for argument in inner.next().map(|args| args.into_inner()).into_iter().flatten() {
            let arg_span = self.span(&argument);
            arguments.push(match argument.as_rule() {
                Rule::between_arg => {
                    let mut bounds = argument.into_inner().filter(|p| p.as_rule() == Rule::sum);
                    let low = self.expr(bounds.next().expect("low"));
                    let high = self.expr(bounds.next().expect("high"));
                    Argument::Between { low, high, span: arg_span }
                }
                Rule::keyword_arg => {
                    let mut parts = argument.into_inner();
                    let keyword = match parts.next().expect("keyword").as_str() {
                        "else" => ArgumentKeyword::Else,
                        "where" => ArgumentKeyword::Where,
                        "by" => ArgumentKeyword::By,
                        "per" => ArgumentKeyword::Per,
                        "budget" => ArgumentKeyword::Budget,
                        "score" => ArgumentKeyword::Score,
                        "previous" => ArgumentKeyword::Previous,
                        _ => ArgumentKeyword::Unbounded, // `unbounded where`
                    };
                    let value = self.expr(parts.next().expect("keyword value"));
                    Argument::Keyword { keyword, value, span: arg_span }
                }
                Rule::order_arg => {
                    let order =
                        if argument.as_str().trim() == "descending" { Order::Descending } else { Order::Ascending };
                    Argument::Order { order, span: arg_span }
                }
                _ => Argument::Positional(self.expr(argument)),
            });
        }
        Expr { kind: ExprKind::Call { function, arguments }, span }
    }

    fn reference(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let mut reference = ReferenceExpr { path: Vec::new(), at: None, otherwise: None, scale_argument: None };
        let mut inner = pair.into_inner().flat_map(|p| match p.as_rule() {
            Rule::scale_ref => p.into_inner().collect::<Vec<_>>(),
            _ => vec![p],
        });
        while let Some(part) = inner.next() {
            match part.as_rule() {
                Rule::path => reference.path = part.into_inner().map(|n| self.name(n)).collect(),
                Rule::at => reference.at = Some(self.expr(first(part))),
                Rule::otherwise => {
                    let fallback = inner.next().expect("otherwise value");
                    reference.otherwise = Some(self.expr(fallback));
                }
                Rule::scale_call => reference.scale_argument = Some(self.expr(first(part))),
                _ => {}
            }
        }
        Expr { kind: ExprKind::Reference(Box::new(reference)), span }
    }
}

fn first(pair: Pair<Rule>) -> Pair<Rule> {
    pair.into_inner().next().expect("rule has a child")
}

fn compare_op(text: &str) -> CompareOp {
    match text {
        "<" => CompareOp::Lt,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        ">=" => CompareOp::Ge,
        "==" => CompareOp::Eq,
        _ => CompareOp::Ne,
    }
}

/// Numbers may use `_` between digits (`1_000_000`), as in parameter files.
fn parse_number(text: &str) -> f64 {
    text.replace('_', "").parse().unwrap_or(f64::NAN)
}
