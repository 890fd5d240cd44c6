//! The system calls under Electrode's links, and nothing else: readiness sets (`epoll`), a
//! wake-up flag (`eventfd`), and socket reads and writes that never block when asked not to;
//! and their portable twins for a link that watches a few descriptors ([`poll_readable`],
//! [`WakePipe`]: POSIX `poll` and a pipe).
//!
//! The protocol (`electrode-wire`) does no I/O; `electrode` (main) and `electrode-renderer`
//! drive their sockets through this crate. Every call goes through [`rustix`], so this crate has
//! no `unsafe` of its own. Linux only today: `epoll` and `eventfd` have no portable equivalent in
//! `rustix`; another Unix would get a `kqueue` or `poll` backend behind the same types (see
//! `docs/adr/0013-protocol-core.md`).
//!
//! Not `mio`: main's workers wait on one epoll set together (mio's `Poll` is driven by one
//! thread), and the renderer switches its socket's interest off and on around `sendSync` calls
//! (mio has no empty interest).
//!
//! ```
//! use electrode_io::{Epoll, EventFd, Events, Interest};
//! let epoll = Epoll::new()?;
//! let flag = EventFd::new()?;
//! epoll.add(&flag, Interest::READABLE, 7)?;
//! flag.signal();
//! let mut events = Events::<4>::new();
//! let n = epoll.wait(&mut events, None)?;
//! assert_eq!(events.iter().take(n).map(|e| e.token()).collect::<Vec<_>>(), [7]);
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "electrode-io supports Linux only today (epoll, eventfd); see docs/adr/0013-protocol-core.md"
);

mod epoll;
mod fd_pass;
mod portable;
mod socket;

// The crate's README is what the registry shows; its example is compiled as a doc test here.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use epoll::{Epoll, Event, EventFd, Events, Interest};
pub use fd_pass::{recv_fd, recv_with_fd, send_fd, send_with_fd};
pub use portable::{poll_readable, WakePipe};
pub use socket::{
    is_transient, recv_now, recv_spare_now, recv_spare_wait, recv_wait, send_now, wait_readable,
};
