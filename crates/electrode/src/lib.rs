//! Electrode's main process: Electron's `ipcMain` / `webContents` model for a Rust program.
//!
//! ```no_run
//! use electrode::{IpcMain, Main};
//! use std::process::Command;
//!
//! let ipc = IpcMain::new();
//! ipc.on("ping", |event, args| {
//!     let n: u32 = args.get(0)?;
//!     event.sender().send("pong", &(n + 1,))?;
//!     Ok(())
//! });
//! ipc.on("sum", |event, args| {
//!     let v: Vec<f64> = args.get(0)?;
//!     event.set_return_value(v.iter().sum::<f64>())?;
//!     Ok(())
//! });
//! let main = Main::builder().ipc(ipc).start()?;
//! let renderer = main.spawn_renderer(Command::new("./renderer"))?;
//! renderer.send("config", &(42,))?;
//! # Ok::<(), electrode::Error>(())
//! ```
//!
//! Threads: a few workers (one per CPU) serve every Rust renderer link over epoll; the worker
//! that reads a renderer's frames runs their listeners, one renderer on one worker at a time,
//! so one renderer's messages are handled in the order it made the calls (across `send` and
//! `sendSync`), while different renderers are handled in parallel. A listener that blocks
//! holds only its own renderer: a watchdog starts another worker. Listeners are therefore
//! `Send + Sync`. Writes to renderers never block the caller: they go out directly when the
//! socket has room and are queued (bounded) otherwise.
//!
//! # Seeing what goes wrong
//!
//! Electrode logs with [`tracing`](https://docs.rs/tracing). Install a subscriber to choose
//! what you see, for example `tracing_subscriber::fmt().with_env_filter("electrode=info").init()`.
//! Without one, warnings and errors a renderer or a listener can cause (a listener's `Err` or
//! panic, a message on a channel nobody listens to, a renderer closed for bad input, a broadcast
//! that missed someone) are printed to standard error, one line each; `ELECTRODE_LOG=off`
//! silences that. [`IpcMain::on_error`] hands listener failures to your code instead.

mod auth;
mod buffer_json;
mod contents;
mod error;
mod event;
mod invoke;
mod ipc_main;
mod main_process;
mod reaper;
mod transport;
mod uds;
mod workers;

pub use contents::{RendererKind, WebContents};
pub use electrode_wire::emitter::ListenerId;
pub use electrode_wire::{ArgList, Args, Value, WireError};
pub use error::{BoxError, Error};
pub use event::{IpcEvent, SyncReply};
pub use invoke::{InvokeError, InvokeEvent};
pub use ipc_main::{IpcMain, ListenerFailure, MainListener};
pub use main_process::{Limits, Main, MainBuilder, Ticket};
pub use transport::{Connection, Outbound, SendFailure};

#[doc(hidden)]
pub use electrode_wire::report;
#[doc(hidden)]
pub use electrode_wire::{error_visible, warn_visible};

/// The wire protocol, for transports built outside this crate.
pub use electrode_wire as wire;
