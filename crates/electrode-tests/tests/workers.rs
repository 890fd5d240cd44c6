//! Main serves every Rust renderer link from a small pool of workers over one epoll set
//! (ADR 0006). These tests drive many links at once with in-process `IpcRenderer` clients
//! (real sockets, real handshakes, the real main) where spawning hundreds of processes would
//! only add noise, and a hand-driven socket where the exact bytes matter.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

mod common;

use common::{expect_welcome, threads_named};
use electrode::wire::{Args, Frame, SyncOutcome};
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use electrode_tests::{init_tracing, PATIENCE};

fn connect(main: &Main) -> IpcRenderer {
    let (_, ticket) = main.issue_ticket(None);
    IpcRenderer::connect(&ticket.socket, &ticket.token).expect("connects")
}

/// Waits until `done` holds, up to `PATIENCE`.
fn wait_for(lock: &Mutex<usize>, cv: &Condvar, done: impl Fn(usize) -> bool) -> usize {
    let deadline = Instant::now() + PATIENCE;
    let mut n = lock.lock().unwrap();
    while !done(*n) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        n = cv.wait_timeout(n, left).unwrap().0;
    }
    *n
}

#[test]
fn listeners_that_block_do_not_stall_other_renderers() {
    init_tracing();
    // More blocked renderers than this machine has CPUs, i.e. than main starts workers.
    let blocked = std::thread::available_parallelism().map_or(2, |n| n.get()) + 3;
    let entered = Arc::new((Mutex::new(0usize), Condvar::new()));
    let released = Arc::new((Mutex::new(false), Condvar::new()));
    let ipc = IpcMain::new();
    {
        let (entered, released) = (entered.clone(), released.clone());
        ipc.on("block", move |event, _| {
            *entered.0.lock().unwrap() += 1;
            entered.1.notify_all();
            let mut r = released.0.lock().unwrap();
            while !*r {
                r = released.1.wait(r).unwrap();
            }
            event.set_return_value("released")?;
            Ok(())
        });
    }
    {
        let released = released.clone();
        ipc.on("release", move |event, _| {
            *released.0.lock().unwrap() = true;
            released.1.notify_all();
            event.set_return_value("ok")?;
            Ok(())
        });
    }
    let main = Main::builder().ipc(ipc).start().unwrap();
    let waiters: Vec<_> = (0..blocked)
        .map(|_| {
            let r = connect(&main);
            std::thread::spawn(move || {
                r.send_sync_timeout::<String, _>("block", &(), PATIENCE)
                    .expect("the blocked sendSync is answered once released")
            })
        })
        .collect();
    let inside = wait_for(&entered.0, &entered.1, |n| n >= blocked);
    assert_eq!(
        inside, blocked,
        "every blocking listener runs, though there are more of them than workers"
    );
    let other = connect(&main);
    let answer: String = other
        .send_sync_timeout("release", &(), PATIENCE)
        .expect("another renderer is still served");
    assert_eq!(answer, "ok");
    for w in waiters {
        assert_eq!(w.join().unwrap(), "released");
    }
}

#[test]
fn many_links_are_served_in_order_by_a_few_threads() {
    init_tracing();
    const LINKS: usize = 200;
    const CALLS: u64 = 40;
    let ipc = IpcMain::new();
    // Per renderer: the last number seen, to check each renderer's calls arrive in order.
    let last: Arc<Mutex<std::collections::HashMap<u64, u64>>> = Arc::default();
    let out_of_order = Arc::new(AtomicUsize::new(0));
    {
        let (last, out_of_order) = (last.clone(), out_of_order.clone());
        ipc.on("next", move |event, args| {
            let n: u64 = args.get(0)?;
            let mut seen = last.lock().unwrap();
            let prev = seen.insert(event.sender().id(), n);
            if prev.map_or(n != 0, |p| n != p + 1) {
                out_of_order.fetch_add(1, Ordering::Relaxed);
            }
            event.set_return_value(n + 1)?;
            Ok(())
        });
    }
    let main = Main::builder().ipc(ipc).start().unwrap();
    let renderers: Vec<IpcRenderer> = (0..LINKS).map(|_| connect(&main)).collect();
    let clients: Vec<_> = renderers
        .into_iter()
        .map(|r| {
            std::thread::spawn(move || {
                for n in 0..CALLS {
                    let m: u64 = r.send_sync_timeout("next", &(n,), PATIENCE).unwrap();
                    assert_eq!(m, n + 1);
                }
                r
            })
        })
        .collect();
    let renderers: Vec<IpcRenderer> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    assert_eq!(out_of_order.load(Ordering::Relaxed), 0);
    let seen = last.lock().unwrap();
    assert_eq!(seen.len(), LINKS);
    assert!(seen.values().all(|&n| n == CALLS - 1));
    drop(seen);
    // Main's side of 200 links: a handful of workers, not a thread per link. (The clients'
    // own threads are named "electrode-renderer".)
    let workers = threads_named("electrode-worke");
    assert!(
        (1..=32).contains(&workers),
        "{workers} worker threads for {LINKS} links"
    );
    assert_eq!(main.web_contents().len(), LINKS);
    drop(renderers);
}

