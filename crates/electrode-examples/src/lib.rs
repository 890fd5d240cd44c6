//! Runnable examples of Electrode, each one `cargo run -p electrode-examples --example NAME`:
//!
//! - `notes`: a notes app. Rust main, a Rust worker renderer (the same binary, role
//!   `indexer`) that counts words, and a page UI served by the web bridge that uses
//!   `ipcRenderer.send`, `sendSync` and `on`; with `--window`, the same app in a desktop window
//!   (`electrode-window`).
//! - `plugin_host`: several Rust plugin renderers (the same binary, role `plugin`); one
//!   crashes and main restarts it while the others keep answering.
//! - `readme`: the README's first code block, kept compiling.
//!
//! This library holds what the examples share and what is worth unit-testing on its own.

pub mod words;

/// Where the notes example's page lives (`crates/electrode-examples/notes`).
pub const NOTES_APP_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/notes");
