//! A channel → listeners table with Node `EventEmitter` semantics, shared by the main process
//! and the Rust renderer: listeners run in registration order, a `once` listener is removed
//! before it runs, and a listener added while a message is being dispatched is not called for
//! that message (dispatch works on a snapshot).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Identifies one registered listener, for removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

struct Entry<L: ?Sized> {
    id: ListenerId,
    once: bool,
    fired: AtomicBool,
    listener: Box<L>,
}

type Snapshot<L> = Arc<[Arc<Entry<L>>]>;

/// The listener table. `L` is the listener type, usually `dyn Fn(..) + Send + Sync`.
pub struct Emitter<L: ?Sized> {
    channels: RwLock<HashMap<String, Snapshot<L>>>,
    next_id: AtomicU64,
    max_listeners: AtomicUsize,
    warned: Mutex<HashSet<String>>,
    name: &'static str,
}

/// Default number of listeners per channel above which a leak warning is logged (Node's 10).
pub const DEFAULT_MAX_LISTENERS: usize = 10;

impl<L: ?Sized> Emitter<L> {
    /// An empty table; `name` appears in leak warnings (`ipcMain`, `ipcRenderer`).
    pub fn new(name: &'static str) -> Self {
        Emitter {
            channels: RwLock::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            max_listeners: AtomicUsize::new(DEFAULT_MAX_LISTENERS),
            warned: Mutex::new(HashSet::new()),
            name,
        }
    }

    /// Adds a listener at the end of `channel`'s list.
    pub fn add(&self, channel: &str, once: bool, listener: Box<L>) -> ListenerId {
        let id = ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let entry = Arc::new(Entry {
            id,
            once,
            fired: AtomicBool::new(false),
            listener,
        });
        let count = {
            let mut map = self.channels.write().unwrap_or_else(|e| e.into_inner());
            let list = map
                .entry(channel.to_string())
                .or_insert_with(|| Arc::from(vec![]));
            let mut v: Vec<_> = list.iter().cloned().collect();
            v.push(entry);
            *list = Arc::from(v);
            list.len()
        };
        let max = self.max_listeners.load(Ordering::Relaxed);
        if max > 0 && count > max {
            let mut warned = self.warned.lock().unwrap_or_else(|e| e.into_inner());
            if warned.insert(channel.to_string()) {
                crate::warn_visible!(
                    "possible listener leak: {count} listeners on {} channel '{channel}' (limit {max}; raise it with set_max_listeners)",
                    self.name
                );
            }
        }
        id
    }

    /// Removes one listener; `false` if it was not registered on that channel.
    pub fn remove(&self, channel: &str, id: ListenerId) -> bool {
        let mut map = self.channels.write().unwrap_or_else(|e| e.into_inner());
        let Some(list) = map.get_mut(channel) else {
            return false;
        };
        let before = list.len();
        let v: Vec<_> = list.iter().filter(|e| e.id != id).cloned().collect();
        let removed = v.len() != before;
        if v.is_empty() {
            map.remove(channel);
        } else {
            *list = Arc::from(v);
        }
        removed
    }

    /// Removes every listener of `channel`, or of every channel with `None`.
    pub fn remove_all(&self, channel: Option<&str>) {
        let mut map = self.channels.write().unwrap_or_else(|e| e.into_inner());
        match channel {
            Some(c) => {
                map.remove(c);
            }
            None => map.clear(),
        }
    }

    /// Number of listeners on `channel`.
    pub fn count(&self, channel: &str) -> usize {
        let map = self.channels.read().unwrap_or_else(|e| e.into_inner());
        map.get(channel).map_or(0, |l| l.len())
    }

    /// Channels that have at least one listener.
    pub fn channels(&self) -> Vec<String> {
        let map = self.channels.read().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<String> = map.keys().cloned().collect();
        v.sort();
        v
    }

    /// Sets the leak-warning threshold (0 = unlimited).
    pub fn set_max_listeners(&self, n: usize) {
        self.max_listeners.store(n, Ordering::Relaxed);
    }

    /// Calls `call` with each listener of `channel` that is due, in order, on a snapshot taken
    /// now. Returns how many listeners were called.
    pub fn emit(&self, channel: &str, mut call: impl FnMut(&L)) -> usize {
        let snapshot = {
            let map = self.channels.read().unwrap_or_else(|e| e.into_inner());
            match map.get(channel) {
                Some(l) => l.clone(),
                None => return 0,
            }
        };
        let mut called = 0;
        for entry in snapshot.iter() {
            if entry.once {
                if entry.fired.swap(true, Ordering::AcqRel) {
                    continue;
                }
                self.remove(channel, entry.id);
            }
            called += 1;
            call(&entry.listener);
        }
        called
    }
}
