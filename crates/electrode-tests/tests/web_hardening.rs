//! Web hardening probed with raw HTTP: headers on served files, symlinks out of `app_dir`,
//! absolute-form targets, single-use `<webview>` tickets, the cap on pending pages.

use std::net::SocketAddr;
use std::sync::Arc;

use electrode::{IpcMain, Main};
use electrode_tests::PATIENCE;
use electrode_web::{WebBridge, WebConfig};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Http {
    status: u16,
    head: String,
    body: String,
}

async fn raw(addr: SocketAddr, request: String) -> Http {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut buf))
        .await
        .expect("the bridge answered")
        .ok();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Http {
        status: head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

fn get(addr: SocketAddr, target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
}

fn post(addr: SocketAddr, path: &str, extra: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn start(config: WebConfig) -> (Arc<Main>, WebBridge) {
    electrode_tests::init_tracing();
    let main = Arc::new(Main::builder().ipc(IpcMain::new()).start().unwrap());
    let bridge = WebBridge::start(main.clone(), config).unwrap();
    (main, bridge)
}

/// `app/` with `index.html`, a link to a file outside, a link to a directory outside, and a
/// link that stays inside.
fn app_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(app.join("index.html"), "<p>app</p>").unwrap();
    std::fs::write(outside.join("secret.txt"), "SECRET").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), app.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, app.join("out")).unwrap();
    std::os::unix::fs::symlink(app.join("index.html"), app.join("same.html")).unwrap();
    (tmp, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_files_carry_frame_ancestors_and_nosniff_and_symlinks_stay_inside() {
    let (_tmp, app) = app_dir();
    let (_main, bridge) = start(WebConfig::new().app_dir(&app));
    let addr = bridge.addr();
    let r = raw(addr, get(addr, "/index.html")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.head
            .contains("content-security-policy: frame-ancestors 'self'"),
        "{}",
        r.head
    );
    assert!(
        r.head.contains("x-content-type-options: nosniff"),
        "{}",
        r.head
    );
    let r = raw(addr, get(addr, "/electrode/ipc-renderer.js")).await;
    assert!(
        r.head.contains("x-content-type-options: nosniff"),
        "{}",
        r.head
    );
    for target in ["/leak.txt", "/out/secret.txt", "/%6Ceak.txt", "/out/"] {
        let r = raw(addr, get(addr, target)).await;
        assert!(!r.body.contains("SECRET"), "{target}: {}", r.body);
        assert_eq!(r.status, 403, "{target}: {}", r.body);
        assert!(r.body.contains("outside app_dir"), "{target}: {}", r.body);
    }
    let r = raw(addr, get(addr, "/same.html")).await;
    assert_eq!((r.status, r.body.as_str()), (200, "<p>app</p>"));
    drop(bridge);

    // Both are configurable.
    let (_main, bridge) = start(
        WebConfig::new()
            .app_dir(&app)
            .allow_symlinks_out(true)
            .content_security_policy(Some("frame-ancestors 'none'")),
    );
    let addr = bridge.addr();
    let r = raw(addr, get(addr, "/leak.txt")).await;
    assert_eq!((r.status, r.body.as_str()), (200, "SECRET"));
    assert!(
        r.head
            .contains("content-security-policy: frame-ancestors 'none'"),
        "{}",
        r.head
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_form_request_targets_are_refused() {
    let (_tmp, app) = app_dir();
    let (_main, bridge) = start(WebConfig::new().app_dir(&app));
    let addr = bridge.addr();
    for target in [
        "http://evil.example/index.html".to_string(),
        format!("http://{addr}/index.html"),
    ] {
        let r = raw(addr, get(addr, &target)).await;
        assert_eq!(r.status, 400, "{target}: {}", r.body);
        assert!(r.body.contains("absolute-form"), "{}", r.body);
    }
}

async fn connect(addr: SocketAddr, ticket: &str) -> Http {
    raw(
        addr,
        post(addr, "/electrode/connect", "X-Electrode: 1\r\n", ticket),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_ticket_admits_one_page_and_hands_out_the_next() {
    let (main, bridge) = start(WebConfig::new());
    let addr = bridge.addr();
    let host: Json = serde_json::from_str(&connect(addr, "").await.body).unwrap();
    let token = host["token"].as_str().unwrap();
    let r = raw(
        addr,
        post(
            addr,
            "/electrode/webview",
            &format!("X-Electrode-Token: {token}\r\n"),
            "",
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let wv: Json = serde_json::from_str(&r.body).unwrap();
    let first = wv["ticket"].as_str().unwrap().to_string();
    let guest = wv["guest"].as_u64().unwrap();

    let r = connect(addr, &first).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page: Json = serde_json::from_str(&r.body).unwrap();
    assert_eq!(page["id"].as_u64(), Some(guest));
    let next = page["ticket"]
        .as_str()
        .expect("a ticket for the next page")
        .to_string();
    assert_ne!(next, first);

    // Someone else presenting the first ticket again does not take the guest over.
    let r = connect(addr, &first).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("guest ticket"), "{}", r.body);

    // The guest's next page (reload, navigation) presents the ticket it was given.
    let r = connect(addr, &next).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let again: Json = serde_json::from_str(&r.body).unwrap();
    assert_eq!(again["id"].as_u64(), Some(guest));
    assert!(main.from_id(guest).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_without_a_websocket_cannot_pile_up_web_contents() {
    const CAP: usize = 32;
    let (main, bridge) = start(WebConfig::new().max_pending_pages(CAP));
    let addr = bridge.addr();
    let mut refused = None;
    for _ in 0..500 {
        let r = connect(addr, "").await;
        if r.status != 200 {
            refused = Some(r);
        }
    }
    let r = refused.expect("some connects were refused");
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("max_pending_pages"), "{}", r.body);
    let n = main.web_contents().len();
    assert!(n <= CAP, "{n} WebContents for {CAP} allowed pending pages");
}

#[test]
fn an_app_dir_that_does_not_exist_is_an_error_at_start() {
    let main = std::sync::Arc::new(electrode::Main::builder().start().unwrap());
    let missing = std::env::temp_dir().join("electrode-no-such-app-dir");
    let err = electrode_web::WebBridge::start(main, WebConfig::new().app_dir(&missing))
        .err()
        .expect("a missing app_dir is refused");
    assert!(
        matches!(&err, electrode_web::Error::AppDir { path, .. } if path == &missing),
        "{err}"
    );
    assert!(
        err.to_string().contains("electrode-no-such-app-dir"),
        "{err}"
    );
}
