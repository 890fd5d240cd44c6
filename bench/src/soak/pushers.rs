//! Main's pushes: a steady `WebContents::send` to every renderer and the page each tick, and a
//! tight `send_timeout` loop into the slow reader, whose bounded queue is then always full.

use super::tally::{Entry, Role, Tallies};
use super::PAD;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the slow reader's pusher waits for room before counting a refusal.
const ROOM_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the pushers; they run until `stop` is set.
pub fn start(
    tallies: Arc<Tallies>,
    tick: Duration,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut threads = Vec::new();
    for slow in tallies.all().into_iter().filter(|e| e.role == Role::Slow) {
        let stop = stop.clone();
        threads.push(
            std::thread::Builder::new()
                .name("soak-slow-push".into())
                .spawn(move || push_slow(&slow, &stop))?,
        );
    }
    threads.push(
        std::thread::Builder::new()
            .name("soak-push".into())
            .spawn(move || push_steady(&tallies, tick, &stop))?,
    );
    Ok(threads)
}

fn push_steady(tallies: &Tallies, tick: Duration, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        for e in tallies.all().iter().filter(|e| e.role != Role::Slow) {
            let mut t = e.lock();
            // A page is pushed to once its scripts run (its first message says so): what the
            // soak measures is loss, not the page's load order.
            if e.role == Role::Page && t.received == 0 {
                continue;
            }
            let seq = t.pushed + 1;
            let outcome = e.wc.send("push", &(seq, t.received, PAD));
            t.pushed(outcome);
        }
        std::thread::sleep(tick);
    }
}

fn push_slow(e: &Entry, stop: &AtomicBool) {
    let big = PAD.repeat(16);
    let mut seq = 1;
    while !stop.load(Ordering::Acquire) {
        // Not under the tally's lock: this waits for room in the renderer's queue.
        let outcome =
            e.wc.send_timeout("push", &(seq, 0, big.as_str()), ROOM_TIMEOUT);
        let ok = outcome.is_ok();
        let gone = matches!(outcome, Err(electrode::Error::Destroyed { .. }));
        e.lock().pushed(outcome);
        if ok {
            seq += 1;
        }
        if gone {
            return;
        }
    }
}
