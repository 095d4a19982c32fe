//! Scales at a date and their `calc`, with OpenFisca's semantics for each kind
//! (`openfisca_core/taxscales/*.py`).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::decimal_to_f64;
use crate::model::{BracketField, Scale};

/// How a scale turns its brackets into a function.
///
/// The kind comes from `metadata.type`; without it OpenFisca infers it from the brackets: a scale
/// whose brackets have an `amount` is `marginal_amount`, one with `average_rate` is
/// `linear_average_rate`, otherwise `marginal_rate` (`ParameterScale._get_at_instant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleKind {
    /// `single_amount`: the amount of the bracket the base falls in.
    SingleAmount,
    /// `marginal_amount`: the sum of the amounts of the brackets the base exceeds.
    MarginalAmount,
    /// `marginal_rate`: each rate applies to the part of the base inside its bracket.
    MarginalRate,
    /// `linear_average_rate`: an average rate interpolated linearly between thresholds.
    LinearAverageRate,
}

impl ScaleKind {
    pub const ALL: [ScaleKind; 4] =
        [ScaleKind::SingleAmount, ScaleKind::MarginalAmount, ScaleKind::MarginalRate, ScaleKind::LinearAverageRate];

    /// The name used in `metadata.type`.
    pub fn name(self) -> &'static str {
        match self {
            ScaleKind::SingleAmount => "single_amount",
            ScaleKind::MarginalAmount => "marginal_amount",
            ScaleKind::MarginalRate => "marginal_rate",
            ScaleKind::LinearAverageRate => "linear_average_rate",
        }
    }

    pub fn from_name(name: &str) -> Option<ScaleKind> {
        ScaleKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The bracket field that holds the value paired with each threshold.
    pub fn value_field(self) -> BracketField {
        match self {
            ScaleKind::SingleAmount | ScaleKind::MarginalAmount => BracketField::Amount,
            ScaleKind::MarginalRate => BracketField::Rate,
            ScaleKind::LinearAverageRate => BracketField::AverageRate,
        }
    }
}

impl Scale {
    /// The scale in force on `date`. A bracket takes part only when both its threshold and its
    /// amount (or rate) have a value on that date, as in OpenFisca, where a bracket child without
    /// a value is dropped. Brackets are sorted by threshold and, as OpenFisca's `add_bracket`
    /// does, two brackets with the same threshold add their amounts (or rates).
    pub fn at(&self, date: NaiveDate) -> ScaleAt {
        let field = self.kind.value_field();
        let mut brackets: Vec<(Decimal, Decimal)> = Vec::new();
        for bracket in &self.brackets {
            let number_at = |parameter: Option<&crate::Parameter>| {
                parameter.and_then(|p| p.value_at(date)).and_then(|v| v.as_number())
            };
            let (Some(threshold), Some(value)) = (number_at(Some(&bracket.threshold)), number_at(bracket.field(field)))
            else {
                continue;
            };
            let index = brackets.partition_point(|(t, _)| *t < threshold);
            match brackets.get_mut(index) {
                Some((t, v)) if *t == threshold => *v += value,
                _ => brackets.insert(index, (threshold, value)),
            }
        }
        ScaleAt { kind: self.kind, brackets }
    }
}

/// A scale on one date: `(threshold, amount or rate)` pairs sorted by threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleAt {
    pub kind: ScaleKind,
    pub brackets: Vec<(Decimal, Decimal)>,
}

impl ScaleAt {
    /// Applies the scale to a base, in `f64` like OpenFisca's numpy code (thresholds and amounts
    /// are converted with correct rounding, as Python's `float()` reads them). A scale without
    /// brackets gives 0 for every kind. For each kind, with thresholds `t₀ < t₁ < …`:
    ///
    /// - `single_amount`: the amount of the last bracket with `tᵢ ≤ x`; 0 below `t₀`, 0 for NaN and
    ///   +∞ (numpy's `digitize(right=False)` with guards at ±∞).
    /// - `marginal_amount`: the sum of the amounts of the brackets with `tᵢ < x` (a base equal to a
    ///   threshold does not reach that bracket).
    /// - `marginal_rate`: `Σ rateᵢ · max(min(x, t'ᵢ₊₁) − t'ᵢ, 0)` with `t'ᵢ = tᵢ·(1 + ε)` and
    ///   `t'ₙ = ∞`; the `1 + ε` (machine epsilon) factor is OpenFisca's guard against `0 · ∞`.
    /// - `linear_average_rate`: with one bracket, `x · rate₀`; otherwise, for the bracket with
    ///   `tᵢ ≤ x < tᵢ₊₁`, `x · (rateᵢ + (x − tᵢ) · slopeᵢ)` where `slopeᵢ` is the slope of the rate
    ///   between `tᵢ` and `tᵢ₊₁`; 0 when `x` is below `t₀` or at or beyond the last threshold.
    pub fn calc(&self, x: f64) -> f64 {
        self.to_f64().calc(x)
    }

