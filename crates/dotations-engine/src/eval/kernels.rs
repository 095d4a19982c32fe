//! Row-by-row programs evaluated over whole columns, a chunk of rows at a time.
//!
//! A formula's row-wise part is lowered to a [`Program`] tree once per plan; evaluating it
//! walks the tree once per chunk of [`CHUNK`] rows, and every node runs a tight loop over the
//! chunk. There is no per-row interpretation: the tree walk costs the same for 1 row or 2 048,
//! and intermediate buffers stay in the CPU cache.

use std::sync::Arc;

use crate::model::{BinaryOp, Builtin, UnaryOp};

use super::scale::ScaleTable;
use super::value::{Packed, Value};

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

/// An operand of a kernel: a constant, a slice of a column, or a computed chunk.
enum Operand<'a> {
    Scalar(f64),
    Slice(&'a [f64]),
    Owned(Chunk),
}

/// The values a node computed for a chunk of rows. Its buffer is kept by the thread when it is
/// dropped and handed to the next node: a formula's nodes, chunk after chunk, reuse a handful
/// of buffers instead of allocating one each time.
struct Chunk(Vec<f64>);

thread_local! {
    static SPARE_CHUNKS: std::cell::RefCell<Vec<Vec<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// At most this many spare buffers a thread (a formula holds a few at once, one per depth).
const SPARE_CHUNKS_KEPT: usize = 32;

impl Chunk {
    fn collect(values: impl Iterator<Item = f64>) -> Chunk {
        let mut buffer = Chunk::spare();
        buffer.clear();
        buffer.extend(values);
        Chunk(buffer)
    }

    /// A chunk of `len` values for the caller to overwrite, every one: what it holds before is
    /// left over from an earlier use (zeroing it would be a pass for nothing).
    fn to_overwrite(len: usize) -> Chunk {
        let mut buffer = Chunk::spare();
        buffer.resize(len, 0.0);
        Chunk(buffer)
    }

    fn spare() -> Vec<f64> {
        SPARE_CHUNKS.with(|spares| spares.borrow_mut().pop()).unwrap_or_default()
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.0);
        // `try_with`: a thread being torn down just frees it.
        let _ = SPARE_CHUNKS.try_with(|spares| {
            let mut spares = spares.borrow_mut();
            if spares.len() < SPARE_CHUNKS_KEPT {
                spares.push(buffer);
            }
        });
    }
}

impl std::ops::Deref for Chunk {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.0
    }
}

impl std::ops::DerefMut for Chunk {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.0
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

fn write_operand(operand: &Operand<'_>, out: &mut [f64]) {
    match operand {
        Operand::Scalar(v) => out.fill(*v),
        Operand::Slice(s) => out.copy_from_slice(s),
        Operand::Owned(v) => out.copy_from_slice(v),
    }
}

/// `out[i] = f(a[i])`.
fn write1(a: &Operand<'_>, out: &mut [f64], f: impl Fn(f64) -> f64) {
    match a {
        Operand::Scalar(x) => out.fill(f(*x)),
        a => {
            for (o, x) in out.iter_mut().zip(view_ref(a, &None)) {
                *o = f(*x);
            }
        }
    }
}

/// `out[i] = f(a[i], b[i])`, a loop per combination of constant and column operands.
fn write2(a: &Operand<'_>, b: &Operand<'_>, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => out.fill(f(*x, *y)),
        (Operand::Scalar(x), b) => {
            for (o, y) in out.iter_mut().zip(view_ref(b, &None)) {
                *o = f(*x, *y);
            }
        }
        (a, Operand::Scalar(y)) => {
            for (o, x) in out.iter_mut().zip(view_ref(a, &None)) {
                *o = f(*x, *y);
            }
        }
        (a, b) => {
            for ((o, x), y) in out.iter_mut().zip(view_ref(a, &None)).zip(view_ref(b, &None)) {
                *o = f(*x, *y);
            }
        }
    }
}

/// `out[i] = if c[i] { a[i] } else { b[i] }`, with a loop per kind of branch (constants are
/// not spread into buffers: a branch is very often a constant such as 0).
fn select(c: &[f64], a: &Operand<'_>, b: &Operand<'_>, out: &mut [f64]) {
    match (a, b) {
        (Operand::Scalar(a), Operand::Scalar(b)) => {
            for (o, c) in out.iter_mut().zip(c) {
                *o = pick(*c, *a, *b);
            }
        }
        (Operand::Scalar(a), b) => {
            for ((o, c), b) in out.iter_mut().zip(c).zip(view_ref(b, &None)) {
                *o = pick(*c, *a, *b);
            }
        }
        (a, Operand::Scalar(b)) => {
            for ((o, c), a) in out.iter_mut().zip(c).zip(view_ref(a, &None)) {
                *o = pick(*c, *a, *b);
            }
        }
        (a, b) => {
            for (((o, c), a), b) in out.iter_mut().zip(c).zip(view_ref(a, &None)).zip(view_ref(b, &None)) {
                *o = pick(*c, *a, *b);
            }
        }
    }
}

