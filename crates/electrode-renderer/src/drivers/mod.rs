//! The transports this crate ships: a Unix socket (main's listener) and an in-memory link
//! (a renderer living in main's process).

mod memory;
mod unix;

pub use memory::{MemorySource, MemoryTransport};
pub use unix::{UnixSource, UnixTransport};
