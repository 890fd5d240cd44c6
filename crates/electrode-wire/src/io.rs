//! Blocking frame I/O over any `Read` / `Write` (Unix sockets in practice).

use std::io::{self, IoSlice, Read, Write};

use bytes::Bytes;

use crate::Encoded;

/// Writes one frame with vectored writes: head and body leave in one `writev` when the
/// kernel takes them whole.
pub fn write_frame<W: Write>(w: &mut W, frame: &Encoded) -> io::Result<()> {
    let mut parts = [IoSlice::new(&frame.head), IoSlice::new(&frame.body)];
    let mut slices: &mut [IoSlice<'_>] = &mut parts;
    while !slices.is_empty() {
        match w.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the stream cleanly between frames.
    Closed,
    /// The announced frame size is over the limit; the stream is no longer usable.
    TooLarge {
        /// Announced body size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An I/O error (including a stream cut in the middle of a frame).
    Io(io::Error),
}

/// Reads length-prefixed frames through an internal buffer, so a small frame costs one
/// `read` system call (often less: one read can bring several frames).
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_size: usize,
}

const READ_CHUNK: usize = 64 * 1024;

impl<R: Read> FrameReader<R> {
    /// Wraps `inner`; frames whose body exceeds `max_size` are refused.
    pub fn new(inner: R, max_size: usize) -> Self {
        FrameReader {
            inner,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            max_size,
        }
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether a whole frame (or an oversized header) is already buffered, so reading it will
    /// not block.
    pub fn has_buffered_frame(&self) -> bool {
        let b = self.buffered();
        if b.len() < 4 {
            return false;
        }
        let size = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        size > self.max_size || b.len() >= 4 + size
    }

    /// Reads more bytes into the buffer; `Ok(false)` on end of stream.
    fn read_more(&mut self) -> Result<bool, ReadError> {
        if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }

    fn eof_inside(&self, want: usize) -> ReadError {
        ReadError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "stream ended inside a frame ({} of {want} bytes)",
                self.end - self.start
            ),
        ))
    }

    /// Reads the next frame body (without its length prefix). Blocks until it is complete.
    pub fn read_frame(&mut self) -> Result<Bytes, ReadError> {
        while self.end - self.start < 4 {
            if self.start > 0 && self.start + 4 > self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if !self.read_more()? {
                return Err(if self.end == self.start {
                    ReadError::Closed
                } else {
                    self.eof_inside(4)
                });
            }
        }
        let b = self.buffered();
        let size = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if size > self.max_size {
            return Err(ReadError::TooLarge {
                size,
                limit: self.max_size,
            });
        }
        let total = 4 + size;
        if total <= self.buf.len() {
            if self.start + total > self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            while self.end - self.start < total {
                if !self.read_more()? {
                    return Err(self.eof_inside(total));
                }
            }
            let body = Bytes::copy_from_slice(&self.buf[self.start + 4..self.start + total]);
            self.start += total;
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            return Ok(body);
        }
        // A large frame: read it straight into its own allocation.
        let mut body = vec![0u8; size];
        let have = self.end - self.start - 4;
        body[..have].copy_from_slice(&self.buf[self.start + 4..self.end]);
        self.start = 0;
        self.end = 0;
        let mut filled = have;
        while filled < size {
            match self.inner.read(&mut body[filled..]) {
                Ok(0) => {
                    return Err(ReadError::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("stream ended inside a frame ({filled} of {size} bytes)"),
                    )))
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
        Ok(Bytes::from(body))
    }
}
