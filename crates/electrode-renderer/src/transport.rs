//! The seam between the renderer's link logic (handshake, sync waits, the inbox, the dispatch
//! thread) and what carries the frames: a Unix socket, an in-memory link, or a transport of
//! your own (for example a Windows named pipe).
//!
//! A transport comes in two halves. The [`FrameSource`] reads frames and is used by one thread
//! at a time (the link keeps it under a lock; a thread blocked in `send_sync` reads its own
//! reply through it). The [`Transport`] is shared by every thread: it writes frames, and lets
//! the dispatch thread sleep until there is something to read or it is woken.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use electrode_wire::io::ReadError;
use electrode_wire::Encoded;

/// What [`Transport::park`] woke for: `Readable` (a frame, the end of the link or an error may
/// be there to read) or `Woken` ([`Transport::unpark`] was called).
pub use electrode_wire::memory::Wakeup;

/// The reading half of a link.
pub trait FrameSource: Send + 'static {
    /// Reads one frame body. With a `timeout`, `Ok(None)` means nothing began to arrive in that
    /// time; once a frame has begun, the read waits for all of it.
    fn read_frame(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>, ReadError>;

    /// Whether a whole frame is already buffered, so that a read returns without waiting.
    fn has_buffered_frame(&self) -> bool;

    /// Whether a read would not wait for the peer now (a frame or bytes are buffered, or the
    /// link has ended).
    fn ready(&self) -> bool;

    /// The handshake is over: frames up to `max_message_size` bytes are allowed from now on,
    /// and reads may wait without limit.
    fn connected(&mut self, max_message_size: usize) -> io::Result<()>;

    /// Polls, without sleeping, until a read would not wait or `max` has passed; returns
    /// whether it would not wait. A `send_sync` caller that opted in
    /// ([`IpcRenderer::set_sync_spin`](crate::IpcRenderer::set_sync_spin)) spins here before
    /// its blocking read, so a quick reply costs no sleep and wake-up. The default does not
    /// spin.
    fn spin_until_ready(&mut self, max: Duration) -> bool {
        let _ = max;
        false
    }
}

/// The shared half of a link.
pub trait Transport: Send + Sync + 'static {
    /// Writes one whole frame, waiting while the peer does not read (backpressure). Calls may
    /// come from several threads at once; each frame must stay whole.
    fn write_frame(&self, frame: &Encoded) -> io::Result<()>;

    /// Sleeps until something may be readable (while [`watch`](Self::watch)ed) or
    /// [`unpark`](Self::unpark) is called. A wake-up must not be lost if it comes before the
    /// sleep: it is remembered until a `park` returns [`Wakeup::Woken`].
    fn park(&self) -> io::Result<Wakeup>;

    /// Wakes the thread in [`park`](Self::park).
    fn unpark(&self);

    /// Whether [`park`](Self::park) wakes for readable data. The link turns it off while a
    /// `send_sync` caller reads its own reply, so the reply wakes only that caller.
    fn watch(&self, on: bool);

    /// Ends the link both ways; a thread blocked reading or writing returns.
    fn shutdown(&self);

    /// The handshake is over and these optional features were agreed. A transport that
    /// offered something in its Hello (the Unix socket's shared memory region) keeps it or
    /// lets it go here. The default does nothing.
    fn agreed(&self, features: electrode_wire::Features) {
        let _ = features;
    }
}