    /// The scale with its brackets converted to `f64` once, to apply it to many values.
    pub fn to_f64(&self) -> ScaleF64 {
        ScaleF64 {
            kind: self.kind,
            thresholds: self.brackets.iter().map(|(t, _)| decimal_to_f64(*t)).collect(),
            values: self.brackets.iter().map(|(_, v)| decimal_to_f64(*v)).collect(),
        }
    }
}

/// A scale on one date with `f64` brackets: what [`ScaleAt::calc`] computes with, kept to apply
/// the scale to whole columns without converting decimals for every value.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleF64 {
    pub kind: ScaleKind,
    pub thresholds: Vec<f64>,
    pub values: Vec<f64>,
}

impl ScaleF64 {
    /// See [`ScaleAt::calc`].
    // Inlined across crates: the kernels apply it to every value of a column.
    #[inline]
    pub fn calc(&self, x: f64) -> f64 {
        let n = self.thresholds.len();
        let threshold = |index: usize| self.thresholds[index];
        let value = |index: usize| self.values[index];
        if n == 0 {
            return 0.0;
        }
        match self.kind {
            ScaleKind::SingleAmount => {
                if x.is_nan() || x == f64::INFINITY {
                    return 0.0;
                }
                // The thresholds are in increasing order: the brackets reached are those whose
                // threshold is ≤ x. A scale has a few brackets: counting them all, without
                // branches, is quicker than a binary search's unpredictable jumps.
                let reached = if n <= 32 {
                    self.thresholds.iter().map(|t| usize::from(*t <= x)).sum()
                } else {
                    self.thresholds.partition_point(|t| *t <= x)
                };
                reached.checked_sub(1).map_or(0.0, value)
            }
            ScaleKind::MarginalAmount => (0..n)
                .filter(|&index| {
                    let upper = if index + 1 < n { threshold(index + 1) } else { f64::INFINITY };
                    np_max(np_min(x, upper) - threshold(index), 0.0) > 0.0
                })
                .map(value)
                .sum(),
            ScaleKind::MarginalRate => {
                let guard = 1.0 + f64::EPSILON;
                (0..n)
                    .map(|index| {
                        let lower = threshold(index) * guard;
                        let upper = if index + 1 < n { threshold(index + 1) * guard } else { f64::INFINITY };
                        value(index) * np_max(np_min(x, upper) - lower, 0.0)
                    })
                    .sum()
            }
            ScaleKind::LinearAverageRate => {
                if n == 1 {
                    return x * value(0);
                }
                for index in 0..n - 1 {
                    let (low, high) = (threshold(index), threshold(index + 1));
                    if low <= x && x < high {
                        let slope = (value(index + 1) - value(index)) / (high - low);
                        return x * (value(index) + (x - low) * slope);
                    }
                }
                // Outside every bracket numpy's formula degenerates to `x · (0 + x · 0)`: 0 for a
                // finite base, NaN for NaN or ±∞.
                x * (x * 0.0)
            }
        }
    }
}

