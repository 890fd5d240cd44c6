//! An in-memory link to main (a renderer in main's own process): no socket, no system call.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use electrode_wire::io::ReadError;
use electrode_wire::memory::{self, MemoryEnd};
use electrode_wire::Encoded;

use crate::transport::{FrameSource, Transport, Wakeup};

/// The shared half of an in-memory link.
pub struct MemoryTransport(Arc<MemoryEnd>);

/// The reading half of an in-memory link.
pub struct MemorySource {
    end: Arc<MemoryEnd>,
    max_size: usize,
}

impl MemoryTransport {
    /// Splits `end` into the two halves; frames over `handshake_limit` bytes are refused until
    /// the handshake is over.
    pub fn new(end: MemoryEnd, handshake_limit: usize) -> (MemoryTransport, MemorySource) {
        let end = Arc::new(end);
        (
            MemoryTransport(end.clone()),
            MemorySource {
                end,
                max_size: handshake_limit,
            },
        )
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, memory::Closed)
}

impl FrameSource for MemorySource {
    fn read_frame(&mut self, timeout: Option<Duration>) -> Result<Option<Bytes>, ReadError> {
        match self.end.recv(timeout) {
            Ok(Some(body)) if body.len() > self.max_size => Err(ReadError::TooLarge {
                size: body.len(),
                limit: self.max_size,
            }),
            Ok(body) => Ok(body),
            Err(memory::Closed) => Err(ReadError::Closed),
        }
    }

    fn has_buffered_frame(&self) -> bool {
        self.end.has_frame()
    }

    fn ready(&self) -> bool {
        self.end.ready()
    }

    fn connected(&mut self, max_message_size: usize) -> io::Result<()> {
        self.max_size = max_message_size;
        Ok(())
    }
}

impl Transport for MemoryTransport {
    fn write_frame(&self, frame: &Encoded) -> io::Result<()> {
        self.0.send(frame).map_err(|_| closed())
    }

    fn park(&self) -> io::Result<Wakeup> {
        Ok(self.0.park())
    }

    fn unpark(&self) {
        self.0.unpark();
    }

    fn watch(&self, on: bool) {
        self.0.set_watched(on);
    }

    fn shutdown(&self) {
        self.0.close();
    }
}
