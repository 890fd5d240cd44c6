//! What the soak prints: a progress line every 10 s, the per-renderer table at the end, and
//! the verdict (lost, out of order, RSS growth).

use super::tally::{Entry, Role, Tally};
use std::fmt::Write as _;
use std::time::Duration;

/// One sample of main's process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Since the traffic started.
    pub at: Duration,
    /// `VmRSS`, kB.
    pub rss_kb: u64,
    /// `Threads`.
    pub threads: u64,
}

/// Reads main's (this process's) RSS and thread count now.
pub fn sample(at: Duration) -> Sample {
    let me = std::process::id();
    Sample {
        at,
        rss_kb: crate::procfs::status_number(me, "VmRSS").unwrap_or(0),
        threads: crate::procfs::status_number(me, "Threads").unwrap_or(0),
    }
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[derive(Default)]
struct Class {
    n: usize,
    received: u64,
    min: Option<u64>,
    max: u64,
    pushed: u64,
    seen: u64,
    refused: u64,
}

fn classes(entries: &[Entry]) -> Vec<(Role, Class)> {
    let mut out: Vec<(Role, Class)> = Vec::new();
    for e in entries {
        let t = e.lock();
        let i = match out.iter().position(|(r, _)| *r == e.role) {
            Some(i) => i,
            None => {
                out.push((e.role, Class::default()));
                out.len() - 1
            }
        };
        let c = &mut out[i].1;
        c.n += 1;
        c.received += t.received;
        c.min = Some(c.min.map_or(t.received, |m| m.min(t.received)));
        c.max = c.max.max(t.received);
        c.pushed += t.pushed;
        c.seen += t.fin.map_or(t.pushes_seen_live, |f| f.pushes_seen);
        c.refused += t.push_refused;
    }
    out.sort_by_key(|(r, _)| *r);
    out
}

/// The progress line: per class, messages main received (min/max per renderer for a class of
/// several) and pushes main sent / the renderers saw / main's sends refused; main's RSS and
/// thread count.
pub fn progress(s: &Sample, entries: &[Entry]) -> String {
    let mut line = format!("[soak {:>5.0}s]", s.at.as_secs_f64());
    for (role, c) in classes(entries) {
        let _ = write!(line, " {}", role.name());
        if c.n > 1 {
            let _ = write!(
                line,
                " x{} recv {} ({}..{} each)",
                c.n,
                c.received,
                c.min.unwrap_or(0),
                c.max
            );
        } else {
            let _ = write!(line, " recv {}", c.received);
        }
        let _ = write!(line, " push {}/{}", c.pushed, c.seen);
        if c.refused > 0 {
            let _ = write!(line, " refused {}", c.refused);
        }
        line.push_str(" |");
    }
    let _ = write!(
        line,
        " main RSS {:.1} MiB, {} threads",
        mib(s.rss_kb),
        s.threads
    );
    line
}

/// The per-renderer table.
pub fn table(entries: &[Entry]) -> String {
    let mut s = String::from(
        "  id role        sent   received  lost  ooo refused |   pushed     seen  lost  ooo refused | sync_bad\n",
    );
    for e in entries {
        let t: &Tally = &e.lock();
        let f = t.fin.unwrap_or_default();
        let opt = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        let _ = writeln!(
            s,
            "{:>4} {:<7} {:>8} {:>10} {:>5} {:>4} {:>7} | {:>8} {:>8} {:>5} {:>4} {:>7} | {:>8}{}",
            e.wc.id(),
            e.role.name(),
            f.sent,
            t.received,
            opt(t.lost()),
            t.out_of_order,
            f.refused,
            t.pushed,
            f.pushes_seen,
            opt(t.pushes_lost()),
            f.push_out_of_order,
            t.push_refused,
            f.sync_bad,
            match (t.fin, e.wc.destroy_reason()) {
                (Some(_), _) => String::new(),
                (None, Some(why)) => format!("  NO FINAL REPORT (gone: {why})"),
                (None, None) => "  NO FINAL REPORT".to_string(),
            },
        );
    }
    s
}

/// Totals over every renderer, and what is wrong with them.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Messages sent by the renderers.
    pub sent: u64,
    /// Messages main received.
    pub received: u64,
    /// Pushes main's sends accepted.
    pub pushed: u64,
    /// Pushes the renderers received.
    pub pushes_seen: u64,
    /// Sends refused with an error, both ways.
    pub refused: u64,
    /// Everything that makes the run fail.
    pub failures: Vec<String>,
}

