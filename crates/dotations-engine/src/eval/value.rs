//! Run-time values: one number for the run, or one per row of an entity.

use std::sync::Arc;

/// A computed or given value. Booleans, dates and enum items are carried as `f64` too (see
/// [`crate::model::Kind`]), so every kernel works on one representation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Column(Arc<[f64]>),
    /// A column that nothing reads any more, kept in fewer bytes (see [`Plan::run_packed`]):
    /// every value is the same bits as the column it was packed from.
    ///
    /// [`Plan::run_packed`]: crate::plan::Plan::run_packed
    Packed(Arc<Packed>),
}

impl Value {
    /// The value of row `i` (a scalar has the same value for every row).
    // Inlined across crates: callers read whole columns through it, row by row.
    #[inline]
    pub fn at(&self, i: usize) -> f64 {
        match self {
            Value::Scalar(v) => *v,
            Value::Column(c) => c[i],
            Value::Packed(p) => p.at(i),
        }
    }

    /// The number of rows it holds (a scalar: one).
    pub fn rows(&self) -> usize {
        match self {
            Value::Column(c) => c.len(),
            Value::Packed(p) => p.len(),
            Value::Scalar(_) => 1,
        }
    }

    /// The column of `f64`, if the value is one (not a scalar, not a packed column).
    pub fn as_column(&self) -> Option<&Arc<[f64]>> {
        match self {
            Value::Column(c) => Some(c),
            Value::Scalar(_) | Value::Packed(_) => None,
        }
    }

    /// A column of `len` rows (a scalar is repeated, a packed column unpacked).
    pub fn to_column(&self, len: usize) -> Arc<[f64]> {
        match self {
            Value::Column(c) => c.clone(),
            Value::Scalar(v) => vec![*v; len].into(),
            Value::Packed(p) => p.to_vec().into(),
        }
    }
}

/// A column in the smallest of four forms that holds each of its values exactly, bit for bit.
///
/// Most columns are booleans, enum items, counts, ranks, whole euros or amounts in cents: a
/// byte, an `f32` or an `i32` of cents holds them, and a column of one value (a national amount
/// given to every commune) needs no rows at all. A run that keeps its results for writing them packs each one after its last
/// reader, which takes about a third off the memory of a run over every commune.
///
/// ```
/// use dotations_engine::eval::value::Packed;
///
/// let flags = Packed::pack(&[1.0, 0.0, 1.0]).unwrap();
/// assert!(matches!(flags, Packed::Bytes(_)));
/// assert_eq!(flags.to_vec(), [1.0, 0.0, 1.0]);
/// assert!(matches!(Packed::pack(&[0.5, 1234567.0]), Some(Packed::Floats(_))));
/// assert!(matches!(Packed::pack(&[7.0; 4]), Some(Packed::Same { value: 7.0, rows: 4 })));
/// assert!(matches!(Packed::pack(&[1234.56, 0.1]), Some(Packed::Cents(_))));
/// // A third of a euro needs every bit of an f64; -0.0 is not the byte 0.
/// assert_eq!(Packed::pack(&[1.0 / 3.0, 2.0]), None);
/// assert!(matches!(Packed::pack(&[-0.0, 1.0]), Some(Packed::Floats(_))));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Packed {
    /// The same value (the same bits) in every row.
    Same { value: f64, rows: usize },
    /// Whole numbers from 0 to 255.
    Bytes(Vec<u8>),
    /// Numbers an `f32` holds exactly (whole numbers up to 2^24, halves, quarters…).
    Floats(Vec<f32>),
    /// Amounts in cents, below 21 million euros: each the `f64` nearest to its number of cents
    /// divided by 100, which is how an amount of two decimals is read from its text.
    Cents(Vec<i32>),
}

impl Packed {
    /// The smallest exact form of `values`, or `None` when only `f64` holds them all (or there
    /// are fewer than two rows: nothing to save).
    pub fn pack(values: &[f64]) -> Option<Packed> {
        let (first, _) = values.split_first().filter(|_| values.len() > 1)?;
        if all_of(values, |v| v.to_bits() == first.to_bits()) {
            return Some(Packed::Same { value: *first, rows: values.len() });
        }
        // Checked by converting back, bit for bit: -0.0 and NaN are no byte, and an f32 NaN may
        // not give back the same payload.
        let byte = |v: &f64| f64::from(*v as u8).to_bits() == v.to_bits();
        if all_of(values, byte) {
            return Some(Packed::Bytes(values.iter().map(|v| *v as u8).collect()));
        }
        let float = |v: &f64| f64::from(*v as f32).to_bits() == v.to_bits();
        if all_of(values, float) {
            return Some(Packed::Floats(values.iter().map(|v| *v as f32).collect()));
        }
        // `as i32` saturates (and gives 0 for NaN): the check back rejects what it changed. Ties
        // to even is one instruction, where `round` is a library call; a tie is half a cent,
        // which no rounding makes a cent.
        let cents = |v: &f64| (v * 100.0).round_ties_even() as i32;
        if all_of(values, |v| (f64::from(cents(v)) / 100.0).to_bits() == v.to_bits()) {
            return Some(Packed::Cents(values.iter().map(cents).collect()));
        }
        None
    }

