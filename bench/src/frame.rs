//! Length-prefixed frames on a byte stream for the raw floors: a `u32` LE body length, then
//! the body. P1 raw UDS and its W4 broadcast write one `writev` per frame and read through
//! 64 KiB buffered reads; the W5 raw server splits non-blocking reads with [`FrameBuf`].
//!
//! Not `electrode_wire::io`, on purpose: the bytes are the same, but its `write_frame` takes
//! an `Encoded` (an owned head and a `Bytes` body: an allocation per frame, and a copy of the
//! payload unless it is already `Bytes`) and its `FrameReader`/`FrameDecoder` hand out each
//! body as a fresh `Bytes`. A floor writes borrowed slices and reads into reused buffers, so
//! it does no work a real transport could skip.

use std::io::{self, BufReader, IoSlice, Read, Write};

/// Read buffer size (§3.5).
pub const READ_BUF: usize = 64 * 1024;

/// Writes one frame whose body is the concatenation of `parts` (at most 3), with a single
/// `writev` (more only if the kernel takes part of it).
pub fn write_frame<W: Write>(w: &mut W, parts: &[&[u8]]) -> io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let len = u32::try_from(len).map_err(|_| io::Error::other("frame too large"))?;
    let head = len.to_le_bytes();
    let mut all: [&[u8]; 4] = [&[]; 4];
    all[0] = &head;
    assert!(parts.len() < all.len(), "too many frame parts");
    all[1..=parts.len()].copy_from_slice(parts);
    write_parts(w, &all[..=parts.len()])
}

/// Writes `parts` (at most 4) back to back with `writev`, looping on short writes.
pub fn write_parts<W: Write>(w: &mut W, parts: &[&[u8]]) -> io::Result<()> {
    let mut slices = [IoSlice::new(&[]); 4];
    assert!(parts.len() <= slices.len(), "too many parts");
    for (s, p) in slices.iter_mut().zip(parts) {
        *s = IoSlice::new(p);
    }
    let mut rest: &mut [IoSlice<'_>] = &mut slices[..parts.len()];
    while !rest.is_empty() {
        let n = w.write_vectored(rest)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    Ok(())
}

/// Reads frames through a 64 KiB buffer into one reused body buffer.
pub struct FrameReader<R: Read> {
    r: BufReader<R>,
    buf: Vec<u8>,
}

impl<R: Read> FrameReader<R> {
    /// Wraps a stream.
    pub fn new(r: R) -> Self {
        FrameReader {
            r: BufReader::with_capacity(READ_BUF, r),
            buf: Vec::new(),
        }
    }

    /// The next frame's body, or `None` at a clean end of stream.
    pub fn next_frame(&mut self) -> io::Result<Option<&[u8]>> {
        let mut head = [0u8; 4];
        match self.r.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let len = u32::from_le_bytes(head) as usize;
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        self.r.read_exact(&mut self.buf[..len])?;
        Ok(Some(&self.buf[..len]))
    }
}

/// Buffered reads of frames from a non-blocking stream: one `read` per readiness, frames
/// taken out without copying.
pub struct FrameBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl FrameBuf {
    /// An empty buffer of 4 KiB (doubled for a frame that does not fit).
    pub fn new() -> FrameBuf {
        FrameBuf {
            buf: vec![0; 4096],
            start: 0,
            end: 0,
        }
    }

    /// One `read(2)`; `Ok(0)` is the end of the stream, `WouldBlock` passes through.
    pub fn read_from(&mut self, r: &mut impl Read) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            } else {
                // One frame larger than the buffer.
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = r.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }

    /// Takes the next complete frame out of the buffer, if one is there (`true`); a frame
    /// announced larger than `max` is an error.
    pub fn pop(&mut self, max: usize) -> io::Result<bool> {
        let b = &self.buf[self.start..self.end];
        if b.len() < 4 {
            return Ok(false);
        }
        let size = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if size > max {
            let msg = format!("frame of {size} B over the limit of {max} B");
            return Err(io::Error::new(io::ErrorKind::InvalidData, msg));
        }
        if b.len() < 4 + size {
            return Ok(false);
        }
        self.start += 4 + size;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_through_a_socket_pair() {
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let t = std::thread::spawn(move || {
            write_frame(&mut a, &[b"S", b"hello"]).unwrap();
            write_frame(&mut a, &[]).unwrap();
            write_frame(&mut a, &[&vec![7u8; 300_000]]).unwrap();
        });
        let mut r = FrameReader::new(b);
        assert_eq!(r.next_frame().unwrap().unwrap(), b"Shello");
        assert_eq!(r.next_frame().unwrap().unwrap(), b"");
        assert_eq!(r.next_frame().unwrap().unwrap().len(), 300_000);
        t.join().unwrap();
        assert!(r.next_frame().unwrap().is_none());
    }

    #[test]
    fn frame_buf_splits_partial_and_oversized_frames() {
        let mut stream: &[u8] = &[3, 0, 0, 0, b'a', b'b', b'c', 1, 0, 0];
        let mut fb = FrameBuf::new();
        assert_eq!(fb.read_from(&mut stream).unwrap(), 10);
        assert!(fb.pop(16).unwrap());
        assert!(!fb.pop(16).unwrap());
        let mut rest: &[u8] = &[0, b'x', 9, 0, 0, 0];
        fb.read_from(&mut rest).unwrap();
        assert!(fb.pop(16).unwrap());
        assert!(fb.pop(4).is_err());
    }
}
