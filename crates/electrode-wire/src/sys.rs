//! Small safe wrappers over the Linux calls both ends of a link use: `epoll`, `eventfd` and a
//! non-blocking `recv`. Plumbing for `electrode` and `electrode-renderer`, not a general API.
//!
//! Not `mio`: main's workers wait on one epoll instance together (mio's `Poll` is driven by
//! one thread), and the renderer switches its socket's interest off and on around `sendSync`
//! calls (mio has no empty interest).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Readiness to watch: data, a half-close or a hang-up (level-triggered).
pub const READABLE: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
/// [`READABLE`], edge-triggered: reported once per arrival of data, to one waiter.
pub const READABLE_EDGE: u32 = READABLE | libc::EPOLLET as u32;
/// Nothing: the descriptor stays in the set but wakes nobody (errors and hang-ups still do).
pub const NOTHING: u32 = 0;

/// One epoll instance.
pub struct Epoll {
    fd: OwnedFd,
}

fn check(ret: libc::c_int, what: &str) -> io::Result<libc::c_int> {
    if ret < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(ret)
}

impl Epoll {
    /// A new, empty set (close-on-exec).
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain system call; the returned descriptor is owned below.
        let fd = check(
            unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
            "epoll_create1",
        )?;
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(Epoll {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: both descriptors are live; `ev` is valid for the call.
        check(
            unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) },
            "epoll_ctl",
        )
        .map(drop)
    }

    /// Adds `fd` with the interest `events` ([`READABLE`], [`READABLE_EDGE`], [`NOTHING`]);
    /// `token` comes back with its events.
    pub fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, token)
    }

    /// Changes the interest of `fd`; the new interest is checked at once (an edge-triggered
    /// descriptor that is readable now is reported again).
    pub fn modify(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, token)
    }

    /// Takes `fd` out of the set.
    pub fn remove(&self, fd: RawFd) {
        // A descriptor that is already closed is gone from the set anyway.
        let _ = self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0);
    }

    /// Waits for events (`None`: no time limit) and returns how many of `events` it filled
    /// (0 on timeout or when a signal interrupted the wait).
    pub fn wait(
        &self,
        events: &mut [libc::epoll_event],
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        // SAFETY: `events` is a valid, writable array of the length given.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                ms,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(0);
            }
            return Err(e);
        }
        Ok(n as usize)
    }
}

/// A flag another thread can raise to wake a waiter in [`Epoll::wait`] or `poll`.
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// A lowered flag (non-blocking, close-on-exec).
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain system call; the returned descriptor is owned below.
        let fd = check(
            unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) },
            "eventfd",
        )?;
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(EventFd {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// The descriptor, to put in an epoll set or a `pollfd`.
    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Raises the flag: the descriptor is readable until [`lower`](Self::lower).
    pub fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to a live eventfd.
        let _ = unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Lowers the flag.
    pub fn lower(&self) {
        let mut buf = 0u64;
        // SAFETY: reads 8 bytes into a valid u64 from a live non-blocking eventfd; "would
        // block" just means the flag was already down.
        let _ = unsafe { libc::read(self.fd.as_raw_fd(), (&mut buf as *mut u64).cast(), 8) };
    }
}

/// One non-blocking `recv` into `buf`. `WouldBlock` means nothing is there now.
pub fn recv_now(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is valid and writable for its length; `fd` is a live socket.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// One blocking `recv` into `buf` (bounded by the socket's receive timeout, if it has one).
pub fn recv_wait(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid and writable for its length; `fd` is a live socket.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n >= 0 {
        return Ok(n as usize);
    }
    Err(io::Error::last_os_error())
}