/// Checks every sequence number at both ends.
pub fn verdict(entries: &[Entry]) -> Verdict {
    let mut v = Verdict::default();
    for e in entries {
        let t = e.lock();
        let who = format!("renderer {} ({})", e.wc.id(), e.role.name());
        let Some(f) = t.fin else {
            v.failures.push(format!("{who} sent no final report"));
            continue;
        };
        v.sent += f.sent;
        v.received += t.received;
        v.pushed += t.pushed;
        v.pushes_seen += f.pushes_seen;
        v.refused += f.refused + t.push_refused;
        let mut bad = |what: &str, n: u64| {
            if n > 0 {
                v.failures.push(format!("{who}: {n} {what}"));
            }
        };
        bad("messages lost", t.lost().unwrap_or(0));
        bad(
            "more messages received than sent",
            t.received.saturating_sub(f.sent),
        );
        bad("messages out of order", t.out_of_order);
        bad("pushes lost", t.pushes_lost().unwrap_or(0));
        bad(
            "more pushes received than sent",
            f.pushes_seen.saturating_sub(t.pushed),
        );
        bad("pushes out of order", f.push_out_of_order);
        bad("wrong or failed sendSync answers", f.sync_bad);
    }
    v
}

/// Fewer one-second samples than this and growth is not judged (a few seconds say nothing).
pub const MIN_JUDGED_SAMPLES: usize = 30;

/// RSS over the traffic phase: min, max, the peak of each third of the samples, and whether it
/// was still growing. The first third is warm-up (queues fill, threads start); growth is
/// "without bound" when the last third's peak exceeds the middle third's by more than 10 %
/// **and** more than 4 MiB: a process that levels off passes however high it went, one that
/// keeps climbing fails. The last value is `false` when the run was too short to judge (then
/// there is no failure).
pub fn rss_judgement(samples: &[Sample]) -> (String, Option<String>, bool) {
    let Some(min) = samples.iter().map(|s| s.rss_kb).min() else {
        return ("no RSS samples".into(), None, false);
    };
    let max = samples.iter().map(|s| s.rss_kb).max().unwrap_or(min);
    let third = (samples.len() / 3).max(1);
    let peak = |v: &[Sample]| v.iter().map(|s| s.rss_kb).max().unwrap_or(0);
    let first = peak(&samples[..third]);
    let middle = peak(&samples[third.min(samples.len())..(2 * third).min(samples.len())]);
    let last = peak(&samples[samples.len() - third..]);
    let threads = samples.iter().map(|s| s.threads);
    let text = format!(
        "main RSS min {:.1} MiB, max {:.1} MiB; peak per third {:.1} / {:.1} / {:.1} MiB; threads {}..{}",
        mib(min),
        mib(max),
        mib(first),
        mib(middle),
        mib(last),
        threads.clone().min().unwrap_or(0),
        threads.max().unwrap_or(0),
    );
    let judged = samples.len() >= MIN_JUDGED_SAMPLES;
    let grew = last as f64 > middle as f64 * 1.10 && last > middle + 4 * 1024;
    let failure = (judged && grew).then(|| {
        format!(
            "main RSS still growing: last-third peak {:.1} MiB vs middle-third peak {:.1} MiB",
            mib(last),
            mib(middle)
        )
    });
    (text, failure, judged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(kb: &[u64]) -> Vec<Sample> {
        kb.iter()
            .enumerate()
            .map(|(i, &rss_kb)| Sample {
                at: Duration::from_secs(i as u64),
                rss_kb,
                threads: 10,
            })
            .collect()
    }

    #[test]
    fn flat_rss_passes_and_growth_fails() {
        let flat: Vec<u64> = (0..40).map(|i| 8000 + (i % 5) * 900).collect();
        let (_, failure, judged) = rss_judgement(&samples(&flat));
        assert!(judged && failure.is_none());
        // A climb during warm-up that levels off is bounded.
        let level: Vec<u64> = (0..60).map(|i| 8000 + i.min(15) * 4000).collect();
        assert!(rss_judgement(&samples(&level)).1.is_none());
        let grow: Vec<u64> = (0..40).map(|i| 8000 + i * 4000).collect();
        assert!(rss_judgement(&samples(&grow)).1.is_some());
        // A few seconds are not judged, however they look.
        let (_, failure, judged) = rss_judgement(&samples(&grow[..10]));
        assert!(!judged && failure.is_none());
        assert!(!rss_judgement(&[]).2);
    }
}
