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

/// The rows as the solver needs them: the unbounded rows only add to the slope and the constant
/// ones to the total, so only the bounded rows are kept one by one — column by column, so that
/// the solver's passes over them vectorise.
#[derive(Debug)]
struct Rows {
    /// Σ scores of the rows that are `score·x` whatever x.
    slope: f64,
    /// Σ amounts of the rows whose amount does not depend on x.
    constant: f64,
    /// The total at x = 0 (every bounded row at its floor, or its ceiling if that is below 0).
    floors: f64,
    /// Σ scores of every row that has one: `budget / total_score` is the first guess.
    total_score: f64,
    /// Score, floor and ceiling of each bounded row with a positive score: the first `bounded`
    /// values of each column (the columns are reused from solve to solve, and only that many
    /// values are written each time: what lies beyond is left over from an earlier solve).
    scores: Vec<f64>,
    floors_each: Vec<f64>,
    ceilings: Vec<f64>,
    bounded: usize,
}

impl Rows {
    /// The scores, floors and ceilings of the bounded rows.
    fn bounded(&self) -> (&[f64], &[f64], &[f64]) {
        let n = self.bounded;
        (&self.scores[..n], &self.floors_each[..n], &self.ceilings[..n])
    }
}

pub fn distribute(input: &Distribution<'_>) -> Result<Distributed, DistributeError> {
    let point = point_value(input)?;
    let (low, high) = (input.low, input.high);
    let flagged = |row: usize| input.unbounded.is_some_and(|u| u[row] != 0.0);
    // One formula for every row: clamp(score·x, floor, ceiling) is also right for a bounded row
    // without score, or with floor > ceiling (numpy's clip then gives the ceiling).
    let amounts = (0..input.score.len())
        .map(|row| {
            let (value, previous) = (input.score[row] * point, input.previous[row]);
            if previous == 0.0 || flagged(row) {
                value
            } else {
                value.max(low * previous).min(high * previous)
            }
        })
        .collect();
    Ok(Distributed { point, amounts })
}

/// The point value of a distribution, without the amounts (the rules compute those from it).
pub fn point_value(input: &Distribution<'_>) -> Result<f64, DistributeError> {
    Classified::new(input)?.point(input.budget)
}

/// A distribution's rows, checked and classified: all that does not depend on the budget. A
/// what-if that changes only the budget finds the new point value from it, without reading
/// the rows again.
///
/// ```
/// use dotations_engine::eval::distribute::{point_value, Classified, Distribution};
/// let input = Distribution {
///     budget: 40.0, score: &[1.0, 3.0], previous: &[10.0, 0.0],
///     low: 0.9, high: 1.2, unbounded: None,
/// };
/// let classified = Classified::new(&input).unwrap();
/// assert_eq!(classified.point(40.0), point_value(&input));
/// // 42: the first commune is still within its bounds, 1·10.5 + 3·10.5 = 42.
/// assert_eq!(classified.point(42.0), Ok(10.5));
/// ```
#[derive(Debug)]
pub struct Classified {
    rows: Rows,
}

impl Classified {
    /// Checks the rows (finite values, scores ≥ 0 where bounded) and classifies them.
    pub fn new(input: &Distribution<'_>) -> Result<Classified, DistributeError> {
        validate_rows(input)?;
        Ok(Classified { rows: classify(input) })
    }

    /// The point value that distributes `budget` over the rows.
    pub fn point(&self, budget: f64) -> Result<f64, DistributeError> {
        if !budget.is_finite() {
            return Err(DistributeError::InvalidValue { row: 0, what: "a budget of", value: budget });
        }
        solve(&self.rows, budget)
    }
}

