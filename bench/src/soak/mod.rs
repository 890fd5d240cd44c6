//! `electrode-bench soak --minutes N`: a long run under hostile-ish load that checks nothing is
//! lost (issue 9, "done means"; usage and a recorded run: docs/soak.md).
//!
//! In this process: a real `electrode::Main` with a `WebBridge`. Around it: `--renderers`
//! steady renderer processes (a `send` every `--interval-ms`, every `--sync-every`-th message
//! a `sendSync`), one flooder (sends as fast as it can), one slow reader (steady sends, but
//! sleeps on each push, so main's bounded queue to it stays full), and one page in headless
//! Chromium that floods in bursts. Main pushes a sequence-numbered message to every renderer
//! and the page each `--push-ms`, and to the slow reader as fast as `send_timeout` lets it.
//!
//! Every message carries a sequence number that is checked at the receiving end. At the end
//! main stops pushing and sends `stop` to each renderer; since each link is ordered, the
//! renderer's `final` report (what it sent, what it received) comes after everything it sent
//! and after every push, so `lost = sent - received` is exact in both directions. A send
//! refused with an `Err` is "refused", not lost.

mod pushers;
mod renderer;
mod report;
mod tally;

pub use renderer::renderer_main;

use crate::cell::Res;
use electrode::{IpcMain, Limits, Main};
use std::os::unix::process::CommandExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally::{Final, Role, Tallies};

/// Filler carried by every message, so that a message is not only its header.
pub(crate) const PAD: &str = "electrode-soak-0123456789abcdefghijklmnopqrstuvwxyz-0123456789ab";

