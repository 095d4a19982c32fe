//! Operators over a whole population: sums, counts, means, ratios of sums, ranks, shares.
//!
//! Sums use numpy's pairwise summation so that national totals round exactly as the reference
//! implementation's do; a filtered sum adds zeros for the rows left out, as `(x * mask).sum()`.

use std::collections::HashMap;

use dotations_lang::Order;

use crate::model::Statistic;

/// numpy's pairwise summation of a contiguous float64 array (blocks of 128, eight accumulators).
pub fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise(values, &|block, _| block_sum(block, |_, v| v))
}

/// The pairwise sum of the values of the rows that pass the filter, zero elsewhere: the sum of
/// [`masked`] without laying the masked values out.
pub fn masked_sum(values: &[f64], filter: Option<&[f64]>) -> f64 {
    match filter {
        None => pairwise_sum(values),
        Some(filter) => {
            assert_eq!(filter.len(), values.len(), "a filter per row");
            pairwise(values, &|block, start| {
                let filter = &filter[start..start + block.len()];
                block_sum(block, |i, v| if filter[i] != 0.0 { v } else { 0.0 })
            })
        }
    }
}

/// numpy's pairwise summation: halves (cut at a multiple of 8) summed apart down to blocks of at
/// most 128 values, which `block` sums (given the block and the index of its first value).
fn pairwise(values: &[f64], block: &impl Fn(&[f64], usize) -> f64) -> f64 {
    fn split(values: &[f64], start: usize, block: &impl Fn(&[f64], usize) -> f64) -> f64 {
        let n = values.len();
        if n <= 128 {
            return block(values, start);
        }
        let mut half = n / 2;
        half -= half % 8;
        let (left, right) = values.split_at(half);
        split(left, start, block) + split(right, start + half, block)
    }
    split(values, 0, block)
}

/// The sum of a block of at most 128 values, `value(i, values[i])` each, in numpy's order: one
/// by one under 8 values; else eight running sums over the whole groups of 8, added in pairs,
/// then the rest one by one. Written over arrays of 8 so that the eight sums are one vector.
#[inline(always)]
fn block_sum(values: &[f64], value: impl Fn(usize, f64) -> f64) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().enumerate().fold(0.0, |sum, (i, v)| sum + value(i, *v));
    }
    let whole = n - n % 8;
    let mut r = [0.0; 8];
    for (j, r) in r.iter_mut().enumerate() {
        *r = value(j, values[j]);
    }
    for (k, group) in values[8..whole].chunks_exact(8).enumerate() {
        let first = 8 + 8 * k;
        for j in 0..8 {
            r[j] += value(first + j, group[j]);
        }
    }
    let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (i, v) in values.iter().enumerate().skip(whole) {
        sum += value(i, *v);
    }
    sum
}

/// The values of the rows that pass the filter, zero elsewhere.
pub fn masked(values: &[f64], filter: Option<&[f64]>) -> Vec<f64> {
    match filter {
        None => values.to_vec(),
        Some(filter) => values.iter().zip(filter).map(|(v, keep)| if *keep != 0.0 { *v } else { 0.0 }).collect(),
    }
}

/// The statistic over every row (that passes the filter).
pub fn statistic_all(values: &[f64], filter: Option<&[f64]>, statistic: Statistic) -> f64 {
    let sum = masked_sum(values, filter);
    match statistic {
        Statistic::Sum | Statistic::Count => sum,
        Statistic::Mean => sum / count(values.len(), filter),
    }
}

fn count(rows: usize, filter: Option<&[f64]>) -> f64 {
    match filter {
        None => rows as f64,
        Some(filter) => filter.iter().filter(|keep| **keep != 0.0).count() as f64,
    }
}

