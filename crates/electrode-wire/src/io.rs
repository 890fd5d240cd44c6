//! Frame I/O: a sans-IO frame splitter ([`FrameDecoder`]) and blocking helpers over any
//! `Read` / `Write` (Unix sockets in practice).

use std::io::{self, IoSlice, Read, Write};

use bytes::Bytes;

use crate::Encoded;

/// Writes one frame with vectored writes: head and body leave in one `writev` when the
/// kernel takes them whole.
pub fn write_frame<W: Write>(w: &mut W, frame: &Encoded) -> io::Result<()> {
    let mut parts = [
        IoSlice::new(&frame.head),
        IoSlice::new(&frame.body),
        IoSlice::new(&frame.tail),
    ];
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
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The peer closed the stream cleanly between frames.
    #[error("the peer closed the connection")]
    Closed,
    /// The announced frame size is over the limit; the stream is no longer usable.
    #[error("the peer announced a frame of {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Announced body size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An I/O error (including a stream cut in the middle of a frame).
    #[error("{0}")]
    Io(io::Error),
}

/// The shared buffer starts small, so an idle link costs little memory (main holds one decoder
/// per renderer), and doubles up to [`READ_CHUNK`] when reads fill it.
const FIRST_CHUNK: usize = 4 * 1024;
const READ_CHUNK: usize = 64 * 1024;

/// A frame that does not fit the shared buffer, read straight into its own allocation. Its
/// `body` is allocated at the frame's `size` but only initialized as far as reads need: a
/// read into spare capacity ([`FrameDecoder::fill_spare_with`]) costs no zeroing at all, and
/// `body.len() == filled` while only such reads were made.
struct LargeFrame {
    body: Vec<u8>,
    filled: usize,
    size: usize,
}

/// Splits a byte stream into length-prefixed frame bodies, without doing any I/O itself:
/// the caller hands it bytes with [`fill_with`](Self::fill_with) (blocking or non-blocking
/// reads alike) and takes whole frames with [`next_frame`](Self::next_frame). Small frames
/// share one buffer (4 KiB, growing to 64 KiB when reads fill it), so one `read` often brings
/// several; a frame larger than 64 KiB is read into its own allocation, with no second copy.
///
/// ```
/// use electrode_wire::io::FrameDecoder;
///
/// let mut d = FrameDecoder::new(1024);
/// let stream = [3u8, 0, 0, 0, b'a', b'b', b'c'];
/// assert!(d.next_frame().unwrap().is_none());
/// d.fill_with(|buf| { buf[..7].copy_from_slice(&stream); Ok(7) }).unwrap();
/// assert_eq!(&d.next_frame().unwrap().unwrap()[..], b"abc");
/// assert!(!d.is_mid_frame());
/// ```
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    large: Option<LargeFrame>,
    max_size: usize,
}

impl FrameDecoder {
    /// A decoder that refuses frames whose body exceeds `max_size`.
    pub fn new(max_size: usize) -> Self {
        FrameDecoder {
            buf: vec![0; FIRST_CHUNK],
            start: 0,
            end: 0,
            large: None,
            max_size,
        }
    }