/// Settings of a soak run (the `soak` subcommand's flags).
#[derive(Clone, Debug)]
pub struct Options {
    /// How long the traffic runs.
    pub duration: Duration,
    /// Steady renderer processes.
    pub renderers: usize,
    /// Pause between two messages of a steady renderer, ms.
    pub interval_ms: u64,
    /// Every n-th message of a steady renderer is a `sendSync` (0: none).
    pub sync_every: u64,
    /// Pause between two rounds of main's steady pushes, ms.
    pub push_ms: u64,
    /// Main's outbound queue limit per renderer, MiB (what the slow reader fills).
    pub queue_mib: usize,
    /// Also run the flooding page in Chromium.
    pub page: bool,
    /// The page makes a `sendSync` every n-th burst of 500 sends (0: none).
    pub page_sync_every: u64,
    /// Fault injection for the soak's own test: main's listener forgets every n-th `send`
    /// (0: none), which the accounts must report as lost.
    pub forget_every: u64,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Runs the soak; returns the exit status (0 clean, 1 something lost, out of order, missing or
/// growing, 130 interrupted but clean).
pub fn run(o: &Options) -> Res<i32> {
    // Ctrl-C ends the traffic early but still collects and prints the accounts. The children
    // are in their own process groups, so the terminal's SIGINT reaches only this process.
    let handler = on_signal as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
    let tallies = Arc::new(Tallies::default());
    let limits = Limits {
        outbound_queue_bytes: o.queue_mib << 20,
        ..Limits::default()
    };
    let main = Arc::new(
        Main::builder()
            .ipc(listeners(&tallies, o.forget_every))
            .limits(limits)
            .start()?,
    );
    let _groups = Groups(tallies.clone());
    let t0 = Instant::now();
    let flood = (Role::Flooder, 0, 0, 0);
    // No sendSync from the slow reader: a renderer waiting for a sync reply reads everything
    // main sent before it into its own memory, which would empty main's queue (docs/soak.md).
    let slow = (Role::Slow, o.interval_ms, 0, 1000);
    let steady = (Role::Steady, o.interval_ms, o.sync_every, 0);
    for (role, interval, sync_every, delay_us) in
        std::iter::repeat_n(steady, o.renderers).chain([flood, slow])
    {
        let mut cmd = crate::peers::extra_command()?;
        cmd.arg("soak-renderer")
            .args([interval, sync_every, delay_us].map(|v| v.to_string()))
            .process_group(0);
        tallies.add(role, main.spawn_renderer(cmd)?);
    }
    for e in tallies.all() {
        if !e.wc.wait_ready(Duration::from_secs(120)) {
            return Err(format!(
                "renderer {} ({}) did not connect: {}",
                e.wc.id(),
                e.role.name(),
                e.wc.destroy_reason().unwrap_or_default()
            )
            .into());
        }
    }
    println!(
        "[soak] {} renderers + flooder + slow reader connected in {:.1} s; main's queue limit per renderer {} MiB",
        o.renderers,
        t0.elapsed().as_secs_f64(),
        o.queue_mib
    );
    let page = if o.page {
        Some(Page::start(&main, &tallies, o.page_sync_every)?)
    } else {
        None
    };
    let stop = Arc::new(AtomicBool::new(false));
    let push_threads = pushers::start(
        tallies.clone(),
        Duration::from_millis(o.push_ms),
        stop.clone(),
    )?;
    let samples = watch(o.duration, &tallies);
    stop.store(true, Ordering::Release);
    for t in push_threads {
        let _ = t.join();
    }
    let failures = finish(&tallies, &samples);
    drop(page);
    let interrupted = INTERRUPTED.load(Ordering::Relaxed);
    Ok(if !failures.is_empty() {
        1
    } else if interrupted {
        130
    } else {
        0
    })
}

/// Main's listeners: count every message of every renderer, answer `sendSync` with its number,
/// keep each renderer's final account.
fn listeners(tallies: &Arc<Tallies>, forget_every: u64) -> IpcMain {
    let ipc = IpcMain::new();
    let t = tallies.clone();
    let seen = std::sync::atomic::AtomicU64::new(0);
    ipc.on("soak", move |ev, args| {
        let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
        if forget_every > 0 && n.is_multiple_of(forget_every) {
            return Ok(());
        }
        let e = t.of(ev.sender());
        e.lock().record(args.get(0)?, args.get(1)?);
        Ok(())
    });
    let t = tallies.clone();
    ipc.on("soak-sync", move |ev, args| {
        let e = t.of(ev.sender());
        let seq: u64 = args.get(0)?;
        e.lock().record(seq, args.get(1)?);
        ev.set_return_value(seq)?;
        Ok(())
    });
    let t = tallies.clone();
    ipc.on("final", move |ev, args| {
        let e = t.of(ev.sender());
        e.lock().fin = Some(Final {
            sent: args.get(0)?,
            refused: args.get(1)?,
            pushes_seen: args.get(2)?,
            push_out_of_order: args.get(3)?,
            sync_bad: args.get(4)?,
        });
        Ok(())
    });
    ipc
}

/// Samples main every second for `duration` (or until interrupted or a renderer is gone),
/// printing a progress line every 10 s.
fn watch(duration: Duration, tallies: &Tallies) -> Vec<report::Sample> {
    let start = Instant::now();
    let mut samples = Vec::new();
    let mut next_line = Duration::from_secs(10);
    while start.elapsed() < duration && !INTERRUPTED.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_secs(1).min(duration.saturating_sub(start.elapsed())));
        let s = report::sample(start.elapsed());
        samples.push(s);
        if s.at >= next_line {
            println!("{}", report::progress(&s, &tallies.all()));
            next_line += Duration::from_secs(10);
        }
        if let Some(e) = tallies.all().into_iter().find(|e| e.wc.is_destroyed()) {
            println!(
                "[soak] renderer {} ({}) is gone: {}; stopping early",
                e.wc.id(),
                e.role.name(),
                e.wc.destroy_reason().unwrap_or_default()
            );
            break;
        }
    }
    if INTERRUPTED.load(Ordering::Relaxed) {
        println!("[soak] interrupted: stopping early");
    }
    samples
}

