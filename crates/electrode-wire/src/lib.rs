//! The sans-IO protocol of Electrode.
//!
//! This crate knows how messages look on the wire and nothing about sockets or runtimes:
//!
//! * [`Frame`]: every message kind that crosses a renderer link, with [`Frame::encode`] and
//!   [`Frame::decode`];
//! * [`Args`]: an encoded argument list (JSON text per argument plus binary attachments), built
//!   from any `impl Serialize` with the value rules of Electron 1.7.8 and read back lazily, by
//!   index, into the receiver's own types;
//! * [`Value`]: the dynamic value model (JSON plus bytes);
//! * [`io`]: small blocking helpers that read and write frames on any `Read`/`Write`;
//! * [`emitter`]: the channel → listeners table with Node `EventEmitter` semantics;
//! * [`session`]: the protocol's state machines, `RendererSession` and `MainSession` (frames
//!   in, what to do out; no I/O);
//! * [`sequenced`]: the web path's sequence numbers and `sendSync` request body;
//! * [`memory`]: an in-memory link (two bounded frame queues) for in-process renderers and tests.
//!
//! ```
//! use electrode_wire::{Args, Frame};
//!
//! let args = Args::encode(&(1u32, "two", vec![3.5f64])).unwrap();
//! let frame = Frame::Send { channel: "ping".into(), args };
//! let wire = frame.encode().to_vec();
//! let back = Frame::decode(bytes::Bytes::from(wire[4..].to_vec()), 1 << 20).unwrap();
//! let Frame::Send { channel, args } = back else { unreachable!() };
//! assert_eq!(channel, "ping");
//! assert_eq!(args.get::<u32>(0).unwrap(), 1);
//! assert_eq!(args.get::<String>(1).unwrap(), "two");
//! ```
//!
//! # Platforms
//!
//! No system calls live here (`#![forbid(unsafe_code)]`, no `libc`): the crate builds for any
//! target, `wasm32-unknown-unknown` included. The sockets, epoll sets and wake-up flags of the
//! Linux links are in `electrode-io`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod clone;
mod decode;
pub mod emitter;
mod error;
mod frame;
pub mod handshake;
pub mod io;
pub mod memory;
#[doc(hidden)]
pub mod report;
pub mod sequenced;
mod ser;
pub mod session;
mod shared_bytes;
mod value;

pub use args::{Args, MAX_DEPTH};
pub use clone::ValueRules;
pub use error::WireError;
pub use frame::{Encoded, Frame, FrameKind, InvokeFailure, InvokeOutcome, SyncOutcome};
pub use handshake::Features;
pub use shared_bytes::SharedBytes;
pub use value::{Date, TypedArray, TypedKind, Value};

/// Default largest frame body a peer accepts or sends: 64 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// A [`Value`] decoded from an argument may take at most this many times the argument's
/// JSON size, plus its share of [`DECODE_BUDGET_FLOOR`]; beyond that the read fails with
/// [`WireError::OverBudget`], so a small hostile message cannot make its receiver allocate
/// without bound. [`Args::values`] has one such budget for the whole message. Typed reads
/// (`get::<T>`) build only `T` and are charged only for the `Value`s inside `T`.
pub const DECODE_BUDGET_FACTOR: usize = 8;

/// The part of a message's decoding budget independent of its size, shared evenly by its
/// arguments: a short message may decode into values many times its size (a 7-byte
/// `{"a":0}` is a whole map node of ~700 bytes, and an object nested 100 deep ~70 KiB).
pub const DECODE_BUDGET_FLOOR: usize = 1024 * 1024;

/// Environment variable that tells a spawned renderer where main's socket is.
pub const ENV_SOCKET: &str = "ELECTRODE_SOCKET";

/// Environment variable that carries a spawned renderer's token.
pub const ENV_TOKEN: &str = "ELECTRODE_TOKEN";

/// A list of values that serializes as an argument list (a tuple), for senders whose argument
/// count is known only at run time.
///
/// ```
/// use electrode_wire::{ArgList, Args};
/// let args = Args::encode(&ArgList(vec![1, 2, 3])).unwrap();
/// assert_eq!(args.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ArgList<T>(pub Vec<T>);

impl<T: serde::Serialize> serde::Serialize for ArgList<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.0.len())?;
        for v in &self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

// The crate's README is what the registry shows; its examples are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
