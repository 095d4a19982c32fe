//! Row-by-row programs evaluated over whole columns, a chunk of rows at a time.
//!
//! A formula's row-wise part is lowered to a [`Program`] tree once per plan; evaluating it
//! walks the tree once per chunk of [`CHUNK`] rows, and every node runs a tight loop over the
//! chunk. There is no per-row interpretation: the tree walk costs the same for 1 row or 2 048,
//! and intermediate buffers stay in the CPU cache.

use std::sync::Arc;

use crate::model::{BinaryOp, Builtin, UnaryOp};

use super::scale::ScaleTable;
use super::value::Value;

/// Rows per chunk: small enough for the intermediates of a formula to stay in L1/L2.
pub const CHUNK: usize = 2048;

/// Index of a value in a plan's slots.
pub type SlotId = usize;

/// A row-wise computation.
#[derive(Debug, Clone)]
pub enum Program {
    Const(f64),
    /// A value of the same rows (or a scalar).
    Slot(SlotId),
    /// A value of a group entity, read for each member through its membership.
    Gather {
        slot: SlotId,
        group: usize,
    },
    Unary(UnaryOp, Box<Program>),
    Binary(BinaryOp, Box<Program>, Box<Program>),
    If(Box<Program>, Box<Program>, Box<Program>),
    Call(Builtin, Vec<Program>),
    Scale(Arc<ScaleTable>, Box<Program>),
}

/// What a program reads while it runs.
pub struct Env<'a> {
    pub slots: &'a [Option<Value>],
    /// For each entity: the group row of each member row (groups only).
    pub membership: &'a [Option<Arc<[u32]>>],
}

impl Env<'_> {
    fn slot(&self, slot: SlotId) -> &Value {
        self.slots[slot].as_ref().expect("a plan computes a slot before reading it")
    }
}

/// An operand of a kernel: a constant, a slice of a column, or a computed chunk.
enum Operand<'a> {
    Scalar(f64),
    Slice(&'a [f64]),
    Owned(Vec<f64>),
}

impl Operand<'_> {
    fn get(&self, i: usize) -> f64 {
        match self {
            Operand::Scalar(v) => *v,
            Operand::Slice(s) => s[i],
            Operand::Owned(v) => v[i],
        }
    }
}

impl Program {
    /// Evaluates the program for `rows` rows (1 for a scalar) and returns the values.
    pub fn run(&self, env: &Env<'_>, rows: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(rows);
        let mut start = 0;
        while start < rows {
            let end = (start + CHUNK).min(rows);
            match self.eval(env, start, end) {
                Operand::Scalar(v) => out.extend(std::iter::repeat_n(v, end - start)),
                Operand::Slice(s) => out.extend_from_slice(s),
                Operand::Owned(v) => out.extend_from_slice(&v),
            }
            start = end;
        }
        out
    }

    /// Whether the program reads no slot (its value is the same for every row).
    pub fn is_const(&self) -> bool {
        matches!(self, Program::Const(_))
    }

    fn eval<'e>(&self, env: &'e Env<'_>, start: usize, end: usize) -> Operand<'e> {
        let len = end - start;
        match self {
            Program::Const(v) => Operand::Scalar(*v),
            Program::Slot(slot) => match env.slot(*slot) {
                Value::Scalar(v) => Operand::Scalar(*v),
                Value::Column(c) => Operand::Slice(&c[start..end]),
            },
            Program::Gather { slot, group } => {
                let membership = env.membership[*group].as_ref().expect("group membership");
                match env.slot(*slot) {
                    Value::Scalar(v) => Operand::Scalar(*v),
                    Value::Column(c) => Operand::Owned(membership[start..end].iter().map(|g| c[*g as usize]).collect()),
                }
            }
            Program::Unary(op, a) => {
                let a = a.eval(env, start, end);
                let f = unary_fn(*op);
                map1(a, len, f)
            }
            Program::Binary(op, a, b) => {
                let (a, b) = (a.eval(env, start, end), b.eval(env, start, end));
                map2(a, b, len, binary_fn(*op))
            }
            Program::If(c, a, b) => {
                let (c, a, b) = (c.eval(env, start, end), a.eval(env, start, end), b.eval(env, start, end));
                if let Operand::Scalar(c) = c {
                    return if c != 0.0 { a } else { b };
                }
                Operand::Owned((0..len).map(|i| if c.get(i) != 0.0 { a.get(i) } else { b.get(i) }).collect())
            }
            Program::Call(builtin, args) => {
                let args: Vec<Operand<'e>> = args.iter().map(|a| a.eval(env, start, end)).collect();
                call(*builtin, args, len)
            }
            Program::Scale(table, x) => {
                let x = x.eval(env, start, end);
                map1(x, len, |v| table.calc(v))
            }
        }
    }
}

fn map1<'e>(a: Operand<'e>, len: usize, f: impl Fn(f64) -> f64) -> Operand<'e> {
    match a {
        Operand::Scalar(v) => Operand::Scalar(f(v)),
        Operand::Slice(s) => Operand::Owned(s.iter().map(|v| f(*v)).collect()),
        Operand::Owned(mut v) => {
            debug_assert_eq!(v.len(), len);
            v.iter_mut().for_each(|x| *x = f(*x));
            Operand::Owned(v)
        }
    }
}

