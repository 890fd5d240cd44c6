//! The portable twins of `Epoll` and `EventFd`, for a link that watches a few descriptors:
//! `poll(2)` and a non-blocking pipe. Only POSIX calls, so a renderer on another Unix can use
//! them as they are; on Linux they are a tested alternative to the epoll driver.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::{fcntl_setfd, ioctl_fionbio, read, write, Errno, FdFlags};

/// A wake-up flag made of a non-blocking pipe: [`signal`](Self::signal) makes its read end
/// readable until [`lower`](Self::lower).
///
/// ```
/// use electrode_io::{poll_readable, WakePipe};
/// use std::os::fd::AsFd;
/// use std::time::Duration;
/// let flag = WakePipe::new()?;
/// assert_eq!(poll_readable([Some(flag.as_fd())], Some(Duration::ZERO))?, [false]);
/// flag.signal();
/// assert_eq!(poll_readable([Some(flag.as_fd())], None)?, [true]);
/// flag.lower();
/// assert_eq!(poll_readable([Some(flag.as_fd())], Some(Duration::ZERO))?, [false]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct WakePipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl WakePipe {
    /// A lowered flag.
    pub fn new() -> io::Result<WakePipe> {
        let (read, write) = rustix::pipe::pipe()?;
        for fd in [&read, &write] {
            ioctl_fionbio(fd, true)?;
            fcntl_setfd(fd, FdFlags::CLOEXEC)?;
        }
        Ok(WakePipe { read, write })
    }

    /// Raises the flag. A full pipe is a raised flag already, so that error is no error.
    pub fn signal(&self) {
        let _ = write(&self.write, &[1]);
    }

    /// Lowers the flag (reads everything the pipe holds).
    pub fn lower(&self) {
        let mut buf = [0u8; 64];
        loop {
            match read(&self.read, &mut buf) {
                Ok(n) if n == buf.len() => continue,
                Err(Errno::INTR) => continue,
                _ => return,
            }
        }
    }
}

impl AsFd for WakePipe {
    /// The read end, the one to watch.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

/// Waits until one of `fds` is readable (data, a close or an error) or `timeout` passes
/// (`None`: no limit), and says which are. `None` entries are not watched. An interrupted wait
/// returns with nothing readable: callers loop.
pub fn poll_readable<const N: usize>(
    fds: [Option<BorrowedFd<'_>>; N],
    timeout: Option<Duration>,
) -> io::Result<[bool; N]> {
    let timeout = timeout.map(|t| Timespec {
        tv_sec: t.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    let mut set: Vec<PollFd<'_>> = Vec::with_capacity(N);
    let mut slot = [usize::MAX; N];
    for (i, fd) in fds.iter().enumerate() {
        if let Some(fd) = fd {
            slot[i] = set.len();
            set.push(PollFd::new(fd, PollFlags::IN));
        }
    }
    let mut ready = [false; N];
    match poll(&mut set, timeout.as_ref()) {
        Ok(_) => {}
        Err(Errno::INTR) => return Ok(ready),
        Err(e) => return Err(e.into()),
    }
    for i in 0..N {
        if slot[i] != usize::MAX {
            ready[i] = !set[slot[i]].revents().is_empty();
        }
    }
    Ok(ready)
}
