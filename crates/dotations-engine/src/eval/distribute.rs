//! Distribution of a budget by points, with bounds on each amount's change from last year.
//!
//! Find the point value `x` such that
//!
//! ```text
//! Σ_i b_i(x) = budget,   b_i(x) = score_i·x                                   if row i is unbounded
//!                        b_i(x) = clamp(score_i·x, low·previous_i, high·previous_i)  otherwise
//! ```
//!
//! A row is unbounded when its previous amount is 0 or when the caller flags it (e.g. communes
//! that were not eligible). `Σ b_i(x)` is continuous, piecewise linear and non-decreasing in `x`
//! (scores are ≥ 0), so the root is found exactly: find the linear piece of the sum that reaches
//! the budget — its ends are breakpoints `low·prev/score` or `high·prev/score`; Newton's steps
//! go from piece to piece, and walking the sorted breakpoints is the fallback — and solve the
//! linear equation on it. The reference implementation finds the same root with Brent's method
//! on [1e-6, 1e6]; solving on the pieces gives it to the last bits instead.
//!
//! ```
//! use dotations_engine::eval::distribute::{distribute, Distribution};
//! // Two communes, scores 1 and 3, last year 10 and 0 (the second is new: unbounded).
//! let result = distribute(&Distribution {
//!     budget: 40.0, score: &[1.0, 3.0], previous: &[10.0, 0.0],
//!     low: 0.9, high: 1.2, unbounded: None,
//! }).unwrap();
//! // x = 10: 1·10 = 10 is within [9, 12], and 3·10 = 30; 10 + 30 = 40.
//! assert_eq!(result.point, 10.0);
//! assert_eq!(result.amounts, vec![10.0, 30.0]);
//! ```

use super::population::pairwise_sum;

/// The inputs of a distribution (all slices have one value per row).
pub struct Distribution<'a> {
    pub budget: f64,
    pub score: &'a [f64],
    pub previous: &'a [f64],
    pub low: f64,
    pub high: f64,
    /// Rows flagged (non-zero) are not bounded by their previous amount.
    pub unbounded: Option<&'a [f64]>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Distributed {
    /// The point value: the amount per point of score.
    pub point: f64,
    /// Each row's amount, bounds applied.
    pub amounts: Vec<f64>,
}

/// Why a budget cannot be distributed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistributeError {
    #[error("the budget ({budget}) is below the sum of the minimum amounts ({floor}): no point value distributes it")]
    BelowFloors { budget: f64, floor: f64 },
    #[error(
        "the budget ({budget}) is above the sum of the maximum amounts ({ceiling}): no point value distributes it"
    )]
    AboveCeilings { budget: f64, ceiling: f64 },
    #[error("row {row} has {what} {value}: a distribution needs finite values and scores ≥ 0")]
    InvalidValue { row: usize, what: &'static str, value: f64 },
}

/// How one row's amount depends on the point value.
#[derive(Clone, Copy)]
enum RowShape {
    /// `score·x` for every x.
    Linear(f64),
    /// `clamp(score·x, floor, ceiling)` with a positive score.
    Bounded { score: f64, floor: f64, ceiling: f64 },
    /// The same amount whatever x (a bounded row with no score).
    Constant(f64),
}

pub fn distribute(input: &Distribution<'_>) -> Result<Distributed, DistributeError> {
    let shapes = row_shapes(input)?;
    let point = solve(&shapes, input.budget)?;
    let amounts = shapes.iter().map(|shape| amount(*shape, point)).collect();
    Ok(Distributed { point, amounts })
}

fn row_shapes(input: &Distribution<'_>) -> Result<Vec<RowShape>, DistributeError> {
    let check = |row: usize, what: &'static str, value: f64| {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(DistributeError::InvalidValue { row, what, value })
        }
    };
    if !input.budget.is_finite() {
        return Err(DistributeError::InvalidValue { row: 0, what: "a budget of", value: input.budget });
    }
    (0..input.score.len())
        .map(|i| {
            let score = check(i, "a score of", input.score[i])?;
            let previous = check(i, "a previous amount of", input.previous[i])?;
            let flagged = input.unbounded.is_some_and(|u| u[i] != 0.0);
            if flagged || previous == 0.0 {
                return Ok(RowShape::Linear(score));
            }
            if score < 0.0 {
                return Err(DistributeError::InvalidValue { row: i, what: "a score of", value: score });
            }
            let (floor, ceiling) = (input.low * previous, input.high * previous);
            if score == 0.0 || floor > ceiling {
                // numpy's clip(0, floor, ceiling) is min(max(0, floor), ceiling).
                return Ok(RowShape::Constant(0f64.max(floor).min(ceiling)));
            }
            Ok(RowShape::Bounded { score, floor, ceiling })
        })
        .collect()
}

fn amount(shape: RowShape, x: f64) -> f64 {
    match shape {
        RowShape::Linear(score) => score * x,
        RowShape::Bounded { score, floor, ceiling } => (score * x).max(floor).min(ceiling),
        RowShape::Constant(value) => value,
    }
}

