//! Finding where a quantity meets a goal on a bracket [low, high] of a parameter's values.
//!
//! The quantity is first measured on a grid of evenly spaced points of the bracket (in
//! parallel): that shows whether it is monotone there — a parameter of the law usually moves a
//! dotation one way, but floors, ceilings and eligibility thresholds can bend it — and which
//! interval holds the goal. Brent's method (inverse quadratic interpolation, secant steps,
//! bisection as a safeguard) then narrows that interval until the quantity is within the
//! tolerance of the goal, or the interval is narrower than the resolution — then the quantity
//! jumps over the goal there (a threshold effect) and no value meets it exactly.

/// What to solve.
#[derive(Debug, Clone, Copy)]
pub struct Problem {
    pub low: f64,
    pub high: f64,
    /// The value the quantity must take.
    pub goal: f64,
    /// How close to the goal is close enough.
    pub tolerance: f64,
    /// The interval of the parameter below which the search stops.
    pub resolution: f64,
    /// Points measured before narrowing (the bracket's ends included).
    pub grid: usize,
    /// At most this many measures in all.
    pub max_evaluations: usize,
}

/// One measure: the parameter's value and the quantity.
pub type Point = (f64, f64);

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `point` meets the goal within the tolerance.
    Found { point: Point },
    /// The quantity never reaches the goal on the points measured: `low` and `high` are the
    /// bracket's ends, `closest` the point nearest the goal.
    Unreached { low: Point, high: Point, closest: Point },
    /// The quantity jumps over the goal between two values closer than the resolution.
    Jump { below: Point, above: Point },
    /// The evaluations ran out; `best` is the nearest point, `bracket` the interval left.
    Exhausted { best: Point, bracket: (Point, Point) },
}

/// The answer with what was learnt on the way.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    pub evaluations: usize,
    /// Three measured points showing the quantity is not monotone, if any were seen.
    pub not_monotone: Option<[Point; 3]>,
}

/// Solves `problem`: `grid` measures several points at once, `measure` one point.
pub fn solve<E>(
    problem: &Problem,
    grid: impl FnOnce(&[f64]) -> Result<Vec<f64>, E>,
    mut measure: impl FnMut(f64) -> Result<f64, E>,
) -> Result<Report, E> {
    let Problem { low, high, goal, tolerance, .. } = *problem;
    let count = problem.grid.max(2);
    let xs: Vec<f64> = (0..count).map(|i| low + (high - low) * i as f64 / (count - 1) as f64).collect();
    let mut points: Vec<Point> = xs.iter().copied().zip(grid(&xs)?).collect();
    let gap = |q: f64| q - goal;
    let closest = |points: &[Point]| {
        *points.iter().min_by(|a, b| gap(a.1).abs().total_cmp(&gap(b.1).abs())).expect("measured points")
    };
    let finish = |outcome: Outcome, points: &[Point]| Report {
        outcome,
        evaluations: points.len(),
        not_monotone: not_monotone(points),
    };
    let best = closest(&points);
    if gap(best.1).abs() <= tolerance {
        return Ok(finish(Outcome::Found { point: best }, &points));
    }
    let Some(window) = points.windows(2).find(|w| gap(w[0].1).signum() != gap(w[1].1).signum()) else {
        let outcome = Outcome::Unreached { low: points[0], high: points[count - 1], closest: best };
        return Ok(finish(outcome, &points));
    };
    let (a, b) = (window[0], window[1]);
    let outcome = brent(problem, a, b, |x| {
        let q = measure(x)?;
        points.push((x, q));
        Ok(q)
    })?;
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(finish(outcome, &points))
}

