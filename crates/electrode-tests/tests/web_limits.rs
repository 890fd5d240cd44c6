//! The bridge's resource limits, probed with raw HTTP against a bridge running in this test
//! binary, whose global allocator counts bytes so that "main's peak" is measurable.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use electrode::{IpcMain, Main};
use electrode_tests::PATIENCE;
use electrode_web::{WebBridge, WebConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new) };
        if !q.is_null() {
            if new > layout.size() {
                let now =
                    LIVE.fetch_add(new - layout.size(), Ordering::Relaxed) + new - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Tests in this binary measure the allocator one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn start() -> (Arc<Main>, WebBridge) {
    electrode_tests::init_tracing();
    let main = Arc::new(Main::builder().ipc(IpcMain::new()).start().unwrap());
    let bridge = WebBridge::start(main.clone(), WebConfig::new()).unwrap();
    (main, bridge)
}

/// Streams a `total`-byte body after `head` until the bridge answers or stops reading;
/// returns the status line (or "" when the bridge only closed the connection).
async fn stream_post(addr: SocketAddr, head: &str, total: usize) -> String {
    let s = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let head = head.to_string();
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await.ok();
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let answer = tokio::time::timeout(PATIENCE, async {
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) => break,
                Err(e) => {
                    buf.extend_from_slice(format!("(read failed: {e})").as_bytes());
                    break;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.windows(2).any(|w| w == b"\r\n") {
                break;
            }
        }
    })
    .await;
    writer.abort();
    assert!(answer.is_ok(), "the bridge neither answered nor closed");
    let text = String::from_utf8_lossy(&buf).to_string();
    text.lines().next().unwrap_or("").to_string()
}

fn head(path: &str, addr: SocketAddr, extra: &str, len: usize) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {len}\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorised_bodies_are_refused_before_they_are_read() {
    let _serial = SERIAL.lock().await;
    let (_main, bridge) = start();
    let addr = bridge.addr();
    let big: usize = std::env::var("BODY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200 << 20);
    let cases = [
        (
            "/electrode/sync",
            "Origin: http://evil.example\r\nX-Electrode-Token: 1.00\r\n",
        ),
        ("/electrode/sync", ""),
        ("/electrode/sync", "X-Electrode-Token: 1.00\r\n"),
        ("/electrode/connect", "X-Electrode: 1\r\n"),
        ("/electrode/connect", "Origin: http://evil.example\r\n"),
        ("/electrode/webview/close", "X-Electrode-Token: 1.00\r\n"),
        ("/electrode/webview", ""),
    ];
    for (path, extra) in cases {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let status = stream_post(addr, &head(path, addr, extra, big), big).await;
        let grew = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        eprintln!("{path} {extra:?}: {status}, peak +{grew} bytes for {big}");
        assert!(
            status.starts_with("HTTP/1.1 4"),
            "{path} with {extra:?}: {status:?}"
        );
        assert!(
            grew < 8 << 20,
            "{path} with {extra:?}: main's peak grew by {grew} bytes for a refused {big}-byte body"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorised_sync_bodies_are_capped_by_the_message_size() {
    let _serial = SERIAL.lock().await;
    electrode_tests::init_tracing();
    let limits = electrode::Limits {
        max_message_size: 1 << 20,
        ..Default::default()
    };
    let main = Arc::new(
        Main::builder()
            .ipc(IpcMain::new())
            .limits(limits)
            .start()
            .unwrap(),
    );
    let bridge = WebBridge::start(main.clone(), WebConfig::new()).unwrap();
    let addr = bridge.addr();
    let connect = format!(
        "POST /electrode/connect HTTP/1.1\r\nHost: {addr}\r\nX-Electrode: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(connect.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let json: serde_json::Value =
        serde_json::from_str(text.split_once("\r\n\r\n").unwrap().1).unwrap();
    let token = json["token"].as_str().unwrap().to_string();
    const BODY: usize = 200 << 20;
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let status = stream_post(
        addr,
        &head(
            "/electrode/sync",
            addr,
            &format!("X-Electrode-Token: {token}\r\n"),
            BODY,
        ),
        BODY,
    )
    .await;
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    eprintln!("authorised sync: {status}, peak +{grew} bytes for {BODY}");
    assert!(status.starts_with("HTTP/1.1 413"), "{status:?}");
    assert!(
        grew < 16 << 20,
        "main's peak grew by {grew} bytes for a {BODY}-byte sync body over a 1 MiB limit"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_slow_or_idle_connections_are_cut_and_new_pages_still_connect() {
    let _serial = SERIAL.lock().await;
    electrode_tests::init_tracing();
    let main = Arc::new(Main::builder().ipc(IpcMain::new()).start().unwrap());
    let config = WebConfig::new()
        .max_connections(64)
        .header_timeout(Duration::from_millis(500));
    let bridge = WebBridge::start(main.clone(), config).unwrap();
    let addr = bridge.addr();
    // Half never send a byte, half drip an unfinished request head (slowloris).
    let mut slow = Vec::new();
    for i in 0..1000 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 1 {
            s.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-A: ").as_bytes())
                .await
                .ok();
        }
        slow.push(s);
    }
    // A page arriving now gets in (as soon as the cap has room again).
    let connect = format!(
        "POST /electrode/connect HTTP/1.1\r\nHost: {addr}\r\nX-Electrode: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let answered = tokio::time::timeout(PATIENCE, async {
        loop {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(connect.as_bytes()).await.ok();
            let mut text = String::new();
            s.read_to_string(&mut text).await.ok();
            if text.starts_with("HTTP/1.1 200") {
                break text;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a new page could not connect while slow connections were open");
    assert!(answered.contains("token"), "{answered}");
    // Every slow connection is closed by the bridge (EOF or reset), none left hanging.
    let cut = tokio::time::timeout(PATIENCE, async {
        for s in &mut slow {
            // Keep dripping: the deadline is for the whole head, not per byte.
            s.write_all(b"x").await.ok();
            let mut b = [0u8; 256];
            loop {
                match s.read(&mut b).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
        }
    })
    .await;
    assert!(cut.is_ok(), "slow connections stayed open");
}
