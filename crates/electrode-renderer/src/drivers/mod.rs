//! The transports this crate ships: a Unix socket watched with epoll (the default, Linux), the
//! same socket watched with `poll(2)` (POSIX calls only, for other Unix systems), and an
//! in-memory link (a renderer living in main's process).

mod memory;
mod poll;
mod unix;

pub use memory::{MemorySource, MemoryTransport};
pub use poll::PollTransport;
pub use unix::{UnixSource, UnixTransport};
