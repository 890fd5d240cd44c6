//! HTTP routes: the shim, connect, WebSocket, sync XHR, `<webview>` guests, static files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use electrode::wire::Frame;
use electrode::{Main, RendererKind};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;

use crate::dispatch::Job;
use crate::outbound::{Out, PageOutbound};
use crate::page::{Page, Pages};
use crate::security::{random_hex, Allowed};
use crate::WebConfig;

#[derive(Clone)]
pub(crate) struct Bridge {
    pub(crate) main: Arc<Main>,
    pub(crate) pages: Arc<Pages>,
    pub(crate) allowed: Allowed,
    pub(crate) config: WebConfig,
    /// `app_dir`, canonical, when symlinks may not lead out of it.
    confine: Option<Arc<PathBuf>>,
    csp: Option<HeaderValue>,
}

pub(crate) fn router(
    main: Arc<Main>,
    pages: Arc<Pages>,
    config: WebConfig,
    addr: SocketAddr,
) -> Router {
    let bridge = Bridge {
        main,
        pages,
        allowed: Allowed::for_addr(addr),
        config: config.clone(),
        confine: config
            .app_dir
            .as_ref()
            .filter(|_| !config.symlinks_out)
            .map(|d| Arc::new(std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()))),
        csp: config
            .content_security_policy
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok()),
    };
    let mut app = Router::new()
        .route("/electrode/ipc-renderer.js", get(shim))
        .route("/electrode/preload.js", get(crate::preload::script))
        .route("/electrode/connect", post(connect))
        .route("/electrode/ws", get(ws))
        .route("/electrode/sync", post(crate::sync::sync))
        .route("/electrode/webview", post(webview_create))
        .route("/electrode/webview/close", post(webview_close));
    if let Some(dir) = &config.app_dir {
        let files = tower::ServiceBuilder::new()
            .layer(middleware::from_fn_with_state(
                bridge.clone(),
                crate::preload::inject,
            ))
            .service(tower_http::services::ServeDir::new(dir));
        app = app.fallback_service(files);
    }
    // Handlers read their bodies themselves, after authorisation, with their own caps.
    app.layer(DefaultBodyLimit::max(SMALL_BODY))
        .layer(middleware::from_fn_with_state(bridge.clone(), check_host))
        .with_state(bridge)
}

pub(crate) fn refuse(status: StatusCode, why: String) -> Response {
    electrode::warn_visible!("web bridge refused a request: {why}");
    (status, why).into_response()
}

async fn check_host(State(b): State<Bridge>, req: Request, next: Next) -> Response {
    // `GET http://evil.example/x`: this is not a proxy.
    if req.uri().scheme().is_some() || req.uri().authority().is_some() {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!(
                "absolute-form request target {:?} refused: the bridge is not a proxy",
                req.uri().to_string()
            ),
        );
    }
    if let Err(why) = b.allowed.host_ok(req.headers()) {
        return refuse(StatusCode::MISDIRECTED_REQUEST, why);
    }
    if let Some(root) = &b.confine {
        let path = req.uri().path();
        if !path.starts_with("/electrode/") {
            if let Some(real) = crate::files::escapes(root, path).await {
                return refuse(
                    StatusCode::FORBIDDEN,
                    format!(
                        "{path} resolves to {} outside app_dir through a symlink (WebConfig::allow_symlinks_out)",
                        real.display()
                    ),
                );
            }
        }
    }
    let mut r = next.run(req).await;
    crate::files::harden(&mut r, b.csp.as_ref());
    r
}

async fn shim() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        crate::SHIM_JS,
    )
        .into_response()
}

/// Cap on bodies that carry no message (a guest ticket, a guest id).
const SMALL_BODY: usize = 4 * 1024;

/// Reads a body only after its request was authorised, and never past `cap` bytes.
pub(crate) async fn read_body(
    b: &Bridge,
    body: Body,
    cap: usize,
    what: &str,
) -> Result<Bytes, Response> {
    let limit = b.config.body_timeout;
    let Ok(read) = tokio::time::timeout(limit, axum::body::to_bytes(body, cap)).await else {
        return Err(refuse(
            StatusCode::REQUEST_TIMEOUT,
            format!("{what}: request body not received within {limit:?}"),
        ));
    };
    match read {
        Ok(b) => Ok(b),
        Err(e) => {
            let too_big = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_big {
                Err(refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("{what}: request body exceeds its limit of {cap} bytes"),
                ))
            } else {
                Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("{what}: cannot read the request body: {e}"),
                ))
            }
        }
    }
}

pub(crate) fn page_from_header(
    b: &Bridge,
    headers: &HeaderMap,
) -> Result<Arc<Page>, (StatusCode, String)> {
    let unauthorized = |why: &str| (StatusCode::UNAUTHORIZED, why.to_string());
    let token = headers
        .get("x-electrode-token")
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| unauthorized("X-Electrode-Token header missing"))?;
    b.pages
        .by_token(token)
        .ok_or_else(|| unauthorized("unknown or wrong page token"))
}

