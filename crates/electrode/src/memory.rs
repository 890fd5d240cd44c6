//! In-process renderers: a renderer that lives in main's own process talks to it over an
//! in-memory link (`electrode_wire::memory`) instead of a socket. Main's side is a thread per
//! link that reads the renderer's frames in order and runs their listeners, as a worker does
//! for a socket; the handshake, the token, the limits and the close rules are the socket's.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use electrode_wire::io::ReadError;
use electrode_wire::memory::{self, MemoryEnd, MemoryLink, TrySendError};
use electrode_wire::{Encoded, Frame};

use crate::main_process::Shared;
use crate::transport::{Outbound, SendFailure};
use crate::uds::{accept_hello, welcome, MAX_HELLO_SIZE};
use crate::workers::{describe, handle_body};
use crate::{Error, RendererKind, WebContents};

/// Bytes a renderer may have written that main has not read yet: its writes wait beyond this,
/// as on a socket whose buffer is full. One frame always fits an empty queue.
const RENDERER_TO_MAIN_BYTES: usize = 1024 * 1024;

/// Main's sending half of an in-memory link.
struct MemoryOutbound {
    end: Arc<MemoryEnd>,
    renderer: u64,
    closed: Mutex<Option<String>>,
}

impl MemoryOutbound {
    fn closed_reason(&self) -> String {
        self.closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| format!("renderer {} closed its in-memory link", self.renderer))
    }
}

impl Outbound for MemoryOutbound {
    fn send(&self, frame: &Encoded) -> Result<(), SendFailure> {
        match self.end.try_send(frame) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full { queued, capacity }) => Err(SendFailure::QueueFull {
                queued,
                limit: capacity,
            }),
            Err(TrySendError::Closed) => Err(SendFailure::Closed(self.closed_reason())),
        }
    }

    fn close(&self, reason: &str) {
        {
            let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
            if closed.is_some() {
                return;
            }
            *closed = Some(reason.to_string());
        }
        let frame = Frame::Close {
            reason: reason.to_string(),
        };
        let _ = self.end.try_send(&frame.encode());
        self.end.close();
    }

    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        self.end.wait_for_room(bytes, deadline)
    }
}

fn refuse(end: &MemoryEnd, reason: &str) {
    crate::warn_visible!("refused an in-memory renderer: {reason}");
    let frame = Frame::Close {
        reason: format!("connection refused: {reason}"),
    };
    let _ = end.try_send(&frame.encode());
    end.close();
}

/// Reads one frame body from the renderer; `Err` is why the link ends.
fn read(
    end: &MemoryEnd,
    limit: usize,
    timeout: Option<std::time::Duration>,
) -> Result<bytes::Bytes, ReadError> {
    match end.recv(timeout) {
        Ok(Some(body)) if body.len() > limit => Err(ReadError::TooLarge {
            size: body.len(),
            limit,
        }),
        Ok(Some(body)) => Ok(body),
        Ok(None) => Err(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the handshake took too long",
        ))),
        Err(memory::Closed) => Err(ReadError::Closed),
    }
}

/// Serves one in-memory link: the handshake, then the renderer's frames in order.
fn serve(end: MemoryEnd, shared: &Shared) {
    let limits = shared.limits;
    let hello = read(&end, MAX_HELLO_SIZE, Some(limits.handshake_timeout));
    let (session, token) = match accept_hello(hello, shared.registry.rules) {
        // Both ends share this process's memory already: no region to map.
        Ok((session, token)) => (
            session.without(electrode_wire::Features::SHARED_MEMORY),
            token,
        ),
        Err(why) => return refuse(&end, &why),
    };
    let contents = match shared.tickets.redeem(&token) {
        Ok(c) => c,
        Err(why) => return refuse(&end, &why),
    };
    let end = Arc::new(end);
    let out = Arc::new(MemoryOutbound {
        end: end.clone(),
        renderer: contents.id(),
        closed: Mutex::new(None),
    });
    let Some(conn) = welcome(shared, contents, session, out.clone()) else {
        return;
    };
    loop {
        let reason = match read(&end, limits.max_message_size, None) {
            Ok(body) => match handle_body(body, &conn, limits.max_message_size) {
                Ok(()) => continue,
                Err(reason) => reason,
            },
            Err(ReadError::Closed) => out
                .closed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .unwrap_or_else(|| describe(&ReadError::Closed)),
            Err(e) => {
                let reason = describe(&e);
                crate::error_visible!(
                    renderer = conn.contents().id(),
                    "{reason}; closing its connection"
                );
                reason
            }
        };
        out.close(&reason);
        return conn.closed(&reason);
    }
}

pub(crate) fn start(
    shared: &Arc<Shared>,
    embedder: Option<&WebContents>,
) -> Result<(WebContents, MemoryLink), Error> {
    let contents = shared.registry.create(RendererKind::Process, embedder);
    let token = shared.tickets.issue(&contents);
    let (renderer_end, main_end) =
        memory::pair(RENDERER_TO_MAIN_BYTES, shared.limits.outbound_queue_bytes);
    let serving = shared.clone();
    std::thread::Builder::new()
        .name(format!("electrode-memory-{}", contents.id()))
        .spawn(move || serve(main_end, &serving))
        .map_err(|e| {
            let context = "cannot start the thread of an in-memory renderer";
            contents.destroy(&format!("{context}: {e}"));
            Error::io(context, e)
        })?;
    Ok((
        contents,
        MemoryLink {
            end: renderer_end,
            token,
        },
    ))
}
