//! A plugin host: main runs several plugins as Rust renderer processes (this same program,
//! started again with the role `plugin`), sends every plugin a job each round and collects
//! the answers. The `flaky` plugin panics on its third job; main sees it through
//! `WebContents::on_destroyed`, starts it again, and the other plugins answer every round
//! meanwhile: one crashing process harms no other.
//!
//! ```sh
//! cargo run -p electrode-examples --example plugin_host
//! ```
//!
//! It prints a summary and exits 0 by itself (1 if a healthy plugin ever missed a round).

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use electrode::{IpcMain, Main, WebContents};
use electrode_renderer::{renderer_role, IpcRenderer};

type AnyError = Box<dyn std::error::Error>;

const PLUGINS: [&str; 4] = ["upper", "reverse", "count", "flaky"];
const ROUNDS: u32 = 8;
/// The job on which the first `flaky` process crashes.
const CRASH_AT_JOB: u32 = 3;
/// How long main waits for any one answer before it calls a plugin hung. A bound on a hang
/// (no plugin here ever takes that long), not a measurement.
const PATIENCE: Duration = Duration::from_secs(20);

fn main() -> Result<(), AnyError> {
    match renderer_role().as_deref() {
        Some("plugin") => plugin(),
        Some(other) => Err(format!("plugin_host: unknown renderer role {other:?}").into()),
        None => host(),
    }
}

/// What main hears from its plugins.
enum Event {
    Answer {
        renderer: u64,
        round: u32,
        out: String,
    },
    Died {
        renderer: u64,
        reason: String,
    },
}

/// One plugin as main tracks it.
struct Slot {
    contents: WebContents,
    generation: u32,
    answered: u32,
    crashes: Vec<String>,
}

fn start(
    main: &Main,
    name: &str,
    generation: u32,
    events: &Sender<Event>,
) -> Result<WebContents, AnyError> {
    let mut cmd = electrode::self_command("plugin")?;
    cmd.env("PLUGIN_NAME", name)
        .env("PLUGIN_GENERATION", generation.to_string());
    let wc = main.spawn_renderer(cmd)?;
    let events = Mutex::new(events.clone());
    let renderer = wc.id();
    wc.on_destroyed(move |reason| {
        // After the summary main is gone and nobody listens: nothing to tell.
        let _ = events.lock().unwrap().send(Event::Died {
            renderer,
            reason: reason.to_string(),
        });
    });
    Ok(wc)
}

fn host() -> Result<(), AnyError> {
    let (tx, rx) = channel();
    let ipc = IpcMain::new();
    {
        let tx = Mutex::new(tx.clone());
        ipc.on("result", move |event, args| {
            let round: u32 = args.get(0)?;
            let out: String = args.get(1)?;
            let renderer = event.sender().id();
            let _ = tx.lock().unwrap().send(Event::Answer {
                renderer,
                round,
                out,
            });
            Ok(())
        });
    }
    let main = Main::builder().ipc(ipc).start()?;
    let mut slots = BTreeMap::new();
    for name in PLUGINS {
        let contents = start(&main, name, 0, &tx)?;
        slots.insert(
            name,
            Slot {
                contents,
                generation: 0,
                answered: 0,
                crashes: Vec::new(),
            },
        );
    }
    println!("plugin_host: {} plugins, {ROUNDS} rounds", PLUGINS.len());
    let mut healthy_missed = 0;
    for round in 1..=ROUNDS {
        let text = format!("job {round} for the plugins");
        for slot in slots.values() {
            // A plugin that has just died misses this round; its restart is handled below.
            let _ = slot.contents.send("job", &(round, &text));
        }
        let missed = collect_round(&main, round, &mut slots, &rx, &tx)?;
        for name in missed {
            println!("  round {round}: {name} missed it");
            if name != "flaky" {
                healthy_missed += 1;
            }
        }
    }
    let mut crashes = 0;
    let mut restarts = 0;
    for (name, slot) in &slots {
        crashes += slot.crashes.len();
        restarts += slot.generation;
        let mut line = format!("  {name:<8} answered {}/{ROUNDS}", slot.answered);
        for reason in &slot.crashes {
            line.push_str(&format!("; crashed ({reason})"));
        }
        if slot.generation > 0 {
            line.push_str(&format!("; restarted {} time(s)", slot.generation));
        }
        println!("{line}");
    }
    let others_fine = healthy_missed == 0;
    println!(
        "summary: rounds={ROUNDS} crashes={crashes} restarts={restarts} others_answered_every_round={others_fine}"
    );
    main.shutdown();
    if !others_fine {
        std::process::exit(1);
    }
    Ok(())
}

