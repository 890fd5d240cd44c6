//! One page's session: its `WebContents`, token, link, and the in-order dispatch of its
//! messages, which arrive over two transports (WebSocket for async, XHR for sync).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use electrode::wire::sequenced::{Admit, Sequence};
use electrode::wire::Frame;
use electrode::{Connection, WebContents};
use tokio::sync::{mpsc, Notify};

use crate::outbound::{Out, PageOutbound};
use crate::security::{parse_token, secret_eq};

pub(crate) struct Page {
    pub(crate) secret: String,
    pub(crate) contents: WebContents,
    pub(crate) conn: Connection,
    pub(crate) out: Arc<PageOutbound>,
    pub(crate) rx: Mutex<Option<mpsc::UnboundedReceiver<Out>>>,
    /// The async messages dispatched to listeners so far (the sequenced mode).
    pub(crate) dispatched: Mutex<Sequence>,
    /// Woken whenever `dispatched` moves or the link closes (sync requests wait on it).
    pub(crate) advanced: Notify,
    /// `sendSync` requests of this page in the bridge now.
    pub(crate) pending_syncs: AtomicUsize,
    /// Largest frame accepted from this page (main's limit).
    pub(crate) limit: usize,
    /// A `<webview>` guest's next page took over this page's `WebContents`.
    pub(crate) superseded: AtomicBool,
    /// The page reported its `load` (main's did-finish-load ran for it).
    pub(crate) loaded: AtomicBool,
    /// The page's `WebContents` belongs to a desktop window ([`crate::PageReserver`]): it
    /// outlives each page the window loads, so the page's going is a detach, never a close.
    pub(crate) windowed: bool,
    /// Runs its WebSocket messages through the listeners, in order, off the runtime.
    pub(crate) dispatcher: crate::dispatch::Dispatcher,
}

impl Page {
    pub(crate) fn token(&self) -> String {
        format!("{}.{}", self.contents.id(), self.secret)
    }

    pub(crate) fn id(&self) -> u64 {
        self.contents.id()
    }

    /// Dispatches async message `seq` if it is the next one; earlier numbers were already
    /// dispatched (carried by a sync request) and are skipped. A gap is a protocol error: the
    /// WebSocket keeps the page's order.
    pub(crate) fn dispatch_async(&self, seq: u64, frame: Frame) -> Result<(), String> {
        let mut sequence = self.dispatched.lock().unwrap_or_else(|e| e.into_inner());
        match sequence.admit(seq) {
            Admit::Duplicate => Ok(()),
            Admit::Early => Err(format!(
                "message {seq} arrived before message {}",
                sequence.last() + 1
            )),
            Admit::Next => self.dispatch_admitted(frame),
        }
    }

    /// Runs the listeners of an async message just admitted, with the sequence lock held (so
    /// the next one waits for it).
    pub(crate) fn dispatch_admitted(&self, frame: Frame) -> Result<(), String> {
        if !matches!(
            frame,
            Frame::Send { .. }
                | Frame::SendToHost { .. }
                | Frame::SendTo { .. }
                | Frame::WebviewSend { .. }
                | Frame::Invoke { .. }
                | Frame::InvokeCancel { .. }
                | Frame::PostMessage { .. }
                | Frame::PortSend { .. }
                | Frame::PortClose { .. }
        ) {
            return Err(format!("frame {:?} is not an async message", frame.kind()));
        }
        let handled = self.conn.handle_frame(frame).map_err(|e| e.to_string());
        self.advanced.notify_waiters();
        handled
    }

    /// A guest page went away (reload, navigation): keep its `WebContents` for the next page.
    pub(crate) fn detach(&self, reason: &str) {
        self.conn.detached(reason);
    }

    /// The page went away on its own (closed, reloaded, navigated): routine, so `debug`.
    pub(crate) fn close_ordinary(&self, reason: &str) {
        tracing::debug!(renderer = self.id(), "closing page link: {reason}");
        self.conn.closed(reason);
        self.advanced.notify_waiters();
    }