    /// Changes the largest body accepted from now on: a handshake reads its first frame with a
    /// small limit, then hands the decoder on with the link's limit.
    pub fn set_max_size(&mut self, max_size: usize) {
        self.max_size = max_size;
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn announced_size(&self) -> Option<usize> {
        let b = self.buffered();
        (b.len() >= 4).then(|| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// Whether [`next_frame`](Self::next_frame) will return a frame (or an error) without
    /// more bytes.
    pub fn has_frame(&self) -> bool {
        if let Some(l) = &self.large {
            return l.filled == l.size;
        }
        match self.announced_size() {
            Some(size) => size > self.max_size || self.end - self.start >= 4 + size,
            None => false,
        }
    }

    /// Whether some bytes of an unfinished frame are held (a stream ending now would be cut
    /// inside a frame).
    pub fn is_mid_frame(&self) -> bool {
        self.large.is_some() || self.start != self.end
    }

    /// Bytes of the unfinished frame held so far, and the size it needs (for error messages).
    fn progress(&self) -> (usize, usize) {
        match &self.large {
            Some(l) => (l.filled, l.size),
            None => {
                let have = self.end - self.start;
                let want = self.announced_size().map_or(4, |s| 4 + s);
                (have, want)
            }
        }
    }

    /// The next whole frame body (without its length prefix), or `None` when more bytes are
    /// needed. After `TooLarge` the stream is unusable.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, ReadError> {
        if let Some(l) = &self.large {
            if l.filled < l.size {
                return Ok(None);
            }
            let body = self.large.take().map(|l| l.body).unwrap_or_default();
            return Ok(Some(Bytes::from(body)));
        }
        let Some(size) = self.announced_size() else {
            self.make_room();
            return Ok(None);
        };
        if size > self.max_size {
            return Err(ReadError::TooLarge {
                size,
                limit: self.max_size,
            });
        }
        let total = 4 + size;
        let have = self.end - self.start;
        if have >= total {
            let body = Bytes::copy_from_slice(&self.buf[self.start + 4..self.start + total]);
            self.start += total;
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            return Ok(Some(body));
        }
        if total > READ_CHUNK {
            let mut body = Vec::with_capacity(size);
            body.extend_from_slice(&self.buf[self.start + 4..self.end]);
            self.large = Some(LargeFrame {
                body,
                filled: have - 4,
                size,
            });
            self.start = 0;
            self.end = 0;
            return Ok(None);
        }
        if total > self.buf.len() {
            self.grow(total);
        }
        if self.start + total > self.buf.len() {
            self.compact();
        }
        Ok(None)
    }

    /// Enlarges the shared buffer to hold at least `want` bytes (at most [`READ_CHUNK`]).
    fn grow(&mut self, want: usize) {
        let size = want.next_power_of_two().clamp(self.buf.len(), READ_CHUNK);
        self.buf.resize(size, 0);
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }

    /// Keeps free space after the buffered bytes when only a partial length prefix is held.
    fn make_room(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start + 4 > self.buf.len() {
            self.compact();
        }
    }

    /// Lets `read` put bytes into the free space (never empty once [`next_frame`] has returned
    /// `None`) and keeps what it read. Returns what `read` returned.
    ///
    /// [`next_frame`]: Self::next_frame
    pub fn fill_with(
        &mut self,
        read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    ) -> io::Result<usize> {
        if let Some(l) = &mut self.large {
            // A reader that needs initialized bytes: zero the rest of the frame once.
            l.body.resize(l.size, 0);
            let n = read(&mut l.body[l.filled..])?;
            l.filled += n;
            return Ok(n);
        }
        let offered = self.buf.len() - self.end;
        let n = read(&mut self.buf[self.end..])?;
        self.end += n;
        if n == offered && self.buf.len() < READ_CHUNK {
            // The reads outpace the buffer: take more per system call from now on.
            self.grow(self.buf.len() * 2);
        }
        Ok(n)
    }

    /// While a frame too large for the shared buffer is read, lets `read` append its next
    /// bytes to the frame's body straight into the body's spare capacity (for example
    /// `rustix::io::read` with `spare_capacity`, or `Read::take(..).read_to_end`), so the
    /// body is never zeroed first. `None` when there is no such frame (or a
    /// [`fill_with`](Self::fill_with) already zeroed it): use `fill_with` then. Bytes past the
    /// frame's end are never read: the body's capacity is the frame's size (else `None`).
    pub fn fill_spare_with(
        &mut self,
        read: impl FnOnce(&mut Vec<u8>) -> io::Result<usize>,
    ) -> Option<io::Result<usize>> {
        let l = self.large.as_mut()?;
        // Spare capacity past the frame's end would let a read take the next frame's bytes.
        if l.body.len() != l.filled || l.body.capacity() != l.size {
            return None;
        }
        let r = read(&mut l.body);
        l.body.truncate(l.size);
        l.filled = l.body.len();
        Some(r)
    }

    /// How many bytes the next [`fill_with`](Self::fill_with) may take.
    pub fn free_space(&self) -> usize {
        match &self.large {
            Some(l) => l.size - l.filled,
            None => self.buf.len() - self.end,
        }
    }

    /// The error for a stream that ended now: clean between frames, cut inside one otherwise.
    pub fn end_of_stream(&self) -> ReadError {
        if !self.is_mid_frame() {
            return ReadError::Closed;
        }
        let (have, want) = self.progress();
        ReadError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("stream ended inside a frame ({have} of {want} bytes)"),
        ))
    }
}

/// Reads length-prefixed frames from a blocking `Read` through a [`FrameDecoder`], so a small
/// frame costs one `read` system call (often less: one read can bring several frames).
pub struct FrameReader<R> {
    inner: R,
    decoder: FrameDecoder,
}

impl<R: Read> FrameReader<R> {
    /// Wraps `inner`; frames whose body exceeds `max_size` are refused.
    pub fn new(inner: R, max_size: usize) -> Self {
        FrameReader {
            inner,
            decoder: FrameDecoder::new(max_size),
        }
    }

    /// Changes the largest frame body accepted from now on (after a handshake has told the
    /// peer's limit).
    pub fn set_max_size(&mut self, max_size: usize) {
        self.decoder.set_max_size(max_size);
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The decoder, with any bytes read past the last frame returned (to go on reading
    /// another way, e.g. non-blocking).
    pub fn into_decoder(self) -> FrameDecoder {
        self.decoder
    }

    /// Whether a whole frame (or an oversized header) is already buffered, so reading it will
    /// not block.
    pub fn has_buffered_frame(&self) -> bool {
        self.decoder.has_frame()
    }

    /// Reads the next frame body (without its length prefix). Blocks until it is complete.
    pub fn read_frame(&mut self) -> Result<Bytes, ReadError> {
        loop {
            if let Some(body) = self.decoder.next_frame()? {
                return Ok(body);
            }
            let inner = &mut self.inner;
            let want = self.decoder.free_space() as u64;
            // A large frame is read into its body's spare capacity: no zeroing first.
            let spare = self
                .decoder
                .fill_spare_with(|body| inner.by_ref().take(want).read_to_end(body));
            let read = match spare {
                Some(r) => r,
                None => self.decoder.fill_with(|buf| inner.read(buf)),
            };
            match read {
                Ok(0) => return Err(self.decoder.end_of_stream()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }
}
