//! A renderer process of the soak (`electrode-bench __soak renderer <interval_ms> <sync_every>
//! <push_delay_us>`): sends sequence-numbered messages until main says `stop`, checks the
//! sequence numbers of main's pushes, then reports its own account on `final`.

use super::PAD;
use crate::cell::Res;
use electrode_renderer::{Error, IpcRenderer};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct Pushes {
    seen: AtomicU64,
    out_of_order: AtomicU64,
    last: AtomicU64,
    stop: AtomicBool,
}

/// Entry point of the renderer role.
pub fn renderer_main(args: &[String]) -> Res<()> {
    let num = |i: usize| -> Res<u64> {
        Ok(args
            .get(i)
            .ok_or("soak renderer: missing argument")?
            .parse()?)
    };
    let (interval_ms, sync_every, push_delay_us) = (num(0)?, num(1)?, num(2)?);
    let pushes = Arc::new(Pushes::default());
    let p = pushes.clone();
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        let on_push = p.clone();
        ipc.on("push", move |_e, args| {
            let seq: u64 = args.get(0)?;
            // Only the listener thread writes these, so load-then-store is race-free.
            if seq != on_push.last.load(Ordering::Relaxed) + 1 {
                on_push.out_of_order.fetch_add(1, Ordering::Relaxed);
            }
            on_push.last.store(seq, Ordering::Relaxed);
            on_push.seen.fetch_add(1, Ordering::Relaxed);
            if push_delay_us > 0 {
                // The slow reader: main's queue for this renderer fills up.
                std::thread::sleep(Duration::from_micros(push_delay_us));
            }
            Ok(())
        });
        ipc.on("stop", move |_e, _a| {
            p.stop.store(true, Ordering::Release);
            Ok(())
        });
    })?;
    let (mut seq, mut refused, mut sync_bad) = (0u64, 0u64, 0u64);
    while !pushes.stop.load(Ordering::Acquire) {
        let next = seq + 1;
        let seen = pushes.seen.load(Ordering::Relaxed);
        let outcome = if sync_every > 0 && next.is_multiple_of(sync_every) {
            ipc.send_sync::<u64, _>("soak-sync", &(next, seen))
                .map(|got| sync_bad += u64::from(got != next))
        } else {
            ipc.send("soak", &(next, seen, PAD))
        };
        match outcome {
            Ok(()) => seq = next,
            Err(e @ Error::Disconnected { .. }) => return Err(e.into()),
            Err(e) if not_sent(&e) => {
                refused += 1;
                if refused == 1 {
                    eprintln!("soak renderer {}: send refused: {e}", ipc.id());
                }
            }
            Err(e) => {
                // Main got the sendSync (it used the number) but the answer was an error.
                seq = next;
                sync_bad += 1;
                if sync_bad == 1 {
                    eprintln!("soak renderer {}: sendSync failed: {e}", ipc.id());
                }
            }
        }
        if interval_ms > 0 {
            std::thread::sleep(Duration::from_millis(interval_ms));
        }
    }
    let fin = (
        seq,
        refused,
        pushes.seen.load(Ordering::Relaxed),
        pushes.out_of_order.load(Ordering::Relaxed),
        sync_bad,
    );
    ipc.send("final", &fin)?;
    ipc.wait_disconnected();
    Ok(())
}

/// Errors that mean the message never left this process.
fn not_sent(e: &Error) -> bool {
    matches!(
        e,
        Error::TooLarge { .. } | Error::Encode { .. } | Error::EmptyChannel
    )
}