async fn connect(State(b): State<Bridge>, headers: HeaderMap, body: Body) -> Response {
    if let Err(why) = b.allowed.origin_ok(&headers, false) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    if headers.get("x-electrode").is_none() {
        return refuse(StatusCode::FORBIDDEN, "X-Electrode header missing".into());
    }
    let body = match read_body(&b, body, SMALL_BODY, "/electrode/connect").await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(n) = b.pages.reserve_pending(b.config.max_pending_pages) {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{n} pages are connected without their WebSocket yet (WebConfig::max_pending_pages); try again later"
            ),
        );
    }
    let mut next_ticket = None;
    let contents = if body.is_empty() {
        b.main.create_contents(RendererKind::Page, None)
    } else {
        let ticket = String::from_utf8_lossy(&body).to_string();
        match b.pages.use_guest_ticket(&ticket) {
            Some((guest, next)) => {
                // A navigating guest's new page may arrive before the old one has gone.
                if let Some(old) = b.pages.get(guest.id()) {
                    old.superseded
                        .store(true, std::sync::atomic::Ordering::Release);
                    let _ = b.pages.take_rx(&old);
                    old.detach("replaced by the guest's next page");
                }
                next_ticket = Some(next);
                guest
            }
            None => {
                b.pages.unreserve_pending();
                return refuse(
                    StatusCode::FORBIDDEN,
                    "unknown, used or expired <webview> guest ticket or window ticket".into(),
                );
            }
        }
    };
    let (out, rx) = PageOutbound::new(b.main.limits().outbound_queue_bytes);
    let out = Arc::new(out);
    let conn = match b.main.attach(&contents, out.clone()) {
        Ok(c) => c,
        Err(e) => {
            b.pages.unreserve_pending();
            return refuse(StatusCode::CONFLICT, e.to_string());
        }
    };
    let page = Arc::new(Page {
        secret: random_hex(32),
        contents: contents.clone(),
        conn,
        out,
        rx: Mutex::new(Some(rx)),
        dispatched: Mutex::default(),
        advanced: Default::default(),
        pending_syncs: Default::default(),
        limit: b.main.limits().max_message_size,
        superseded: Default::default(),
        loaded: Default::default(),
        windowed: b.pages.is_windowed(contents.id()),
        dispatcher: Default::default(),
    });
    b.pages.insert(page.clone());
    tracing::info!(renderer = page.id(), "page connected");
    // A page that never opens its WebSocket is not kept forever.
    let waiting = page.clone();
    let deadline = b.config.connect_deadline;
    tokio::spawn(async move {
        tokio::time::sleep(deadline).await;
        if waiting
            .rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            waiting.close("the page did not open its WebSocket in time");
        }
    });
    let mut json = serde_json::json!({
        "id": page.id(),
        "token": page.token(),
        "maxMessageSize": page.limit,
        // The shim reads and writes values by these rules (docs/adr/0018).
        "values": b.main.value_rules().to_string(),
    });
    if let Some(t) = next_ticket {
        json["ticket"] = t.into();
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct WsQuery {
    token: String,
}

async fn ws(
    State(b): State<Bridge>,
    headers: HeaderMap,
    Query(q): Query<WsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Err(why) = b.allowed.origin_ok(&headers, true) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let Some(page) = b.pages.by_token(&q.token) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unknown or wrong page token".into(),
        );
    };
    let Some(rx) = b.pages.take_rx(&page) else {
        return refuse(
            StatusCode::CONFLICT,
            format!("page {} already has a WebSocket", page.id()),
        );
    };
    let limit = b.main.limits().max_message_size + 8;
    let deadline = b.config.connect_deadline;
    upgrade
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| run_ws(page, socket, rx, deadline))
}

/// Bytes of a page's WebSocket messages that may wait for its dispatch thread before the
/// reader stops reading (one message of any allowed size always fits).
const DISPATCH_QUEUE_BYTES: usize = 1 << 20;

/// The WebSocket loop's end when the dispatch thread found a protocol breach.
const DISPATCH_FAILED: &str = "the page broke the protocol";

