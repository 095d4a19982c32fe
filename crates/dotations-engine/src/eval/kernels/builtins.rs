//! The builtin functions of the formula language over chunks, and the scalar semantics of
//! every operator (shared by the kernels and constant folding).

use crate::model::{BinaryOp, Builtin, UnaryOp};

use super::loops::{map1, map2, map3, view_ref, write2, write_operand, Chunk, Operand};

/// A builtin's values written into `out`: the last pass of the common builtins writes there
/// directly (the others are computed, then copied).
pub(super) fn call_into(builtin: Builtin, mut args: Vec<Operand<'_>>, out: &mut [f64]) {
    let len = out.len();
    match builtin {
        // One arm each: `min_nan` and `max_nan` stay two functions the loops inline, where one
        // variable holding either would be a pointer called for every value.
        Builtin::Min => fold_into(args, out, min_nan),
        Builtin::Max => fold_into(args, out, max_nan),
        Builtin::Clamp => {
            let (x, low, high) = clamp_args(args);
            write2(&map2(x, low, len, max_nan), &high, out, min_nan);
        }
        Builtin::Ratio if matches!(args[2], Operand::Scalar(_)) => {
            let Some(Operand::Scalar(default)) = args.pop() else { unreachable!("a constant default") };
            write2(&args[0], &args[1], out, move |x, y| ratio(x, y, default));
        }
        _ => write_operand(&call(builtin, args, len), out),
    }
}

/// `f` folded over the arguments, left to right, the last pass written into `out`.
fn fold_into(mut args: Vec<Operand<'_>>, out: &mut [f64], f: impl Fn(f64, f64) -> f64 + Copy) {
    let last = args.pop().expect("at least two arguments");
    write2(&fold(args, out.len(), f), &last, out, f);
}

/// `f` folded over the arguments, left to right.
fn fold<'e>(args: Vec<Operand<'e>>, len: usize, f: impl Fn(f64, f64) -> f64 + Copy) -> Operand<'e> {
    let mut args = args.into_iter();
    let first = args.next().expect("at least one argument");
    args.fold(first, |acc, next| map2(acc, next, len, f))
}

/// The value, low and high bound of `clamp`.
fn clamp_args(mut args: Vec<Operand<'_>>) -> (Operand<'_>, Operand<'_>, Operand<'_>) {
    let high = args.pop().expect("clamp high");
    let low = args.pop().expect("clamp low");
    let x = args.pop().expect("clamp value");
    (x, low, high)
}

pub(super) fn call<'e>(builtin: Builtin, mut args: Vec<Operand<'e>>, len: usize) -> Operand<'e> {
    match builtin {
        Builtin::Min => fold(args, len, min_nan),
        Builtin::Max => fold(args, len, max_nan),
        Builtin::Clamp => {
            let (x, low, high) = clamp_args(args);
            map2(map2(x, low, len, max_nan), high, len, min_nan)
        }
        Builtin::Ratio => {
            let default = args.pop().expect("ratio default");
            let b = args.pop().expect("ratio divisor");
            let a = args.pop().expect("ratio dividend");
            match default {
                Operand::Scalar(d) => map2(a, b, len, move |x, y| ratio(x, y, d)),
                default => map3(a, b, default, len, ratio),
            }
        }
        Builtin::RoundHalfEven | Builtin::RoundHalfAway => {
            let even = builtin == Builtin::RoundHalfEven;
            let decimals = if args.len() == 2 { args.pop() } else { None };
            let x = args.pop().expect("round value");
            match decimals {
                None => map1(x, len, if even { round_half_even } else { f64::round }),
                Some(d) => {
                    let f = if even { round_half_even_to } else { round_half_away_to };
                    map2(x, d, len, f)
                }
            }
        }
        Builtin::MakeDate => {
            let day = args.pop().expect("day");
            let month = args.pop().expect("month");
            let year = args.pop().expect("year");
            let f = crate::model::days_of_civil;
            map3(year, month, day, len, f)
        }
        unary => {
            let x = args.pop().expect("one argument");
            let f: fn(f64) -> f64 = match unary {
                Builtin::Abs => f64::abs,
                Builtin::Floor => f64::floor,
                Builtin::Ceil => f64::ceil,
                Builtin::Trunc => trunc,
                Builtin::Log10 => f64::log10,
                Builtin::YearOf => return years(x),
                _ => unreachable!("every builtin is handled"),
            };
            map1(x, len, f)
        }
    }
}