/// Groups rows by the exact value of a key; returns each row's group index and the number of
/// groups (in order of first appearance).
pub fn group_rows(keys: &[f64]) -> (Vec<u32>, usize) {
    // Keys are usually small whole numbers (a strate, an enum item): index them directly.
    const DIRECT: usize = 1 << 16;
    if keys.iter().all(|k| k.fract() == 0.0 && (0.0..DIRECT as f64).contains(k)) {
        let mut index = vec![u32::MAX; keys.iter().fold(0.0f64, |m, k| m.max(*k)) as usize + 1];
        let mut count = 0u32;
        let rows = keys
            .iter()
            .map(|k| {
                let slot = &mut index[*k as usize];
                if *slot == u32::MAX {
                    *slot = count;
                    count += 1;
                }
                *slot
            })
            .collect();
        return (rows, count as usize);
    }
    let mut groups: HashMap<u64, u32> = HashMap::new();
    let rows = keys
        .iter()
        .map(|k| {
            let k = if *k == 0.0 { 0.0 } else { *k }; // -0.0 and 0.0 are one group
            let next = groups.len() as u32;
            *groups.entry(k.to_bits()).or_insert(next)
        })
        .collect();
    (rows, groups.len())
}

/// Sums of `values` (masked) per group, each group summed pairwise over its own rows in order.
pub fn sums_per_group(values: &[f64], filter: Option<&[f64]>, groups: &[u32], group_count: usize) -> Vec<f64> {
    if group_count == 1 {
        // One group (the État): its rows are the table's, in order.
        return vec![masked_sum(values, filter)];
    }
    // A counting sort lays each group's values out contiguously, in row order, in one buffer.
    let mut offsets = vec![0usize; group_count + 1];
    for group in groups {
        offsets[*group as usize + 1] += 1;
    }
    for g in 0..group_count {
        offsets[g + 1] += offsets[g];
    }
    let mut cursor = offsets.clone();
    let mut laid_out = vec![0.0; values.len()];
    for (row, group) in groups.iter().enumerate() {
        let keep = filter.is_none_or(|f| f[row] != 0.0);
        let slot = &mut cursor[*group as usize];
        laid_out[*slot] = if keep { values[row] } else { 0.0 };
        *slot += 1;
    }
    (0..group_count).map(|g| pairwise_sum(&laid_out[offsets[g]..offsets[g + 1]])).collect()
}

/// Counts of rows (passing the filter) per group.
pub fn counts_per_group(filter: Option<&[f64]>, groups: &[u32], group_count: usize) -> Vec<f64> {
    let mut counts = vec![0.0; group_count];
    for (i, group) in groups.iter().enumerate() {
        if filter.is_none_or(|f| f[i] != 0.0) {
            counts[*group as usize] += 1.0;
        }
    }
    counts
}

/// 1-based ranks; equal values keep their input order (a stable sort), NaN ranks last.
pub fn rank(values: &[f64], order: Order) -> Vec<f64> {
    // Ranked indices are mostly zeros (communes outside the ranked group): only the others are
    // sorted; the zeros take their places between the values above and below 0, in input order.
    let key = |v: f64| match order {
        Order::Descending => -v,
        Order::Ascending => v,
    };
    // (sort key, row) of the values ranked before the zeros and after them.
    let mut before: Vec<(u64, u32)> = Vec::new();
    let mut after: Vec<(u64, u32)> = Vec::new();
    let mut zeros: Vec<u32> = Vec::new();
    for (row, v) in values.iter().enumerate() {
        let row = row as u32;
        if *v == 0.0 {
            zeros.push(row);
        } else if v.is_nan() {
            after.push((u64::MAX, row));
        } else if key(*v) < 0.0 {
            before.push((ordered_bits(key(*v)), row));
        } else {
            after.push((ordered_bits(key(*v)), row));
        }
    }
    // A radix sort, stable: rows of equal values stay in row order, as they were pushed.
    for keys in [&mut before, &mut after] {
        radsort::sort_by_key(keys.as_mut_slice(), |(key, _)| *key);
    }
    let order = before.iter().map(|(_, r)| *r).chain(zeros).chain(after.iter().map(|(_, r)| *r));
    let mut ranks = vec![0.0; values.len()];
    for (position, row) in order.enumerate() {
        ranks[row as usize] = (position + 1) as f64;
    }
    ranks
}