/// Brent–Dekker on [a, b], where the gap changes sign; every point measured is a real value of
/// the quantity (no extrapolation is returned).
fn brent<E>(
    problem: &Problem,
    a: Point,
    b: Point,
    mut measure: impl FnMut(f64) -> Result<f64, E>,
) -> Result<Outcome, E> {
    let (goal, tolerance, resolution) = (problem.goal, problem.tolerance, problem.resolution);
    let budget = problem.max_evaluations.saturating_sub(problem.grid.max(2));
    let (mut a, mut fa) = (a.0, a.1 - goal);
    let (mut b, mut fb) = (b.0, b.1 - goal);
    if fa.abs() < fb.abs() {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = c;
    let mut bisected = true;
    for _ in 0..budget {
        if fb.abs() <= tolerance {
            return Ok(Outcome::Found { point: (b, fb + goal) });
        }
        if (b - a).abs() <= resolution {
            let (below, above) =
                if a < b { ((a, fa + goal), (b, fb + goal)) } else { ((b, fb + goal), (a, fa + goal)) };
            return Ok(Outcome::Jump { below, above });
        }
        let mut s = if fa != fc && fb != fc {
            a * fb * fc / ((fa - fb) * (fa - fc))
                + b * fa * fc / ((fb - fa) * (fb - fc))
                + c * fa * fb / ((fc - fa) * (fc - fb))
        } else {
            b - fb * (b - a) / (fb - fa)
        };
        let quarter = (3.0 * a + b) / 4.0;
        let outside = !((s > quarter.min(b)) && (s < quarter.max(b)));
        let slow = if bisected { (s - b).abs() >= (b - c).abs() / 2.0 } else { (s - b).abs() >= (c - d).abs() / 2.0 };
        let tiny = if bisected { (b - c).abs() < resolution } else { (c - d).abs() < resolution };
        bisected = outside || slow || tiny || !s.is_finite();
        if bisected {
            s = (a + b) / 2.0;
        }
        let fs = measure(s)? - goal;
        d = c;
        (c, fc) = (b, fb);
        if fa.signum() != fs.signum() {
            (b, fb) = (s, fs);
        } else {
            (a, fa) = (s, fs);
        }
        if fa.abs() < fb.abs() {
            std::mem::swap(&mut a, &mut b);
            std::mem::swap(&mut fa, &mut fb);
        }
    }
    let (low, high) = if a < b { ((a, fa + goal), (b, fb + goal)) } else { ((b, fb + goal), (a, fa + goal)) };
    if fb.abs() <= tolerance {
        return Ok(Outcome::Found { point: (b, fb + goal) });
    }
    Ok(Outcome::Exhausted { best: (b, fb + goal), bracket: (low, high) })
}

/// Three points, in order of the parameter, where the quantity goes up then down (or down then
/// up); `None` if the points measured are monotone.
pub fn not_monotone(points: &[Point]) -> Option<[Point; 3]> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    sorted.dedup_by(|a, b| a.0 == b.0);
    let mut direction: Option<(f64, Point)> = None;
    for pair in sorted.windows(2) {
        let step = (pair[1].1 - pair[0].1).signum();
        if pair[1].1 == pair[0].1 {
            continue;
        }
        match direction {
            None => direction = Some((step, pair[0])),
            Some((d, first)) if d != step => return Some([first, pair[0], pair[1]]),
            Some(_) => direction = Some((step, pair[0])),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(low: f64, high: f64, goal: f64) -> Problem {
        Problem { low, high, goal, tolerance: 1e-9, resolution: 1e-12, grid: 5, max_evaluations: 100 }
    }

    fn run(problem: &Problem, f: impl Fn(f64) -> f64) -> Report {
        solve::<()>(problem, |xs| Ok(xs.iter().map(|x| f(*x)).collect()), |x| Ok(f(x))).unwrap()
    }

    #[test]
    fn a_smooth_monotone_quantity_is_solved_in_a_few_steps() {
        let report = run(&problem(0.0, 10.0, 2.0), |x| x * x);
        let Outcome::Found { point } = report.outcome else { panic!("{report:?}") };
        assert!((point.0 - 2f64.sqrt()).abs() < 1e-9, "{point:?}");
        assert!(report.evaluations <= 15, "{}", report.evaluations);
        assert!(report.not_monotone.is_none());
    }

    #[test]
    fn a_goal_out_of_reach_is_said_so_with_the_ends() {
        let report = run(&problem(0.0, 10.0, 200.0), |x| x * x);
        assert_eq!(report.outcome, Outcome::Unreached { low: (0.0, 0.0), high: (10.0, 100.0), closest: (10.0, 100.0) });
    }

    #[test]
    fn a_step_is_a_jump_over_the_goal() {
        let report = run(&problem(0.0, 10.0, 1.0), |x| if x < 3.3 { 0.0 } else { 2.0 });
        let Outcome::Jump { below, above } = report.outcome else { panic!("{report:?}") };
        assert!(below.0 < 3.3 && above.0 >= 3.3 && above.0 - below.0 <= 1e-12, "{below:?} {above:?}");
        assert_eq!((below.1, above.1), (0.0, 2.0));
    }

    #[test]
    fn a_quantity_that_turns_back_is_not_monotone() {
        // Up to 5 then down: the goal 9 is met twice; the first interval is taken.
        let report = run(&problem(0.0, 10.0, 9.0), |x| 25.0 - (x - 5.0) * (x - 5.0));
        let Outcome::Found { point } = report.outcome else { panic!("{report:?}") };
        assert!((point.0 - 1.0).abs() < 1e-6, "{point:?}");
        let [a, b, c] = report.not_monotone.expect("seen");
        assert!(a.1 < b.1 && c.1 < b.1, "{a:?} {b:?} {c:?}");
    }

    #[test]
    fn monotone_points_with_flat_parts_are_monotone() {
        assert_eq!(not_monotone(&[(0.0, 1.0), (1.0, 1.0), (2.0, 3.0), (3.0, 3.0), (4.0, 5.0)]), None);
        assert!(not_monotone(&[(0.0, 1.0), (2.0, 3.0), (1.0, 4.0)]).is_some());
    }
}
