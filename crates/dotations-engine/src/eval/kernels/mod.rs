//! Row-by-row programs evaluated over whole columns, a chunk of rows at a time.
//!
//! A formula's row-wise part is lowered to a [`Program`] tree once per plan; evaluating it
//! walks the tree once per chunk of [`CHUNK`] rows, and every node runs a tight loop over the
//! chunk. There is no per-row interpretation: the tree walk costs the same for 1 row or 2 048,
//! and intermediate buffers stay in the CPU cache.
//!
//! This module walks the tree; `loops` holds the passes over a chunk, and `builtins` the
//! functions of the language and the scalar meaning of every operator.

use std::sync::Arc;

use crate::model::{BinaryOp, Builtin, UnaryOp};

use super::scale::ScaleTable;
use super::value::{Packed, Value};
use builtins::{call, call_into};
use loops::{binary, map1, select, view_ref, write1, write2, write_operand, Chunk, Operand};

pub use builtins::{binary_fn, binary_scalar, call_scalar, is_in_integer_range, to_integer, trunc, unary_fn};

/// Binds `$f` to the scalar function of a binary operator and evaluates `$body` with it, once
/// per operator: each loop that uses it is specialised (inlined and vectorisable), where a
/// function pointer per element would cost several times the operation.
macro_rules! with_binary {
    ($op:expr, $f:ident => $body:expr) => {{
        // A select rather than a conversion: the loops stay vectorisable.
        #[inline(always)]
        fn bool(b: bool) -> f64 {
            if b {
                1.0
            } else {
                0.0
            }
        }
        match $op {
            BinaryOp::Add => {
                let $f = |x: f64, y: f64| x + y;
                $body
            }
            BinaryOp::Sub => {
                let $f = |x: f64, y: f64| x - y;
                $body
            }
            BinaryOp::Mul => {
                let $f = |x: f64, y: f64| x * y;
                $body
            }
            BinaryOp::Div => {
                let $f = |x: f64, y: f64| x / y;
                $body
            }
            BinaryOp::And => {
                let $f = |x: f64, y: f64| bool((x != 0.0) & (y != 0.0));
                $body
            }
            BinaryOp::Or => {
                let $f = |x: f64, y: f64| bool((x != 0.0) | (y != 0.0));
                $body
            }
            BinaryOp::Lt => {
                let $f = |x: f64, y: f64| bool(x < y);
                $body
            }
            BinaryOp::Le => {
                let $f = |x: f64, y: f64| bool(x <= y);
                $body
            }
            BinaryOp::Gt => {
                let $f = |x: f64, y: f64| bool(x > y);
                $body
            }
            BinaryOp::Ge => {
                let $f = |x: f64, y: f64| bool(x >= y);
                $body
            }
            BinaryOp::Eq => {
                let $f = |x: f64, y: f64| bool(x == y);
                $body
            }
            BinaryOp::Ne => {
                let $f = |x: f64, y: f64| bool(x != y);
                $body
            }
        }
    }};
}

mod builtins;
mod loops;

/// Rows per chunk: small enough for the intermediates of a formula to stay in L1/L2.
pub const CHUNK: usize = 2048;

/// Index of a value in a plan's slots.
pub type SlotId = usize;

/// A row-wise computation.
#[derive(Debug, Clone, PartialEq)]
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
    /// Rows written by the steps computed together with this one, if any (read first).
    pub written: Option<Written<'a>>,
}

/// The rows `first_row..` of slots being computed, piece by piece, with the program that reads
/// them: by slot, the rows of the piece written so far.
#[derive(Clone, Copy)]
pub struct Written<'a> {
    pub first_row: usize,
    pub rows: &'a [Option<&'a [f64]>],
}

impl<'a> Env<'a> {
    /// What a program reads that only reads computed slots.
    pub fn new(slots: &'a [Option<Value>], membership: &'a [Option<Arc<[u32]>>]) -> Self {
        Env { slots, membership, written: None }
    }

    fn slot(&self, slot: SlotId) -> &Value {
        self.slots[slot].as_ref().expect("a plan computes a slot before reading it")
    }

    /// Rows `start..end` of a slot written in this piece, if it is one.
    fn written(&self, slot: SlotId, start: usize, end: usize) -> Option<&'a [f64]> {
        let written = self.written?;
        let rows = written.rows.get(slot).copied().flatten()?;
        Some(&rows[start - written.first_row..end - written.first_row])
    }
}

impl Program {
    /// Evaluates the program for `rows` rows (1 for a scalar) and returns the values.
    pub fn run(&self, env: &Env<'_>, rows: usize) -> Vec<f64> {
        let mut out = vec![0.0; rows];
        self.run_into(env, &mut out);
        out
    }

