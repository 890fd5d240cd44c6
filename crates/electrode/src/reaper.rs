//! One thread that waits for every renderer process main spawned, instead of one per child.
//!
//! Each child is watched through a pidfd (Linux 5.3+) in one epoll set; when it exits it is
//! reaped and its callback runs. Where pidfds are not available the child gets its own waiting
//! thread, as before.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};

use electrode_io::{Epoll, EventFd, Events, Interest};

type OnExit = Box<dyn FnOnce(io::Result<ExitStatus>) + Send>;

struct Watched {
    child: Child,
    /// Readable once the child has exited; closed when it is reaped.
    pidfd: OwnedFd,
    on_exit: OnExit,
}

#[derive(Default)]
struct Table {
    watched: HashMap<u64, Watched>,
    stopping: bool,
}

/// Waits for spawned children on one thread, started with the first child.
pub(crate) struct Reaper {
    inner: Mutex<Option<Arc<Inner>>>,
}

struct Inner {
    epoll: Epoll,
    wake: EventFd,
    table: Mutex<Table>,
}

/// The epoll token of the wake-up eventfd (pids are never 0).
const WAKE: u64 = 0;

impl Reaper {
    pub(crate) fn new() -> Self {
        Reaper {
            inner: Mutex::new(None),
        }
    }

    /// Calls `on_exit` with the child's exit status once it has exited (on the reaper thread).
    pub(crate) fn watch(&self, child: Child, on_exit: OnExit) -> io::Result<()> {
        let pid = child.id();
        let pidfd = rustix::process::Pid::from_raw(pid as i32)
            .ok_or_else(|| io::Error::other("child has no pid"))
            .and_then(|p| {
                rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())
                    .map_err(io::Error::from)
            });
        let pidfd = match pidfd {
            Ok(fd) => fd,
            // Older kernels: one waiting thread for this child.
            Err(_) => return wait_on_own_thread(child, on_exit),
        };
        let inner = self.running()?;
        // The table stays locked until the pidfd is in the set, so the reaper thread cannot
        // see its event before the entry is there.
        let mut table = inner.table.lock().unwrap_or_else(|e| e.into_inner());
        let watched = table.watched.entry(u64::from(pid)).insert_entry(Watched {
            child,
            pidfd,
            on_exit,
        });
        // Readable once the process has exited (even if it already has).
        inner
            .epoll
            .add(&watched.get().pidfd, Interest::READABLE, u64::from(pid))
    }

    fn running(&self) -> io::Result<Arc<Inner>> {
        let mut slot = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(inner) = &*slot {
            return Ok(inner.clone());
        }
        let inner = Arc::new(Inner {
            epoll: Epoll::new()?,
            wake: EventFd::new()?,
            table: Mutex::default(),
        });
        inner.epoll.add(&inner.wake, Interest::READABLE, WAKE)?;
        let runner = inner.clone();
        std::thread::Builder::new()
            .name("electrode-reap".into())
            .spawn(move || runner.run())?;
        *slot = Some(inner.clone());
        Ok(inner)
    }

    /// Stops the thread; children still running are no longer waited for here (their
    /// `WebContents` are destroyed by shutdown anyway).
    pub(crate) fn stop(&self) {
        if let Some(inner) = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take() {
            inner
                .table
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .stopping = true;
            inner.wake.signal();
        }
    }
}

impl Inner {
    fn run(&self) {
        let mut events = Events::<16>::new();
        loop {
            let n = match self.epoll.wait(&mut events, None) {
                Ok(n) => n,
                Err(e) => {
                    crate::error_visible!("the renderer reaper stopped: epoll_wait failed: {e}");
                    return;
                }
            };
            for ev in events.iter().take(n) {
                let token = ev.token();
                if token == WAKE {
                    self.wake.lower();
                    continue;
                }
                let exited = {
                    let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
                    table.watched.remove(&token)
                };
                if let Some(mut w) = exited {
                    self.epoll.remove(&w.pidfd);
                    // The pidfd is readable: the child has exited, so this does not block.
                    let status = w.child.wait();
                    (w.on_exit)(status);
                }
            }
            if self
                .table
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .stopping
            {
                return;
            }
        }
    }
}

fn wait_on_own_thread(mut child: Child, on_exit: OnExit) -> io::Result<()> {
    std::thread::Builder::new()
        .name("electrode-reap".into())
        .spawn(move || on_exit(child.wait()))
        .map(drop)
}
