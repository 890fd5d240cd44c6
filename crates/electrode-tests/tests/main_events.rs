//! Nothing lost, nothing silent (issue 9, items 9 to 14 on main's side): lifecycle hooks to
//! greet renderers, main's size limit known to Rust renderers, broadcasts that say whom they
//! missed, senders that can wait for room, listener failures a user sees, and no token in any
//! error. (The error hook itself is checked on every renderer kind in `conformance.rs`.)

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::*;
use electrode::wire::Frame;
use electrode::{Error, IpcMain, Limits, Main};
use electrode_renderer::IpcRenderer;
use electrode_tests::init_tracing;

fn start(ipc: IpcMain, limits: Limits) -> Main {
    init_tracing();
    Main::builder()
        .ipc(ipc)
        .limits(limits)
        .start()
        .expect("main starts")
}

#[test]
fn web_contents_created_and_did_finish_load_let_main_greet_every_renderer() {
    let main = start(IpcMain::new(), Limits::default());
    let created = Arc::new(Mutex::new(Vec::new()));
    {
        let created = created.clone();
        main.on_web_contents_created(move |wc| {
            created.lock().unwrap().push(wc.id());
            wc.on_did_finish_load(|wc| {
                wc.send("greet", &(wc.id(),)).expect("greeting sent");
            });
        });
    }
    let (tx, rx) = channel();
    let mut renderers = Vec::new();
    for _ in 0..3 {
        let (wc, ticket) = main.issue_ticket(None);
        let tx = Mutex::new(tx.clone());
        let ipc = IpcRenderer::connect_with(&ticket.socket, &ticket.token, |ipc| {
            ipc.on("greet", move |event, args| {
                let id: u64 = args.get(0)?;
                tx.lock().unwrap().send((event.sender().id(), id)).ok();
                Ok(())
            });
        })
        .unwrap();
        renderers.push((wc, ipc));
    }
    let mut greeted: Vec<u64> = (0..renderers.len())
        .map(|_| {
            let (me, greeting) = rx
                .recv_timeout(PATIENCE)
                .expect("every renderer is greeted");
            assert_eq!(me, greeting, "each renderer is greeted with its own id");
            me
        })
        .collect();
    greeted.sort_unstable();
    for (wc, ipc) in &renderers {
        assert_eq!(ipc.id(), wc.id());
        // Greeted, so it has loaded, exactly once.
        assert_eq!(wc.load_count(), 1);
    }
    let ids: Vec<u64> = renderers.iter().map(|(wc, _)| wc.id()).collect();
    assert_eq!(greeted, ids);
    assert_eq!(*created.lock().unwrap(), ids);
    // A hook added after the load still runs, once, at once.
    let late = Arc::new(Mutex::new(0));
    let counter = late.clone();
    renderers[0]
        .0
        .on_did_finish_load(move |_| *counter.lock().unwrap() += 1);
    assert_eq!(*late.lock().unwrap(), 1);
}

#[test]
fn a_rust_renderer_learns_main_s_message_limit_from_the_welcome() {
    // Above the renderer's old hard-coded 64 MiB: main allows 128 MiB, so 100 MiB goes through.
    let ipc_main = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc_main.on("big", move |_, args| {
        let s: String = args.get(0)?;
        tx.lock().unwrap().send(s.len()).ok();
        Ok(())
    });
    let main = start(
        ipc_main,
        Limits {
            max_message_size: 128 << 20,
            ..Limits::default()
        },
    );
    let (_, ticket) = main.issue_ticket(None);
    let ipc = IpcRenderer::connect(&ticket.socket, &ticket.token).unwrap();
    ipc.send("big", &("y".repeat(100 << 20),))
        .expect("100 MiB is under main's 128 MiB limit");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), 100 << 20);
    drop(ipc);

    // And below it: main allows 1 MiB, so 2 MiB is refused in the renderer, naming the
    // channel and main's limit; the link goes on.
    let small = start(
        IpcMain::new(),
        Limits {
            max_message_size: 1 << 20,
            ..Limits::default()
        },
    );
    answer_alive(small.ipc());
    let (_, ticket) = small.issue_ticket(None);
    let ipc = IpcRenderer::connect(&ticket.socket, &ticket.token).unwrap();
    let err = ipc.send("huge", &("z".repeat(2 << 20),)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'huge'") && text.contains(&(1u32 << 20).to_string()),
        "{text}"
    );
    assert_eq!(ipc.send_sync::<String, _>("alive?", &()).unwrap(), "alive");
}

#[test]
fn a_broadcast_names_each_renderer_it_missed() {
    let main = start(
        IpcMain::new(),
        Limits {
            outbound_queue_bytes: 4 << 20,
            ..Limits::default()
        },
    );
    let (_, ticket) = main.issue_ticket(None);
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let _reader = IpcRenderer::connect_with(&ticket.socket, &ticket.token, |ipc| {
        ipc.on("news", move |_, args| {
            tx.lock().unwrap().send(args.get::<u32>(0)?).ok();
            Ok(())
        });
    })
    .unwrap();
    let (stuck, _socket, _) = hand_driven(&main);
    let payload = "n".repeat(1 << 20);
    let mut sent = 0u32;
    let err = loop {
        match main.broadcast("news", &(sent, &payload)) {
            Ok(n) => assert_eq!(n, 2),
            Err(e) => break e,
        }
        sent += 1;
        assert!(sent < 1000, "the stuck renderer's queue never filled");
    };
    let Error::Undelivered {
        channel,
        delivered,
        missed,
    } = &err
    else {
        panic!("expected Undelivered, got {err}")
    };
    assert_eq!(channel, "news");
    assert_eq!(*delivered, 1);
    assert_eq!(missed.len(), 1);
    assert!(
        matches!(&missed[0], Error::QueueFull { renderer, .. } if *renderer == stuck.id()),
        "{err}"
    );
    assert!(err
        .to_string()
        .contains(&format!("renderer {}", stuck.id())));
    // The reader got every message, the one the stuck renderer missed included.
    for i in 0..=sent {
        assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), i);
    }
}

