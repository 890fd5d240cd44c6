//! The page protocol driven by hand (raw HTTP and a minimal WebSocket client), for what a
//! well-behaved shim never does: gaps, huge sequence numbers, piles of waiting sendSyncs.

use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use electrode::wire::Frame;
use electrode::{Args, IpcMain, Main};
use electrode_tests::PATIENCE;
use electrode_web::{WebBridge, WebConfig};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct App {
    main: Arc<Main>,
    bridge: WebBridge,
    seen: Receiver<(String, Json)>,
}

fn start(config: WebConfig) -> App {
    start_with(config, electrode::Limits::default())
}

fn start_with(config: WebConfig, limits: electrode::Limits) -> App {
    electrode_tests::init_tracing();
    let ipc = IpcMain::new();
    let (tx, seen) = channel();
    let tx = Arc::new(Mutex::new(tx));
    for ch in ["note", "lost"] {
        let tx = tx.clone();
        ipc.on(ch, move |event, args| {
            let v: Json = args.get(0)?;
            tx.lock()
                .unwrap()
                .send((event.channel().to_string(), v))
                .ok();
            Ok(())
        });
    }
    ipc.on("ask", |event, _| {
        event.set_return_value("answer")?;
        Ok(())
    });
    ipc.on("fail", |_, _| Err("designed failure".into()));
    let main = Arc::new(Main::builder().ipc(ipc).limits(limits).start().unwrap());
    let bridge = WebBridge::start(main.clone(), config).unwrap();
    App { main, bridge, seen }
}

struct Http {
    status: u16,
    body: String,
}

async fn http(addr: SocketAddr, method: &str, path: &str, extra: &str, body: &[u8]) -> Http {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(PATIENCE, s.read_to_end(&mut buf))
        .await
        .expect("the bridge answered")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Http {
        status,
        body: body.to_string(),
    }
}