/// Maps an `f64` onto a `u64` that sorts in the same order (negative numbers below positive,
/// -0.0 with 0.0).
pub fn ordered_bits(value: f64) -> u64 {
    let value = if value == 0.0 { 0.0 } else { value };
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_simple_sums_on_exact_values() {
        let values: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&values), 500_500.0);
        assert_eq!(pairwise_sum(&values[..5]), 15.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn pairwise_sum_rounds_like_numpy() {
        // numpy.sum([0.1] * 10) == 1.0 (pairwise) whereas a left-to-right sum gives 0.9999999999999999.
        assert_eq!(pairwise_sum(&[0.1; 10]), 1.0);
        assert_eq!([0.1f64; 10].iter().sum::<f64>(), 0.9999999999999999);
    }

    #[test]
    fn pairwise_sum_matches_numpy_on_a_large_array() {
        // numpy: i = arange(35000.); (((i * 7919) % 10007) * 0.013 + 0.001 * i).sum() == 2889051.808
        let values: Vec<f64> = (0..35_000).map(|i| ((i * 7919) % 10007) as f64 * 0.013 + 0.001 * i as f64).collect();
        assert_eq!(pairwise_sum(&values), 2_889_051.808);
        assert_ne!(values.iter().sum::<f64>(), 2_889_051.808, "a left-to-right sum rounds differently");
    }

    #[test]
    fn a_masked_sum_adds_what_the_masked_values_add() {
        let values: Vec<f64> = (0..35_000).map(|i| ((i * 7919) % 10007) as f64 * 0.013 + 0.001 * i as f64).collect();
        let filter: Vec<f64> = (0..35_000).map(|i| f64::from(i % 3 != 0)).collect();
        let expected = pairwise_sum(&masked(&values, Some(&filter)));
        assert_eq!(masked_sum(&values, Some(&filter)).to_bits(), expected.to_bits());
        assert_ne!(masked_sum(&values, Some(&filter)), masked_sum(&values, None));
        // One group: the same sum as over the whole table.
        let groups = vec![0; values.len()];
        assert_eq!(sums_per_group(&values, Some(&filter), &groups, 1), [expected]);
    }

    #[test]
    fn ranks_are_stable_for_ties() {
        assert_eq!(rank(&[3.0, 5.0, 3.0, 0.0, 5.0], Order::Descending), [3.0, 1.0, 4.0, 5.0, 2.0]);
        assert_eq!(rank(&[3.0, f64::NAN, 1.0], Order::Ascending), [2.0, 3.0, 1.0]);
    }

    #[test]
    fn ranks_match_a_stable_sort_on_many_values() {
        // Values with many ties, both signs, zeros and NaN, as a stable comparison sort ranks them.
        let values: Vec<f64> = (0..20_000u64)
            .map(|i| match (i * 2_654_435_761) % 1_000 {
                0..=99 => 0.0,
                100..=104 => f64::NAN,
                105..=109 => -0.0,
                r => (r as f64 - 500.0) * 0.25,
            })
            .collect();
        for order in [Order::Ascending, Order::Descending] {
            let key = |v: f64| match order {
                Order::Ascending => v,
                Order::Descending => -v,
            };
            // NaN last: those rows are kept apart, in row order, and put after the others. The
            // others are sorted stably (-0.0 is 0.0: adding 0.0 makes it so).
            let (nan, mut rows): (Vec<usize>, Vec<usize>) = (0..values.len()).partition(|r| values[*r].is_nan());
            rows.sort_by(|a, b| (key(values[*a]) + 0.0).partial_cmp(&(key(values[*b]) + 0.0)).expect("no NaN"));
            let mut expected = vec![0.0; values.len()];
            for (position, row) in rows.into_iter().chain(nan).enumerate() {
                expected[row] = (position + 1) as f64;
            }
            assert_eq!(rank(&values, order), expected, "{order:?}");
        }
    }

    #[test]
    fn groups_in_order_of_appearance() {
        let (rows, count) = group_rows(&[2.0, 1.0, 2.0, -0.0, 0.0]);
        assert_eq!(rows, [0, 1, 0, 2, 2]);
        assert_eq!(count, 3);
        assert_eq!(
            sums_per_group(&[1.0, 2.0, 3.0, 4.0, 5.0], Some(&[1.0, 1.0, 0.0, 1.0, 1.0]), &rows, count),
            [1.0, 2.0, 9.0]
        );
    }
}
