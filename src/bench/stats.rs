//! Percentiles over a sorted Vec, peak memory from /proc, and table cells.

use std::time::Duration;

/// Latency figures of one series.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub n: usize,
    pub min: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// Nearest-rank percentiles: p50 is the sample at rank ceil(0.50 n).
pub fn summarize(samples: &mut [Duration]) -> Summary {
    if samples.is_empty() {
        return Summary::default();
    }
    samples.sort_unstable();
    let rank = |p: f64| {
        let r = (p * samples.len() as f64).ceil() as usize;
        samples[r.clamp(1, samples.len()) - 1]
    };
    Summary {
        n: samples.len(),
        min: samples[0],
        p50: rank(0.50),
        p99: rank(0.99),
        max: samples[samples.len() - 1],
    }
}

/// A duration as the tables show it: µs below a millisecond, else ms.
pub fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

/// `a / b` with one decimal, or "-" when `b` is zero.
pub fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() {
        "-".into()
    } else {
        format!("{:.1}x", a.as_secs_f64() / b.as_secs_f64())
    }
}

/// A `/proc/<pid>/status` field in kB (VmHWM: peak resident set; VmRSS: now).
pub fn proc_status_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        line.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// This process's peak resident set, in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    proc_status_kb("self", "VmHWM").map(|kb| kb as f64 / 1024.0)
}

/// CPU time this process has used (user + system), from `/proc/self/stat`
/// (in USER_HZ ticks, 100 a second). On a machine shared with other work,
/// CPU time per request moves far less than requests per second.
pub fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is the first, utime the 12th, stime the 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

/// A comma-separated list of numbers (`1,8,32,64`, `10000,2000000`).
pub fn parse_list(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .map(|t| {
            t.trim()
                .replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{t:?} is not a number"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let s = summarize(&mut samples);
        assert_eq!(s.n, 100);
        assert_eq!(s.min, Duration::from_micros(1));
        assert_eq!(s.p50, Duration::from_micros(50));
        assert_eq!(s.p99, Duration::from_micros(99));
        assert_eq!(s.max, Duration::from_micros(100));
        assert_eq!(summarize(&mut []).n, 0);
    }

    #[test]
    fn lists_and_formats() {
        assert_eq!(parse_list("1, 8,2_000_000"), Ok(vec![1, 8, 2_000_000]));
        assert!(parse_list("1,x").is_err());
        assert_eq!(fmt(Duration::from_micros(6)), "6.0 µs");
        assert_eq!(fmt(Duration::from_micros(2500)), "2.50 ms");
        assert_eq!(
            ratio(Duration::from_micros(30), Duration::from_micros(10)),
            "3.0x"
        );
    }

    #[test]
    fn process_cpu_grows_with_work() {
        let before = process_cpu().expect("Linux has /proc/self/stat");
        // Spin until the count moves (a loaded machine may not run this
        // thread at once); a count that never moves fails after 10 s.
        let started = std::time::Instant::now();
        let mut x = 0u64;
        let mut after = before;
        while after < before + Duration::from_millis(20)
            && started.elapsed() < Duration::from_secs(10)
        {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            after = process_cpu().unwrap();
        }
        assert!(
            after >= before + Duration::from_millis(20),
            "{before:?} -> {after:?}"
        );
    }
}