/// The bridge's answer to a page's connect request.
async fn connect_answer(addr: SocketAddr) -> Json {
    let r = http(
        addr,
        "POST",
        "/electrode/connect",
        "X-Electrode: 1\r\n",
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

async fn connect(addr: SocketAddr) -> (u64, String) {
    let j = connect_answer(addr).await;
    (
        j["id"].as_u64().unwrap(),
        j["token"].as_str().unwrap().into(),
    )
}

/// A client-side WebSocket that only sends binary messages.
struct Ws(TcpStream);

impl Ws {
    async fn open(addr: SocketAddr, token: &str) -> Ws {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET /electrode/ws?token={token} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).await.unwrap();
            head.push(b[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");
        Ws(s)
    }

    async fn send(&mut self, payload: &[u8]) {
        let mut f = vec![0x82u8];
        let n = payload.len();
        if n < 126 {
            f.push(0x80 | n as u8);
        } else if n < 65536 {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
        let mask = [1u8, 2, 3, 4];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.0.write_all(&f).await.unwrap();
    }

    /// The next binary message from the bridge (server frames are not masked).
    async fn recv(&mut self) -> Vec<u8> {
        let mut head = [0u8; 2];
        self.0.read_exact(&mut head).await.unwrap();
        assert_eq!(head[0], 0x82, "a final binary frame");
        let n = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.0.read_exact(&mut b).await.unwrap();
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                self.0.read_exact(&mut b).await.unwrap();
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; n];
        self.0.read_exact(&mut payload).await.unwrap();
        payload
    }
}

fn send_frame(channel: &str, arg: &str) -> Vec<u8> {
    Frame::Send {
        channel: channel.into(),
        args: Args::encode(&(arg,)).unwrap(),
    }
    .encode()
    .to_message()
}

fn sync_frame(request: u64, channel: &str) -> Vec<u8> {
    Frame::SendSync {
        request,
        channel: channel.into(),
        args: Args::encode(&()).unwrap(),
    }
    .encode()
    .to_message()
}

/// A sync body: `last_seq`, the carried `(seq, frame)`s, then the call.
fn sync_body(last_seq: u64, carried: &[(u64, Vec<u8>)], call: &[u8]) -> Vec<u8> {
    let mut b = last_seq.to_le_bytes().to_vec();
    b.extend_from_slice(&(carried.len() as u32).to_le_bytes());
    for (seq, f) in carried {
        b.extend_from_slice(&seq.to_le_bytes());
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f);
    }
    b.extend_from_slice(call);
    b
}

fn ws_message(seq: u64, frame: &[u8]) -> Vec<u8> {
    let mut m = seq.to_le_bytes().to_vec();
    m.extend_from_slice(frame);
    m
}

async fn post_sync(addr: SocketAddr, token: &str, body: &[u8]) -> Http {
    http(
        addr,
        "POST",
        "/electrode/sync",
        &format!("X-Electrode-Token: {token}\r\n"),
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_messages_carry_a_u64_sequence_number() {
    let app = start(WebConfig::new());
    let addr = app.bridge.addr();
    let (id, token) = connect(addr).await;
    let mut ws = Ws::open(addr, &token).await;
    ws.send(&ws_message(1, &send_frame("note", "one"))).await;
    ws.send(&ws_message(2, &send_frame("note", "two"))).await;
    let r = post_sync(addr, &token, &sync_body(2, &[], &sync_frame(1, "ask"))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "\"answer\""));
    for want in ["one", "two"] {
        let (ch, v) = app.seen.recv_timeout(PATIENCE).unwrap();
        assert_eq!((ch.as_str(), v), ("note", Json::from(want)));
    }
    assert!(!app.main.from_id(id).unwrap().is_destroyed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carried_message_with_a_gap_closes_the_link_instead_of_being_dropped() {
    let app = start(WebConfig::new());
    let addr = app.bridge.addr();
    for carried in [
        // Newer than the request's last message: today the call runs and 5 is dropped.
        vec![(5u64, send_frame("lost", "five"))],
        // Not consecutive.
        vec![
            (1, send_frame("note", "one")),
            (3, send_frame("lost", "three")),
        ],
    ] {
        let (id, token) = connect(addr).await;
        let page = app.main.from_id(id).unwrap();
        let _ws = Ws::open(addr, &token).await;
        let last = if carried.len() == 1 { 0 } else { 3 };
        let r = post_sync(
            addr,
            &token,
            &sync_body(last, &carried, &sync_frame(1, "ask")),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body.contains("gap") || r.body.contains("newer"),
            "{}",
            r.body
        );
        assert!(r.body.contains(&format!("renderer {id}")), "{}", r.body);
        let why = page.wait_destroyed(PATIENCE).expect("the link is closed");
        assert!(why.contains("malformed sendSync"), "{why}");
    }
    assert!(app.seen.try_recv().is_err(), "nothing was dispatched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_sync_wakes_when_its_message_arrives_and_waiting_syncs_are_capped() {
    let app = start(WebConfig::new().max_pending_syncs(2));
    let addr = app.bridge.addr();
    let (id, token) = connect(addr).await;
    let mut ws = Ws::open(addr, &token).await;
    // Three requests wait for message 1, which is still "on the WebSocket": the one that
    // finds both slots taken is refused at once.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 1..=3 {
        let (token, tx) = (token.clone(), tx.clone());
        tokio::spawn(async move {
            let r = post_sync(addr, &token, &sync_body(1, &[], &sync_frame(n, "ask"))).await;
            tx.send(r).ok();
        });
    }
    let over = tokio::time::timeout(PATIENCE, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(over.body.contains("sendSync('ask')"), "{}", over.body);
    assert!(
        over.body.contains(&format!("renderer {id}")),
        "{}",
        over.body
    );
    assert!(over.body.contains("limit"), "{}", over.body);
    ws.send(&ws_message(1, &send_frame("note", "one"))).await;
    for _ in 0..2 {
        let r = tokio::time::timeout(PATIENCE, rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "\"answer\""));
    }
    assert_eq!(
        app.seen.recv_timeout(PATIENCE).unwrap().1,
        Json::from("one")
    );
    assert!(!app.main.from_id(id).unwrap().is_destroyed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_designed_sync_error_is_not_a_server_fault() {
    let app = start(WebConfig::new());
    let addr = app.bridge.addr();
    let (_, token) = connect(addr).await;
    let _ws = Ws::open(addr, &token).await;
    let r = post_sync(addr, &token, &sync_body(0, &[], &sync_frame(1, "fail"))).await;
    assert!(r.status < 500, "HTTP {}: {}", r.status, r.body);
    assert!(r.body.contains("designed failure"), "{}", r.body);
    // The link is fine afterwards.
    let r = post_sync(addr, &token, &sync_body(0, &[], &sync_frame(2, "ask"))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "\"answer\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_made_oversized_message_closes_only_its_link_and_connect_tells_the_limit() {
    const LIMIT: usize = 64 * 1024;
    let limits = electrode::Limits {
        max_message_size: LIMIT,
        ..Default::default()
    };
    let app = start_with(WebConfig::new(), limits);
    let addr = app.bridge.addr();
    let j = connect_answer(addr).await;
    assert_eq!(j["maxMessageSize"].as_u64(), Some(LIMIT as u64), "{j}");
    let (bad, bad_token) = (j["id"].as_u64().unwrap(), j["token"].as_str().unwrap());
    let (good, good_token) = connect(addr).await;
    let mut ws = Ws::open(addr, bad_token).await;
    let mut ok = Ws::open(addr, &good_token).await;
    let bad_page = app.main.from_id(bad).unwrap();
    ws.send(&ws_message(1, &send_frame("lost", &"x".repeat(LIMIT))))
        .await;
    let why = bad_page
        .wait_destroyed(PATIENCE)
        .expect("the sender's link is closed");
    assert!(why.contains(&format!("renderer {bad}")), "{why}");
    assert!(why.contains(&LIMIT.to_string()), "{why}");
    ok.send(&ws_message(1, &send_frame("note", "fine"))).await;
    assert_eq!(
        app.seen.recv_timeout(PATIENCE).unwrap().1,
        Json::from("fine")
    );
    assert!(!app.main.from_id(good).unwrap().is_destroyed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_timeout_waits_for_a_page_that_reads_late() {
    let app = start_with(
        WebConfig::new(),
        electrode::Limits {
            outbound_queue_bytes: 1 << 20,
            ..electrode::Limits::default()
        },
    );
    let addr = app.bridge.addr();
    let (id, token) = connect(addr).await;
    let mut ws = Ws::open(addr, &token).await;
    let wc = app.main.from_id(id).unwrap();
    assert!(wc.wait_ready(PATIENCE));
    // The page reads nothing for a while; 64 x 256 KiB is more than the socket buffers and
    // main's 1 MiB queue hold, so plain sends would fail. send_timeout waits instead.
    let sender = std::thread::spawn(move || {
        let payload = "w".repeat(256 << 10);
        for i in 0..64u32 {
            wc.send_timeout("waited", &(i, &payload), PATIENCE)?;
        }
        Ok::<_, electrode::Error>(())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut next = 0u32;
    while next < 64 {
        let body = ws.recv().await;
        match Frame::decode(body.into(), 64 << 20).unwrap() {
            Frame::Message { channel, args } if channel == "waited" => {
                assert_eq!(args.get::<u32>(0).unwrap(), next, "in order, none lost");
                next += 1;
            }
            _ => {}
        }
    }
    sender.join().unwrap().expect("every send waited for room");
}

/// A desktop window's page (`WebBridge::reserve_page`): its ticket admits one page, each page
/// gets the ticket for the next, the page's going only detaches the `WebContents` (a reload),
/// and a closed `WebContents` admits no page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserved_window_page_keeps_its_web_contents_across_pages() {
    let app = start(WebConfig::new());
    let addr = app.bridge.addr();
    let page = app.bridge.reserve_page();
    let wc = page.web_contents().clone();
    assert!(!wc.is_ready(), "nothing has connected yet");
    let name = page.window_name();
    let first = name
        .strip_prefix("electrode-window:")
        .expect("the shim's window prefix")
        .to_string();
    assert!(page.init_script().contains(&name));
    assert!(
        page.init_script()
            .contains(&format!("location.origin===\"http://{addr}\"")),
        "the ticket is only for the bridge's origin"
    );
    assert!(page
        .url("/index.html")
        .ends_with(&format!("{addr}/index.html")));

    let present = |ticket: String| async move {
        http(
            addr,
            "POST",
            "/electrode/connect",
            "X-Electrode: 1\r\n",
            ticket.as_bytes(),
        )
        .await
    };
    let r = present(first.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j: Json = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["id"].as_u64(), Some(wc.id()));
    let next = j["ticket"]
        .as_str()
        .expect("a ticket for the next page")
        .to_string();
    assert_ne!(next, first);
    assert_eq!(
        present(first.clone()).await.status,
        403,
        "a ticket admits one page"
    );

    // The page opens its WebSocket, then goes (a reload): detached, not destroyed.
    let ws = Ws::open(addr, j["token"].as_str().unwrap()).await;
    drop(ws);
    let deadline = std::time::Instant::now() + PATIENCE;
    while wc.is_ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "the page's going was not noticed within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!wc.is_destroyed(), "{:?}", wc.destroy_reason());
    let r = present(next).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j: Json = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["id"].as_u64(), Some(wc.id()), "the same WebContents");
    assert_eq!(app.main.web_contents().len(), 1);

    // Closed (its window closed): its next ticket admits nobody.
    wc.close("window closed");
    let last = j["ticket"].as_str().unwrap().to_string();
    assert_eq!(present(last).await.status, 403);
}
