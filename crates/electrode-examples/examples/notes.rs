//! A notes app: a page UI, a Rust worker renderer and a Rust main, in one binary.
//!
//! ```sh
//! cargo run -p electrode-examples --example notes                      # until Ctrl-C
//! cargo run -p electrode-examples --example notes -- --serve-for 60    # or 60 seconds
//! cargo run -p electrode-examples --example notes -- --window          # in a desktop window
//! ```
//!
//! With `--window` the same page opens in a native window (`electrode-window`, WebKitGTK)
//! instead of a browser tab; closing the window stops the app.
//!
//! Open the printed URL. The page (`crates/electrode-examples/notes/`) reads the notes with
//! `ipcRenderer.sendSync('notes:list')` when it loads, adds one with
//! `ipcRenderer.send('notes:add', text)`, and hears back on `ipcRenderer.on(...)`. Main keeps
//! the notes and hands each new one to the `indexer` renderer, which is this same program
//! started again with a role (`Main::spawn_self`, `renderer_role`): it counts words and sends
//! the counts back, and main tells every open page.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use electrode::{IpcMain, Main, RendererKind, WebContents};
use electrode_examples::words::{Stats, WordIndex};
use electrode_renderer::{renderer_role, IpcRenderer};
use electrode_web::{WebBridge, WebConfig};
use serde::Serialize;

type AnyError = Box<dyn std::error::Error>;

fn main() -> Result<(), AnyError> {
    match renderer_role().as_deref() {
        Some("indexer") => indexer(),
        Some(other) => Err(format!("notes: unknown renderer role {other:?}").into()),
        None => {
            let (serve_for, window) = options()?;
            run_main(serve_for, window)
        }
    }
}

/// `--serve-for <secs>`: stop by itself after that long (the default is to run until Ctrl-C or,
/// with `--window`, until the window is closed).
fn options() -> Result<(Option<Duration>, bool), AnyError> {
    const USAGE: &str = "usage: notes [--serve-for <secs>] [--window]";
    let (mut serve_for, mut window) = (None, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--window" => window = true,
            "--serve-for" => {
                let secs = args.next().ok_or(USAGE)?;
                serve_for = Some(Duration::from_secs(secs.parse()?));
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok((serve_for, window))
}

/// One note as main keeps it and pages see it; `words` is `None` until the indexer answered.
#[derive(Debug, Clone, Serialize)]
struct Note {
    id: u64,
    text: String,
    words: Option<u64>,
}

#[derive(Default)]
struct Notes {
    notes: Vec<Note>,
    stats: Stats,
}

fn run_main(serve_for: Option<Duration>, window: bool) -> Result<(), AnyError> {
    let main = Arc::new(Main::builder().ipc(IpcMain::new()).start()?);
    let notes = Arc::new(Mutex::new(Notes::default()));
    let indexer = main.spawn_self("indexer")?;
    {
        let stop = main.shutdown_handle();
        indexer.on_destroyed(move |reason| {
            // At shutdown every renderer goes; only an indexer lost while running is news.
            if !reason.contains("shutting down") {
                eprintln!("notes: the indexer renderer stopped ({reason}); quitting");
                stop.shutdown();
            }
        });
    }
    listen(&main, &notes, indexer);
    let bridge = WebBridge::start(
        main.clone(),
        WebConfig::new().app_dir(electrode_examples::NOTES_APP_DIR),
    )?;
    if let Some(after) = serve_for {
        let stop = main.shutdown_handle();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            stop.shutdown();
        });
    }
    if window {
        // The window's event loop owns this (the main) thread until the window is closed or
        // main shuts down.
        let mut app = electrode_window::App::new(main.clone(), &bridge)?;
        let win = app.window(
            electrode_window::WindowOptions::new()
                .title("Electrode notes")
                .size(900, 640)
                .load_file("index.html"),
        )?;
        println!("notes: in a window (page {})", win.web_contents().id());
        app.run();
        main.shutdown();
    } else {
        println!("notes: open {}", bridge.url());
        main.wait()?;
    }
    drop(bridge);
    println!("notes: stopped");
    Ok(())
}

/// Main's listeners: pages add and list notes, the indexer reports counts.
fn listen(main: &Arc<Main>, notes: &Arc<Mutex<Notes>>, indexer: WebContents) {
    // Weak: the listeners live inside main, and must not keep it alive.
    let pages = Arc::downgrade(main);
    let ipc = main.ipc();
    {
        let notes = notes.clone();
        let pages = pages.clone();
        ipc.on("notes:add", move |_event, args| {
            let text: String = args.get(0)?;
            let note = {
                let mut notes = notes.lock().unwrap();
                let note = Note {
                    id: notes.notes.len() as u64 + 1,
                    text,
                    words: None,
                };
                notes.notes.push(note.clone());
                note
            };
            // Pages first: the indexer's answer must reach them after "notes:added".
            to_pages(&pages, "notes:added", &(&note,));
            indexer.send("index", &(note.id, &note.text))?;
            Ok(())
        });
    }
    {
        let notes = notes.clone();
        ipc.on("notes:list", move |event, _args| {
            let notes = notes.lock().unwrap();
            event.set_return_value(serde_json::json!({
                "notes": notes.notes,
                "stats": notes.stats,
            }))?;
            Ok(())
        });
    }
    let notes = notes.clone();
    ipc.on("indexed", move |_event, args| {
        let id: u64 = args.get(0)?;
        let words: u64 = args.get(1)?;
        let stats: Stats = args.get(2)?;
        let note = {
            let mut notes = notes.lock().unwrap();
            notes.stats = stats.clone();
            let note = notes
                .notes
                .iter_mut()
                .find(|n| n.id == id)
                .ok_or_else(|| format!("the indexer answered for unknown note {id}"))?;
            note.words = Some(words);
            note.clone()
        };
        to_pages(&pages, "notes:indexed", &(&note, &stats));
        Ok(())
    });
}

/// Sends to every open page (not to the indexer, which has no use for it).
fn to_pages<T: Serialize + ?Sized>(main: &Weak<Main>, channel: &str, args: &T) {
    let Some(main) = main.upgrade() else { return };
    for page in main
        .web_contents()
        .into_iter()
        .filter(|wc| wc.kind() == RendererKind::Page)
    {
        // A page closing right now is not an error of the app.
        if let Err(e) = page.send(channel, args) {
            eprintln!("notes: page {} missed {channel}: {e}", page.id());
        }
    }
}

/// The worker renderer: indexes each note main hands it and answers with the counts.
fn indexer() -> Result<(), AnyError> {
    let index = Arc::new(Mutex::new(WordIndex::default()));
    let ipc = IpcRenderer::connect_from_env_with(|ipc| {
        let me = ipc.clone();
        ipc.on("index", move |_event, args| {
            let id: u64 = args.get(0)?;
            let text: String = args.get(1)?;
            let (words, stats) = {
                let mut index = index.lock().unwrap();
                let words = index.add(&text);
                (words, index.stats())
            };
            me.send("indexed", &(id, words, stats))?;
            Ok(())
        });
    })?;
    ipc.wait_disconnected();
    Ok(())
}
