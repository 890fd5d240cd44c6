//! Ctrl-C (SIGINT) and SIGTERM for [`Main::wait`](crate::Main::wait): one handler thread for
//! the process, installed by the first `wait`, that asks every waiting `Main` to shut down.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::stop::Stop;
use crate::Error;

/// The stop states of the `Main`s that are inside `wait` now.
static WAITERS: Mutex<Vec<Weak<Stop>>> = Mutex::new(Vec::new());

/// Installs the handler once; later calls return the first outcome.
pub(crate) fn install() -> Result<(), Error> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let outcome = INSTALLED.get_or_init(|| {
        let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(|e| e.to_string())?;
        std::thread::Builder::new()
            .name("electrode-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    deliver(signal);
                }
            })
            .map(drop)
            .map_err(|e| e.to_string())
    });
    outcome.clone().map_err(|reason| {
        Error::io(
            "installing the Ctrl-C/SIGTERM handler for Main::wait",
            std::io::Error::other(reason),
        )
    })
}

/// Keeps a `Main` on the list of waiters while it is alive.
pub(crate) struct Registration(Weak<Stop>);

/// Puts `stop` on the list of waiters until the returned guard is dropped.
pub(crate) fn register(stop: &Arc<Stop>) -> Registration {
    let weak = Arc::downgrade(stop);
    let mut waiters = WAITERS.lock().unwrap_or_else(|e| e.into_inner());
    waiters.retain(|w| w.strong_count() > 0);
    waiters.push(weak.clone());
    Registration(weak)
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut waiters = WAITERS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = waiters.iter().position(|w| Weak::ptr_eq(w, &self.0)) {
            waiters.swap_remove(i);
        }
    }
}

fn deliver(signal: i32) {
    let waiters: Vec<Arc<Stop>> = WAITERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    let mut asked = false;
    for stop in waiters {
        asked |= stop.interrupt(signal);
    }
    if asked {
        return;
    }
    // No `Main` is waiting, or all are already stopping (a second Ctrl-C): do what the signal
    // would have done without our handler, so the process can always be stopped.
    if let Err(e) = signal_hook::low_level::emulate_default_handler(signal) {
        crate::error_visible!("cannot stop on signal {signal}: {e}; exiting");
        std::process::exit(128 + signal);
    }
}
