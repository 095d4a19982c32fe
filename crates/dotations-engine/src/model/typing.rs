//! Expressions: name resolution, types and shapes.
//!
//! Each written expression becomes a [`TExpr`] whose kind (number, boolean, date, enum) and
//! shape (one value, or one per row of an entity) are known. Errors are reported where they
//! are, with a did-you-mean for names; a sub-expression with an error resolves to `None` so
//! that one mistake does not cascade into many messages.

use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use dotations_lang::{self as lang, Argument, ArgumentKeyword, ExprKind, Order};
use dotations_params::Entry;

use super::*;

/// `let` names visible in a formula.
#[derive(Default)]
pub(super) struct Scope {
    locals: Vec<(String, Kind, Shape)>,
    /// `let` names whose value has an error (reported where it is).
    unresolved: Vec<String>,
}

impl Scope {
    pub(super) fn push(&mut self, name: &str, kind: Kind, shape: Shape) {
        self.locals.push((name.to_string(), kind, shape));
    }

    pub(super) fn push_unresolved(&mut self, name: &str) {
        self.unresolved.push(name.to_string());
    }

    fn get(&self, name: &str) -> Option<(usize, Kind, Shape)> {
        self.locals.iter().enumerate().rev().find(|(_, l)| l.0 == name).map(|(i, l)| (i, l.1, l.2))
    }
}

pub(super) fn kind_name(model: &Model, kind: Kind) -> String {
    match kind {
        Kind::Number => "a number".into(),
        Kind::Bool => "a boolean".into(),
        Kind::Date => "a date".into(),
        Kind::Text => "a text".into(),
        Kind::Enum(e) => format!("an item of `{}`", model.enums[e].name),
    }
}

pub(super) fn value_type_name(model: &Model, value_type: ValueType) -> String {
    match value_type {
        ValueType::Enum(e) => format!("enum {}", model.enums[e].name),
        other => other.name().to_string(),
    }
}

pub(super) struct ExprResolver<'a> {
    model: &'a Model,
    diagnostics: &'a mut Diagnostics,
    file: FileId,
    scope: &'a Scope,
}

type Resolved = Option<TExpr>;

impl<'a> ExprResolver<'a> {
    pub(super) fn new(model: &'a Model, diagnostics: &'a mut Diagnostics, file: FileId, scope: &'a Scope) -> Self {
        ExprResolver { model, diagnostics, file, scope }
    }

    fn origin(&self, span: lang::Span) -> Origin {
        Origin { file: self.file, span }
    }

    fn error(&mut self, span: lang::Span, message: impl Into<String>) -> &mut Diagnostic {
        let location = self.model.sources[self.file].location(span.start, span.len());
        self.diagnostics.push(Diagnostic::error(message).at(location));
        self.diagnostics.0.last_mut().expect("just pushed")
    }

    fn expr(&self, node: Node, kind: Kind, shape: Shape, span: lang::Span) -> TExpr {
        TExpr { node, kind, shape, origin: self.origin(span) }
    }

