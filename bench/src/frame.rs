//! Length-prefixed frames on a byte stream (P1 raw UDS and the W4 broadcast): a `u32` LE
//! body length, then the body. One `writev` per frame, 64 KiB buffered reads.

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
}