/// The rows as the solver needs them: sums for the unbounded and constant ones, each bounded
/// row kept. Two passes without branches: the sums, in [`LANES`] lanes over chunks of rows (it
/// vectorises); then every row written at the next free place of the bounded rows' columns,
/// which only a bounded row then takes.
fn classify(input: &Distribution<'_>) -> Rows {
    let rows = input.score.len();
    let kind = |row: usize| {
        let flag = input.unbounded.map_or(0.0, |flags| flags[row]);
        RowKind::of(input.score[row], input.previous[row], flag, input.low, input.high)
    };
    let mut tally = Tally::default();
    let whole = rows / LANES * LANES;
    for start in (0..whole).step_by(LANES) {
        let chunk = |column: &[f64]| -> [f64; LANES] { column[start..start + LANES].try_into().expect("LANES rows") };
        let (score, previous) = (chunk(input.score), chunk(input.previous));
        let flags = input.unbounded.map_or([0.0; LANES], chunk);
        for lane in 0..LANES {
            tally.add(lane, RowKind::of(score[lane], previous[lane], flags[lane], input.low, input.high));
        }
    }
    for row in whole..rows {
        tally.add(row % LANES, kind(row));
    }
    let (mut scores, mut floors_each, mut ceilings) = (spare_column(rows), spare_column(rows), spare_column(rows));
    let mut kept = 0;
    for row in 0..rows {
        let (score, previous) = (input.score[row], input.previous[row]);
        let flag = input.unbounded.map_or(0.0, |flags| flags[row]);
        let (floor, ceiling) = (input.low * previous, input.high * previous);
        // As `RowKind::of` tells a bounded row, in booleans.
        let bounded = (previous != 0.0) & (flag == 0.0) & (score != 0.0) & (floor <= ceiling);
        (scores[kept], floors_each[kept], ceilings[kept]) = (score, floor, ceiling);
        kept += usize::from(bounded);
    }
    let lanes = |sums: [f64; LANES]| {
        let mut total = Sum::default();
        sums.into_iter().for_each(|s| total.add(s));
        total.value()
    };
    let (slope, constant) = (lanes(tally.slope), lanes(tally.constant));
    let mut floors = Sum::default();
    floors.add(lanes(tally.at_zero));
    floors.add(constant);
    Rows {
        slope,
        constant,
        floors: floors.value(),
        total_score: slope + scores[..kept].iter().sum::<f64>(),
        scores,
        floors_each,
        ceilings,
        bounded: kept,
    }
}

/// The sums [`classify`] makes, lane by lane.
#[derive(Default)]
struct Tally {
    /// Scores of the unbounded rows.
    slope: [f64; LANES],
    /// Amounts of the constant rows.
    constant: [f64; LANES],
    /// Amounts of the bounded rows at x = 0.
    at_zero: [f64; LANES],
}

impl Tally {
    #[inline(always)]
    fn add(&mut self, lane: usize, kind: RowKind) {
        self.slope[lane] += kind.unbounded * kind.score;
        // numpy's clip(0, floor, ceiling) is min(max(0, floor), ceiling).
        self.constant[lane] += kind.constant * 0f64.max(kind.floor).min(kind.ceiling);
        // At x = 0 a bounded row is clamped as `linearise` clamps it.
        self.at_zero[lane] += kind.bounded * piece(kind.score, kind.floor, kind.ceiling, 0.0).0;
    }
}