    /// Resolves `expr` as written in a formula whose rows are those of `entity`.
    pub(super) fn resolve(&mut self, expr: &lang::Expr, entity: EntityId) -> Resolved {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Number { value, .. } => Some(self.expr(Node::Const(*value), Kind::Number, Shape::Scalar, span)),
            ExprKind::Boolean(b) => {
                Some(self.expr(Node::Const(f64::from(u8::from(*b))), Kind::Bool, Shape::Scalar, span))
            }
            ExprKind::Date(d) => Some(self.expr(Node::Const(date_to_days(*d)), Kind::Date, Shape::Scalar, span)),
            ExprKind::Text(_) => {
                self.error(span, "text values cannot be used in formulas").help.push(
                    "an enumeration's item is named without quotes: `grille_densite_insee is bourg_rural`".into(),
                );
                None
            }
            ExprKind::Year => Some(self.expr(Node::Year, Kind::Number, Shape::Scalar, span)),
            ExprKind::Reference(reference) => self.reference(reference, span, entity),
            ExprKind::Call { function, arguments } => self.call(function, arguments, span, entity),
            ExprKind::Field { target, field } => self.field(target, field, span, entity),
            ExprKind::Negate(operand) => {
                let operand = self.operand(operand, entity, Kind::Number, "`-`")?;
                let shape = operand.shape;
                Some(self.expr(Node::Unary(UnaryOp::Negate, Box::new(operand)), Kind::Number, shape, span))
            }
            ExprKind::Not(operand) => {
                let operand = self.operand(operand, entity, Kind::Bool, "`not`")?;
                let shape = operand.shape;
                Some(self.expr(Node::Unary(UnaryOp::Not, Box::new(operand)), Kind::Bool, shape, span))
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span, entity),
            ExprKind::Compare { first, rest } => self.comparison(first, rest, span, entity),
            ExprKind::Is { target, item } => {
                let (target, enumeration) = self.enum_operand(target, entity)?;
                let index = self.enum_item(enumeration, item)?;
                Some(self.equals_item(target, index, span))
            }
            ExprKind::In { target, items } => {
                let (target, enumeration) = self.enum_operand(target, entity)?;
                let mut result: Option<TExpr> = None;
                for item in items {
                    let index = self.enum_item(enumeration, item)?;
                    let test = self.equals_item(target.clone(), index, span);
                    result = Some(match result {
                        None => test,
                        Some(previous) => {
                            let shape = previous.shape;
                            self.expr(
                                Node::Binary(BinaryOp::Or, Box::new(previous), Box::new(test)),
                                Kind::Bool,
                                shape,
                                span,
                            )
                        }
                    });
                }
                result
            }
            ExprKind::If { condition, then, otherwise } => {
                let condition = self.operand(condition, entity, Kind::Bool, "`if`");
                let then = self.resolve(then, entity);
                let otherwise_expr = self.resolve(otherwise, entity);
                let (condition, then, otherwise_value) = (condition?, then?, otherwise_expr?);
                if then.kind != otherwise_value.kind {
                    let (a, b) = (kind_name(self.model, then.kind), kind_name(self.model, otherwise_value.kind));
                    self.error(otherwise.span, format!("`then` gives {a} but `else` gives {b}"));
                    return None;
                }
                let shape = combine(combine(condition.shape, then.shape), otherwise_value.shape);
                let kind = then.kind;
                let node = Node::If(Box::new(condition), Box::new(then), Box::new(otherwise_value));
                Some(self.expr(node, kind, shape, span))
            }
        }
    }

    /// Resolves an operand that must be of `kind`.
    fn operand(&mut self, expr: &lang::Expr, entity: EntityId, kind: Kind, operator: &str) -> Resolved {
        let resolved = self.resolve(expr, entity)?;
        if resolved.kind != kind {
            let (expected, found) = (kind_name(self.model, kind), kind_name(self.model, resolved.kind));
            let diagnostic = self.error(expr.span, format!("{operator} expects {expected}, found {found}"));
            if kind == Kind::Number && resolved.kind == Kind::Bool {
                diagnostic.help.push("write `if CONDITION then 1 else 0` to turn a condition into a number".into());
            }
            return None;
        }
        Some(resolved)
    }

    fn enum_operand(&mut self, expr: &lang::Expr, entity: EntityId) -> Option<(TExpr, EnumId)> {
        let resolved = self.resolve(expr, entity)?;
        match resolved.kind {
            Kind::Enum(e) => Some((resolved, e)),
            other => {
                let found = kind_name(self.model, other);
                self.error(expr.span, format!("`is` and `in` test an enumeration value, found {found}"));
                None
            }
        }
    }

    fn enum_item(&mut self, enumeration: EnumId, item: &lang::Name) -> Option<usize> {
        let enum_type = &self.model.enums[enumeration];
        match enum_type.index_of(&item.text) {
            Some(index) => Some(index),
            None => {
                let help = did_you_mean(&item.text, enum_type.items.iter().map(|i| i.name.as_str()));
                let message = format!("`{}` is not an item of `{}`", item.text, enum_type.name);
                self.error(item.span, message).help.extend(help);
                None
            }
        }
    }

    fn equals_item(&self, target: TExpr, index: usize, span: lang::Span) -> TExpr {
        let shape = target.shape;
        let item = self.expr(Node::Const(index as f64), target.kind, Shape::Scalar, span);
        self.expr(Node::Binary(BinaryOp::Eq, Box::new(target), Box::new(item)), Kind::Bool, shape, span)
    }

    fn binary(
        &mut self,
        op: lang::BinaryOp,
        lhs: &lang::Expr,
        rhs: &lang::Expr,
        span: lang::Span,
        entity: EntityId,
    ) -> Resolved {
        let (op, kind, symbol) = match op {
            lang::BinaryOp::Add => (BinaryOp::Add, Kind::Number, "`+`"),
            lang::BinaryOp::Sub => (BinaryOp::Sub, Kind::Number, "`-`"),
            lang::BinaryOp::Mul => (BinaryOp::Mul, Kind::Number, "`*`"),
            lang::BinaryOp::Div => (BinaryOp::Div, Kind::Number, "`/`"),
            lang::BinaryOp::And => (BinaryOp::And, Kind::Bool, "`and`"),
            lang::BinaryOp::Or => (BinaryOp::Or, Kind::Bool, "`or`"),
        };
        let a = self.operand(lhs, entity, kind, symbol);
        let b = self.operand(rhs, entity, kind, symbol);
        let (a, b) = (a?, b?);
        let shape = combine(a.shape, b.shape);
        Some(self.expr(Node::Binary(op, Box::new(a), Box::new(b)), kind, shape, span))
    }

    fn comparison(
        &mut self,
        first: &lang::Expr,
        rest: &[(lang::CompareOp, lang::Expr)],
        span: lang::Span,
        entity: EntityId,
    ) -> Resolved {
        let mut operands = vec![(first, self.resolve(first, entity))];
        operands.extend(rest.iter().map(|(_, e)| (e, self.resolve(e, entity))));
        let mut resolved = Vec::new();
        for (written, operand) in operands {
            resolved.push((written, operand?));
        }
        let mut result: Option<TExpr> = None;
        for (i, (op, _)) in rest.iter().enumerate() {
            let (left_written, left) = &resolved[i];
            let (right_written, right) = &resolved[i + 1];
            let ordering = !matches!(op, lang::CompareOp::Eq | lang::CompareOp::Ne);
            let comparable = left.kind == right.kind
                && match left.kind {
                    Kind::Number | Kind::Date => true,
                    Kind::Bool | Kind::Enum(_) => !ordering,
                    Kind::Text => false,
                };
            if !comparable {
                let (a, b) = (kind_name(self.model, left.kind), kind_name(self.model, right.kind));
                let span = left_written.span.to(right_written.span);
                self.error(span, format!("cannot compare {a} with {b} using `{}`", op.symbol()));
                return None;
            }
            let op = match op {
                lang::CompareOp::Lt => BinaryOp::Lt,
                lang::CompareOp::Le => BinaryOp::Le,
                lang::CompareOp::Gt => BinaryOp::Gt,
                lang::CompareOp::Ge => BinaryOp::Ge,
                lang::CompareOp::Eq => BinaryOp::Eq,
                lang::CompareOp::Ne => BinaryOp::Ne,
            };
            let shape = combine(left.shape, right.shape);
            let test =
                self.expr(Node::Binary(op, Box::new(left.clone()), Box::new(right.clone())), Kind::Bool, shape, span);
            result = Some(match result {
                None => test,
                Some(previous) => {
                    let shape = combine(previous.shape, test.shape);
                    self.expr(Node::Binary(BinaryOp::And, Box::new(previous), Box::new(test)), Kind::Bool, shape, span)
                }
            });
        }
        result
    }

    fn reference(&mut self, reference: &lang::ReferenceExpr, span: lang::Span, entity: EntityId) -> Resolved {
        let name = reference.dotted();
        let path_span = reference.path_span();
        if reference.path.len() == 1 {
            if let Some((index, kind, shape)) = self.scope.get(&name) {
                if reference.at.is_some() || reference.otherwise.is_some() || reference.scale_argument.is_some() {
                    self.error(span, format!("`{name}` is a `let` name: it has no other period"));
                    return None;
                }
                return Some(self.expr(Node::Local(index), kind, shape, span));
            }
            if let Some(var) = self.model.variable_id(&name) {
                return self.variable(var, reference, span, entity);
            }
            // A `let` whose value has an error, or a variable whose declaration has one: that
            // error is reported; this reading of it is not another.
            if self.scope.unresolved.contains(&name) || self.model.unreadable.contains(&name) {
                return None;
            }
        }
        if self.model.parameters.is_unreadable(&name) {
            return None;
        }
        match self.model.parameters.get(&name) {
            Some(entry) => self.parameter(&name, entry, reference, span, entity),
            None if reference.path.len() == 1 => {
                let candidates = self.model.variables.iter().map(|v| v.name.as_str());
                let help = did_you_mean(&name, candidates.chain(self.scope.locals.iter().map(|l| l.0.as_str())));
                self.error(path_span, format!("unknown variable `{name}`")).help.extend(help);
                None
            }
            None => {
                let paths = self.model.parameters.paths();
                let help = did_you_mean(&name, paths.iter().copied());
                self.error(path_span, format!("unknown parameter `{name}`")).help.extend(help);
                None
            }
        }
    }

    fn variable(
        &mut self,
        var: VarId,
        reference: &lang::ReferenceExpr,
        span: lang::Span,
        entity: EntityId,
    ) -> Resolved {
        let variable = &self.model.variables[var];
        let (kind, var_entity) = (variable.value_type.kind(), variable.entity);
        if kind == Kind::Text {
            self.error(span, format!("`{}` is a text variable: text cannot be used in formulas", variable.name));
            return None;
        }
        if let Some(argument) = &reference.scale_argument {
            self.error(
                argument.span,
                format!("`{}` is a variable, not a scale: it cannot be applied to a value", variable.name),
            );
            return None;
        }
        let period = match &reference.at {
            None => VarPeriod::Offset(0),
            Some(at) => self.variable_period(at, entity)?,
        };
        let otherwise = match &reference.otherwise {
            None => None,
            Some(fallback) => {
                let written = fallback;
                let fallback = self.resolve(fallback, entity)?;
                if fallback.kind != kind {
                    let (a, b) = (kind_name(self.model, kind), kind_name(self.model, fallback.kind));
                    self.error(written.span, format!("the variable is {a} but `otherwise` gives {b}"));
                    return None;
                }
                Some(Box::new(fallback))
            }
        };
        let read = self.expr(Node::Var { var, period, otherwise }, kind, Shape::Rows(var_entity), span);
        self.in_context(read, entity, span)
    }

    /// Gives a value to the rows of `entity`: an État value is projected onto its communes; a
    /// commune value cannot be read in an État formula without aggregating it.
    fn in_context(&mut self, expr: TExpr, entity: EntityId, span: lang::Span) -> Resolved {
        let Shape::Rows(from) = expr.shape else {
            return Some(expr);
        };
        if from == entity {
            return Some(expr);
        }
        if self.model.entities[from].members == Some(entity) {
            let kind = expr.kind;
            return Some(self.expr(
                Node::Project { group: from, value: Box::new(expr) },
                kind,
                Shape::Rows(entity),
                span,
            ));
        }
        let (from_name, to_name) = (&self.model.entities[from].name, &self.model.entities[entity].name);
        let message = format!("this is a value per {from_name}, read in a formula of {to_name}");
        let help = if self.model.entities[entity].members == Some(from) {
            format!("aggregate it: sum(…, per {to_name}) for each {to_name}, or sum(…) over every {from_name}")
        } else {
            format!("{from_name} and {to_name} are not related")
        };
        self.error(span, message).help.push(help);
        None
    }

    /// `[N-1]`, `[N+1]`, `[2019]`, or a per-row year.
    fn variable_period(&mut self, at: &lang::Expr, entity: EntityId) -> Option<VarPeriod> {
        if let Some(offset) = year_offset(at) {
            return Some(VarPeriod::Offset(offset));
        }
        if let ExprKind::Number { value, .. } = at.kind {
            if is_year(value) {
                return Some(VarPeriod::Year(value as i32));
            }
        }
        let year = self.resolve(at, entity)?;
        if year.kind != Kind::Number {
            let found = kind_name(self.model, year.kind);
            self.error(
                at.span,
                format!("the period of a variable is a year (N-1, 2019, or a number per row), found {found}"),
            );
            return None;
        }
        Some(VarPeriod::PerRow(Box::new(year)))
    }

    fn parameter(
        &mut self,
        path: &str,
        entry: Entry<'_>,
        reference: &lang::ReferenceExpr,
        span: lang::Span,
        entity: EntityId,
    ) -> Resolved {
        let path_span = reference.path_span();
        if reference.otherwise.is_some() {
            self.error(
                span,
                "`otherwise` applies to variables that may not be given; a parameter always has its values",
            );
            return None;
        }
        let at = match &reference.at {
            None => ParamDate::Offset(0),
            Some(at) => self.parameter_date(at)?,
        };
        match entry {
            Entry::Node(_) => {
                let children: Vec<&str> = self
                    .model
                    .parameters
                    .paths()
                    .into_iter()
                    .filter(|p| p.starts_with(path) && p[path.len()..].starts_with('.'))
                    .take(5)
                    .collect();
                self.error(path_span, format!("`{path}` is a group of parameters, not a value"))
                    .help
                    .push(format!("use one of its parameters, e.g. {}", children.join(", ")));
                None
            }
            Entry::Scale(_) => {
                let Some(argument) = &reference.scale_argument else {
                    self.error(
                        path_span,
                        format!("`{path}` is a scale: apply it to a value, e.g. `{path}(population_dgf)`"),
                    );
                    return None;
                };
                let written = argument;
                let argument = self.resolve(argument, entity)?;
                if argument.kind != Kind::Number {
                    let found = kind_name(self.model, argument.kind);
                    self.error(written.span, format!("a scale applies to a number, found {found}"));
                    return None;
                }
                let shape = argument.shape;
                let node = Node::Scale { path: path.to_string(), at, argument: Box::new(argument) };
                Some(self.expr(node, Kind::Number, shape, span))
            }
            Entry::Parameter(parameter) => {
                if let Some(argument) = &reference.scale_argument {
                    self.error(
                        argument.span,
                        format!("`{path}` is a single value, not a scale: it cannot be applied to a value"),
                    );
                    return None;
                }
                let is_bool =
                    parameter.values.iter().any(|v| matches!(v.value, Some(dotations_params::ParamValue::Bool(_))));
                let is_text =
                    parameter.values.iter().any(|v| matches!(v.value, Some(dotations_params::ParamValue::Text(_))));
                if is_text {
                    self.error(
                        path_span,
                        format!("`{path}` holds text: only number and boolean parameters can be used in formulas"),
                    );
                    return None;
                }
                let kind = if is_bool { Kind::Bool } else { Kind::Number };
                Some(self.expr(Node::Param { path: path.to_string(), at }, kind, Shape::Scalar, span))
            }
        }
    }

    fn parameter_date(&mut self, at: &lang::Expr) -> Option<ParamDate> {
        if let Some(offset) = year_offset(at) {
            return Some(ParamDate::Offset(offset));
        }
        match &at.kind {
            ExprKind::Number { value, .. } if is_year(*value) => Some(ParamDate::Year(*value as i32)),
            ExprKind::Date(date) => Some(ParamDate::Date(*date)),
            _ => {
                self.error(at.span, "a parameter is read at a fixed date: N-1, N+1, a year such as 2019, or a date")
                    .help
                    .push("to read a parameter at a date that varies per commune, store it in a variable first".into());
                None
            }
        }
    }

    fn field(&mut self, target: &lang::Expr, field: &lang::Name, span: lang::Span, entity: EntityId) -> Resolved {
        let is_distribution = matches!(&target.kind, ExprKind::Call { function, .. } if function.text == "distribute");
        if field.text != "point" || !is_distribution {
            self.error(field.span, format!("unknown field `.{}`", field.text))
                .help
                .push("the only field is `.point`, the point value found by `distribute(…)`".into());
            return None;
        }
        // The point value is national: resolve the distribution over the communes whatever the
        // formula's entity, then keep only its point.
        let _ = entity;
        let mut resolved = self.resolve(target, self.model.person_entity())?;
        if let Node::Population(op) = &mut resolved.node {
            if let PopulationOp::Distribute(distribution) = op.as_mut() {
                distribution.point = true;
            }
        }
        resolved.shape = Shape::Scalar;
        resolved.origin = self.origin(span);
        Some(resolved)
    }

    fn call(&mut self, function: &lang::Name, arguments: &[Argument], span: lang::Span, entity: EntityId) -> Resolved {
        super::functions::resolve_call(self, function, arguments, span, entity)
    }

    // Helpers used by `functions`.

    pub(super) fn model(&self) -> &Model {
        self.model
    }

    pub(super) fn report(&mut self, span: lang::Span, message: impl Into<String>) -> &mut Diagnostic {
        self.error(span, message)
    }

    pub(super) fn typed(&mut self, expr: &lang::Expr, entity: EntityId, kind: Kind, what: &str) -> Resolved {
        self.operand(expr, entity, kind, what)
    }

    pub(super) fn any(&mut self, expr: &lang::Expr, entity: EntityId) -> Resolved {
        self.resolve(expr, entity)
    }

    pub(super) fn make(&self, node: Node, kind: Kind, shape: Shape, span: lang::Span) -> TExpr {
        self.expr(node, kind, shape, span)
    }

    pub(super) fn place(&mut self, expr: TExpr, entity: EntityId, span: lang::Span) -> Resolved {
        self.in_context(expr, entity, span)
    }
}

/// The shape of a combination of two operands: per row if either is.
pub(super) fn combine(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Scalar, other) | (other, Shape::Scalar) => other,
        (rows, _) => rows,
    }
}

/// `N`, `N-1`, `N+2` → the offset in years.
fn year_offset(expr: &lang::Expr) -> Option<i32> {
    match &expr.kind {
        ExprKind::Year => Some(0),
        ExprKind::Binary { op, lhs, rhs } => {
            let (ExprKind::Year, ExprKind::Number { value, .. }) = (&lhs.kind, &rhs.kind) else {
                return None;
            };
            if value.fract() != 0.0 || value.abs() > 1000.0 {
                return None;
            }
            match op {
                lang::BinaryOp::Add => Some(*value as i32),
                lang::BinaryOp::Sub => Some(-(*value as i32)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Keeps `Order` reachable for `functions` without re-importing the syntax crate there.
pub(super) type SortOrder = Order;
pub(super) type Keyword = ArgumentKeyword;