/// The total of the rows fixed at a bound (or constant) and the slope of the total (the scores
/// of the rows in their linear range), at `x`: the linear piece of `Σ b_i` that holds `x`.
fn linearise(shapes: &[RowShape], x: f64) -> (f64, f64) {
    let (mut fixed, mut slope) = (0.0, 0.0);
    for shape in shapes {
        match *shape {
            RowShape::Linear(score) => slope += score,
            RowShape::Constant(value) => fixed += value,
            RowShape::Bounded { score, floor, ceiling } => {
                let value = score * x;
                if value <= floor {
                    fixed += floor;
                } else if value >= ceiling {
                    fixed += ceiling;
                } else {
                    slope += score;
                }
            }
        }
    }
    (fixed, slope)
}

/// The point value where the total reaches the budget.
///
/// Newton's method on a piecewise-linear, non-decreasing function: from a point, the root of
/// the linear piece holding it is the next point; once a point lies on the piece that holds
/// the root, the next one *is* the root, exactly. A few passes over the rows usually suffice,
/// instead of sorting every breakpoint; if a step leaves the bracket or the steps do not
/// settle, the breakpoints are walked in order.
fn solve(shapes: &[RowShape], budget: f64) -> Result<f64, DistributeError> {
    let (floor_total, _) = linearise(shapes, 0.0);
    if floor_total > budget {
        return Err(DistributeError::BelowFloors { budget, floor: floor_total });
    }
    let unbounded_slope: f64 = shapes.iter().map(|s| if let RowShape::Linear(score) = s { *score } else { 0.0 }).sum();
    if unbounded_slope <= 0.0 {
        let (ceiling_total, _) = linearise(shapes, f64::INFINITY);
        if ceiling_total < budget {
            return Err(DistributeError::AboveCeilings { budget, ceiling: ceiling_total });
        }
    }
    let total_score: f64 = shapes
        .iter()
        .map(|s| match s {
            RowShape::Linear(score) | RowShape::Bounded { score, .. } => *score,
            RowShape::Constant(_) => 0.0,
        })
        .sum();
    let (mut low, mut high) = (0.0f64, f64::INFINITY);
    let mut x = if total_score > 0.0 { budget / total_score } else { 0.0 };
    for _ in 0..30 {
        let (fixed, slope) = linearise(shapes, x);
        let total = fixed + slope * x;
        if total == budget {
            return Ok(refine(shapes, budget, x));
        }
        if total < budget {
            low = low.max(x);
        } else {
            high = high.min(x);
        }
        let newton = if slope > 0.0 { (budget - fixed) / slope } else { f64::NAN };
        if !(newton > low && newton < high) {
            // A step out of the bracket: walk the breakpoints instead.
            return solve_by_breakpoints(shapes, budget);
        }
        if (newton - x).abs() <= 4.0 * f64::EPSILON * x.abs() {
            return Ok(refine(shapes, budget, newton));
        }
        x = newton;
    }
    solve_by_breakpoints(shapes, budget)
}

/// The same root by walking every breakpoint in order: the fallback when Newton's steps do not
/// settle quickly (e.g. many rows bounded near the root).
fn solve_by_breakpoints(shapes: &[RowShape], budget: f64) -> Result<f64, DistributeError> {
    // State at x = 0: every bounded row sits at clamp(0, floor, ceiling); the sweep then walks
    // the breakpoints in increasing order, tracking the total and its slope.
    let mut total = 0.0;
    let mut slope = 0.0;
    let mut events: Vec<(f64, f64)> = Vec::new();
    for shape in shapes {
        match *shape {
            RowShape::Linear(score) => slope += score,
            RowShape::Constant(value) => total += value,
            RowShape::Bounded { score, floor, ceiling } => {
                let (start, end) = (floor / score, ceiling / score);
                if start > 0.0 {
                    total += floor;
                    events.push((start, score));
                } else if end > 0.0 {
                    slope += score;
                } else {
                    total += ceiling;
                    continue;
                }
                events.push((end, -score));
            }
        }
    }
    if total > budget {
        return Err(DistributeError::BelowFloors { budget, floor: total });
    }
    events.sort_unstable_by_key(|event| super::population::ordered_bits(event.0));
    let mut x = 0.0;
    let mut guess = None;
    for (at, change) in events {
        let reached = total + slope * (at - x);
        if reached >= budget && slope > 0.0 {
            guess = Some(x + (budget - total) / slope);
            break;
        }
        total = reached;
        x = at;
        slope += change;
    }
    let guess = match guess {
        Some(guess) => guess,
        None if slope > 0.0 => x + (budget - total) / slope,
        None if total == budget => x,
        None => return Err(DistributeError::AboveCeilings { budget, ceiling: total }),
    };
    Ok(refine(shapes, budget, guess))
}