/// Stops every renderer, waits for the final accounts and prints the table and the verdict;
/// returns the failures.
fn finish(tallies: &Tallies, samples: &[report::Sample]) -> Vec<String> {
    let entries = tallies.all();
    let end = samples
        .last()
        .map_or(Duration::ZERO, |s| s.at + Duration::from_millis(1));
    let mut failures = Vec::new();
    for e in &entries {
        // Ordered after every push on the same link, and waits for room like them.
        if let Err(err) = e.wc.send_timeout("stop", &(), Duration::from_secs(60)) {
            failures.push(format!("cannot stop renderer {}: {err}", e.wc.id()));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    // A renderer that is gone will not report; the others get until the deadline (the slow
    // reader has a full queue to drain first).
    while Instant::now() < deadline
        && !entries
            .iter()
            .all(|e| e.lock().fin.is_some() || e.wc.is_destroyed())
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("{}", report::progress(&report::sample(end), &entries));
    print!("{}", report::table(&entries));
    let v = report::verdict(&entries);
    failures.extend(v.failures);
    let (rss, grew, judged) = report::rss_judgement(samples);
    failures.extend(grew);
    for e in &entries {
        if let Some(r) = &e.lock().first_refusal {
            println!("[soak] renderer {}: first refused push: {r}", e.wc.id());
        }
    }
    println!(
        "[soak] {:.0} s: renderers sent {}, main received {}, lost {}; main pushed {}, renderers received {}, lost {}; refused {} (counted, not lost)",
        end.as_secs_f64(),
        v.sent,
        v.received,
        v.sent.saturating_sub(v.received),
        v.pushed,
        v.pushes_seen,
        v.pushed.saturating_sub(v.pushes_seen),
        v.refused,
    );
    println!("[soak] {rss}");
    if failures.is_empty() {
        let rss = if judged {
            "RSS bounded".to_string()
        } else {
            format!(
                "RSS not judged (under {} s of traffic)",
                report::MIN_JUDGED_SAMPLES
            )
        };
        println!("[soak] OK: nothing lost, nothing out of order, {rss}");
    } else {
        for f in &failures {
            println!("[soak] FAILED: {f}");
        }
    }
    failures
}

/// Kills the process group of every renderer process still running (they are in their own
/// groups, away from the terminal's Ctrl-C).
struct Groups(Arc<Tallies>);

impl Drop for Groups {
    fn drop(&mut self) {
        for e in self.0.all() {
            // A WebContents whose process was reaped is destroyed first, so a live one's pid
            // is still this child's.
            if let (Some(pid), false) = (e.wc.process_id(), e.wc.is_destroyed()) {
                // SAFETY: kill(2) on the process group our child leads.
                unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
            }
        }
    }
}

/// The flooding page: the bridge, its files and the browser.
struct Page {
    browser: Option<crate::chromium::Browser>,
    bridge: Option<electrode_web::WebBridge>,
    dir: std::path::PathBuf,
}

impl Page {
    fn start(main: &Arc<Main>, tallies: &Tallies, sync_every: u64) -> Res<Page> {
        if !crate::chromium::available() {
            return Err(format!(
                "{} is missing: the soak's flooding page needs it (or pass --no-page)",
                crate::chromium::CHROMIUM
            )
            .into());
        }
        let dir = crate::peers::temp_dir("soak")?;
        std::fs::write(dir.join("soak.html"), include_str!("page.html"))?;
        let mut page = Page {
            browser: None,
            bridge: None,
            dir,
        };
        let bridge = electrode_web::WebBridge::start(
            main.clone(),
            electrode_web::WebConfig::new().app_dir(&page.dir),
        )?;
        // Bursts of 500 sends, at most 20 000 ahead of main.
        let url = format!("{}soak.html#500,20000,{sync_every}", bridge.url());
        page.bridge = Some(bridge);
        page.browser = Some(crate::chromium::Browser::start(
            &url,
            &page.dir.join("profile"),
        )?);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !tallies
            .all()
            .iter()
            .any(|e| e.role == Role::Page && e.lock().received > 0)
        {
            if Instant::now() > deadline {
                return Err("the soak page sent nothing within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        println!("[soak] flooding page running at {url}");
        Ok(page)
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        drop(self.browser.take());
        drop(self.bridge.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
