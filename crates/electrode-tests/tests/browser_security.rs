//! The bridge's defences, probed with a plain HTTP client (raw HTTP/1.1 over a TCP stream) and
//! with a page of another origin (a second bridge on another port), plus the size limit.

mod browser;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use browser::{record, App, Browser};
use electrode::{Error, IpcMain, Limits, Main, RendererKind};
use electrode_tests::PATIENCE;
use electrode_web::{WebBridge, WebConfig};
use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug)]
struct Reply {
    status: u16,
    /// Header lines, names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

/// Sends one raw HTTP/1.1 request and reads the answer (head only for a `101`).
async fn raw(addr: SocketAddr, request: &str) -> Reply {
    tokio::time::timeout(PATIENCE, async {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                if buf.starts_with(b"HTTP/1.1 101") {
                    buf.truncate(end + 4);
                    break;
                }
                // A kept-alive connection: stop once the body is complete.
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                if length.is_some_and(|n| buf.len() >= end + 4 + n) {
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&buf).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_string(),
        }
    })
    .await
    .expect("the bridge answered")
}

fn no_cors_headers(r: &Reply, what: &str) {
    let cors: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "{what}: CORS headers {cors:?}");
}

fn post(path: &str, host: &str, extra: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn upgrade(path: &str, host: &str, extra: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extra}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_http_foreign_origins_wrong_hosts_and_bad_tokens_are_refused() {
    let app = App::start(IpcMain::new());
    let addr = app.bridge.addr();
    let host = addr.to_string();
    let me = format!("http://{host}");
    let mut replies = Vec::new();

    // Control: the right Host gets the page.
    let r = raw(
        addr,
        &format!("GET /index.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("ipc-renderer.js"));
    replies.push(("page", r));
    let r = raw(
        addr,
        &format!(
            "GET /index.html HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        ),
    )
    .await;
    assert_eq!(r.status, 200, "localhost is this bridge too");

    // A wrong Host (DNS rebinding) is refused on every route.
    for (what, req) in [
        (
            "page, foreign host",
            "GET /index.html HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
                .to_string(),
        ),
        (
            "page, foreign host with the port",
            format!(
                "GET /index.html HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\r\n",
                addr.port()
            ),
        ),
        (
            "page, loopback on another port",
            "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n"
                .to_string(),
        ),
        (
            "shim, foreign host",
            "GET /electrode/ipc-renderer.js HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
                .to_string(),
        ),
        (
            "connect, foreign host",
            post("/electrode/connect", "evil.example", "X-Electrode: 1\r\n", ""),
        ),
    ] {
        let r = raw(addr, &req).await;
        assert_eq!(r.status, 421, "{what}: {r:?}");
        replies.push((what, r));
    }

    // Connect: a foreign Origin, or no X-Electrode header, gets no WebContents.
    for (what, extra) in [
        (
            "connect, foreign origin",
            "X-Electrode: 1\r\nOrigin: http://evil.example\r\n".to_string(),
        ),
        (
            "connect, loopback origin on another port",
            "X-Electrode: 1\r\nOrigin: http://127.0.0.1:1\r\n".to_string(),
        ),
        (
            "connect, null origin",
            "X-Electrode: 1\r\nOrigin: null\r\n".to_string(),
        ),
        ("connect, no X-Electrode", format!("Origin: {me}\r\n")),
    ] {
        let r = raw(addr, &post("/electrode/connect", &host, &extra, "")).await;
        assert_eq!(r.status, 403, "{what}: {r:?}");
        replies.push((what, r));
    }
    assert!(app.main.web_contents().is_empty(), "no WebContents created");

    // Control: a same-origin connect gets a page token.
    let r = raw(
        addr,
        &post(
            "/electrode/connect",
            &host,
            &format!("X-Electrode: 1\r\nOrigin: {me}\r\n"),
            "",
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let info: Json = serde_json::from_str(&r.body).unwrap();
    let token = info["token"].as_str().unwrap().to_string();
    let id = info["id"].as_u64().unwrap();
    assert_eq!(app.main.from_id(id).unwrap().kind(), RendererKind::Page);
    replies.push(("connect", r));
    let (id_part, secret) = token.split_once('.').unwrap();
    let mut wrong = secret.to_string();
    let flipped = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(wrong.len() - 1.., flipped);
    let bad_token = format!("{id_part}.{wrong}");

    // WebSocket upgrade: the Origin must be the bridge's, and the token right.
    let ws = |t: &str| format!("/electrode/ws?token={t}");
    for (what, req, status) in [
        (
            "ws, foreign origin",
            upgrade(&ws(&token), &host, "Origin: http://evil.example\r\n"),
            403,
        ),
        (
            "ws, loopback origin on another port",
            upgrade(&ws(&token), &host, "Origin: http://127.0.0.1:1\r\n"),
            403,
        ),
        ("ws, no origin", upgrade(&ws(&token), &host, ""), 403),
        (
            "ws, bad token",
            upgrade(&ws(&bad_token), &host, &format!("Origin: {me}\r\n")),
            401,
        ),
        (
            "ws, foreign host",
            upgrade(&ws(&token), "evil.example", &format!("Origin: {me}\r\n")),
            421,
        ),
    ] {
        let r = raw(addr, &req).await;
        assert_eq!(r.status, status, "{what}: {r:?}");
        replies.push((what, r));
    }

    // Sync and webview endpoints: the token must be right, a foreign Origin is refused.
    let body = "not even a valid request";
    for (what, path, extra, status) in [
        (
            "sync, bad token",
            "/electrode/sync",
            format!("X-Electrode-Token: {bad_token}\r\n"),
            401,
        ),
        (
            "sync, token of an unknown page",
            "/electrode/sync",
            format!("X-Electrode-Token: 999.{secret}\r\n"),
            401,
        ),
        ("sync, no token", "/electrode/sync", String::new(), 401),
        (
            "sync, foreign origin",
            "/electrode/sync",
            format!("X-Electrode-Token: {token}\r\nOrigin: http://evil.example\r\n"),
            403,
        ),
        (
            "webview, bad token",
            "/electrode/webview",
            format!("X-Electrode-Token: {bad_token}\r\n"),
            401,
        ),
        (
            "webview close, bad token",
            "/electrode/webview/close",
            format!("X-Electrode-Token: {bad_token}\r\n"),
            401,
        ),
    ] {
        let r = raw(addr, &post(path, &host, &extra, body)).await;
        assert_eq!(r.status, status, "{what}: {r:?}");
        replies.push((what, r));
    }
    assert!(
        !app.main.from_id(id).unwrap().is_destroyed(),
        "refused requests do not touch the page they name"
    );

    // A CORS preflight gets no CORS headers (so browsers never let a foreign page through).
    let r = raw(
        addr,
        &format!(
            "OPTIONS /electrode/connect HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-electrode\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_ne!(r.status / 100, 2, "{r:?}");
    replies.push(("preflight", r));

    // Control: the right Origin and token upgrade.
    let r = raw(
        addr,
        &upgrade(&ws(&token), &host, &format!("Origin: {me}\r\n")),
    )
    .await;
    assert_eq!(r.status, 101, "{r:?}");
    replies.push(("ws", r));

    for (what, r) in &replies {
        no_cors_headers(r, what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_origin_cannot_use_the_bridge() {
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["anything"]);
    let app = App::start(ipc);
    // A second bridge on another port: its pages have a different origin.
    let other = WebBridge::start(app.main.clone(), WebConfig::new().app_dir(browser::PAGES))
        .expect("second bridge starts");
    let target = app.bridge.url();
    // A legitimate page's token, as a foreign page might have stolen it.
    let addr = app.bridge.addr();
    let r = raw(
        addr,
        &post(
            "/electrode/connect",
            &addr.to_string(),
            "X-Electrode: 1\r\n",
            "",
        ),
    )
    .await;
    let info: Json = serde_json::from_str(&r.body).unwrap();
    let token = info["token"].as_str().unwrap().to_string();
    let victim = app.main.from_id(info["id"].as_u64().unwrap()).unwrap();

    let b = Browser::start().await;
    b.open(&format!("{}index.html", other.url())).await;
    let before = app.main.web_contents().len();
    let r = b
        .run_async(
            r#"
            const [target, token, done] = arguments;
            const outcome = (p) => p.then((r) => 'status ' + r.status + (r.type === 'opaque' ? ' opaque' : ''),
                                          (e) => 'rejected ' + e.name);
            (async () => {
              const out = {};
              out.connect = await outcome(fetch(target + 'electrode/connect', { method: 'POST', headers: { 'X-Electrode': '1' } }));
              out.connectNoCors = await outcome(fetch(target + 'electrode/connect', { method: 'POST', mode: 'no-cors', body: '' }));
              out.sync = await outcome(fetch(target + 'electrode/sync', { method: 'POST', headers: { 'X-Electrode-Token': token }, body: 'x' }));
              out.readPage = await outcome(fetch(target + 'index.html'));
              out.ws = await new Promise((resolve) => {
                const ws = new WebSocket(target.replace('http:', 'ws:') + 'electrode/ws?token=' + encodeURIComponent(token));
                ws.onopen = () => resolve('open');
                ws.onclose = (e) => resolve('closed ' + e.code);
              });
              const xhr = new XMLHttpRequest();
              try {
                xhr.open('POST', target + 'electrode/sync', false);
                xhr.setRequestHeader('X-Electrode-Token', token);
                xhr.send('x');
                out.syncXhr = 'status ' + xhr.status;
              } catch (e) { out.syncXhr = 'threw ' + e.name; }
              done(out);
            })();
            "#,
            vec![json!(target), json!(token)],
        )
        .await;
    assert_eq!(
        r,
        json!({
            "connect": "rejected TypeError",
            "connectNoCors": "status 0 opaque",
            "sync": "rejected TypeError",
            "readPage": "rejected TypeError",
            "ws": "closed 1006",
            "syncXhr": "threw NetworkError"
        })
    );
    assert_eq!(
        app.main.web_contents().len(),
        before,
        "no WebContents was created for the foreign page"
    );
    seen.assert_quiet(Duration::from_millis(200));
    assert!(
        !victim.is_destroyed(),
        "the foreign page could not take or break the link"
    );
    // The stolen token is still unused: its own page can open the WebSocket.
    let r = raw(
        addr,
        &upgrade(
            &format!("/electrode/ws?token={token}"),
            &addr.to_string(),
            &format!("Origin: http://{addr}\r\n"),
        ),
    )
    .await;
    assert_eq!(r.status, 101);
    b.close().await;
    drop(other);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_page_message_is_an_error_for_its_caller_and_the_link_survives() {
    const LIMIT: usize = 64 * 1024;
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["echo", "big"]);
    ipc.on("ok?", |event, _| {
        event.set_return_value("ok")?;
        Ok(())
    });
    let limits = Limits {
        max_message_size: LIMIT,
        ..Limits::default()
    };
    let main = Arc::new(
        Main::builder()
            .ipc(ipc)
            .limits(limits)
            .start()
            .expect("main starts"),
    );
    let app = App::serve(main);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    // Three pages in one tab: the top page and two same-origin iframes, each a WebContents.
    b.run(
        r#"
        for (const id of ['f1', 'f2']) {
          const f = document.createElement('iframe');
          f.id = id;
          f.src = 'index.html?' + id;
          document.body.appendChild(f);
        }
        "#,
        vec![],
    )
    .await;
    app.wait_for("three connected pages", |a| {
        let p = a.pages();
        (p.len() == 3 && p.iter().all(|w| w.is_ready())).then_some(())
    });
    b.wait_for("[...document.querySelectorAll('iframe')].every(f => f.contentWindow.ipcRenderer && f.contentWindow.ipcRenderer._electrode.id)")
        .await;
    // The frames connect in any order: match them by the id each page got.
    let ids = b
        .run(
            "return [ipcRenderer._electrode.id, f1.contentWindow.ipcRenderer._electrode.id, f2.contentWindow.ipcRenderer._electrode.id];",
            vec![],
        )
        .await;
    let page = |i: usize| app.main.from_id(ids[i].as_u64().unwrap()).unwrap();
    let (top, f1, f2) = (&page(0), &page(1), &page(2));

    // Main → page over the limit: an error for main, the link survives.
    match top.send("big", &("x".repeat(LIMIT),)) {
        Err(Error::TooLarge { size, limit, .. }) => assert!(size > limit),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(top.is_ready());

    // Page → main over the limit: the shim refuses before sending, with an Error naming the
    // channel, the size and the limit; the link survives and nothing is dispatched.
    for (page, api) in [
        ("ipcRenderer", "send"),
        ("f1.contentWindow.ipcRenderer", "sendSync"),
    ] {
        let r = b
            .run(
                &format!(
                    "try {{ {page}.{api}('big', 'x'.repeat(arguments[0])); return 'returned'; }} catch (e) {{ return (e instanceof Error ? '' : 'not an Error: ') + e.message; }}"
                ),
                vec![json!(LIMIT + 1024)],
            )
            .await;
        let text = r.as_str().unwrap();
        assert!(
            text.contains(&format!("ipcRenderer.{api}('big')")),
            "{text}"
        );
        assert!(
            text.contains(&format!("over the limit of {LIMIT} bytes")),
            "{text}"
        );
        let size: usize = text
            .split(" is ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no size in {text}"));
        assert!(size > LIMIT + 1024, "{text}");
    }
    let r = b
        .run(
            r#"
            ipcRenderer.send('echo', 'top still here');
            f1.contentWindow.ipcRenderer.send('echo', 'f1 still here');
            return [ipcRenderer.sendSync('ok?'), f1.contentWindow.ipcRenderer.sendSync('ok?')];
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!(["ok", "ok"]));
    // Two links: their messages may interleave either way.
    let mut got: Vec<_> = (0..2)
        .map(|_| {
            let m = seen.next();
            (m.channel.clone(), m.sender, m.arg(0))
        })
        .collect();
    got.sort_by_key(|g| g.1);
    let mut want = vec![
        ("echo".to_string(), top.id(), json!("top still here")),
        ("echo".to_string(), f1.id(), json!("f1 still here")),
    ];
    want.sort_by_key(|g| g.1);
    assert_eq!(got, want, "no oversized message was dispatched");
    assert!(top.is_ready() && f1.is_ready() && f2.is_ready());
    seen.assert_quiet(Duration::from_millis(200));
    b.close().await;
}