    pub(crate) fn close(&self, reason: &str) {
        electrode::warn_visible!(renderer = self.id(), "closing page link: {reason}");
        self.conn.closed(reason);
        self.advanced.notify_waiters();
    }
}

/// The live pages and the tickets of `<webview>` guests that have not connected yet.
#[derive(Default)]
pub(crate) struct Pages {
    pages: Mutex<HashMap<u64, Arc<Page>>>,
    guest_tickets: Mutex<HashMap<String, WebContents>>,
    /// Pages connected whose WebSocket is not open yet (each holds a `WebContents`).
    pending: AtomicUsize,
    /// `WebContents` reserved for desktop windows (their tickets are in `guest_tickets`).
    windowed: Mutex<HashSet<u64>>,
}

impl Pages {
    pub(crate) fn insert(self: &Arc<Self>, page: Arc<Page>) {
        let id = page.id();
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, page.clone());
        let me = Arc::downgrade(self);
        let weak = Arc::downgrade(&page);
        page.contents.on_destroyed(move |_| {
            if let Some(pages) = me.upgrade() {
                if let Some(page) = weak.upgrade() {
                    let _ = pages.take_rx(&page);
                }
                pages
                    .pages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            }
        });
    }

    /// The live page of a `WebContents` id.
    pub(crate) fn get(&self, id: u64) -> Option<Arc<Page>> {
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    /// The page a token belongs to, if the token is right.
    pub(crate) fn by_token(&self, token: &str) -> Option<Arc<Page>> {
        let (id, secret) = parse_token(token)?;
        let page = self
            .pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()?;
        secret_eq(&page.secret, secret).then_some(page)
    }

    /// Counts a page that is about to connect, unless `cap` pages are waiting already.
    pub(crate) fn reserve_pending(&self, cap: usize) -> Result<(), usize> {
        self.pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < cap).then_some(n + 1)
            })
            .map(|_| ())
    }

    /// A reservation that did not become a page.
    pub(crate) fn unreserve_pending(&self) {
        self.pending.fetch_sub(1, Ordering::AcqRel);
    }

    /// Takes the page's WebSocket queue (once): the page is no longer pending.
    pub(crate) fn take_rx(&self, page: &Page) -> Option<mpsc::UnboundedReceiver<Out>> {
        let rx = page.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if rx.is_some() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        rx
    }

    pub(crate) fn add_guest_ticket(&self, ticket: String, guest: WebContents) {
        self.guest_tickets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ticket, guest);
    }

    /// Uses up a guest ticket: the guest it belongs to and the ticket for the guest's next
    /// page (a reload or navigation), so a ticket admits exactly one page.
    pub(crate) fn use_guest_ticket(&self, ticket: &str) -> Option<(WebContents, String)> {
        let mut tickets = self.guest_tickets.lock().unwrap_or_else(|e| e.into_inner());
        let guest = tickets.remove(ticket)?;
        if guest.is_destroyed() {
            return None;
        }
        let next = crate::security::random_hex(16);
        tickets.insert(next.clone(), guest.clone());
        Some((guest, next))
    }

    /// Reserves `contents` for a desktop window's pages, admitted by `ticket`.
    pub(crate) fn add_window(self: &Arc<Self>, ticket: String, contents: WebContents) {
        let id = contents.id();
        self.windowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        self.add_guest_ticket(ticket, contents.clone());
        let me = Arc::downgrade(self);
        contents.on_destroyed(move |_| {
            if let Some(pages) = me.upgrade() {
                pages.forget_guest(id);
                pages
                    .windowed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
            }
        });
    }

    /// Whether `id` is a desktop window's `WebContents`.
    pub(crate) fn is_windowed(&self, id: u64) -> bool {
        self.windowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }

    pub(crate) fn forget_guest(&self, guest: u64) {
        self.guest_tickets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, g| g.id() != guest);
    }
}
