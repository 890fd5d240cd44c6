//! What main saw of each renderer (messages in, pushes out) and what the renderer said about
//! itself at the end: the two ends of every sequence number.

use electrode::WebContents;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The part a renderer plays in the soak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Steady traffic: a `send` every few ms, a `sendSync` now and then.
    Steady,
    /// Sends as fast as it can.
    Flooder,
    /// Steady traffic, but reads main's pushes slowly (main fills its queue).
    Slow,
    /// The page in Chromium: floods in bursts.
    Page,
}

impl Role {
    /// Name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Role::Steady => "steady",
            Role::Flooder => "flooder",
            Role::Slow => "slow",
            Role::Page => "page",
        }
    }
}

/// A renderer's own account, sent on `final` once it stopped.
#[derive(Clone, Copy, Debug, Default)]
pub struct Final {
    /// Messages it sent (accepted by its `send`/`sendSync`); its last sequence number.
    pub sent: u64,
    /// Sends its API refused with an error (no sequence number used).
    pub refused: u64,
    /// Pushes from main it received.
    pub pushes_seen: u64,
    /// Pushes that did not carry the next sequence number.
    pub push_out_of_order: u64,
    /// `sendSync` answers that were not the number sent, or errors.
    pub sync_bad: u64,
}

/// Main's counters for one renderer.
#[derive(Debug, Default)]
pub struct Tally {
    /// Messages received from it (`send` and `sendSync`).
    pub received: u64,
    /// Received messages that did not carry the next sequence number.
    pub out_of_order: u64,
    last_seq: u64,
    /// Pushes it says it has seen, carried in its messages (lags a little).
    pub pushes_seen_live: u64,
    /// Pushes main's `send`/`send_timeout` accepted for it.
    pub pushed: u64,
    /// Pushes main's `send`/`send_timeout` refused with an `Err`.
    pub push_refused: u64,
    /// The first refusal's text.
    pub first_refusal: Option<String>,
    /// Its own account, once it stopped.
    pub fin: Option<Final>,
}

impl Tally {
    /// Counts message `seq` from the renderer, which had seen `pushes_seen` pushes.
    pub fn record(&mut self, seq: u64, pushes_seen: u64) {
        if seq != self.last_seq + 1 {
            self.out_of_order += 1;
        }
        self.last_seq = self.last_seq.max(seq);
        self.received += 1;
        self.pushes_seen_live = self.pushes_seen_live.max(pushes_seen);
    }

    /// Counts the outcome of one push.
    pub fn pushed(&mut self, outcome: Result<(), electrode::Error>) {
        match outcome {
            Ok(()) => self.pushed += 1,
            Err(e) => {
                self.push_refused += 1;
                self.first_refusal.get_or_insert_with(|| e.to_string());
            }
        }
    }

    /// Messages sent but not received (known once the renderer reported).
    pub fn lost(&self) -> Option<u64> {
        self.fin.map(|f| f.sent.saturating_sub(self.received))
    }

    /// Pushes accepted by main but not received (known once the renderer reported).
    pub fn pushes_lost(&self) -> Option<u64> {
        self.fin.map(|f| self.pushed.saturating_sub(f.pushes_seen))
    }
}

/// One renderer of the soak.
#[derive(Clone)]
pub struct Entry {
    /// Its part.
    pub role: Role,
    /// Its `WebContents`.
    pub wc: WebContents,
    /// Main's counters for it.
    pub tally: Arc<Mutex<Tally>>,
}

impl Entry {
    /// The counters, locked.
    pub fn lock(&self) -> MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every renderer of the soak, by `WebContents` id.
#[derive(Default)]
pub struct Tallies(Mutex<BTreeMap<u64, Entry>>);

impl Tallies {
    /// Adds a renderer main spawned (it may have spoken already: keeps what was counted).
    pub fn add(&self, role: Role, wc: WebContents) {
        entry(&mut self.map(), &wc).role = role;
    }

    /// The entry of the sender of a message. A page is added the first time it speaks (the
    /// bridge makes its `WebContents`, not us); so is a renderer that spoke before
    /// `spawn_renderer` returned to us, until [`add`](Self::add) gives its role.
    pub fn of(&self, wc: &WebContents) -> Entry {
        entry(&mut self.map(), wc).clone()
    }

    /// Every entry, in id order.
    pub fn all(&self) -> Vec<Entry> {
        self.map().values().cloned().collect()
    }

    fn map(&self) -> MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn entry<'m>(map: &'m mut BTreeMap<u64, Entry>, wc: &WebContents) -> &'m mut Entry {
    map.entry(wc.id()).or_insert_with(|| Entry {
        role: match wc.kind() {
            electrode::RendererKind::Page => Role::Page,
            electrode::RendererKind::Process => Role::Steady,
        },
        wc: wc.clone(),
        tally: Arc::default(),
    })
}
