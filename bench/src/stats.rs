//! Percentiles from an HDR histogram, and medians across runs.

use hdrhistogram::Histogram;

/// Latency summary of one cell, in µs.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Number of measured samples.
    pub n: u64,
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Mean.
    pub mean_us: f64,
    /// Largest sample.
    pub max_us: f64,
}

/// Summarizes round-trip samples given in ns (3 significant digits, 1 ns .. 100 s).
pub fn summarize(samples_ns: &[u64]) -> Option<Summary> {
    if samples_ns.is_empty() {
        return None;
    }
    let mut h = Histogram::<u64>::new_with_bounds(1, 100_000_000_000, 3).ok()?;
    for &s in samples_ns {
        h.saturating_record(s.max(1));
    }
    let us = |v: u64| v as f64 / 1000.0;
    Some(Summary {
        n: h.len(),
        p50_us: us(h.value_at_quantile(0.5)),
        p99_us: us(h.value_at_quantile(0.99)),
        p999_us: us(h.value_at_quantile(0.999)),
        mean_us: h.mean() / 1000.0,
        max_us: us(h.max()),
    })
}

/// Median of the values (mean of the middle two for an even count).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let samples: Vec<u64> = (1..=1000).map(|i| i * 1000).collect();
        let s = summarize(&samples).unwrap();
        assert_eq!(s.n, 1000);
        assert!((s.p50_us - 500.0).abs() < 1.0, "{}", s.p50_us);
        assert!((s.p99_us - 990.0).abs() < 1.0, "{}", s.p99_us);
        assert!(summarize(&[]).is_none());
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
