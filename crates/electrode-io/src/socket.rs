//! Socket reads and writes, and waiting for one socket.

use std::io::{self, IoSlice};
use std::os::fd::AsFd;
use std::time::Duration;

use rustix::buffer::spare_capacity;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::{RecvFlags, SendFlags};

/// One non-blocking `recv` into `buf`. `WouldBlock` means nothing is there now; `Ok(0)` means
/// the peer closed its end.
pub fn recv_now(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match rustix::net::recv(&fd, &mut *buf, RecvFlags::DONTWAIT) {
            Ok((n, _)) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// One non-blocking `recv` appended to `buf`, into its spare capacity (nothing is zeroed
/// first; at most `capacity - len` bytes). As [`recv_now`] otherwise.
pub fn recv_spare_now(fd: impl AsFd, buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        match rustix::net::recv(&fd, spare_capacity(buf), RecvFlags::DONTWAIT) {
            Ok((n, _)) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// One blocking `recv` appended to `buf`, into its spare capacity. As [`recv_wait`]
/// otherwise.
pub fn recv_spare_wait(fd: impl AsFd, buf: &mut Vec<u8>) -> io::Result<usize> {
    rustix::net::recv(&fd, spare_capacity(buf), RecvFlags::empty())
        .map(|(n, _)| n)
        .map_err(io::Error::from)
}

/// One blocking `recv` into `buf` (bounded by the socket's receive timeout, if it has one).
pub fn recv_wait(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    rustix::net::recv(&fd, buf, RecvFlags::empty())
        .map(|(n, _)| n)
        .map_err(io::Error::from)
}

/// One non-blocking, vectored `sendmsg` of `parts`; returns how many bytes went. A closed peer
/// is an `Err` (`BrokenPipe`), never a `SIGPIPE`; `WouldBlock` means the socket buffer is full.
pub fn send_now(fd: impl AsFd, parts: &[IoSlice<'_>]) -> io::Result<usize> {
    loop {
        match rustix::net::sendmsg(
            &fd,
            parts,
            &mut Default::default(),
            SendFlags::DONTWAIT | SendFlags::NOSIGNAL,
        ) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Waits until `fd` is readable (data, a close or an error) or `timeout` passes (`None`: no
/// time limit); `true` when readable. An interrupted wait counts as "not yet": callers loop
/// with their own deadline.
pub fn wait_readable(fd: impl AsFd, timeout: Option<Duration>) -> io::Result<bool> {
    let timeout = timeout.map(|t| Timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    match poll(&mut fds, timeout.as_ref()) {
        Ok(n) => Ok(n > 0),
        Err(Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether an accept or clone failed for want of resources that may come back (descriptors,
/// memory): the right answer is to wait and retry, not to give up on a renderer.
pub fn is_transient(e: &io::Error) -> bool {
    e.raw_os_error().is_some_and(|code| {
        [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
            .iter()
            .any(|t| t.raw_os_error() == code)
    })
}