fn map2<'e>(a: Operand<'e>, b: Operand<'e>, len: usize, f: fn(f64, f64) -> f64) -> Operand<'e> {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Operand::Scalar(f(x, y)),
        (Operand::Owned(mut v), b) => {
            match b {
                Operand::Scalar(y) => v.iter_mut().for_each(|x| *x = f(*x, y)),
                Operand::Slice(s) => v.iter_mut().zip(s).for_each(|(x, y)| *x = f(*x, *y)),
                Operand::Owned(w) => v.iter_mut().zip(&w).for_each(|(x, y)| *x = f(*x, *y)),
            }
            Operand::Owned(v)
        }
        (a, Operand::Owned(mut w)) => {
            match a {
                Operand::Scalar(x) => w.iter_mut().for_each(|y| *y = f(x, *y)),
                Operand::Slice(s) => w.iter_mut().zip(s).for_each(|(y, x)| *y = f(*x, *y)),
                Operand::Owned(_) => unreachable!("handled above"),
            }
            Operand::Owned(w)
        }
        (Operand::Slice(s), Operand::Scalar(y)) => Operand::Owned(s.iter().map(|x| f(*x, y)).collect()),
        (Operand::Scalar(x), Operand::Slice(s)) => Operand::Owned(s.iter().map(|y| f(x, *y)).collect()),
        (Operand::Slice(s), Operand::Slice(t)) => {
            debug_assert_eq!(s.len(), len);
            Operand::Owned(s.iter().zip(t).map(|(x, y)| f(*x, *y)).collect())
        }
    }
}

fn call<'e>(builtin: Builtin, mut args: Vec<Operand<'e>>, len: usize) -> Operand<'e> {
    match builtin {
        Builtin::Min | Builtin::Max => {
            let f = if builtin == Builtin::Min { min_nan as fn(f64, f64) -> f64 } else { max_nan };
            let mut args = args.into_iter();
            let first = args.next().expect("at least two arguments");
            args.fold(first, |acc, next| map2(acc, next, len, f))
        }
        Builtin::Clamp => {
            let high = args.pop().expect("clamp high");
            let low = args.pop().expect("clamp low");
            let x = args.pop().expect("clamp value");
            map2(map2(x, low, len, max_nan), high, len, min_nan)
        }
        Builtin::Ratio => {
            let default = args.pop().expect("ratio default");
            let b = args.pop().expect("ratio divisor");
            let a = args.pop().expect("ratio dividend");
            if let (Operand::Scalar(a), Operand::Scalar(b), Operand::Scalar(d)) = (&a, &b, &default) {
                return Operand::Scalar(ratio(*a, *b, *d));
            }
            Operand::Owned((0..len).map(|i| ratio(a.get(i), b.get(i), default.get(i))).collect())
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
            if let (Operand::Scalar(y), Operand::Scalar(m), Operand::Scalar(d)) = (&year, &month, &day) {
                return Operand::Scalar(f(*y, *m, *d));
            }
            Operand::Owned((0..len).map(|i| f(year.get(i), month.get(i), day.get(i))).collect())
        }
        unary => {
            let x = args.pop().expect("one argument");
            let f: fn(f64) -> f64 = match unary {
                Builtin::Abs => f64::abs,
                Builtin::Floor => f64::floor,
                Builtin::Ceil => f64::ceil,
                Builtin::Trunc => f64::trunc,
                Builtin::Log10 => f64::log10,
                Builtin::YearOf => crate::model::year_of_days,
                _ => unreachable!("every builtin is handled"),
            };
            map1(x, len, f)
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

pub fn binary_fn(op: BinaryOp) -> fn(f64, f64) -> f64 {
    fn bool(b: bool) -> f64 {
        f64::from(u8::from(b))
    }
    match op {
        BinaryOp::Add => |a, b| a + b,
        BinaryOp::Sub => |a, b| a - b,
        BinaryOp::Mul => |a, b| a * b,
        BinaryOp::Div => |a, b| a / b,
        BinaryOp::And => |a, b| bool(a != 0.0 && b != 0.0),
        BinaryOp::Or => |a, b| bool(a != 0.0 || b != 0.0),
        BinaryOp::Lt => |a, b| bool(a < b),
        BinaryOp::Le => |a, b| bool(a <= b),
        BinaryOp::Gt => |a, b| bool(a > b),
        BinaryOp::Ge => |a, b| bool(a >= b),
        BinaryOp::Eq => |a, b| bool(a == b),
        BinaryOp::Ne => |a, b| bool(a != b),
    }
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

/// `min` that propagates NaN, as numpy's `minimum` does (Rust's `f64::min` ignores NaN).
fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

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

    fn run(program: &Program, slots: Vec<Option<Value>>, rows: usize) -> Vec<f64> {
        let env = Env { slots: &slots, membership: &[] };
        program.run(&env, rows)
    }

    #[test]
    fn binary_over_chunks_matches_row_by_row() {
        let rows = CHUNK * 2 + 17;
        let a: Arc<[f64]> = (0..rows).map(|i| i as f64).collect();
        let program = Program::Binary(
            BinaryOp::Add,
            Box::new(Program::Binary(BinaryOp::Mul, Box::new(Program::Slot(0)), Box::new(Program::Const(2.0)))),
            Box::new(Program::Slot(0)),
        );
        let out = run(&program, vec![Some(Value::Column(a))], rows);
        assert!(out.iter().enumerate().all(|(i, v)| *v == 3.0 * i as f64));
    }

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
