//! Values written as arithmetic, such as a test's expected value `"0.7 * (20 / 10) + 0.3 * (30 /
//! 15)"` or an input of the Web API `"2 * 50"` (OpenFisca evaluates such strings with numexpr).
//! The text is parsed by the formula language's own parser and computed with the engine's scalar
//! operators, so it reads exactly as a formula does; only constants may appear (no variable, no
//! parameter).
//!
//! ```
//! use dotations_diagnostics::SourceText;
//! use dotations_engine::eval::constant;
//!
//! assert_eq!(constant::evaluate(&SourceText::new("value", "2 * 50")), Ok(100.0));
//! assert!(constant::evaluate(&SourceText::new("value", "population * 2")).is_err());
//! ```

use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use dotations_lang::{self as lang, Argument, ArgumentKeyword, Expr, ExprKind};

use super::kernels::{binary_fn, call_scalar, unary_fn};
use crate::model::{BinaryOp, Builtin, UnaryOp};

/// The functions a constant expression may call.
const FUNCTIONS: &[Builtin] = &[
    Builtin::Min,
    Builtin::Max,
    Builtin::Clamp,
    Builtin::Abs,
    Builtin::Floor,
    Builtin::Ceil,
    Builtin::Trunc,
    Builtin::Log10,
    Builtin::RoundHalfEven,
    Builtin::RoundHalfAway,
    Builtin::Ratio,
];

/// Evaluates a constant expression; errors point into the text's file.
pub fn evaluate(source: &SourceText) -> Result<f64, Diagnostics> {
    let expr = lang::parse_expression(source)?;
    eval(&expr, source).map_err(Diagnostics::from)
}

fn eval(expr: &Expr, source: &SourceText) -> Result<f64, Diagnostic> {
    let not_constant = |what: &str| {
        Diagnostic::error(format!("{what} cannot appear in a value written as a formula"))
            .at(source.location(expr.span.start, expr.span.len()))
            .with_help("only numbers, + - * /, parentheses and functions such as min, max or round_half_even")
    };
    match &expr.kind {
        ExprKind::Number { value, .. } => Ok(*value),
        ExprKind::Negate(operand) => Ok(unary_fn(UnaryOp::Negate)(eval(operand, source)?)),
        ExprKind::Binary { op, lhs, rhs } => {
            let op = match op {
                lang::BinaryOp::Add => BinaryOp::Add,
                lang::BinaryOp::Sub => BinaryOp::Sub,
                lang::BinaryOp::Mul => BinaryOp::Mul,
                lang::BinaryOp::Div => BinaryOp::Div,
                lang::BinaryOp::And | lang::BinaryOp::Or => return Err(not_constant("`and`/`or`")),
            };
            Ok(binary_fn(op)(eval(lhs, source)?, eval(rhs, source)?))
        }
        ExprKind::Call { function, arguments } => {
            let Some(builtin) = FUNCTIONS.iter().find(|b| b.name() == function.text) else {
                return Err(not_constant(&format!("the function `{}`", function.text)));
            };
            let mut values = Vec::with_capacity(arguments.len());
            for argument in arguments {
                match argument {
                    Argument::Positional(e) => values.push(eval(e, source)?),
                    Argument::Keyword { keyword: ArgumentKeyword::Else, value, .. } if *builtin == Builtin::Ratio => {
                        values.push(eval(value, source)?)
                    }
                    other => {
                        let span = other.span();
                        return Err(Diagnostic::error(format!("unexpected argument to `{}`", function.text))
                            .at(source.location(span.start, span.len())));
                    }
                }
            }
            let arity_ok = match builtin {
                Builtin::Min | Builtin::Max => values.len() >= 2,
                Builtin::Clamp | Builtin::Ratio => values.len() == 3,
                Builtin::RoundHalfEven | Builtin::RoundHalfAway => (1..=2).contains(&values.len()),
                _ => values.len() == 1,
            };
            if !arity_ok {
                return Err(Diagnostic::error(format!("wrong number of arguments to `{}`", function.text))
                    .at(source.location(expr.span.start, expr.span.len())));
            }
            Ok(call_scalar(*builtin, &values))
        }
        ExprKind::Reference(reference) => Err(not_constant(&format!("the name `{}`", reference.dotted()))
            .with_note("expected values are constants; compute other variables in the test's `output` instead")),
        ExprKind::Boolean(_) => Err(not_constant("a boolean")),
        ExprKind::Date(_) => Err(not_constant("a date")),
        ExprKind::Text(_) => Err(not_constant("a text")),
        ExprKind::Year => Err(not_constant("`N`")),
        ExprKind::Field { .. } => Err(not_constant("a field")),
        ExprKind::Not(_) => Err(not_constant("`not`")),
        ExprKind::Compare { .. } => Err(not_constant("a comparison")),
        ExprKind::Is { .. } | ExprKind::In { .. } => Err(not_constant("an enumeration test")),
        ExprKind::If { .. } => Err(not_constant("`if`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Result<f64, String> {
        evaluate(&SourceText::new("t.yaml", text)).map_err(|e| e.to_string())
    }

    #[test]
    fn arithmetic_as_in_formulas() {
        assert_eq!(value("0.7 * (20 / 10) + 0.3 * (30 / 15)"), Ok(0.7 * (20.0 / 10.0) + 0.3 * (30.0 / 15.0)));
        assert_eq!(value("545_248_126"), Ok(545_248_126.0));
        assert_eq!(value("-2e-3"), Ok(-0.002));
        assert_eq!(value("max(1, 3, 2) - min(4, 5)"), Ok(-1.0));
        assert_eq!(value("round_half_even(2.5)"), Ok(2.0));
        assert_eq!(value("ratio(1, 0, else 7)"), Ok(7.0));
    }

    #[test]
    fn names_are_not_constants() {
        let error = value("population_dgf * 2").unwrap_err();
        assert!(error.contains("the name `population_dgf` cannot appear"), "{error}");
        assert!(error.contains("t.yaml:1:1"), "{error}");
        assert!(value("1 +").is_err());
        assert!(value("min(1)").unwrap_err().contains("wrong number of arguments"));
    }
}
