//! The loops of the kernels: an operand (a constant, a slice of a column or a computed chunk)
//! and the passes over a chunk that combine operands, each specialised to its function so that
//! it vectorises.

use crate::model::BinaryOp;

/// An operand of a kernel: a constant, a slice of a column, or a computed chunk.
pub(super) enum Operand<'a> {
    Scalar(f64),
    Slice(&'a [f64]),
    Owned(Chunk),
}

/// The values a node computed for a chunk of rows. Its buffer is kept by the thread when it is
/// dropped and handed to the next node: a formula's nodes, chunk after chunk, reuse a handful
/// of buffers instead of allocating one each time.
pub(super) struct Chunk(Vec<f64>);

thread_local! {
    static SPARE_CHUNKS: std::cell::RefCell<Vec<Vec<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// At most this many spare buffers a thread (a formula holds a few at once, one per depth).
const SPARE_CHUNKS_KEPT: usize = 32;

impl Chunk {
    pub(super) fn collect(values: impl Iterator<Item = f64>) -> Chunk {
        let mut buffer = Chunk::spare();
        buffer.clear();
        buffer.extend(values);
        Chunk(buffer)
    }

    /// A chunk of `len` values for the caller to overwrite, every one: what it holds before is
    /// left over from an earlier use (zeroing it would be a pass for nothing).
    pub(super) fn to_overwrite(len: usize) -> Chunk {
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

pub(super) fn write_operand(operand: &Operand<'_>, out: &mut [f64]) {
    match operand {
        Operand::Scalar(v) => out.fill(*v),
        Operand::Slice(s) => out.copy_from_slice(s),
        Operand::Owned(v) => out.copy_from_slice(v),
    }
}

/// `out[i] = f(a[i])`.
pub(super) fn write1(a: &Operand<'_>, out: &mut [f64], f: impl Fn(f64) -> f64) {
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
pub(super) fn write2(a: &Operand<'_>, b: &Operand<'_>, out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
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
pub(super) fn select(c: &[f64], a: &Operand<'_>, b: &Operand<'_>, out: &mut [f64]) {
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
pub(super) fn pick(c: f64, a: f64, b: f64) -> f64 {
    let mask = u64::from(c != 0.0).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// A constant spread over a chunk, to be read as a slice (`None` for a column operand).
pub(super) fn spread(operand: &Operand<'_>, len: usize) -> Option<Vec<f64>> {
    match operand {
        Operand::Scalar(v) => Some(vec![*v; len]),
        _ => None,
    }
}

pub(super) fn map1<'e>(a: Operand<'e>, len: usize, f: impl Fn(f64) -> f64) -> Operand<'e> {
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

pub(super) fn binary<'e>(op: BinaryOp, a: Operand<'e>, b: Operand<'e>, len: usize) -> Operand<'e> {
    with_binary!(op, f => map2(a, b, len, f))
}

pub(super) fn map2<'e>(a: Operand<'e>, b: Operand<'e>, len: usize, f: impl Fn(f64, f64) -> f64 + Copy) -> Operand<'e> {
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
pub(super) fn map3<'e>(
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
pub(super) fn view_ref<'a>(operand: &'a Operand<'_>, spread: &'a Option<Vec<f64>>) -> &'a [f64] {
    match (operand, spread) {
        (_, Some(buffer)) => buffer,
        (Operand::Slice(s), None) => s,
        (Operand::Owned(v), None) => v,
        (Operand::Scalar(_), None) => unreachable!("a constant is spread"),
    }
}