/// numpy's `minimum`, which, unlike `f64::min`, propagates NaN.
fn np_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// numpy's `maximum`, which propagates NaN.
fn np_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(kind: ScaleKind, brackets: &[(i64, &str)]) -> ScaleAt {
        let brackets = brackets.iter().map(|(t, v)| (Decimal::from(*t), v.parse().unwrap())).collect();
        ScaleAt { kind, brackets }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn single_amount_takes_the_last_threshold_reached() {
        let s = scale(ScaleKind::SingleAmount, &[(0, "10"), (100, "20"), (200, "30")]);
        let cases =
            [(-0.01, 0.0), (0.0, 10.0), (99.99, 10.0), (100.0, 20.0), (199.0, 20.0), (200.0, 30.0), (1e12, 30.0)];
        for (x, expected) in cases {
            assert_eq!(s.calc(x), expected, "calc({x})");
        }
        assert_eq!(s.calc(f64::NAN), 0.0);
        assert_eq!(s.calc(f64::INFINITY), 0.0);
        assert_eq!(s.calc(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn single_amount_counts_its_thresholds_as_a_binary_search_finds_them() {
        // Up to 32 thresholds are counted, more are searched: both give the bracket reached.
        for n in [1usize, 5, 32, 33, 100] {
            let brackets: Vec<(Decimal, Decimal)> =
                (0..n).map(|i| (Decimal::from(i as i64 * 10), Decimal::from(i as i64 + 1))).collect();
            let s = ScaleAt { kind: ScaleKind::SingleAmount, brackets };
            for x in [-1.0, 0.0, 5.0, 10.0, 155.0, 319.99, 320.0, 1e12, f64::NAN, f64::INFINITY] {
                let reached = (0..n).filter(|i| (*i as f64 * 10.0) <= x).count();
                let expected = if x.is_nan() || x == f64::INFINITY || reached == 0 { 0.0 } else { reached as f64 };
                assert_eq!(s.calc(x), expected, "{n} thresholds, x = {x}");
            }
        }
    }

    #[test]
    fn marginal_amount_adds_the_amounts_of_thresholds_exceeded() {
        let s = scale(ScaleKind::MarginalAmount, &[(0, "10"), (100, "20"), (200, "30")]);
        let cases = [(-1.0, 0.0), (0.0, 0.0), (0.5, 10.0), (100.0, 10.0), (100.5, 30.0), (200.0, 30.0), (201.0, 60.0)];
        for (x, expected) in cases {
            assert_eq!(s.calc(x), expected, "calc({x})");
        }
    }

    #[test]
    fn marginal_rate_taxes_each_slice_at_its_rate() {
        let s = scale(ScaleKind::MarginalRate, &[(0, "0.1"), (100, "0.2"), (200, "0.3")]);
        let cases = [(-10.0, 0.0), (0.0, 0.0), (50.0, 5.0), (100.0, 10.0), (150.0, 20.0), (200.0, 30.0), (300.0, 60.0)];
        for (x, expected) in cases {
            assert!(close(s.calc(x), expected), "calc({x}) = {}", s.calc(x));
        }
        // OpenFisca's thresholds are multiplied by 1 + ε: a base equal to a threshold leaves the
        // next slice empty, and the slice below ends a hair above the threshold.
        assert_eq!(s.calc(100.0), 10.0);
        let guarded = 100.0 * (1.0 + f64::EPSILON);
        assert!(guarded > 100.0);
        assert_eq!(s.calc(150.0), 0.1 * guarded + 0.2 * (150.0 - guarded));
        assert!(s.calc(f64::NAN).is_nan());
    }

    #[test]
    fn linear_average_rate_interpolates_the_average_rate() {
        let s = scale(ScaleKind::LinearAverageRate, &[(0, "0"), (100, "0.1"), (200, "0.15")]);
        let cases = [
            (-1.0, 0.0),
            (0.0, 0.0),
            (50.0, 2.5),
            (100.0, 10.0),
            (150.0, 18.75),
            (199.0, 199.0 * (0.1 + 99.0 * 0.0005)),
        ];
        for (x, expected) in cases {
            assert!(close(s.calc(x), expected), "calc({x}) = {}", s.calc(x));
        }
        // OpenFisca's formula gives 0 at and beyond the last threshold.
        assert_eq!(s.calc(200.0), 0.0);
        assert_eq!(s.calc(1000.0), 0.0);
        let single = scale(ScaleKind::LinearAverageRate, &[(0, "0.2")]);
        assert!(close(single.calc(50.0), 10.0));
    }

    #[test]
    fn an_empty_scale_gives_zero() {
        for kind in ScaleKind::ALL {
            assert_eq!(ScaleAt { kind, brackets: Vec::new() }.calc(123.0), 0.0, "{kind:?}");
        }
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for kind in ScaleKind::ALL {
            assert_eq!(ScaleKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ScaleKind::from_name("single"), None);
    }
}
