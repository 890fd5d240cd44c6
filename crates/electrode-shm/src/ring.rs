//! The byte ring: the writer places each message whole (never across the ring's end), the
//! reader copies it out and moves its read position past it.
//!
//! Places are positions in the endless stream of bytes the ring has carried (`u64`, never
//! reused); the offset in the ring is the position modulo its size. A message that would cross
//! the end starts at the next lap instead, and the bytes it skips count as used.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use crate::{Region, ShmError};

/// The sending side of a ring (the renderer).
#[derive(Debug)]
pub struct RingWriter {
    region: Region,
    /// Where the next message may start.
    next: u64,
}

impl RingWriter {
    /// A writer over a fresh region (nothing written, nothing read).
    pub fn new(region: Region) -> RingWriter {
        RingWriter { region, next: 0 }
    }

    /// Copies the message made of `parts` into the ring and returns its position, or `None`
    /// when the ring has no room for it now (the reader has not caught up, or the message is
    /// larger than the ring): then send it another way.
    pub fn write(&mut self, parts: &[&[u8]]) -> Option<u64> {
        let len = parts.iter().map(|p| p.len() as u64).sum::<u64>();
        let capacity = self.region.capacity() as u64;
        if len == 0 || len > capacity {
            return None;
        }
        let (mut at, mut offset) = (self.next, self.next % capacity);
        if offset + len > capacity {
            // Not across the end: start the next lap.
            at += capacity - offset;
            offset = 0;
        }
        // Acquire: the reader's copy of the bytes it passed is complete before they are reused.
        let read = self.region.read_position().load(Ordering::Acquire);
        if (at + len).saturating_sub(read) > capacity {
            return None;
        }
        let mut offset = offset as usize;
        for part in parts {
            self.region.copy_in(offset, part);
            offset += part.len();
        }
        self.next = at + len;
        Some(at)
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }
}

/// The receiving side of a ring (main).
#[derive(Debug)]
pub struct RingReader {
    region: Region,
}

impl RingReader {
    /// A reader over a region adopted from the writer.
    pub fn new(region: Region) -> RingReader {
        RingReader { region }
    }

    /// Copies out the message of `len` bytes at position `at`, after checking that it lies
    /// within the ring and is at most `limit` bytes, and frees its space for the writer.
    pub fn take(&self, at: u64, len: u64, limit: usize) -> Result<Bytes, ShmError> {
        if len > limit as u64 {
            return Err(ShmError::TooLarge { len, limit });
        }
        let capacity = self.region.capacity();
        let offset = at % capacity as u64;
        if len > capacity as u64 || offset + len > capacity as u64 {
            return Err(ShmError::OutOfBounds { at, len, capacity });
        }
        let mut copy = Vec::new();
        self.region
            .copy_out(offset as usize, len as usize, &mut copy);
        // Release: the copy above is done before the writer may reuse these bytes.
        self.region
            .read_position()
            .store(at.wrapping_add(len), Ordering::Release);
        Ok(Bytes::from(copy))
    }

    /// The ring's size.
    pub fn capacity(&self) -> usize {
        self.region.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MIN_REGION;

    fn pair(size: usize) -> (RingWriter, RingReader) {
        let (mine, fd) = Region::create(size).unwrap();
        let theirs = Region::adopt(fd, 1 << 30).unwrap();
        (RingWriter::new(mine), RingReader::new(theirs))
    }

    #[test]
    fn messages_go_round_the_ring_and_never_across_its_end() {
        let (mut w, r) = pair(MIN_REGION);
        let cap = r.capacity();
        let big = vec![7u8; cap / 3 + 1];
        for lap in 0..20u8 {
            let msg: Vec<u8> = big.iter().map(|b| b ^ lap).collect();
            let at = w
                .write(&[&msg[..10], &msg[10..]])
                .expect("room after a read");
            assert!((at % cap as u64) + msg.len() as u64 <= cap as u64);
            assert_eq!(r.take(at, msg.len() as u64, cap).unwrap(), msg);
        }
    }

    #[test]
    fn a_full_ring_says_no_until_the_reader_has_copied_out() {
        let (mut w, r) = pair(MIN_REGION);
        let half = vec![1u8; r.capacity() / 2];
        let a = w.write(&[&half]).unwrap();
        let b = w.write(&[&half]).unwrap();
        assert_eq!(w.write(&[&half]), None, "two halves fill the ring");
        r.take(a, half.len() as u64, usize::MAX).unwrap();
        let c = w.write(&[&half]).expect("the first half was read");
        r.take(b, half.len() as u64, usize::MAX).unwrap();
        r.take(c, half.len() as u64, usize::MAX).unwrap();
        assert_eq!(
            w.write(&[&vec![0u8; r.capacity() + 1]]),
            None,
            "larger than the ring"
        );
    }

    #[test]
    fn the_reader_refuses_places_outside_the_ring_and_over_its_limit() {
        let (_w, r) = pair(MIN_REGION);
        let cap = r.capacity() as u64;
        assert!(matches!(
            r.take(cap - 10, 20, usize::MAX),
            Err(ShmError::OutOfBounds { .. })
        ));
        assert!(matches!(
            r.take(0, cap + 1, usize::MAX),
            Err(ShmError::OutOfBounds { .. })
        ));
        assert!(matches!(
            r.take(u64::MAX - 5, 5, usize::MAX),
            Ok(_) | Err(ShmError::OutOfBounds { .. })
        ));
        let e = r.take(0, 100, 99).unwrap_err();
        assert!(e.to_string().contains("limit of 99 bytes"), "{e}");
    }

    #[test]
    fn unsealed_or_oversized_files_are_refused() {
        let plain = rustix::fs::memfd_create("plain", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
        rustix::fs::ftruncate(&plain, MIN_REGION as u64).unwrap();
        assert!(matches!(
            Region::adopt(plain, 1 << 20),
            Err(ShmError::NotSealed { .. })
        ));
        let (_mine, fd) = Region::create(1 << 20).unwrap();
        let e = Region::adopt(fd, 1 << 16).unwrap_err();
        assert!(matches!(e, ShmError::BadSize { .. }), "{e}");
        let file = tempfile_fd();
        assert!(matches!(
            Region::adopt(file, 1 << 20),
            Err(ShmError::NotSealed { .. })
        ));
    }

    fn tempfile_fd() -> std::os::fd::OwnedFd {
        let path = std::env::temp_dir().join(format!("electrode-shm-{}", std::process::id()));
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(MIN_REGION as u64).unwrap();
        let _ = std::fs::remove_file(&path);
        f.into()
    }
}