/// `year(date)` over a chunk. Dates in a column repeat a lot (most communes share the default
/// creation date), so the last conversion is remembered.
fn years(dates: Operand<'_>) -> Operand<'_> {
    match dates {
        Operand::Scalar(days) => Operand::Scalar(crate::model::year_of_days(days)),
        dates => {
            let mut last = (f64::NAN.to_bits(), f64::NAN);
            let years = Chunk::collect(view_ref(&dates, &None).iter().map(|days| {
                if days.to_bits() != last.0 {
                    last = (days.to_bits(), crate::model::year_of_days(*days));
                }
                last.1
            }));
            Operand::Owned(years)
        }
    }
}

/// Scalar semantics of each operator, shared by constant folding and the kernels.
pub fn unary_fn(op: UnaryOp) -> fn(f64) -> f64 {
    match op {
        UnaryOp::Negate => |x| -x,
        UnaryOp::Not => |x| f64::from(u8::from(x == 0.0)),
    }
}

/// The scalar function of a binary operator (for constant folding and constant expressions).
pub fn binary_fn(op: BinaryOp) -> impl Fn(f64, f64) -> f64 {
    move |x, y| binary_scalar(op, x, y)
}

pub fn binary_scalar(op: BinaryOp, x: f64, y: f64) -> f64 {
    with_binary!(op, f => f(x, y))
}

/// Scalar semantics of a builtin (for constant folding).
pub fn call_scalar(builtin: Builtin, args: &[f64]) -> f64 {
    let operands = args.iter().map(|v| Operand::Scalar(*v)).collect();
    match call(builtin, operands, 1) {
        Operand::Scalar(v) => v,
        Operand::Owned(v) => v[0],
        Operand::Slice(s) => s[0],
    }
}

/// Truncation toward zero through an integer conversion: `f64::trunc` is a library call on
/// the baseline x86-64 target, this is one instruction each way (NaN and huge values pass).
pub fn trunc(x: f64) -> f64 {
    if x.abs() < 9.0e15 {
        (x as i64) as f64
    } else {
        x
    }
}

/// The value an integer variable stores for `x`, as the reference stores it (numpy's cast to
/// `int64` on x86-64): truncated toward zero; NaN, ±∞ and values beyond the `int64` range have
/// no integer and become −2⁶³. A division by zero in an integer variable thus gives −2⁶³,
/// where the reference gives it too (with `int32` storage, −2³¹: the DF of about 2.1 billion
/// euros of `shared/domain.md` §0.1).
///
/// ```
/// use dotations_engine::eval::kernels::to_integer;
/// assert_eq!(to_integer(-2.9), -2.0);
/// assert_eq!(to_integer(1e17 + 0.0), 1e17);
/// assert_eq!(to_integer(f64::NAN), -9_223_372_036_854_775_808.0);
/// assert_eq!(to_integer(f64::INFINITY), -9_223_372_036_854_775_808.0);
/// // The bounds of the range: −2⁶³ is an integer, 2⁶³ is not.
/// assert_eq!(to_integer(-9_223_372_036_854_775_808.0), -9_223_372_036_854_775_808.0);
/// assert_eq!(to_integer(9_223_372_036_854_775_808.0), -9_223_372_036_854_775_808.0);
/// assert_eq!(to_integer(-0.5).to_bits(), 0.0f64.to_bits());
/// ```
#[inline]
pub fn to_integer(x: f64) -> f64 {
    // Within the range the conversion truncates exactly, and converting back is exact too (a
    // value beyond 2⁵³ is a whole number already). One select: the loop over a column vectorises.
    if is_in_integer_range(x) {
        (x as i64) as f64
    } else {
        -INTEGER_RANGE
    }
}

/// 2⁶³: integer variables hold the `int64` range, [−2⁶³, 2⁶³).
const INTEGER_RANGE: f64 = 9_223_372_036_854_775_808.0;

/// Whether an integer variable holds `x` as it is (a whole number given as an input must be):
/// within the `int64` range, [−2⁶³, 2⁶³). NaN is not.
///
/// ```
/// use dotations_engine::eval::kernels::is_in_integer_range;
/// assert!(is_in_integer_range(-9_223_372_036_854_775_808.0));
/// assert!(!is_in_integer_range(9_223_372_036_854_775_808.0));
/// assert!(!is_in_integer_range(1e20) && !is_in_integer_range(f64::NAN));
/// ```
#[inline]
pub fn is_in_integer_range(x: f64) -> bool {
    (-INTEGER_RANGE..INTEGER_RANGE).contains(&x)
}

/// `min` that propagates NaN, as numpy's `minimum` does (Rust's `f64::min` ignores NaN).
#[inline]
fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

#[inline]
fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[inline]
fn ratio(a: f64, b: f64, default: f64) -> f64 {
    if b != 0.0 {
        a / b
    } else {
        default
    }
}

fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

/// numpy's `round(x, d)`: scale, round half to even, unscale.
fn round_half_even_to(x: f64, decimals: f64) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (x * factor).round_ties_even() / factor
}

fn round_half_away_to(x: f64, decimals: f64) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (x * factor).round() / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_propagate_nan_and_ratio_defaults() {
        assert!(call_scalar(Builtin::Min, &[1.0, f64::NAN]).is_nan());
        assert_eq!(call_scalar(Builtin::Max, &[1.0, 3.0, 2.0]), 3.0);
        assert_eq!(call_scalar(Builtin::Clamp, &[5.0, 0.0, 2.0]), 2.0);
        assert_eq!(call_scalar(Builtin::Ratio, &[1.0, 0.0, 7.0]), 7.0);
        assert_eq!(call_scalar(Builtin::Ratio, &[1.0, 4.0, 7.0]), 0.25);
    }

    #[test]
    fn rounding_rules_are_explicit() {
        assert_eq!(call_scalar(Builtin::RoundHalfEven, &[2.5]), 2.0);
        assert_eq!(call_scalar(Builtin::RoundHalfEven, &[3.5]), 4.0);
        assert_eq!(call_scalar(Builtin::RoundHalfAway, &[2.5]), 3.0);
        assert_eq!(call_scalar(Builtin::RoundHalfAway, &[-2.5]), -3.0);
        assert_eq!(call_scalar(Builtin::RoundHalfEven, &[1.25, 1.0]), 1.2);
    }
}
