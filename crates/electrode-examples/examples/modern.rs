//! The README's first web example: a page written for Electron 12+ (contextIsolation on, a
//! preload exposing `window.api.loadNote(id)` that calls `ipcRenderer.invoke`) against a Rust
//! main. `cargo run -p electrode-examples --example modern`, then open the printed URL.

use std::sync::Arc;

use electrode::{InvokeError, IpcMain, Main};
use electrode_web::{WebBridge, WebConfig};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ipc = IpcMain::new();
    ipc.handle("note:load", |_event, args| {
        let id: u32 = args.get(0)?;
        match id {
            1 => Ok(json!({"title": "Groceries", "body": "milk, eggs"})),
            _ => Err(InvokeError::new(format!("no note {id}")).into()), // rejects the page's promise
        }
    })?;
    let main = Arc::new(Main::builder().ipc(ipc).start()?);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/modern");
    let config = WebConfig::new()
        .app_dir(dir)
        .preload(format!("{dir}/preload.js"));
    let bridge = WebBridge::start(main.clone(), config)?;
    println!("modern: open {}index.html", bridge.url());
    main.wait()?; // until Ctrl-C or SIGTERM
    println!("modern: stopped");
    Ok(())
}
