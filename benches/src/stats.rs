//! Order statistics for interleaved rounds: medians of ratios and percentiles of samples.

use std::time::Duration;

/// The median of `xs` (the mean of the two middle values for an even count).
///
/// # Panics
/// If `xs` is empty or holds a NaN.
pub fn median(xs: &[f64]) -> f64 {
    assert!(!xs.is_empty(), "median of nothing");
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 }
}

/// The `p`-th percentile (0..=100) of sorted samples, by the nearest-rank method.
///
/// # Panics
/// If `sorted` is empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    assert!(!sorted.is_empty(), "percentile of nothing");
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Items per second, in millions.
pub fn mega_per_sec(items: u64, d: Duration) -> f64 {
    items as f64 / d.as_secs_f64() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn percentile_nearest_rank() {
        let s: Vec<_> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(&s, 50.0), Duration::from_micros(50));
        assert_eq!(percentile(&s, 99.0), Duration::from_micros(99));
        assert_eq!(percentile(&s, 100.0), Duration::from_micros(100));
        assert_eq!(percentile(&s, 0.0), Duration::from_micros(1));
    }
}