#[test]
fn send_timeout_waits_for_room_instead_of_failing() {
    let main = start(
        IpcMain::new(),
        Limits {
            outbound_queue_bytes: 2 << 20,
            ..Limits::default()
        },
    );
    let (wc, _s, mut reader) = hand_driven(&main);
    let payload = "p".repeat(512 << 10);
    // Without waiting, the queue fills.
    let full = (0..100u32).find_map(|i| wc.send("chunk", &(i, &payload)).err());
    assert!(matches!(full, Some(Error::QueueFull { .. })), "{full:?}");
    let already = wc.destroy_reason();
    assert!(already.is_none());
    // A reader that starts late: send_timeout waits for it instead of failing.
    let reading = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        reader.set_max_size(64 << 20);
        let mut last = None;
        let mut count = 0;
        while count < 10_000 {
            let frame = Frame::decode(reader.read_frame().unwrap(), 64 << 20).unwrap();
            if let Frame::Message { channel, args } = frame {
                if channel == "waited" {
                    let i: u32 = args.get(0).unwrap();
                    assert_eq!(Some(i), last.map_or(Some(0), |l: u32| Some(l + 1)));
                    last = Some(i);
                    if i == 63 {
                        return count;
                    }
                }
                count += 1;
            }
        }
        count
    });
    for i in 0..64u32 {
        wc.send_timeout("waited", &(i, &payload), PATIENCE)
            .expect("waits for room");
    }
    reading.join().unwrap();
}

#[test]
fn without_a_subscriber_failures_are_printed_on_stderr_one_line_each() {
    let out = Command::new(env!("CARGO_BIN_EXE_test-visible-errors"))
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let failed: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("'fails' failed"))
        .collect();
    let panicked: Vec<_> = lines.iter().filter(|l| l.contains("panicked")).collect();
    let unlistened: Vec<_> = lines.iter().filter(|l| l.contains("'nobody'")).collect();
    assert_eq!(failed.len(), 1, "{stderr}");
    assert!(failed[0].starts_with("electrode ERROR"), "{stderr}");
    assert_eq!(panicked.len(), 1, "one line per caught panic:\n{stderr}");
    assert!(panicked[0].contains("listener bug"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    assert_eq!(unlistened.len(), 1, "{stderr}");
    assert!(unlistened[0].starts_with("electrode WARN"), "{stderr}");
}

#[test]
fn a_spawn_failure_names_the_program_but_not_the_token() {
    let main = start(IpcMain::new(), Limits::default());
    let err = main
        .spawn_renderer(Command::new("/nonexistent/renderer-binary"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/renderer-binary"), "{err}");
    assert!(!err.contains("ELECTRODE_TOKEN"), "{err}");
    let longest_hex_run = err
        .split(|c: char| !c.is_ascii_hexdigit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_hex_run < 32, "a token-like string in: {err}");
}

/// Asks a renderer that reads nothing for a 64 KiB answer on `channel` with `ask`, once main's
/// queue for it is within 1 KiB of its limit; returns why its link was closed.
fn answer_to_a_renderer_that_reads_nothing(ipc_main: IpcMain, ask: Frame) -> String {
    let main = start(
        ipc_main,
        Limits {
            outbound_queue_bytes: 1 << 20,
            ..Limits::default()
        },
    );
    let (wc, mut s, _) = hand_driven(&main);
    let payload = "q".repeat(1 << 10);
    while wc.send("unread", &(&payload,)).is_ok() {}
    s.write_all(&ask.encode().to_vec()).unwrap();
    wc.wait_destroyed(PATIENCE).expect("the link is closed")
}

#[test]
fn a_sync_answer_that_cannot_be_queued_closes_the_link_with_the_reason() {
    let ipc_main = IpcMain::new();
    ipc_main.on("big-answer", |event, _| {
        event.set_return_value("a".repeat(64 << 10))?;
        Ok(())
    });
    let ask = Frame::SendSync {
        request: 1,
        channel: "big-answer".into(),
        args: electrode::Args::empty(),
    };
    let reason = answer_to_a_renderer_that_reads_nothing(ipc_main, ask);
    assert!(
        reason.contains("does not read its messages") && reason.contains("'big-answer'"),
        "{reason}"
    );
}

#[test]
fn an_invoke_answer_that_cannot_be_queued_closes_the_link_with_the_reason() {
    let ipc_main = IpcMain::new();
    ipc_main
        .handle("big-invoke", |_, _| Ok("a".repeat(64 << 10)))
        .unwrap();
    let ask = Frame::Invoke {
        request: 1,
        channel: "big-invoke".into(),
        args: electrode::Args::empty(),
    };
    let reason = answer_to_a_renderer_that_reads_nothing(ipc_main, ask);
    assert!(
        reason.contains("does not read its messages") && reason.contains("'big-invoke'"),
        "{reason}"
    );
}
