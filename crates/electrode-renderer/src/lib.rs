//! The Rust `IpcRenderer`: Electron's renderer-side IPC API for a Rust process started by an
//! Electrode main process.
//!
//! ```no_run
//! use electrode_renderer::IpcRenderer;
//!
//! let ipc = IpcRenderer::connect_from_env()?;
//! ipc.on("pong", |event, args| {
//!     let n: u32 = args.get(0)?;
//!     if n < 3 {
//!         event.sender().send("ping", &(n,))?;
//!     }
//!     Ok(())
//! });
//! ipc.send("ping", &(1,))?;
//! let sum: f64 = ipc.send_sync("sum", &(vec![1.0, 2.0],))?;
//! assert_eq!(sum, 3.0);
//! # Ok::<(), electrode_renderer::Error>(())
//! ```
//!
//! A program that is its own renderer (started by main's `Main::spawn_self(role)`) calls
//! [`renderer_role`] first thing in `main` to learn that it is one, and which.
//!
//! Listeners run on one background thread, in arrival order. `send_sync` blocks the calling
//! thread and reads the socket itself (no thread hop on the reply path); messages that arrive
//! while any `send_sync` is pending are delivered after it returns, in order. `send_sync` from
//! inside a listener works.
//!
//! # Transports
//!
//! The link logic runs over any [`transport::Transport`]. This crate ships two
//! ([`drivers`]): a Unix-domain socket ([`IpcRenderer::connect`], the usual case) and an
//! in-memory link for a renderer that lives in main's own process
//! ([`IpcRenderer::connect_memory`]).
//!
//! # Platforms
//!
//! Linux only, today: the Unix-socket driver watches the socket with epoll, with an eventfd
//! to wake the listener thread. macOS, other Unixes and Windows are planned with the main side
//! (see the workspace README's Platforms section); a new platform is a new driver.

#![deny(missing_docs)]

pub mod drivers;
mod error;
mod invoke;
mod link;
mod ports;
mod renderer;
mod role;
pub mod transport;

pub use electrode_wire::emitter::ListenerId;
pub use electrode_wire::memory::MemoryLink;
pub use electrode_wire::{
    ArgList, Args, Date, SharedBytes, TypedArray, TypedKind, Value, ValueRules, WireError,
};
pub use error::{BoxError, Error};
pub use invoke::InvokeCall;
pub use ports::{MessagePort, PortMessageEvent};
pub use renderer::{IpcMessageEvent, IpcRenderer, RendererEvent, Webview};
pub use role::{renderer_role, ENV_ROLE};

// The crate's README is what the registry shows; its examples are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