#[test]
fn frames_sent_right_behind_the_hello_keep_their_order() {
    init_tracing();
    let ipc = IpcMain::new();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    for ch in ["first", "second"] {
        let log = log.clone();
        ipc.on(ch, move |event, args| {
            let n: u32 = args.get(0)?;
            log.lock().unwrap().push(format!("{ch} {n}"));
            if event.is_sync() {
                event.set_return_value(n * 2)?;
            }
            Ok(())
        });
    }
    let main = Main::builder().ipc(ipc).start().unwrap();
    let (wc, ticket) = main.issue_ticket(None);
    let mut bytes = hello(&ticket.token);
    bytes.extend(
        Frame::Send {
            channel: "first".into(),
            args: Args::encode(&(1,)).unwrap(),
        }
        .encode()
        .to_vec(),
    );
    bytes.extend(
        Frame::SendSync {
            request: 7,
            channel: "second".into(),
            args: Args::encode(&(21,)).unwrap(),
        }
        .encode()
        .to_vec(),
    );
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    // One write: the hello and both messages arrive before main has answered anything.
    s.write_all(&bytes).unwrap();
    let mut reader = expect_welcome(&s, wc.id());
    match Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap() {
        Frame::SyncReply {
            request: 7,
            outcome: SyncOutcome::Value(v),
        } => assert_eq!(&v[..], b"42"),
        other => panic!("expected the answer to request 7, got {other:?}"),
    }
    assert_eq!(*log.lock().unwrap(), ["first 1", "second 21"]);
    // And the link lives on through the workers.
    s.write_all(
        &Frame::SendSync {
            request: 8,
            channel: "second".into(),
            args: Args::encode(&(50,)).unwrap(),
        }
        .encode()
        .to_vec(),
    )
    .unwrap();
    let reply = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
    assert!(
        matches!(reply, Frame::SyncReply { request: 8, .. }),
        "{reply:?}"
    );
    assert!(!wc.is_destroyed());
}

fn hello(token: &str) -> Vec<u8> {
    Frame::Hello {
        version: electrode::wire::handshake::PROTOCOL_VERSION,
        features: electrode::wire::Features::NONE,
        token: token.to_string().into_bytes().into(),
    }
    .encode()
    .to_vec()
}

fn numbered(count: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for n in 0..count {
        let frame = Frame::Send {
            channel: "n".into(),
            args: Args::encode(&(n,)).unwrap(),
        };
        bytes.extend(frame.encode().to_vec());
    }
    bytes
}

fn recording_main() -> (Main, Arc<Mutex<Vec<u32>>>) {
    let ipc = IpcMain::new();
    let seen: Arc<Mutex<Vec<u32>>> = Arc::default();
    {
        let seen = seen.clone();
        ipc.on("n", move |_, args| {
            seen.lock().unwrap().push(args.get(0)?);
            Ok(())
        });
    }
    (Main::builder().ipc(ipc).start().unwrap(), seen)
}

#[test]
fn a_renderer_that_sends_and_hangs_up_at_once_has_every_message_handled() {
    init_tracing();
    let (main, seen) = recording_main();
    let (wc, ticket) = main.issue_ticket(None);
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    s.write_all(&hello(&ticket.token)).unwrap();
    let reader = expect_welcome(&s, wc.id());
    // 50 messages and the end of the stream, all queued before main reads any of them: the
    // end must not overtake the messages, nor go unnoticed behind them.
    s.write_all(&numbered(50)).unwrap();
    drop((s, reader));
    let reason = wc.wait_destroyed(PATIENCE).expect("the link closes");
    assert!(reason.contains("disconnected"), "{reason}");
    assert_eq!(*seen.lock().unwrap(), (0..50).collect::<Vec<u32>>());
}

#[test]
fn a_client_gone_before_its_welcome_is_destroyed_with_a_reason() {
    init_tracing();
    let (main, seen) = recording_main();
    let (wc, ticket) = main.issue_ticket(None);
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    let mut bytes = hello(&ticket.token);
    bytes.extend(numbered(3));
    s.write_all(&bytes).unwrap();
    drop(s);
    let reason = wc
        .wait_destroyed(PATIENCE)
        .expect("the renderer is destroyed");
    // Either main saw it go while answering the hello, or just after.
    assert!(
        reason.contains("hung up before the handshake finished") || reason.contains("disconnected"),
        "{reason}"
    );
    assert!(main.web_contents().is_empty());
    drop(seen);
}

#[test]
fn messages_larger_than_one_turn_of_reading_arrive_whole_and_the_link_goes_on() {
    init_tracing();
    let ipc = IpcMain::new();
    let sizes: Arc<Mutex<Vec<usize>>> = Arc::default();
    {
        let sizes = sizes.clone();
        ipc.on("big", move |_, args| {
            let s: String = args.get(0)?;
            sizes.lock().unwrap().push(s.len());
            Ok(())
        });
    }
    ipc.on("after", |event, _| {
        event.set_return_value("still here")?;
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start().unwrap();
    let r = connect(&main);
    // A worker reads at most 1 MiB of one link per turn; these take several turns each.
    for size in [3 << 20, (1 << 20) - 3, 5 << 20] {
        r.send("big", &("x".repeat(size),)).unwrap();
    }
    let answer: String = r.send_sync_timeout("after", &(), PATIENCE).unwrap();
    assert_eq!(answer, "still here");
    assert_eq!(*sizes.lock().unwrap(), [3 << 20, (1 << 20) - 3, 5 << 20]);
}