/// Solves the linear equation of the segment that holds `guess` again, with totals summed
/// afresh (pairwise), so that rounding errors accumulated along the sweep do not remain.
fn refine(shapes: &[RowShape], budget: f64, guess: f64) -> f64 {
    let mut fixed = Vec::with_capacity(shapes.len());
    let mut linear = Vec::with_capacity(shapes.len());
    for shape in shapes {
        match *shape {
            RowShape::Linear(score) => linear.push(score),
            RowShape::Constant(value) => fixed.push(value),
            RowShape::Bounded { score, floor, ceiling } => {
                let value = score * guess;
                if value <= floor {
                    fixed.push(floor);
                } else if value >= ceiling {
                    fixed.push(ceiling);
                } else {
                    linear.push(score);
                }
            }
        }
    }
    let slope = pairwise_sum(&linear);
    if slope > 0.0 {
        (budget - pairwise_sum(&fixed)) / slope
    } else {
        guess
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        budget: f64,
        score: &[f64],
        previous: &[f64],
        unbounded: Option<&[f64]>,
    ) -> Result<Distributed, DistributeError> {
        distribute(&Distribution { budget, score, previous, low: 0.9, high: 1.2, unbounded })
    }

    #[test]
    fn without_previous_amounts_the_point_is_budget_over_points() {
        let result = run(100.0, &[1.0, 3.0], &[0.0, 0.0], None).unwrap();
        assert_eq!(result.point, 25.0);
        assert_eq!(result.amounts, [25.0, 75.0]);
    }

    #[test]
    fn capped_rows_give_their_excess_to_the_others() {
        // Row 0 would get 50 but is capped at 1.2 × 10 = 12; row 1 (new) takes the rest: 88.
        let result = run(100.0, &[1.0, 1.0], &[10.0, 0.0], None).unwrap();
        assert_eq!(result.amounts, [12.0, 88.0]);
        assert_eq!(result.point, 88.0);
    }

    #[test]
    fn floored_rows_are_paid_their_floor() {
        // Row 0: floor 0.9 × 100 = 90; the remaining 10 go to row 1 (score 1): x = 10.
        let result = run(100.0, &[1.0, 1.0], &[100.0, 0.0], None).unwrap();
        assert_eq!(result.amounts, [90.0, 10.0]);
        assert_eq!(result.point, 10.0);
    }

    #[test]
    fn flagged_rows_are_unbounded() {
        let result = run(100.0, &[1.0, 1.0], &[10.0, 10.0], Some(&[1.0, 1.0])).unwrap();
        assert_eq!(result.amounts, [50.0, 50.0]);
    }

    #[test]
    fn point_on_an_interior_segment() {
        // prev 10 and 20, scores 1 and 1: floors 9 and 18, ceilings 12 and 24.
        // budget 33: both linear at x = 16.5? row 0 would be 16.5 > 12 → capped at 12; row 1: 21.
        let result = run(33.0, &[1.0, 1.0], &[10.0, 20.0], None).unwrap();
        assert_eq!(result.amounts, [12.0, 21.0]);
        assert_eq!(result.point, 21.0);
    }

    #[test]
    fn newton_steps_find_the_root_of_the_breakpoint_walk() {
        // Deterministic pseudo-random rows: a mix of new, bounded and flagged communes.
        let mut state: u64 = 7;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..20 {
            let rows = 2_000;
            let score: Vec<f64> = (0..rows).map(|_| if next() < 0.2 { 0.0 } else { 1_000.0 * next() }).collect();
            let previous: Vec<f64> = (0..rows).map(|_| if next() < 0.3 { 0.0 } else { 50_000.0 * next() }).collect();
            let flagged: Vec<f64> = (0..rows).map(|_| if next() < 0.05 { 1.0 } else { 0.0 }).collect();
            // Between the total of the floors and that of the ceilings, give or take the new rows.
            let last_year: f64 = previous.iter().sum();
            let input = Distribution {
                budget: last_year * (0.95 + 0.3 * next()),
                score: &score,
                previous: &previous,
                low: 0.9,
                high: 1.2,
                unbounded: Some(&flagged),
            };
            let shapes = row_shapes(&input).unwrap();
            let walked = solve_by_breakpoints(&shapes, input.budget).unwrap();
            let result = distribute(&input).unwrap();
            assert!((result.point - walked).abs() <= 1e-12 * walked, "case {case}: {} vs {walked}", result.point);
            let total = pairwise_sum(&result.amounts);
            assert!((total - input.budget).abs() <= 1e-6, "case {case}: total {total}");
        }
    }

    #[test]
    fn impossible_budgets_are_errors() {
        assert_eq!(run(10.0, &[1.0], &[100.0], None), Err(DistributeError::BelowFloors { budget: 10.0, floor: 90.0 }));
        assert_eq!(
            run(1000.0, &[1.0], &[100.0], None),
            Err(DistributeError::AboveCeilings { budget: 1000.0, ceiling: 120.0 })
        );
        assert!(matches!(run(10.0, &[f64::NAN], &[0.0], None), Err(DistributeError::InvalidValue { row: 0, .. })));
    }
}
