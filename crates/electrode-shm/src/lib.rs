//! A memory region shared by Electrode's main and one Rust renderer, and the byte ring large
//! messages travel in (docs/adr/0022-shared-memory-ring.md).
//!
//! - The renderer makes the region ([`Region::create`]): a `memfd`, sized once and sealed
//!   against growing and shrinking, so the mapping main makes of it can never lose its pages
//!   under main (a shrunk file would raise `SIGBUS` in the reader).
//! - Main takes the descriptor the renderer sent with its Hello ([`Region::adopt`]) and refuses
//!   one that is not such a sealed file, or is larger than main allows.
//! - The renderer copies a message into the ring ([`RingWriter::write`]) and sends its place on
//!   the socket; main copies it out into memory of its own ([`RingReader::take`]) before it
//!   decodes a byte of it, then publishes how far it has read, which frees that space.
//!
//! Main never forms a Rust reference to the shared bytes: the renderer can write them at any
//! time, so main reads them only with one raw copy into its own buffer, and what it decodes is
//! that copy. A renderer that scribbles on the region while main copies garbles its own message
//! (which main then checks like any other input), nothing else.
//!
//! ```
//! use electrode_shm::{Region, RingReader, RingWriter};
//! let (renderer_side, fd) = Region::create(1 << 20)?;
//! let main_side = Region::adopt(fd, 64 << 20)?;
//! let mut writer = RingWriter::new(renderer_side);
//! let reader = RingReader::new(main_side);
//! let at = writer.write(&[b"hello, ", b"main"]).expect("room");
//! assert_eq!(&reader.take(at, 11, 1 << 20)?[..], b"hello, main");
//! # Ok::<(), electrode_shm::ShmError>(())
//! ```
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(not(target_os = "linux"))]
compile_error!("electrode-shm supports Linux only today (memfd and file seals)");

mod region;
mod ring;

pub use region::Region;
pub use ring::{RingReader, RingWriter};

/// The bytes at the start of a region that are not ring: main's read position (an
/// `AtomicU64`), alone on its cache line.
pub const HEADER: usize = 64;

/// The smallest region [`Region::adopt`] takes: one page of ring behind the header.
pub const MIN_REGION: usize = HEADER + 4096;

/// What can go wrong with a shared region. Every kind names the sizes involved.
#[derive(Debug, thiserror::Error)]
pub enum ShmError {
    /// A system call failed (creating, sealing, sizing or mapping the file).
    #[error("shared region: {0}")]
    Io(#[from] std::io::Error),
    /// The descriptor is not a file sealed against growing and shrinking (for example not a
    /// `memfd`, or one whose seals were not set): mapping it could fault in main.
    #[error(
        "the shared region is not sealed against resizing (its seals: {seals:#x}); \
         it could shrink under main"
    )]
    NotSealed {
        /// The seals the file has (`F_GET_SEALS`), 0 when it cannot be sealed at all.
        seals: u32,
    },
    /// The region is smaller than [`MIN_REGION`] or larger than the limit it was adopted under.
    #[error("the shared region is {size} bytes; main takes {min} to {max} bytes")]
    BadSize {
        /// The region's size.
        size: u64,
        /// The smallest size taken.
        min: usize,
        /// The largest size taken.
        max: usize,
    },
    /// A message's place lies outside the ring or across its end.
    #[error(
        "a shared-memory message of {len} bytes at {at} does not lie within the \
         {capacity}-byte ring"
    )]
    OutOfBounds {
        /// Where the message was said to start (a position in the ring's stream of bytes).
        at: u64,
        /// Its length.
        len: u64,
        /// The ring's size.
        capacity: usize,
    },
    /// A message is larger than the receiver's message limit.
    #[error(
        "a shared-memory message of {len} bytes is over the limit of {limit} bytes \
         (max_message_size)"
    )]
    TooLarge {
        /// Its length.
        len: u64,
        /// The receiver's limit.
        limit: usize,
    },
}