    /// Evaluates the program for every row of `out`, chunk by chunk, writing the values there.
    pub fn run_into(&self, env: &Env<'_>, out: &mut [f64]) {
        self.run_rows(env, 0, out);
    }

    /// Evaluates the program for the rows `first_row..first_row + out.len()`, into `out`.
    pub fn run_rows(&self, env: &Env<'_>, first_row: usize, out: &mut [f64]) {
        let mut start = 0;
        while start < out.len() {
            let end = (start + CHUNK).min(out.len());
            self.eval_into(env, first_row + start, first_row + end, &mut out[start..end]);
            start = end;
        }
    }

    /// Evaluates one chunk straight into `out`: the last operation writes its results where they
    /// belong instead of into a buffer that would then be copied.
    fn eval_into(&self, env: &Env<'_>, start: usize, end: usize, out: &mut [f64]) {
        match self {
            Program::Binary(op, a, b) => {
                let (a, b) = (a.eval(env, start, end), b.eval(env, start, end));
                with_binary!(*op, f => write2(&a, &b, out, f))
            }
            Program::If(c, a, b) => {
                let (c, a, b) = (c.eval(env, start, end), a.eval(env, start, end), b.eval(env, start, end));
                match c {
                    Operand::Scalar(c) => write_operand(if c != 0.0 { &a } else { &b }, out),
                    c => select(view_ref(&c, &None), &a, &b, out),
                }
            }
            Program::Unary(op, a) => {
                let a = a.eval(env, start, end);
                write1(&a, out, unary_fn(*op));
            }
            Program::Scale(table, x) => {
                let x = x.eval(env, start, end);
                write1(&x, out, |v| table.calc(v));
            }
            Program::Call(builtin, args) => {
                let args: Vec<Operand<'_>> = args.iter().map(|a| a.eval(env, start, end)).collect();
                call_into(*builtin, args, out);
            }
            _ => write_operand(&self.eval(env, start, end), out),
        }
    }

    /// Whether the program reads no slot (its value is the same for every row).
    pub fn is_const(&self) -> bool {
        matches!(self, Program::Const(_))
    }