/// `if c { a } else { b }` on the values' bits. Written as a plain `if` over two slices, the
/// compiler selects between the two addresses and loads through a vector gather, several times
/// slower than loading both and blending them.
#[inline(always)]
fn pick(c: f64, a: f64, b: f64) -> f64 {
    let mask = u64::from(c != 0.0).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// A constant spread over a chunk, to be read as a slice (`None` for a column operand).
fn spread(operand: &Operand<'_>, len: usize) -> Option<Vec<f64>> {
    match operand {
        Operand::Scalar(v) => Some(vec![*v; len]),
        _ => None,
    }
}

fn map1<'e>(a: Operand<'e>, len: usize, f: impl Fn(f64) -> f64) -> Operand<'e> {
    match a {
        Operand::Scalar(v) => Operand::Scalar(f(v)),
        Operand::Slice(s) => Operand::Owned(Chunk::collect(s.iter().map(|v| f(*v)))),
        Operand::Owned(mut v) => {
            debug_assert_eq!(v.len(), len);
            v.iter_mut().for_each(|x| *x = f(*x));
            Operand::Owned(v)
        }
    }
}

fn binary<'e>(op: BinaryOp, a: Operand<'e>, b: Operand<'e>, len: usize) -> Operand<'e> {
    with_binary!(op, f => map2(a, b, len, f))
}

fn map2<'e>(a: Operand<'e>, b: Operand<'e>, len: usize, f: impl Fn(f64, f64) -> f64 + Copy) -> Operand<'e> {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => Operand::Scalar(f(x, y)),
        (Operand::Owned(mut v), b) => {
            match b {
                Operand::Scalar(y) => v.iter_mut().for_each(|x| *x = f(*x, y)),
                Operand::Slice(s) => v.iter_mut().zip(s).for_each(|(x, y)| *x = f(*x, *y)),
                Operand::Owned(w) => v.iter_mut().zip(w.iter()).for_each(|(x, y)| *x = f(*x, *y)),
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
        (Operand::Slice(s), Operand::Scalar(y)) => Operand::Owned(Chunk::collect(s.iter().map(|x| f(*x, y)))),
        (Operand::Scalar(x), Operand::Slice(s)) => Operand::Owned(Chunk::collect(s.iter().map(|y| f(x, *y)))),
        (Operand::Slice(s), Operand::Slice(t)) => {
            debug_assert_eq!(s.len(), len);
            Operand::Owned(Chunk::collect(s.iter().zip(t).map(|(x, y)| f(*x, *y))))
        }
    }
}

/// A three-operand kernel: each operand is brought to a slice of the chunk (a constant is
/// spread into a buffer) so that the loop is a plain zip the compiler can vectorise.
fn map3<'e>(
    a: Operand<'e>,
    b: Operand<'e>,
    c: Operand<'e>,
    len: usize,
    f: impl Fn(f64, f64, f64) -> f64,
) -> Operand<'e> {
    if let (Operand::Scalar(x), Operand::Scalar(y), Operand::Scalar(z)) = (&a, &b, &c) {
        return Operand::Scalar(f(*x, *y, *z));
    }
    let (sa, sb, sc) = (spread(&a, len), spread(&b, len), spread(&c, len));
    let (x, y, z) = (view_ref(&a, &sa), view_ref(&b, &sb), view_ref(&c, &sc));
    Operand::Owned(Chunk::collect(x.iter().zip(y).zip(z).map(|((x, y), z)| f(*x, *y, *z))))
}

/// The values of an operand as a slice (`spread` holds a constant spread over the chunk).
fn view_ref<'a>(operand: &'a Operand<'_>, spread: &'a Option<Vec<f64>>) -> &'a [f64] {
    match (operand, spread) {
        (_, Some(buffer)) => buffer,
        (Operand::Slice(s), None) => s,
        (Operand::Owned(v), None) => v,
        (Operand::Scalar(_), None) => unreachable!("a constant is spread"),
    }
}

/// A builtin's values written into `out`: the last pass of the common builtins writes there
/// directly (the others are computed, then copied).
fn call_into(builtin: Builtin, mut args: Vec<Operand<'_>>, out: &mut [f64]) {
    let len = out.len();
    match builtin {
        Builtin::Min | Builtin::Max => {
            let f = if builtin == Builtin::Min { min_nan } else { max_nan };
            let last = args.pop().expect("at least two arguments");
            let mut args = args.into_iter();
            let first = args.next().expect("at least two arguments");
            let rest = args.fold(first, |acc, next| map2(acc, next, len, f));
            write2(&rest, &last, out, f);
        }
        Builtin::Clamp => {
            let high = args.pop().expect("clamp high");
            let low = args.pop().expect("clamp low");
            let x = args.pop().expect("clamp value");
            write2(&map2(x, low, len, max_nan), &high, out, min_nan);
        }
        Builtin::Ratio if matches!(args[2], Operand::Scalar(_)) => {
            let Some(Operand::Scalar(default)) = args.pop() else { unreachable!("a constant default") };
            write2(&args[0], &args[1], out, move |x, y| ratio(x, y, default));
        }
        _ => write_operand(&call(builtin, args, len), out),
    }
}

fn call<'e>(builtin: Builtin, mut args: Vec<Operand<'e>>, len: usize) -> Operand<'e> {
    match builtin {
        Builtin::Min => {
            let mut args = args.into_iter();
            let first = args.next().expect("at least two arguments");
            args.fold(first, |acc, next| map2(acc, next, len, min_nan))
        }
        Builtin::Max => {
            let mut args = args.into_iter();
            let first = args.next().expect("at least two arguments");
            args.fold(first, |acc, next| map2(acc, next, len, max_nan))
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
