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
//! # One binary, and a `main` that waits
//!
//! [`Main::spawn_self`] starts this very program again as a renderer with a role, which the
//! child reads with `electrode_renderer::renderer_role()` at the top of its `main`, so one
//! `cargo run` builds everything the app spawns. [`Main::wait`] blocks until
//! [`Main::shutdown`] (or a [`ShutdownHandle`] a listener holds) or Ctrl-C/SIGTERM. The
//! README's first example and `crates/electrode-examples` use both.
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
//!
//! # Platforms
//!
//! Linux only, today: the worker pool waits with epoll and wakes with eventfd, spawned
//! renderers are reaped through pidfds (Linux 5.3+; a waiting thread per child on older
//! kernels), and Rust renderers connect over a Unix-domain socket. macOS, other Unixes and
//! Windows are planned behind one transport seam (see the workspace README's Platforms
//! section).

#![deny(missing_docs)]

mod auth;
mod buffer_json;
mod contents;
mod error;
mod event;
mod invoke;
mod ipc_main;
mod main_process;
mod memory;
mod ports;
mod reaper;
mod roles;
mod signals;
mod stop;
mod transport;
mod uds;
mod workers;

pub use contents::{RendererKind, WebContents};
pub use electrode_wire::emitter::ListenerId;
pub use electrode_wire::memory::MemoryLink;
pub use electrode_wire::{
    ArgList, Args, Date, SharedBytes, TypedArray, TypedKind, Value, ValueRules, WireError,
};
pub use error::{BoxError, Error};
pub use event::{IpcEvent, SyncReply};
pub use invoke::{InvokeError, InvokeEvent};
pub use ipc_main::{IpcMain, ListenerFailure, MainListener};
pub use main_process::{Limits, Main, MainBuilder, ShutdownHandle, Ticket};
pub use ports::{MessageChannelMain, MessageEvent, MessagePortMain};
pub use roles::{self_command, ENV_ROLE};
// The transport interface between `Main` and a renderer link. Public only because
// electrode-web's bridge (another crate) implements a transport; apps never need it, and it
// may change without a major version.
#[doc(hidden)]
pub use transport::{Connection, Outbound, SendFailure};

#[doc(hidden)]
pub use electrode_wire::report;
#[doc(hidden)]
pub use electrode_wire::{error_visible, warn_visible};

/// The wire protocol, for transports built outside this crate.
pub use electrode_wire as wire;

// The crate's README is what the registry shows; its examples are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