async fn run_ws(
    page: Arc<Page>,
    socket: WebSocket,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Out>,
    deadline: Duration,
) {
    let (mut sink, mut stream) = socket.split();
    let out = page.out.clone();
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            match msg {
                Out::Frame(bytes) => {
                    let n = bytes.len();
                    let sent = sink.send(Message::Binary(bytes)).await;
                    out.sent(n);
                    if sent.is_err() {
                        break;
                    }
                }
                Out::Close => {
                    let _ = sink.close().await;
                    break;
                }
            }
        }
    });
    let limit = page.limit;
    let reason = loop {
        let msg = match stream.next().await {
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                let text = e.to_string();
                // A tab that crashed or was killed resets its connection: the page is gone,
                // as when it closes; nothing it sent is lost, and nobody did anything wrong.
                if text.contains("Connection reset") {
                    break "page disconnected".to_string();
                }
                let size_hint = if text.contains("too long") || text.contains("limit") {
                    format!(" (main's max_message_size is {limit} bytes)")
                } else {
                    String::new()
                };
                break format!(
                    "renderer {}'s WebSocket failed: {text}{size_hint}",
                    page.id()
                );
            }
            None => break "page disconnected".to_string(),
        };
        let data = match msg {
            Message::Binary(d) => d,
            Message::Close(_) => break "page disconnected".to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Text(_) => {
                break format!(
                    "renderer {} sent a text WebSocket message; only binary frames are allowed",
                    page.id()
                )
            }
        };
        let Some(seq) = data.get(..8) else {
            break format!(
                "renderer {} sent a WebSocket message without a sequence number",
                page.id()
            );
        };
        let seq = u64::from_le_bytes(seq.try_into().expect("8 bytes"));
        if seq == 0 {
            // Outside the sequence: a control signal from the shim.
            if &data[8..] != b"loaded" {
                break format!(
                    "renderer {} sent an unknown control message (sequence number 0)",
                    page.id()
                );
            }
            if !page.loaded.swap(true, std::sync::atomic::Ordering::AcqRel)
                && !page
                    .dispatcher
                    .push(&page, Job::Loaded, DISPATCH_QUEUE_BYTES)
                    .await
            {
                break DISPATCH_FAILED.to_string();
            }
            continue;
        }
        let frame = match Frame::decode(data.slice(8..), limit) {
            Ok(f) => f,
            Err(e) => break format!("renderer {} sent a malformed frame: {e}", page.id()),
        };
        let size = data.len();
        let job = Job::Message { seq, frame, size };
        if !page.dispatcher.push(&page, job, DISPATCH_QUEUE_BYTES).await {
            break DISPATCH_FAILED.to_string();
        }
    };
    if page.superseded.load(std::sync::atomic::Ordering::Acquire) {
        // The guest's next page owns the WebContents now.
    } else if reason == DISPATCH_FAILED {
        // The dispatch thread closed the link and said why.
    } else if reason != "page disconnected" {
        electrode::error_visible!(renderer = page.id(), "{reason}; closing its connection");
        page.close(&reason);
    } else if page.windowed {
        // The window keeps its WebContents across reloads and navigations, and closes it
        // itself when it closes.
        page.detach("window page unloaded");
    } else if page.contents.embedder().is_some() {
        // A guest that reloads or navigates comes back with the same ticket and id.
        page.detach("guest page unloaded");
        let contents = page.contents.clone();
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            if !contents.is_ready() {
                contents.close("guest page did not come back after unloading");
            }
        });
    } else {
        page.close_ordinary(&reason);
    }
    writer.abort();
}

async fn webview_create(State(b): State<Bridge>, headers: HeaderMap) -> Response {
    if let Err(why) = b.allowed.origin_ok(&headers, false) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let host = match page_from_header(&b, &headers) {
        Ok(p) => p,
        Err((status, why)) => return refuse(status, why),
    };
    let guest = b
        .main
        .create_contents(RendererKind::Page, Some(&host.contents));
    let ticket = random_hex(16);
    b.pages.add_guest_ticket(ticket.clone(), guest.clone());
    let pages = b.pages.clone();
    let id = guest.id();
    guest.on_destroyed(move |_| pages.forget_guest(id));
    // Destroying the host destroys its guests.
    let g = guest.clone();
    host.contents
        .on_destroyed(move |_| g.close("its <webview> host page is gone"));
    let json = serde_json::json!({ "guest": guest.id(), "ticket": ticket });
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

async fn webview_close(State(b): State<Bridge>, headers: HeaderMap, body: Body) -> Response {
    if let Err(why) = b.allowed.origin_ok(&headers, false) {
        return refuse(StatusCode::FORBIDDEN, why);
    }
    let host = match page_from_header(&b, &headers) {
        Ok(p) => p,
        Err((status, why)) => return refuse(status, why),
    };
    let body = match read_body(&b, body, SMALL_BODY, "/electrode/webview/close").await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let id: u64 = match String::from_utf8_lossy(&body).trim().parse() {
        Ok(id) => id,
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "body must be a guest id".into()),
    };
    match b.main.from_id(id) {
        Some(g) if g.embedder().map(|e| e.id()) == Some(host.id()) => {
            g.close("<webview> element removed");
            StatusCode::NO_CONTENT.into_response()
        }
        _ => refuse(
            StatusCode::NOT_FOUND,
            format!("renderer {id} is not a guest of renderer {}", host.id()),
        ),
    }
}