    pub fn len(&self) -> usize {
        match self {
            Packed::Same { rows, .. } => *rows,
            Packed::Bytes(b) => b.len(),
            Packed::Floats(f) => f.len(),
            Packed::Cents(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of row `i`.
    #[inline]
    pub fn at(&self, i: usize) -> f64 {
        match self {
            Packed::Same { value, rows } => {
                assert!(i < *rows, "row {i} of a column of {rows}");
                *value
            }
            Packed::Bytes(b) => f64::from(b[i]),
            Packed::Floats(f) => f64::from(f[i]),
            Packed::Cents(c) => f64::from(c[i]) / 100.0,
        }
    }

    /// Rows `start..start + out.len()`, as `f64`, into `out`.
    pub fn unpack_into(&self, start: usize, out: &mut [f64]) {
        let end = start + out.len();
        match self {
            Packed::Same { value, rows } => {
                assert!(end <= *rows, "rows {start}..{end} of a column of {rows}");
                out.fill(*value);
            }
            Packed::Bytes(b) => out.iter_mut().zip(&b[start..end]).for_each(|(o, v)| *o = f64::from(*v)),
            Packed::Floats(f) => out.iter_mut().zip(&f[start..end]).for_each(|(o, v)| *o = f64::from(*v)),
            Packed::Cents(c) => out.iter_mut().zip(&c[start..end]).for_each(|(o, v)| *o = f64::from(*v) / 100.0),
        }
    }

    /// Every row, as `f64`.
    pub fn to_vec(&self) -> Vec<f64> {
        let mut values = vec![0.0; self.len()];
        self.unpack_into(0, &mut values);
        values
    }
}

/// Whether `test` holds for every value: block by block, each block checked whole (a loop
/// without an early exit is one the compiler vectorises), stopping at the first block that fails.
fn all_of(values: &[f64], test: impl Fn(&f64) -> bool) -> bool {
    values.chunks(256).all(|block| block.iter().fold(true, |all, v| all & test(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_column_gives_back_the_same_bits() {
        let columns: [&[f64]; 7] = [
            &[0.0, 1.0, 255.0, 3.0],
            &[256.0, 0.0, 16_777_216.0, 0.25],
            &[f64::NAN, f64::NAN],
            &[-1.0, 2.0],
            &[1234.56, -0.07, 21_474_836.47, 3.0],
            &[0.1 + 0.2, 1.0],
            &[1e300, 1.0],
        ];
        for values in columns {
            let Some(packed) = Packed::pack(values) else {
                assert!(values[1] == 1.0, "only the last two need f64: {values:?}");
                continue;
            };
            let back = packed.to_vec();
            assert!(values.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits()), "{values:?} → {packed:?}");
            // From the second row on.
            let mut rest = vec![0.0; values.len() - 1];
            packed.unpack_into(1, &mut rest);
            assert!(values[1..].iter().zip(&rest).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert_eq!(packed.at(1).to_bits(), values[1].to_bits());
        }
        assert!(matches!(Packed::pack(&[0.0, 1.0, 255.0]), Some(Packed::Bytes(_))));
        assert!(matches!(Packed::pack(&[256.0, 0.0]), Some(Packed::Floats(_))));
        assert!(matches!(Packed::pack(&[-1.0, 2.0]), Some(Packed::Floats(_))));
        assert!(matches!(Packed::pack(&[1234.56, -0.07]), Some(Packed::Cents(_))));
        // 0.1 + 0.2 is not the double nearest to 0.3; past 2^31 cents, no i32 holds them.
        assert_eq!(Packed::pack(&[0.1 + 0.2, 1.0]), None);
        assert_eq!(Packed::pack(&[21_474_836.48, 0.5]), None);
        // NaN has no cents (an f32 holds it, with 0.5).
        assert_eq!(Packed::pack(&[f64::NAN, 0.1]), None);
        assert!(matches!(Packed::pack(&[f64::NAN, 0.5]), Some(Packed::Floats(_))));
        // 2^24 + 1 is the first whole number an f32 does not hold; cents do, up to 2^31.
        assert!(matches!(Packed::pack(&[16_777_217.0, 0.0]), Some(Packed::Cents(_))));
        assert_eq!(Packed::pack(&[2_147_483_649.0, 0.0]), None);
        assert_eq!(Packed::pack(&[3.0]), None);
        assert_eq!(Packed::pack(&[]), None);
    }
}
