//! What a renderer connection may cost main (issue 9, items 5 to 7): handshakes with a size
//! cap, one deadline and a bounded number of threads; writer threads that leave once their
//! queue drains; one reaper thread for every child; renderer waits that sleep on a wake-up,
//! not a timer.
//!
//! The tests in this file count threads and memory of this process, so they run one at a time
//! (`SERIAL`).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::*;
use electrode::wire::io::FrameReader;
use electrode::wire::Frame;
use electrode::{IpcMain, Limits, Main};
use electrode_renderer::IpcRenderer;
use electrode_tests::init_tracing;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn main_with(limits: Limits) -> Main {
    init_tracing();
    Main::builder().limits(limits).start().expect("main starts")
}

/// The `Close` frame main sent on `s` (main refuses a connection with one).
fn close_reason(s: &UnixStream) -> String {
    let mut reader = FrameReader::new(s.try_clone().unwrap(), 1 << 20);
    match Frame::decode(reader.read_frame().expect("main answers"), 1 << 20).unwrap() {
        Frame::Close { reason } => reason,
        other => panic!("expected Close, got {other:?}"),
    }
}

/// Voluntary context switches of thread `tid` of this process so far: how often it slept.
fn voluntary_switches(tid: i64) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("voluntary_ctxt_switches")
}

fn gettid() -> i64 {
    // SAFETY: plain system call without arguments.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

#[test]
fn a_hello_dripped_byte_by_byte_is_cut_at_one_deadline() {
    let _serial = serial();
    let main = main_with(Limits {
        handshake_timeout: Duration::from_millis(800),
        ..Limits::default()
    });
    let mut s = UnixStream::connect(main.socket_path()).unwrap();
    // A Hello announcing 65 bytes, then one byte every 200 ms: each read is quick, so only a
    // deadline for the whole handshake ends it (65 bytes would take 13 s).
    s.write_all(&65u32.to_le_bytes()).unwrap();
    let mut sent = 0;
    let cut = (0..65).any(|_| {
        std::thread::sleep(Duration::from_millis(200));
        sent += 1;
        s.write_all(&[0x01]).is_err()
    });
    assert!(cut, "main never cut a Hello dripped over {sent} writes");
    assert!(sent < 65, "cut only after the whole Hello was sent");
}

#[test]
fn an_oversized_hello_is_refused_from_its_header_without_buffering_it() {
    let _serial = serial();
    let main = main_with(Limits::default());
    let before = proc_status("VmHWM");
    let mut reasons = Vec::new();
    // Four clients announce 64 MiB Hellos and send 8 MiB of them: main must not buffer them.
    for _ in 0..4 {
        let mut s = UnixStream::connect(main.socket_path()).unwrap();
        s.write_all(&(64u32 << 20).to_le_bytes()).unwrap();
        let chunk = vec![0x01u8; 1 << 20];
        for _ in 0..8 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
        reasons.push(close_reason(&s));
    }
    let grown_kib = proc_status("VmHWM").saturating_sub(before);
    for reason in &reasons {
        assert!(
            reason.contains("over the limit of 512 bytes"),
            "reason should name the Hello limit: {reason}"
        );
    }
    assert!(
        grown_kib < 16 * 1024,
        "four 64 MiB Hellos grew main's peak memory by {grown_kib} KiB"
    );
}

#[test]
fn silent_connections_hold_a_bounded_number_of_threads_and_a_renderer_still_connects() {
    let _serial = serial();
    let main = main_with(Limits {
        max_concurrent_handshakes: 8,
        handshake_timeout: Duration::from_secs(30),
        ..Limits::default()
    });
    let silent: Vec<UnixStream> = (0..200)
        .map(|_| UnixStream::connect(main.socket_path()).unwrap())
        .collect();
    assert!(eventually(|| threads_named("electrode-conn") == 8));
    std::thread::sleep(Duration::from_millis(200));
    let threads = threads_named("electrode-conn");
    assert!(
        threads <= 8,
        "{threads} handshake threads for 200 silent connections (cap 8)"
    );
    // A real renderer connects once the silent clients give up.
    let (wc, ticket) = main.issue_ticket(None);
    let connecting = std::thread::spawn(move || {
        IpcRenderer::connect(&ticket.socket, &ticket.token).map(|ipc| ipc.id())
    });
    drop(silent);
    let id = connecting.join().unwrap().expect("the renderer connects");
    assert_eq!(id, wc.id());
    assert!(wc.wait_ready(PATIENCE));
}

#[test]
fn a_writer_thread_leaves_once_its_renderer_has_drained_the_queue() {
    let _serial = serial();
    let main = main_with(Limits::default());
    let (wc, _s, mut reader) = hand_driven(&main);
    reader.set_max_size(64 << 20);
    // The renderer reads nothing yet: 32 MiB cannot fit in the socket, a writer thread queues.
    let big = "x".repeat(1 << 20);
    for i in 0..32u32 {
        wc.send("big", &(i, &big)).expect("queued");
    }
    assert_eq!(
        threads_named("electrode-flush"),
        1,
        "a writer thread queues"
    );
    for i in 0..32u32 {
        let frame = Frame::decode(reader.read_frame().unwrap(), 64 << 20).unwrap();
        let Frame::Message { args, .. } = frame else {
            panic!("expected a message, got {frame:?}")
        };
        assert_eq!(args.get::<u32>(0).unwrap(), i);
    }
    assert!(
        eventually(|| threads_named("electrode-flush") == 0),
        "the writer thread stayed after its queue drained"
    );
    // And the link still works, with a new writer when needed.
    wc.send("after", &("drained",)).unwrap();
    let frame = Frame::decode(reader.read_frame().unwrap(), 64 << 20).unwrap();
    assert!(matches!(frame, Frame::Message { channel, .. } if channel == "after"));
}

#[test]
fn one_reaper_thread_waits_for_every_child() {
    let _serial = serial();
    let main = main_with(Limits::default());
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut cmd = Command::new("sleep");
            cmd.arg("30");
            main.spawn_renderer(cmd).expect("spawns")
        })
        .collect();
    assert_eq!(threads_named("electrode-reap"), 1);
    let pid = children[2].process_id().expect("a spawned child has a pid");
    // SAFETY: plain system call; the pid is our own child's.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let reason = children[2].wait_destroyed(PATIENCE).expect("destroyed");
    assert!(reason.contains("exited"), "{reason}");
    assert!(!children[1].is_destroyed(), "the others live on");
    main.shutdown();
}