/// Waits until every plugin answered `round` or died; restarts the dead. Returns the names of
/// those that did not answer.
fn collect_round(
    main: &Main,
    round: u32,
    slots: &mut BTreeMap<&'static str, Slot>,
    rx: &Receiver<Event>,
    tx: &Sender<Event>,
) -> Result<Vec<&'static str>, AnyError> {
    let mut pending: Vec<&'static str> = slots.keys().copied().collect();
    let mut missed = Vec::new();
    while !pending.is_empty() {
        let event = rx
            .recv_timeout(PATIENCE)
            .map_err(|_| format!("round {round}: no word from {pending:?}"))?;
        let (Event::Answer { renderer, .. } | Event::Died { renderer, .. }) = event;
        // Events of a process that was already replaced belong to no slot.
        let Some((&name, slot)) = slots.iter_mut().find(|(_, s)| s.contents.id() == renderer)
        else {
            continue;
        };
        match event {
            Event::Answer { round: r, out, .. } if r == round => {
                println!("  round {round}: {name} -> {out:?}");
                slot.answered += 1;
            }
            Event::Answer { round: r, .. } => {
                return Err(format!("{name} answered round {r} during round {round}").into())
            }
            Event::Died { reason, .. } => {
                println!("  round {round}: {name} crashed ({reason}); restarting it");
                slot.crashes.push(reason);
                slot.generation += 1;
                slot.contents = start(main, name, slot.generation, tx)?;
                missed.push(name);
            }
        }
        pending.retain(|p| *p != name);
    }
    Ok(missed)
}

/// A plugin process: transforms each job's text its own way.
fn plugin() -> Result<(), AnyError> {
    let name = std::env::var("PLUGIN_NAME")?;
    let generation: u32 = std::env::var("PLUGIN_GENERATION")?.parse()?;
    let (crash, crashed) = channel::<Option<u32>>();
    let crash = Arc::new(Mutex::new(crash));
    let jobs = Arc::new(Mutex::new(0u32));
    let ipc = {
        let crash = crash.clone();
        let name = name.clone();
        IpcRenderer::connect_from_env_with(move |ipc| {
            let me = ipc.clone();
            ipc.on("job", move |_event, args| {
                let round: u32 = args.get(0)?;
                let text: String = args.get(1)?;
                let job = {
                    let mut jobs = jobs.lock().unwrap();
                    *jobs += 1;
                    *jobs
                };
                if name == "flaky" && generation == 0 && job == CRASH_AT_JOB {
                    // Crash from the process's main thread: a panic inside a listener would
                    // be caught and reported like any listener error, and the process live on.
                    let _ = crash.lock().unwrap().send(Some(round));
                    return Ok(());
                }
                me.send("result", &(round, transform(&name, &text)))?;
                Ok(())
            });
        })?
    };
    {
        let ipc = ipc.clone();
        std::thread::spawn(move || {
            ipc.wait_disconnected();
            let _ = crash.lock().unwrap().send(None);
        });
    }
    if let Ok(Some(round)) = crashed.recv() {
        panic!("plugin {name} crashes on purpose at round {round}");
    }
    Ok(())
}

fn transform(name: &str, text: &str) -> String {
    match name {
        "upper" => text.to_uppercase(),
        "reverse" => text.chars().rev().collect(),
        "count" => format!("{} chars", text.chars().count()),
        _ => text.to_string(),
    }
}
