//! `POST /electrode/sync`: a page's `sendSync`, with the async messages it carries.
//!
//! Body: `u64 LE last async seq | u32 LE count | count x (u64 LE seq, u32 LE len, frame body) |
//! SendSync frame body`. The carried messages are the newest ones the page sent (or queued),
//! consecutive and ending at `last seq`; main dispatches whatever it has not seen yet, waits
//! (on a notification, not a poll) for any older ones still on the WebSocket, then the call.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use electrode::wire::sequenced::{Admit, SyncRequest};
use electrode::wire::{Frame, SyncOutcome, ValueRules};
use tokio::sync::oneshot;

use crate::page::Page;
use crate::routes::{page_from_header, read_body, refuse, Bridge};

/// Marks a `200` answer whose body is the text of an `Error` main designed (a listener's
/// error), so that the page throws it without Chromium logging a failed resource load.
pub(crate) const ERROR_HEADER: &str = "x-electrode-error";

/// A sync body: the call plus the async messages it carries, up to one message's worth of
/// each, plus their framing.
pub(crate) fn sync_body_cap(limit: usize) -> usize {
    limit.saturating_mul(2).saturating_add(64 * 1024)
}

fn sync_error(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Holds one of a page's sync slots; the slot is given back on drop.
struct Slot(Arc<Page>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.pending_syncs.fetch_sub(1, Ordering::AcqRel);
    }
}

fn take_slot(page: &Arc<Page>, cap: usize) -> Option<Slot> {
    let before = page.pending_syncs.fetch_add(1, Ordering::AcqRel);
    let slot = Slot(page.clone());
    (before < cap).then_some(slot)
}

pub(crate) async fn sync(State(b): State<Bridge>, headers: HeaderMap, body: Body) -> Response {
    if let Err(why) = b.allowed.origin_ok(&headers, false) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let page = match page_from_header(&b, &headers) {
        Ok(p) => p,
        Err((status, why)) => return refuse(status, why),
    };
    let cap = sync_body_cap(page.limit);
    let what = format!("renderer {}'s /electrode/sync", page.id());
    let body = match read_body(&b, body, cap, &what).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let req = match SyncRequest::decode(&body, page.limit) {
        Ok(r) => r,
        Err(why) => {
            let reason = format!(
                "renderer {} sent a malformed sendSync request: {why}",
                page.id()
            );
            electrode::error_visible!(renderer = page.id(), "{reason}; closing its connection");
            page.close(&reason);
            return sync_error(StatusCode::BAD_REQUEST, reason);
        }
    };
    drop(body);
    let Frame::SendSync {
        request,
        ref channel,
        ..
    } = req.call
    else {
        unreachable!("SyncRequest::decode checked the call")
    };
    let channel = channel.clone();
    let Some(_slot) = take_slot(&page, b.config.max_pending_syncs) else {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "sendSync('{channel}'): renderer {} already has {} sendSync requests waiting (the limit)",
                page.id(),
                b.config.max_pending_syncs
            ),
        );
    };
    let deadline = Instant::now() + b.config.sync_deadline;
    let mut reply = page.out.wait_sync(request);
    // Dispatch the carried messages and the call in sequence order; wait for WebSocket
    // messages that were fully handed to the network before the call but are not here yet.
    let mut call = Some(req.call);
    let mut carried = req.carried.into_iter().peekable();
    loop {
        // Registered before the check, so an advance between the check and the wait wakes it.
        let advanced = page.advanced.notified();
        let step = tokio::task::block_in_place(|| -> Result<bool, String> {
            let mut sequence = page.dispatched.lock().unwrap_or_else(|e| e.into_inner());
            while let Some((seq, _)) = carried.peek() {
                match sequence.admit(*seq) {
                    Admit::Duplicate => {
                        carried.next();
                    }
                    Admit::Next => {
                        let (_, frame) = carried.next().expect("peeked");
                        page.dispatch_admitted(frame)?;
                    }
                    // Older messages are still on the WebSocket: wait for them.
                    Admit::Early => break,
                }
            }
            if sequence.caught_up(req.last_seq) {
                let frame = call.take().expect("the call is dispatched once");
                page.conn.handle_frame(frame).map_err(|e| e.to_string())?;
                return Ok(true);
            }
            Ok(false)
        });
        match step {
            Ok(true) => break,
            Ok(false) if page.contents.is_destroyed() => {
                page.out.forget_sync(request);
                return sync_error(
                    StatusCode::GONE,
                    format!("sendSync('{channel}'): renderer {} was closed", page.id()),
                );
            }
            Ok(false) => {
                let woke = tokio::time::timeout_at(deadline.into(), async {
                    tokio::select! {
                        _ = advanced => None,
                        // Main closed the link: the waiter was answered with the reason.
                        r = &mut reply => Some(r),
                    }
                })
                .await;
                match woke {
                    Ok(None) => {}
                    Ok(Some(r)) => return answer(&channel, b.main.value_rules(), r),
                    Err(_) => {
                        page.out.forget_sync(request);
                        return sync_error(
                            StatusCode::GATEWAY_TIMEOUT,
                            format!("sendSync('{channel}'): earlier messages of this page never reached main"),
                        );
                    }
                }
            }
            Err(e) => {
                let reason = format!("renderer {} broke the protocol: {e}", page.id());
                electrode::error_visible!(renderer = page.id(), "{reason}; closing its connection");
                page.close(&reason);
                return sync_error(StatusCode::BAD_REQUEST, reason);
            }
        }
    }
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, reply).await {
        Ok(r) => answer(&channel, b.main.value_rules(), r),
        Err(_) => {
            page.out.forget_sync(request);
            sync_error(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "sendSync('{channel}'): main did not answer within {:?}",
                    b.config.sync_deadline
                ),
            )
        }
    }
}

fn answer(
    channel: &str,
    rules: ValueRules,
    r: Result<SyncOutcome, oneshot::error::RecvError>,
) -> Response {
    match r {
        Ok(SyncOutcome::Value(body)) => {
            // Under structured-clone rules the value is an argument section (docs/adr/0018).
            let kind = match rules {
                ValueRules::Json => "application/json",
                ValueRules::StructuredClone => "application/octet-stream",
            };
            ([(header::CONTENT_TYPE, kind)], body).into_response()
        }
        // A designed error is an answer, not a server fault.
        Ok(SyncOutcome::Error(text)) => {
            let mut r = sync_error(StatusCode::OK, text);
            r.headers_mut()
                .insert(ERROR_HEADER, HeaderValue::from_static("1"));
            r
        }
        Err(_) => sync_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sendSync('{channel}'): main dropped the call"),
        ),
    }
}