#[test]
fn main_raises_its_open_file_limit_to_the_hard_limit() {
    let _serial = serial();
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    let hard = limit.rlim_max;
    limit.rlim_cur = limit.rlim_cur.min(1024);
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    let _main = main_with(Limits::default());
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(limit.rlim_cur, hard);
}

#[test]
fn wait_disconnected_sleeps_until_the_link_dies() {
    let _serial = serial();
    let main = main_with(Limits::default());
    let (wc, ticket) = main.issue_ticket(None);
    let ipc = IpcRenderer::connect(&ticket.socket, &ticket.token).unwrap();
    let tid = Arc::new(AtomicU64::new(0));
    let waiter = {
        let (ipc, tid) = (ipc.clone(), tid.clone());
        std::thread::spawn(move || {
            tid.store(gettid() as u64, Ordering::Release);
            ipc.wait_disconnected()
        })
    };
    assert!(eventually(|| tid.load(Ordering::Acquire) != 0));
    let tid = tid.load(Ordering::Acquire) as i64;
    std::thread::sleep(Duration::from_millis(100));
    let before = voluntary_switches(tid);
    std::thread::sleep(Duration::from_secs(1));
    let woke = voluntary_switches(tid) - before;
    wc.close("closed by the test");
    let reason = waiter.join().unwrap();
    assert!(reason.contains("closed by the test"), "{reason}");
    assert!(
        woke <= 2,
        "wait_disconnected woke {woke} times in one second"
    );
}

#[test]
fn a_send_sync_waiting_behind_another_reader_sleeps_until_woken() {
    let _serial = serial();
    let ipc_main = IpcMain::new();
    ipc_main.on("slow", |event, args| {
        let reply = event.reply_handle()?;
        let n: u32 = args.get(0)?;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1200));
            reply.send(n).ok();
        });
        Ok(())
    });
    init_tracing();
    let main = Main::builder().ipc(ipc_main).start().unwrap();
    let (_, ticket) = main.issue_ticket(None);
    let ipc = IpcRenderer::connect(&ticket.socket, &ticket.token).unwrap();
    let tids: Arc<Mutex<Vec<i64>>> = Arc::default();
    let callers: Vec<_> = (0..2u32)
        .map(|n| {
            let (ipc, tids) = (ipc.clone(), tids.clone());
            std::thread::spawn(move || {
                tids.lock().unwrap().push(gettid());
                ipc.send_sync::<u32, _>("slow", &(n,))
            })
        })
        .collect();
    assert!(eventually(|| tids.lock().unwrap().len() == 2));
    std::thread::sleep(Duration::from_millis(200));
    let tids = tids.lock().unwrap().clone();
    let before: Vec<u64> = tids.iter().map(|&t| voluntary_switches(t)).collect();
    std::thread::sleep(Duration::from_millis(800));
    let woke: Vec<u64> = tids
        .iter()
        .zip(&before)
        .map(|(&t, b)| voluntary_switches(t) - b)
        .collect();
    for (n, caller) in callers.into_iter().enumerate() {
        assert_eq!(caller.join().unwrap().unwrap(), n as u32);
    }
    assert!(
        woke.iter().all(|&w| w <= 2),
        "threads blocked in send_sync woke {woke:?} times in 800 ms"
    );
}

#[test]
fn a_silent_connection_cut_at_its_deadline_is_told_why() {
    let _serial = serial();
    let main = main_with(Limits {
        handshake_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let mut s = UnixStream::connect(main.socket_path()).unwrap();
    let reason = close_reason(&s);
    assert!(reason.contains("took too long"), "{reason}");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
}