    fn eval<'e>(&self, env: &'e Env<'_>, start: usize, end: usize) -> Operand<'e> {
        let len = end - start;
        match self {
            Program::Const(v) => Operand::Scalar(*v),
            Program::Slot(slot) => match env.written(*slot, start, end) {
                Some(rows) => Operand::Slice(rows),
                None => match env.slot(*slot) {
                    Value::Scalar(v) => Operand::Scalar(*v),
                    Value::Column(c) => Operand::Slice(&c[start..end]),
                    // One value for every row: read as a constant.
                    Value::Packed(p) if matches!(**p, Packed::Same { .. }) => Operand::Scalar(p.at(0)),
                    Value::Packed(p) => {
                        let mut rows = Chunk::to_overwrite(len);
                        p.unpack_into(start, &mut rows);
                        Operand::Owned(rows)
                    }
                },
            },
            Program::Gather { slot, group } => {
                let membership = env.membership[*group].as_ref().expect("group membership");
                match env.slot(*slot) {
                    Value::Scalar(v) => Operand::Scalar(*v),
                    // A group of one (the État): every member reads its one value.
                    Value::Column(c) if c.len() == 1 => Operand::Scalar(c[0]),
                    Value::Column(c) => {
                        Operand::Owned(Chunk::collect(membership[start..end].iter().map(|g| c[*g as usize])))
                    }
                    Value::Packed(p) => {
                        Operand::Owned(Chunk::collect(membership[start..end].iter().map(|g| p.at(*g as usize))))
                    }
                }
            }
            Program::Unary(op, a) => {
                let a = a.eval(env, start, end);
                match op {
                    UnaryOp::Negate => map1(a, len, |x| -x),
                    UnaryOp::Not => map1(a, len, |x| if x == 0.0 { 1.0 } else { 0.0 }),
                }
            }
            Program::Binary(op, a, b) => {
                let (a, b) = (a.eval(env, start, end), b.eval(env, start, end));
                binary(*op, a, b, len)
            }
            Program::If(c, a, b) => {
                let (c, a, b) = (c.eval(env, start, end), a.eval(env, start, end), b.eval(env, start, end));
                if let Operand::Scalar(c) = c {
                    return if c != 0.0 { a } else { b };
                }
                let mut out = Chunk::to_overwrite(len);
                select(view_ref(&c, &None), &a, &b, &mut out);
                Operand::Owned(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(program: &Program, slots: Vec<Option<Value>>, rows: usize) -> Vec<f64> {
        let env = Env::new(&slots, &[]);
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
    fn members_read_their_group_value_whether_there_is_one_group_or_several() {
        let rows = CHUNK + 5;
        let program = |slot| {
            Program::Binary(BinaryOp::Add, Box::new(Program::Gather { slot, group: 1 }), Box::new(Program::Slot(0)))
        };
        let own: Arc<[f64]> = (0..rows).map(|i| i as f64).collect();
        let one_group: Arc<[u32]> = vec![0; rows].into();
        let slots = vec![Some(Value::Column(own.clone())), Some(Value::Column(vec![10.0].into()))];
        let membership = [None, Some(one_group)];
        let env = Env::new(&slots, &membership);
        assert!(program(1).run(&env, rows).iter().enumerate().all(|(i, v)| *v == 10.0 + i as f64));
        let two_groups: Arc<[u32]> = (0..rows as u32).map(|i| i % 2).collect();
        let slots = vec![Some(Value::Column(own)), Some(Value::Column(vec![10.0, 20.0].into()))];
        let membership = [None, Some(two_groups)];
        let env = Env::new(&slots, &membership);
        let expected = |i: usize| if i.is_multiple_of(2) { 10.0 } else { 20.0 } + i as f64;
        assert!(program(1).run(&env, rows).iter().enumerate().all(|(i, v)| *v == expected(i)));
    }

    #[test]
    fn a_condition_picks_the_exact_bits_of_its_branch() {
        let rows = CHUNK + 3;
        let cond: Arc<[f64]> = (0..rows).map(|i| [0.0, 1.0, f64::NAN, -0.0][i % 4]).collect();
        let then: Arc<[f64]> = (0..rows).map(|i| if i % 8 == 1 { -0.0 } else { f64::NAN }).collect();
        let other: Arc<[f64]> = (0..rows).map(|i| i as f64).collect();
        let slots = vec![Some(Value::Column(cond)), Some(Value::Column(then.clone())), Some(Value::Column(other))];
        let program = |a, b| Program::If(Box::new(Program::Slot(0)), Box::new(a), Box::new(b));
        // A NaN condition is true, -0.0 false, as numpy's `where` reads them.
        let out = run(&program(Program::Slot(1), Program::Slot(2)), slots.clone(), rows);
        for (i, v) in out.iter().enumerate() {
            let expected = if i % 4 == 1 || i % 4 == 2 { then[i] } else { i as f64 };
            assert_eq!(v.to_bits(), expected.to_bits(), "row {i}");
        }
        let out = run(&program(Program::Const(-0.0), Program::Slot(2)), slots, rows);
        assert_eq!(out[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(out[3], 3.0);
    }

    #[test]
    fn a_builtin_written_in_place_gives_what_it_gives_inside_an_expression() {
        // At the root, a builtin writes into the output; inside an expression (here the branch
        // of a constant condition) it gives a chunk: the two must agree to the bit.
        let rows = 2 * CHUNK + 11;
        let x: Arc<[f64]> = (0..rows).map(|i| [f64::NAN, -3.5, 0.0, 7.25, 1e9][i % 5] + (i % 3) as f64).collect();
        let y: Arc<[f64]> = (0..rows).map(|i| [0.0, 2.0, -1.0, f64::NAN][i % 4]).collect();
        let slots = vec![Some(Value::Column(x)), Some(Value::Column(y))];
        let (x, y) = (|| Box::new(Program::Slot(0)), || Box::new(Program::Slot(1)));
        let calls = [
            Program::Call(Builtin::Min, vec![*x(), *y()]),
            Program::Call(Builtin::Max, vec![*x(), Program::Const(1.0), *y()]),
            Program::Call(Builtin::Clamp, vec![*x(), Program::Const(-1.0), *y()]),
            Program::Call(Builtin::Ratio, vec![*x(), *y(), Program::Const(-2.0)]),
            Program::Call(Builtin::Ratio, vec![*x(), *y(), *x()]),
            Program::Call(Builtin::Floor, vec![*x()]),
            Program::Unary(UnaryOp::Negate, x()),
        ];
        for call in calls {
            let nested =
                Program::If(Box::new(Program::Const(1.0)), Box::new(call.clone()), Box::new(Program::Const(0.0)));
            let (root, inside) = (run(&call, slots.clone(), rows), run(&nested, slots.clone(), rows));
            let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&root), bits(&inside), "{call:?}");
        }
        let min = run(&Program::Call(Builtin::Min, vec![*x(), *y()]), slots, rows);
        assert!(min[0].is_nan() && min[3].is_nan());
        // Row 1: min(-3.5 + 1, 2) = -2.5.
        assert_eq!(min[1], -2.5);
    }
}
