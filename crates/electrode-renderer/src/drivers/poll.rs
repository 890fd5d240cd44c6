//! A Unix-domain socket watched with `poll(2)`, woken through a pipe: only POSIX calls, for
//! Unix systems without epoll (and tested on Linux by the conformance suite).

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use electrode_io::{poll_readable, WakePipe};
use electrode_wire::io::write_frame;
use electrode_wire::Encoded;

use super::unix::{open, UnixSource};
use crate::transport::{Transport, Wakeup};

/// The shared half of a Unix-socket link watched with `poll(2)`.
pub struct PollTransport {
    stream: UnixStream,
    writer: Mutex<UnixStream>,
    wake: WakePipe,
    /// Whether [`Transport::park`] watches the socket. A thread already sleeping with the
    /// socket in its set may wake once more for a reply meant for a `send_sync` caller; it
    /// looks, finds the link taken, and sleeps again without it.
    watched: AtomicBool,
}

impl PollTransport {
    /// Connects to main's socket. Until the handshake is over, frames are limited to
    /// `handshake_limit` bytes.
    pub fn connect(
        socket: &Path,
        handshake_limit: usize,
    ) -> io::Result<(PollTransport, UnixSource)> {
        let stream = UnixStream::connect(socket)?;
        let (writer, source) = open(&stream, handshake_limit)?;
        Ok((
            PollTransport {
                stream,
                writer: Mutex::new(writer),
                wake: WakePipe::new()?,
                watched: AtomicBool::new(true),
            },
            source,
        ))
    }
}

impl Transport for PollTransport {
    fn write_frame(&self, frame: &Encoded) -> io::Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        write_frame(&mut *w, frame)
    }

    fn park(&self) -> io::Result<Wakeup> {
        let socket = self
            .watched
            .load(Ordering::Acquire)
            .then(|| self.stream.as_fd());
        let [readable, woken] = poll_readable([socket, Some(self.wake.as_fd())], None)?;
        if woken {
            // Lowered before the caller looks at its state again, so no raise is lost.
            self.wake.lower();
            return Ok(Wakeup::Woken);
        }
        // Interrupted (nothing ready) counts as readable: the caller checks and parks again.
        let _ = readable;
        Ok(Wakeup::Readable)
    }

    fn unpark(&self) {
        self.wake.signal();
    }

    fn watch(&self, on: bool) {
        self.watched.store(on, Ordering::Release);
        if on {
            // A sleeper without the socket in its set must add it now.
            self.wake.signal();
        }
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
