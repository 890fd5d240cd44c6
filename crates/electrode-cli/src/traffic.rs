//! The demo's live traffic log.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// Prints one line per message and counts them per channel.
pub struct Traffic {
    start: Instant,
    counts: Mutex<BTreeMap<String, u64>>,
    print: bool,
}

impl Traffic {
    pub fn new() -> Self {
        Traffic {
            start: Instant::now(),
            counts: Mutex::new(BTreeMap::new()),
            print: true,
        }
    }

    /// Counts without printing (tests).
    #[cfg(test)]
    pub fn quiet() -> Self {
        Traffic {
            print: false,
            ..Traffic::new()
        }
    }

    /// `from` and `to` are like `r3` or `main`.
    pub fn log(&self, from: &str, to: &str, channel: &str, args: &str, note: &str) {
        *self
            .counts
            .lock()
            .unwrap()
            .entry(channel.to_string())
            .or_default() += 1;
        if !self.print {
            return;
        }
        let t = self.start.elapsed().as_secs_f64();
        let args = if args.len() > 60 {
            format!("{}…", &args[..args.floor_char_boundary_compat(60)])
        } else {
            args.to_string()
        };
        println!("  +{t:7.3}s  {from:>5} → {to:<5} {channel:<16} {args:<40} {note}");
    }

    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.counts.lock().unwrap().clone()
    }
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
