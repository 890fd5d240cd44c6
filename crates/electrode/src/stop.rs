//! When a `Main` has stopped, for [`Main::wait`](crate::Main::wait) and for shutdowns that must
//! not return before the teardown is complete.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

#[derive(Default)]
struct State {
    /// The thread running the teardown, once it has begun.
    stopping_on: Option<ThreadId>,
    stopped: bool,
    /// The signal that asked a waiting `Main` to stop. A latch: every waiter sees it, and a
    /// second signal finds it set and so knows the first one is being acted on.
    interrupted: Option<i32>,
}

/// What woke a waiter.
pub(crate) enum Woken {
    Stopped,
    Interrupted(i32),
}

#[derive(Default)]
pub(crate) struct Stop {
    state: Mutex<State>,
    changed: Condvar,
}

impl Stop {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the current thread runs the teardown.
    pub(crate) fn begin(&self) {
        self.lock().stopping_on = Some(std::thread::current().id());
    }

    /// The teardown is complete: wakes everyone waiting.
    pub(crate) fn finish(&self) {
        self.lock().stopped = true;
        self.changed.notify_all();
    }

    /// Asks the waiters to stop because of `signal`. False when there is nothing left to ask
    /// (stopped, stopping, or already interrupted), so the caller knows that no one will act
    /// on this signal.
    pub(crate) fn interrupt(&self, signal: i32) -> bool {
        let mut state = self.lock();
        if state.stopped || state.stopping_on.is_some() || state.interrupted.is_some() {
            return false;
        }
        state.interrupted = Some(signal);
        self.changed.notify_all();
        true
    }

    /// Blocks until the teardown is complete or a signal asks for it.
    pub(crate) fn wait(&self) -> Woken {
        let mut state = self.lock();
        loop {
            if state.stopped {
                return Woken::Stopped;
            }
            if let Some(signal) = state.interrupted {
                return Woken::Interrupted(signal);
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Blocks until the teardown is complete, unless the current thread is the one running it
    /// (a destroy callback that shuts main down again must not wait for itself).
    pub(crate) fn wait_stopped(&self) {
        let me = std::thread::current().id();
        let mut state = self.lock();
        while !state.stopped && state.stopping_on != Some(me) {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}
