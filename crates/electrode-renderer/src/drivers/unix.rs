//! A Unix-domain socket, watched with epoll, with an eventfd to wake the dispatch thread.

use std::io;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use electrode_io::{Epoll, EventFd, Events, Interest};
use electrode_wire::io::{write_frame, FrameReader, ReadError};
use electrode_wire::Encoded;

use crate::transport::{FrameSource, Transport, Wakeup};

const SOCKET: u64 = 0;
const WAKE: u64 = 1;

/// How long main may take to answer the Hello.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The shared half of a Unix-socket link.
pub struct UnixTransport {
    stream: UnixStream,
    writer: Mutex<UnixStream>,
    /// What the dispatch thread sleeps on: the socket (token [`SOCKET`], interest off while a
    /// `send_sync` caller reads) and `wake` (token [`WAKE`]).
    watch: Epoll,
    wake: EventFd,
}

/// The reading half of a Unix-socket link.
pub struct UnixSource {
    reader: FrameReader<UnixStream>,
}

impl UnixTransport {
    /// Connects to main's socket. Until the handshake is over, frames are limited to
    /// `handshake_limit` bytes and reads to [`HANDSHAKE_TIMEOUT`].
    pub fn connect(
        socket: &Path,
        handshake_limit: usize,
    ) -> io::Result<(UnixTransport, UnixSource)> {
        let stream = UnixStream::connect(socket)?;
        UnixTransport::over(stream, handshake_limit)
    }

    /// Uses a connected stream.
    pub fn over(
        stream: UnixStream,
        handshake_limit: usize,
    ) -> io::Result<(UnixTransport, UnixSource)> {
        let (writer, source) = open(&stream, handshake_limit)?;
        let writer = Mutex::new(writer);
        let watch = Epoll::new()?;
        let wake = EventFd::new()?;
        watch.add(&stream, Interest::READABLE, SOCKET)?;
        watch.add(&wake, Interest::READABLE, WAKE)?;
        Ok((
            UnixTransport {
                stream,
                writer,
                watch,
                wake,
            },
            source,
        ))
    }
}

/// The writing handle and the reading half of a connected stream, in handshake mode: frames
/// up to `handshake_limit` bytes, reads limited to [`HANDSHAKE_TIMEOUT`].
pub(super) fn open(
    stream: &UnixStream,
    handshake_limit: usize,
) -> io::Result<(UnixStream, UnixSource)> {
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    let writer = stream.try_clone()?;
    let reader = FrameReader::new(stream.try_clone()?, handshake_limit);
    Ok((writer, UnixSource { reader }))
}

impl FrameSource for UnixSource {
    fn read_frame(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>, ReadError> {
        if let Some(t) = timeout {
            // An error here shows in the read that follows.
            if !self.reader.has_buffered_frame()
                && !electrode_io::wait_readable(self.reader.get_ref(), Some(t)).unwrap_or(true)
            {
                return Ok(None);
            }
        }
        self.reader.read_frame().map(Some)
    }

    fn has_buffered_frame(&self) -> bool {
        self.reader.has_buffered_frame()
    }

    fn ready(&self) -> bool {
        self.reader.has_buffered_frame()
            || electrode_io::wait_readable(self.reader.get_ref(), Some(Duration::ZERO))
                .unwrap_or(true)
    }

    fn spin_until_ready(&mut self, max: Duration) -> bool {
        let start = std::time::Instant::now();
        loop {
            if self.ready() {
                return true;
            }
            if start.elapsed() >= max {
                return false;
            }
            std::hint::spin_loop();
        }
    }

    fn connected(&mut self, max_message_size: usize) -> io::Result<()> {
        self.reader.set_max_size(max_message_size);
        self.reader.get_ref().set_read_timeout(None)
    }
}

impl Transport for UnixTransport {
    fn write_frame(&self, frame: &Encoded) -> io::Result<()> {
        let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        write_frame(&mut *w, frame)
    }

    fn park(&self) -> io::Result<Wakeup> {
        let mut events = Events::<2>::new();
        let n = self.watch.wait(&mut events, None)?;
        if events.iter().take(n).any(|e| e.token() == WAKE) {
            // Lowered before the caller looks at its state again, so no raise is lost.
            self.wake.lower();
            return Ok(Wakeup::Woken);
        }
        Ok(Wakeup::Readable)
    }

    fn unpark(&self) {
        self.wake.signal();
    }

    fn watch(&self, on: bool) {
        let interest = if on {
            Interest::READABLE
        } else {
            Interest::NOTHING
        };
        let _ = self.watch.modify(&self.stream, interest, SOCKET);
    }

    fn shutdown(&self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}
