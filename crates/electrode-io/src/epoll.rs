//! Readiness sets and the wake-up flag.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::{eventfd, EventfdFlags, Timespec};

/// What a descriptor in an [`Epoll`] set wakes its waiters for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(EventFlags);

impl Interest {
    /// Data, a half-close or a hang-up (level-triggered: reported while it lasts).
    pub const READABLE: Interest = Interest(EventFlags::IN.union(EventFlags::RDHUP));
    /// [`Interest::READABLE`], edge-triggered: reported once per arrival of data, to one waiter.
    pub const READABLE_EDGE: Interest = Interest(Self::READABLE.0.union(EventFlags::ET));
    /// [`Interest::READABLE`], one-shot: reported once, to one waiter, then the descriptor
    /// wakes nobody until [`Epoll::modify`] re-arms it (several threads serving one set).
    pub const READABLE_ONESHOT: Interest = Interest(Self::READABLE.0.union(EventFlags::ONESHOT));
    /// Nothing: the descriptor stays in the set but wakes nobody (errors and hang-ups still do).
    pub const NOTHING: Interest = Interest(EventFlags::empty());
}

/// One readiness report: the token the descriptor was added with, and what happened.
#[derive(Clone, Copy)]
pub struct Event(epoll::Event);

impl Event {
    /// The token given to [`Epoll::add`] or [`Epoll::modify`].
    pub fn token(&self) -> u64 {
        self.0.data.u64()
    }

    /// Whether the peer hung up, half-closed, or the descriptor is in error: after the data
    /// still buffered is read, the link is over.
    pub fn is_hangup(&self) -> bool {
        // Copied out: the kernel's struct is packed, so its fields cannot be borrowed.
        let flags = self.0.flags;
        flags.intersects(EventFlags::RDHUP | EventFlags::HUP | EventFlags::ERR)
    }
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("token", &self.token())
            .field("hangup", &self.is_hangup())
            .finish()
    }
}

/// Room for up to `N` reports from one [`Epoll::wait`].
pub struct Events<const N: usize>([epoll::Event; N]);

impl<const N: usize> Events<N> {
    /// Empty room for `N` reports.
    pub fn new() -> Self {
        Events(
            [epoll::Event {
                flags: EventFlags::empty(),
                data: EventData::new_u64(0),
            }; N],
        )
    }

    /// The reports, in order; only the first `n` (as [`Epoll::wait`] returned) are current.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.0.iter().map(|e| Event(*e))
    }
}

impl<const N: usize> Default for Events<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// One epoll set (close-on-exec). Several threads may wait on it at once.
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

fn named(what: &'static str) -> impl FnOnce(rustix::io::Errno) -> io::Error {
    move |e| {
        let e = io::Error::from(e);
        io::Error::new(e.kind(), format!("{what}: {e}"))
    }
}

impl Epoll {
    /// A new, empty set.
    pub fn new() -> io::Result<Self> {
        let fd = epoll::create(CreateFlags::CLOEXEC).map_err(named("epoll_create1"))?;
        Ok(Epoll { fd })
    }

    /// Adds `fd` with `interest`; `token` comes back with its events.
    pub fn add(&self, fd: impl AsFd, interest: Interest, token: u64) -> io::Result<()> {
        epoll::add(&self.fd, fd, EventData::new_u64(token), interest.0)
            .map_err(named("epoll_ctl(ADD)"))
    }

    /// Changes the interest of `fd`; the new interest is checked at once (an edge-triggered
    /// descriptor that is readable now is reported again).
    pub fn modify(&self, fd: impl AsFd, interest: Interest, token: u64) -> io::Result<()> {
        epoll::modify(&self.fd, fd, EventData::new_u64(token), interest.0)
            .map_err(named("epoll_ctl(MOD)"))
    }

    /// Takes `fd` out of the set.
    pub fn remove(&self, fd: impl AsFd) {
        // A descriptor that is already closed is gone from the set anyway.
        let _ = epoll::delete(&self.fd, fd);
    }

    /// Waits for events (`None`: no time limit) and returns how many of `events` it filled
    /// (0 on timeout or when a signal interrupted the wait).
    pub fn wait<const N: usize>(
        &self,
        events: &mut Events<N>,
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let timeout = timeout.map(|t| Timespec {
            tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: i64::from(t.subsec_nanos()),
        });
        match epoll::wait(&self.fd, &mut events.0[..], timeout.as_ref()) {
            Ok(n) => Ok(n),
            Err(rustix::io::Errno::INTR) => Ok(0),
            Err(e) => Err(named("epoll_wait")(e)),
        }
    }
}

/// A flag another thread can raise to wake a waiter in [`Epoll::wait`] or [`wait_readable`](crate::wait_readable).
#[derive(Debug)]
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// A lowered flag (non-blocking, close-on-exec).
    pub fn new() -> io::Result<Self> {
        let fd =
            eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).map_err(named("eventfd"))?;
        Ok(EventFd { fd })
    }

    /// Raises the flag: the descriptor is readable until [`lower`](Self::lower).
    pub fn signal(&self) {
        // Fails only when the counter would overflow, and then the flag is up anyway.
        let _ = rustix::io::write(&self.fd, &1u64.to_ne_bytes());
    }

    /// Lowers the flag.
    pub fn lower(&self) {
        let mut buf = [0u8; 8];
        // "Would block" just means the flag was already down.
        let _ = rustix::io::read(&self.fd, &mut buf);
    }
}

impl AsFd for EventFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
