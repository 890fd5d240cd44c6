//! The mapping: a sealed `memfd`, mapped shared and writable by both sides.

use std::os::fd::{AsFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

use rustix::fs::{fcntl_add_seals, fcntl_get_seals, fstat, ftruncate, memfd_create};
use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{mmap, munmap, MapFlags, ProtFlags};

use crate::{ShmError, HEADER, MIN_REGION};

/// The seals a region must carry: its size can never change, so a mapping of it can never
/// lose pages.
const FIXED_SIZE: SealFlags = SealFlags::GROW.union(SealFlags::SHRINK);

/// A shared memory region mapped into this process. It holds no descriptor: the mapping keeps
/// the memory alive, so a main with many renderers spends no descriptor on their regions.
///
/// Its bytes are reached only through [`copy_in`](Self::copy_in) and
/// [`copy_out`](Self::copy_out) (raw copies; the other process may write the same bytes at any
/// time) and the header's atomic read position.
pub struct Region {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is owned by this value and lives until it drops; every access to it goes
// through raw copies or an atomic, which are as good from any thread as from the one that
// mapped it.
unsafe impl Send for Region {}
// SAFETY: as for Send; `&Region` gives only raw copies and atomics, no `&[u8]` over the bytes.
unsafe impl Sync for Region {}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Region").field("len", &self.len).finish()
    }
}

impl Region {
    /// Creates a region of `size` bytes (at least [`MIN_REGION`]), sealed against resizing,
    /// and maps it. Returns the mapping and a descriptor to send to the other side.
    pub fn create(size: usize) -> Result<(Region, OwnedFd), ShmError> {
        let size = size.max(MIN_REGION);
        let fd = memfd_create(
            "electrode-shm",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )
        .map_err(std::io::Error::from)?;
        ftruncate(&fd, size as u64).map_err(std::io::Error::from)?;
        fcntl_add_seals(&fd, FIXED_SIZE | SealFlags::SEAL).map_err(std::io::Error::from)?;
        Ok((Region::map(&fd, size)?, fd))
    }

    /// Maps a region the other side created, after checking that it is sealed against
    /// resizing and holds [`MIN_REGION`] to `max_size` bytes.
    pub fn adopt(fd: OwnedFd, max_size: usize) -> Result<Region, ShmError> {
        let seals = fcntl_get_seals(&fd).map_err(|_| ShmError::NotSealed { seals: 0 })?;
        if !seals.contains(FIXED_SIZE) {
            return Err(ShmError::NotSealed {
                seals: seals.bits(),
            });
        }
        let size = fstat(&fd).map_err(std::io::Error::from)?.st_size as u64;
        if size < MIN_REGION as u64 || size > max_size as u64 {
            return Err(ShmError::BadSize {
                size,
                min: MIN_REGION,
                max: max_size,
            });
        }
        Region::map(&fd, size as usize)
    }

    fn map(fd: impl AsFd, len: usize) -> Result<Region, ShmError> {
        // SAFETY: a new mapping at an address the kernel picks aliases no Rust object; the
        // file's size is sealed, so every page of `len` stays backed for the mapping's life.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                0,
            )
        }
        .map_err(std::io::Error::from)?;
        let base = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| ShmError::Io(std::io::Error::other("mmap returned a null mapping")))?;
        Ok(Region { base, len })
    }

    /// The ring's size: the region less its [`HEADER`].
    pub fn capacity(&self) -> usize {
        self.len - HEADER
    }

    /// The region's whole size, header included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the region is empty (never: a region is at least [`MIN_REGION`] bytes).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Main's read position: how many bytes of the ring's stream main has copied out.
    pub(crate) fn read_position(&self) -> &AtomicU64 {
        // SAFETY: the mapping is page-aligned, so its first 8 bytes are aligned for an
        // AtomicU64, and they live as long as `self`. Both processes touch them only
        // atomically (a renderer that writes them otherwise confuses only its own writer).
        unsafe { &*self.base.as_ptr().cast::<AtomicU64>() }
    }

    /// Copies `src` into the ring at offset `at`.
    ///
    /// # Panics
    ///
    /// If `src` does not fit in the ring at `at`.
    pub(crate) fn copy_in(&self, at: usize, src: &[u8]) {
        assert!(at <= self.capacity() && src.len() <= self.capacity() - at);
        // SAFETY: the range lies in the ring (checked above) and so in the mapping; `src` is
        // memory of this process, which cannot overlap a fresh shared mapping.
        unsafe {
            std::ptr::copy_nonoverlapping(
                src.as_ptr(),
                self.base.as_ptr().add(HEADER + at),
                src.len(),
            )
        }
    }

    /// Appends `len` bytes of the ring at offset `at` to `dst`.
    ///
    /// # Panics
    ///
    /// If the range does not lie in the ring.
    pub(crate) fn copy_out(&self, at: usize, len: usize, dst: &mut Vec<u8>) {
        assert!(at <= self.capacity() && len <= self.capacity() - at);
        dst.reserve(len);
        let spare = dst.spare_capacity_mut();
        // SAFETY: the source range lies in the mapping (checked above) and `spare` has room for
        // `len` bytes of `dst`'s own allocation, which no other process can reach. The other
        // process may write the source while it is copied: the copy then holds some mix of old
        // and new bytes, every one of which is a valid `u8`, and nothing here reads the shared
        // bytes through a reference.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.base.as_ptr().add(HEADER + at),
                spare.as_mut_ptr().cast::<u8>(),
                len,
            );
            dst.set_len(dst.len() + len);
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by `map` with this length and nothing borrows it past
        // `self` (the read position's reference is tied to `&self`).
        let _ = unsafe { munmap(self.base.as_ptr().cast(), self.len) };
    }
}