thread_local! {
    /// Columns of [`Rows`] given back when they are dropped, for the next solve on the same
    /// thread: fresh columns would cost the page faults of fresh memory at every solve (a
    /// what-if solves again and again).
    static SPARE_COLUMNS: std::cell::RefCell<Vec<Vec<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A column of `rows` values (and one more), reused if one is spare: what it holds is left over
/// from an earlier solve (not zeroed: the values read are written first).
fn spare_column(rows: usize) -> Vec<f64> {
    let mut column = SPARE_COLUMNS.with_borrow_mut(Vec::pop).unwrap_or_default();
    column.resize(rows + 1, 0.0);
    column
}

impl Drop for Rows {
    fn drop(&mut self) {
        SPARE_COLUMNS.with_borrow_mut(|spare| {
            for column in [&mut self.scores, &mut self.floors_each, &mut self.ceilings] {
                // The columns of one solve are kept: enough for the next.
                if spare.len() < 3 {
                    spare.push(std::mem::take(column));
                }
            }
        });
    }
}

/// One row of a distribution: its score and bounds, and which kind of row it is, as 0/1 factors
/// (exactly one is 1): unbounded (`score·x`), constant (no score, or bounds that cross), or
/// bounded.
#[derive(Clone, Copy)]
struct RowKind {
    score: f64,
    floor: f64,
    ceiling: f64,
    unbounded: f64,
    constant: f64,
    bounded: f64,
}

impl RowKind {
    #[inline(always)]
    fn of(score: f64, previous: f64, flag: f64, low: f64, high: f64) -> RowKind {
        let (floor, ceiling) = (low * previous, high * previous);
        let unbounded = f64::from(u8::from((previous == 0.0) | (flag != 0.0)));
        let constant = (1.0 - unbounded) * f64::from(u8::from((score == 0.0) | (floor > ceiling)));
        RowKind { score, floor, ceiling, unbounded, constant, bounded: 1.0 - unbounded - constant }
    }
}

/// Scores and previous amounts must be finite, and scores of bounded rows ≥ 0: checked in one
/// pass; the failing row is looked for only when there is one.
fn validate_rows(input: &Distribution<'_>) -> Result<(), DistributeError> {
    let all_finite = |values: &[f64]| values.iter().fold(true, |ok, v| ok & v.is_finite());
    let scores_ok = all_finite(input.score) && input.score.iter().fold(true, |ok, v| ok & (*v >= 0.0));
    if scores_ok && all_finite(input.previous) {
        return Ok(());
    }
    for row in 0..input.score.len() {
        check_row(input, row)?;
    }
    Ok(())
}

/// The error of a row whose values cannot be distributed, if any.
fn check_row(input: &Distribution<'_>, row: usize) -> Result<(), DistributeError> {
    let (score, previous) = (input.score[row], input.previous[row]);
    if !score.is_finite() {
        return Err(DistributeError::InvalidValue { row, what: "a score of", value: score });
    }
    if !previous.is_finite() {
        return Err(DistributeError::InvalidValue { row, what: "a previous amount of", value: previous });
    }
    let unbounded = previous == 0.0 || input.unbounded.is_some_and(|u| u[row] != 0.0);
    if !unbounded && score < 0.0 {
        return Err(DistributeError::InvalidValue { row, what: "a score of", value: score });
    }
    Ok(())
}

/// A sum that keeps the low-order bits lost at each addition (Neumaier's compensated sum): the
/// solver's totals do not drift with the number of rows.
#[derive(Default, Clone, Copy)]
struct Sum {
    total: f64,
    compensation: f64,
}

impl Sum {
    fn add(&mut self, value: f64) {
        let total = self.total + value;
        self.compensation +=
            if self.total.abs() >= value.abs() { (self.total - total) + value } else { (value - total) + self.total };
        self.total = total;
    }

    fn value(self) -> f64 {
        self.total + self.compensation
    }
}

/// Independent partial sums kept side by side: a loop over rows adds to lane `row % LANES`, so
/// that the additions do not wait on each other and the loop vectorises.
const LANES: usize = 8;

/// Where the row's value `score·x` lies: at its floor, at its ceiling or in between (a row
/// whose floor equals its ceiling counts at its floor, as `clamp` puts it). Returns what the
/// row adds to the fixed total and to the slope. Written with 0/1 factors instead of branches
/// so that a loop over rows vectorises (bounds are finite: `0·bound` is 0).
#[inline(always)]
fn piece(score: f64, floor: f64, ceiling: f64, x: f64) -> (f64, f64) {
    let value = score * x;
    let below = f64::from(u8::from(value <= floor));
    let above = (1.0 - below) * f64::from(u8::from(value >= ceiling));
    (below * floor + above * ceiling, (1.0 - below - above) * score)
}

/// The total of the rows fixed at a bound or constant, and the slope of the total (the scores
/// of the rows that are linear) at `x`: the linear piece of `Σ b_i` that holds `x`. Compensated
/// sums (Knuth's two-sum in each lane, the lanes then added with Neumaier's), so that the
/// piece's equation is solved to the last bits whatever the number of rows.
fn linearise(rows: &Rows, x: f64) -> (f64, f64) {
    let (mut fixed, mut slope) = (TwoSums::default(), TwoSums::default());
    let (scores, floors, ceilings) = rows.bounded();
    let whole = scores.len() / LANES * LANES;
    for start in (0..whole).step_by(LANES) {
        let (s, f, c) = (&scores[start..start + LANES], &floors[start..start + LANES], &ceilings[start..start + LANES]);
        for lane in 0..LANES {
            let (bound, score) = piece(s[lane], f[lane], c[lane], x);
            fixed.add(lane, bound);
            slope.add(lane, score);
        }
    }
    let (mut fixed_total, mut slope_total) = (fixed.total(), slope.total());
    fixed_total.add(rows.constant);
    slope_total.add(rows.slope);
    for row in whole..scores.len() {
        let (bound, score) = piece(scores[row], floors[row], ceilings[row], x);
        fixed_total.add(bound);
        slope_total.add(score);
    }
    (fixed_total.value(), slope_total.value())
}

/// As [`linearise`], in plain sums (no compensation): what Newton's steps need to find the
/// piece; the piece's equation is then solved with [`linearise`]'s compensated sums.
fn linearise_fast(rows: &Rows, x: f64) -> (f64, f64) {
    let (mut fixed, mut slope) = ([0.0; LANES], [0.0; LANES]);
    let (all_scores, all_floors, all_ceilings) = rows.bounded();
    let scores = all_scores.chunks_exact(LANES);
    let floors = all_floors.chunks_exact(LANES);
    let ceilings = all_ceilings.chunks_exact(LANES);
    let (mut fixed_rest, mut slope_rest) = (rows.constant, rows.slope);
    let whole = scores.len() * LANES;
    for ((s, f), c) in scores.zip(floors).zip(ceilings) {
        for lane in 0..LANES {
            let (bound, score) = piece(s[lane], f[lane], c[lane], x);
            fixed[lane] += bound;
            slope[lane] += score;
        }
    }
    for row in whole..all_scores.len() {
        let (bound, score) = piece(all_scores[row], all_floors[row], all_ceilings[row], x);
        fixed_rest += bound;
        slope_rest += score;
    }
    (fixed_rest + fixed.iter().sum::<f64>(), slope_rest + slope.iter().sum::<f64>())
}

/// [`LANES`] sums, each with the rounding error of its additions (Knuth's two-sum: exact, and
/// without branches, so that the lanes are added in one vector instruction).
#[derive(Default)]
struct TwoSums {
    sum: [f64; LANES],
    error: [f64; LANES],
}

impl TwoSums {
    #[inline(always)]
    fn add(&mut self, lane: usize, value: f64) {
        let sum = self.sum[lane] + value;
        let back = sum - self.sum[lane];
        self.error[lane] += (self.sum[lane] - (sum - back)) + (value - back);
        self.sum[lane] = sum;
    }

    /// The lanes added together, with their errors.
    fn total(&self) -> Sum {
        let mut total = Sum::default();
        for lane in 0..LANES {
            total.add(self.sum[lane]);
        }
        for lane in 0..LANES {
            total.add(self.error[lane]);
        }
        total
    }
}

/// The point value where the total reaches the budget.
///
/// Newton's method on a piecewise-linear, non-decreasing function: from a point, the root of
/// the linear piece holding it is the next point; once a point lies on the piece that holds
/// the root, the next one *is* the root, exactly. A step that would leave the bracket known to
/// hold the root is replaced by a secant step across the bracket (or its middle), which stays
/// inside it. A few passes over the bounded rows usually suffice, instead of sorting every
/// breakpoint; if the steps do not settle, the breakpoints are walked in order.
fn solve(rows: &Rows, budget: f64) -> Result<f64, DistributeError> {
    let floors = rows.floors;
    if floors > budget {
        return Err(DistributeError::BelowFloors { budget, floor: floors });
    }
    if rows.slope <= 0.0 {
        let ceilings = linearise(rows, f64::INFINITY).0;
        if ceilings < budget {
            return Err(DistributeError::AboveCeilings { budget, ceiling: ceilings });
        }
    }
    let total_score = rows.total_score;
    // The bracket: the total is below the budget at `low`, above it at `high`; `gap_low` and
    // `gap_high` are the totals' distances to the budget there, as the secant steps use them.
    let (mut low, mut gap_low) = (0.0f64, budget - floors);
    let (mut high, mut gap_high) = (f64::INFINITY, f64::INFINITY);
    // Which end the last point replaced (Illinois: the same end twice halves the other's gap,
    // so that secant steps do not stall at one end).
    let mut last_end = 0;
    let mut x = if total_score > 0.0 { budget / total_score } else { 0.0 };
    for _ in 0..60 {
        let (fixed, slope) = linearise_fast(rows, x);
        let total = fixed + slope * x;
        if total == budget {
            return Ok(refine(rows, budget, x));
        }
        if total < budget {
            (low, gap_low) = (x, budget - total);
            if last_end < 0 {
                gap_high *= 0.5;
            }
            last_end = -1;
        } else {
            (high, gap_high) = (x, total - budget);
            if last_end > 0 {
                gap_low *= 0.5;
            }
            last_end = 1;
        }
        if high.is_finite() && high - low <= 1e-9 * high {
            // The root is held to rounding (the totals here are plain sums): solve the
            // equation of its piece exactly.
            return Ok(refine(rows, budget, low + 0.5 * (high - low)));
        }
        let newton = if slope > 0.0 { (budget - fixed) / slope } else { f64::NAN };
        if newton > low && newton < high {
            if (newton - x).abs() <= 1e-9 * x.abs() {
                // On the piece of the root (up to rounding): solve its equation exactly.
                return Ok(refine(rows, budget, newton));
            }
            x = newton;
        } else if high.is_finite() && high > low {
            let secant = low + (high - low) * gap_low / (gap_low + gap_high);
            x = if secant > low && secant < high { secant } else { low + 0.5 * (high - low) };
        } else {
            return solve_by_breakpoints(rows, budget);
        }
    }
    solve_by_breakpoints(rows, budget)
}

/// The same root by walking every breakpoint in order: the fallback when Newton's steps do not
/// settle quickly (e.g. many rows bounded near the root).
fn solve_by_breakpoints(rows: &Rows, budget: f64) -> Result<f64, DistributeError> {
    // At x = 0 every bounded row sits at its floor; the walk then goes through the breakpoints
    // in increasing order, tracking the total and its slope.
    let mut total = rows.constant;
    let mut slope = rows.slope;
    let (scores, floors, ceilings) = rows.bounded();
    let mut events: Vec<(f64, f64)> = Vec::with_capacity(2 * scores.len());
    for ((&score, &floor), &ceiling) in scores.iter().zip(floors).zip(ceilings) {
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
    events.sort_unstable_by_key(|event| super::population::ordered_bits(event.0));
    let mut x = 0.0;
    for (at, change) in events {
        let reached = total + slope * (at - x);
        if reached >= budget && slope > 0.0 {
            return Ok(refine(rows, budget, x + (budget - total) / slope));
        }
        total = reached;
        x = at;
        slope += change;
    }
    if slope > 0.0 {
        Ok(refine(rows, budget, x + (budget - total) / slope))
    } else if total == budget {
        Ok(x)
    } else {
        Err(DistributeError::AboveCeilings { budget, ceiling: total })
    }
}

/// Solves the linear equation of the piece that holds `guess` again, with compensated totals,
/// so that rounding accumulated along the walk does not remain.
fn refine(rows: &Rows, budget: f64, guess: f64) -> f64 {
    let (fixed, slope) = linearise(rows, guess);
    if slope > 0.0 {
        (budget - fixed) / slope
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
    fn a_solve_reads_none_of_the_rows_an_earlier_solve_left_in_its_columns() {
        // The bounded rows' columns are reused on a thread without being cleared: a solve with
        // few bounded rows after one with many must give what it gives alone.
        let few = Distribution {
            budget: 100.0,
            score: &[1.0, 2.0, 0.0, 3.0],
            previous: &[0.0, 40.0, 0.0, 0.0],
            low: 0.9,
            high: 1.2,
            unbounded: None,
        };
        let alone = point_value(&few).unwrap();
        let rows = 5_000;
        let score: Vec<f64> = (0..rows).map(|i| 1.0 + (i % 13) as f64).collect();
        let previous: Vec<f64> = (0..rows).map(|i| 100.0 + (i % 17) as f64).collect();
        let total: f64 = previous.iter().sum();
        let many = Distribution {
            budget: total * 1.05,
            score: &score,
            previous: &previous,
            low: 0.9,
            high: 1.2,
            unbounded: None,
        };
        assert!(point_value(&many).is_ok());
        assert_eq!(point_value(&few).unwrap().to_bits(), alone.to_bits());
        // Row 1 is bounded within [36, 48]: 4x + clamp(2x, 36, 48) = 100 gives x = 16 (2x = 32
        // is below its floor: 64 + 36 = 100).
        assert_eq!(alone, 16.0);
    }

    /// Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator).
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn newton_steps_find_the_root_of_the_breakpoint_walk() {
        // Deterministic pseudo-random rows: a mix of new, bounded and flagged communes.
        let mut next = uniform(7);
        for case in 0..40 {
            let rows = 2_000;
            // Half the cases with every row bounded: no row only adds to the slope.
            let (new, flag) = if case % 2 == 0 { (0.3, 0.05) } else { (0.0, 0.0) };
            let score: Vec<f64> = (0..rows).map(|_| if next() < 0.2 { 0.0 } else { 1_000.0 * next() }).collect();
            let previous: Vec<f64> = (0..rows).map(|_| if next() < new { 0.0 } else { 50_000.0 * next() }).collect();
            let flagged: Vec<f64> = (0..rows).map(|_| if next() < flag { 1.0 } else { 0.0 }).collect();
            // Between the total of the floors and that of the ceilings, give or take the new rows.
            let last_year: f64 = previous.iter().sum();
            let floors = 0.9 * last_year;
            let ceilings: f64 =
                score.iter().zip(&previous).map(|(s, p)| if *s > 0.0 { 1.2 * p } else { 0.9 * p }).sum();
            let input = Distribution {
                // Every row bounded: between the floors and the ceilings, or no point value.
                budget: if new > 0.0 {
                    last_year * (0.95 + 0.3 * next())
                } else {
                    floors + (ceilings - floors) * (0.05 + 0.9 * next())
                },
                score: &score,
                previous: &previous,
                low: 0.9,
                high: 1.2,
                unbounded: Some(&flagged),
            };
            let rows = classify(&input);
            let walked = solve_by_breakpoints(&rows, input.budget).unwrap();
            let result = distribute(&input).unwrap();
            assert!((result.point - walked).abs() <= 1e-12 * walked, "case {case}: {} vs {walked}", result.point);
            let total = crate::eval::population::pairwise_sum(&result.amounts);
            assert!((total - input.budget).abs() <= 1e-6, "case {case}: total {total}");
        }
    }

    #[test]
    fn secant_steps_find_the_root_where_newton_steps_overshoot() {
        // Scores that follow last year's amounts, as a commune's points follow its size: the
        // breakpoints crowd together and Newton's steps leave the bracket, as in the DSR cible
        // (the root is then found by secant steps, or to rounding, never by the walk).
        let mut next = uniform(11);
        for case in 0..40 {
            let rows = 5_000;
            let previous: Vec<f64> = (0..rows).map(|_| 1_000.0 + 100_000.0 * next() * next()).collect();
            let score: Vec<f64> = previous.iter().map(|p| p / 80.0 * (0.8 + 0.4 * next())).collect();
            let last_year: f64 = previous.iter().sum();
            let input = Distribution {
                budget: last_year * (0.91 + 0.28 * next()),
                score: &score,
                previous: &previous,
                low: 0.9,
                high: 1.2,
                unbounded: None,
            };
            let walked = solve_by_breakpoints(&classify(&input), input.budget).unwrap();
            let result = distribute(&input).unwrap();
            assert!((result.point - walked).abs() <= 1e-12 * walked, "case {case}: {} vs {walked}", result.point);
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
