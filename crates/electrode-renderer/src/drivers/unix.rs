//! A Unix-domain socket, watched with epoll, with an eventfd to wake the dispatch thread.

use std::io::{self, IoSlice, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use electrode_io::{Epoll, EventFd, Events, Interest};
use electrode_shm::{Region, RingWriter};
use electrode_wire::io::{write_frame, FrameReader, ReadError};
use electrode_wire::{Encoded, Features, Frame};

use crate::transport::{FrameSource, Transport, Wakeup};

const SOCKET: u64 = 0;
const WAKE: u64 = 1;

/// How long main may take to answer the Hello.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Frame bodies of this size and more go through the shared memory ring when main took it.
const SHARED_FROM: usize = 64 * 1024;

/// The size of the memory region a renderer offers main (docs/adr/0022): room for a few
/// large messages in flight. A message larger than the ring, or one that finds it full, uses
/// the socket.
const SHARED_REGION: usize = 4 * 1024 * 1024;

/// The shared half of a Unix-socket link.
pub struct UnixTransport {
    stream: UnixStream,
    writer: Mutex<Writer>,
    /// What the dispatch thread sleeps on: the socket (token [`SOCKET`], interest off while a
    /// `send_sync` caller reads) and `wake` (token [`WAKE`]).
    watch: Epoll,
    wake: EventFd,
}

/// The writing end, and the shared memory ring: one lock, so a frame sent by reference keeps
/// its place among the frames sent on the socket.
struct Writer {
    stream: UnixStream,
    /// The region's descriptor, until it rides with the Hello.
    offer: Option<OwnedFd>,
    /// The ring, from the Hello until main's Welcome says whether it took it (then only if
    /// it did).
    ring: Option<RingWriter>,
}

impl Writer {
    fn write(&mut self, frame: &Encoded) -> io::Result<()> {
        if let Some(fd) = self.offer.take() {
            return write_with_fd(&mut self.stream, frame, fd);
        }
        if frame.body_len() >= SHARED_FROM {
            if let Some(ring) = self.ring.as_mut() {
                // The body, without the stream's length prefix.
                let parts = [&frame.head[4..], &frame.body[..], &frame.tail[..]];
                if let Some(at) = ring.write(&parts) {
                    let len = frame.body_len() as u64;
                    return write_frame(&mut self.stream, &Frame::SharedSlice { at, len }.encode());
                }
            }
        }
        write_frame(&mut self.stream, frame)
    }
}

/// Writes `frame` (the Hello: a few dozen bytes) whole with `fd` riding on its first byte.
fn write_with_fd(stream: &mut UnixStream, frame: &Encoded, fd: OwnedFd) -> io::Result<()> {
    let bytes = frame.to_vec();
    let sent = electrode_io::send_with_fd(&*stream, &[IoSlice::new(&bytes)], &fd)?;
    stream.write_all(&bytes[sent..])
}

/// A region to offer main, or `None` (said on stderr) when this system cannot make one: the
/// link then works without it.
fn shared_region() -> Option<(RingWriter, OwnedFd)> {
    if std::env::var_os("ELECTRODE_SHARED_MEMORY").is_some_and(|v| v == "0") {
        return None;
    }
    match Region::create(SHARED_REGION) {
        Ok((region, fd)) => Some((RingWriter::new(region), fd)),
        Err(e) => {
            eprintln!(
                "electrode-renderer: no shared memory region ({e}); large messages use the socket"
            );
            None
        }
    }
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
        let (transport, source) = UnixTransport::over(stream, handshake_limit)?;
        if let Some((ring, fd)) = shared_region() {
            let mut w = transport.writer.lock().unwrap_or_else(|e| e.into_inner());
            w.ring = Some(ring);
            w.offer = Some(fd);
        }
        Ok((transport, source))
    }

    /// Uses a connected stream.
    pub fn over(
        stream: UnixStream,
        handshake_limit: usize,
    ) -> io::Result<(UnixTransport, UnixSource)> {
        let (writer, source) = open(&stream, handshake_limit)?;
        let writer = Mutex::new(Writer {
            stream: writer,
            offer: None,
            ring: None,
        });
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
        w.write(frame)
    }

    fn agreed(&self, features: Features) {
        if !features.contains(Features::SHARED_MEMORY) {
            self.writer.lock().unwrap_or_else(|e| e.into_inner()).ring = None;
        }
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
