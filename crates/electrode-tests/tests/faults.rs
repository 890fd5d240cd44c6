//! Bad input and failures: each closes only the guilty link, with a reason, and everyone else
//! keeps working.

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use electrode::wire::{io::FrameReader, Args, Frame};
use electrode::{Error, IpcMain, Limits, WebContents};
use serde_json::json;

/// A hand-driven connection that authenticates properly, then misbehaves.
fn hostile(h: &Harness) -> (WebContents, UnixStream) {
    let (wc, s, _) = hand_driven(&h.main);
    (wc, s)
}

fn assert_closed_with(wc: &WebContents, needle: &str) {
    let reason = wc
        .wait_destroyed(PATIENCE)
        .expect("the guilty link is closed");
    assert!(
        reason.contains(needle),
        "reason {reason:?} should mention {needle:?}"
    );
}

#[test]
fn unknown_frame_type_closes_only_that_link() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    let (bad, mut s) = hostile(&h);
    s.write_all(&[1, 0, 0, 0, 0x7f]).unwrap();
    assert_closed_with(&bad, "unknown frame type 0x7f");
    h.assert_alive(&good);
}

#[test]
fn malformed_arguments_close_the_link() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    let (bad, mut s) = hostile(&h);
    // A Send frame whose argument table claims 5 arguments but carries none.
    let mut body = vec![0x02];
    body.extend_from_slice(&1u32.to_le_bytes());
    body.push(b'c');
    body.push(0);
    body.extend_from_slice(&5u32.to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    let mut frame = (body.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&body);
    s.write_all(&frame).unwrap();
    assert_closed_with(&bad, "malformed frame");
    h.assert_alive(&good);
}

#[test]
fn invalid_json_in_a_relay_is_stopped_at_main() {
    let h = harness(IpcMain::new());
    let victim = h.spawn();
    h.listen(&victim, "listen", "x");
    let (bad, mut s) = hostile(&h);
    let args = Args::from_parts(&[b"{not json".as_slice()], &[], false);
    let frame = Frame::SendTo {
        target: victim.id(),
        channel: "x".into(),
        args,
    }
    .encode();
    s.write_all(&frame.to_vec()).unwrap();
    assert_closed_with(&bad, "sendTo on channel 'x'");
    h.assert_alive(&victim);
    assert!(
        h.drain(victim.id(), |r| r["event"] == "message").is_empty(),
        "garbage never reached the victim"
    );
}

#[test]
fn truncated_frame_closes_the_link() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    let (bad, mut s) = hostile(&h);
    s.write_all(&100u32.to_le_bytes()).unwrap();
    s.write_all(&[0x02, 1, 2, 3]).unwrap();
    drop(s);
    assert_closed_with(&bad, "stream ended inside a frame");
    h.assert_alive(&good);
}

#[test]
fn oversized_frame_is_refused_before_reading_it() {
    let limits = Limits {
        max_message_size: 1 << 20,
        ..Default::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let good = h.spawn();
    let (bad, mut s) = hostile(&h);
    s.write_all(&(1u32 << 30).to_le_bytes()).unwrap();
    assert_closed_with(&bad, "over the limit of 1048576 bytes");
    h.assert_alive(&good);
}

#[test]
fn frames_only_main_may_send_close_the_link() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    let (bad, mut s) = hostile(&h);
    let reply = Frame::SyncReply {
        request: 9,
        outcome: electrode::wire::SyncOutcome::Error("x".into()),
    }
    .encode();
    s.write_all(&reply.to_vec()).unwrap();
    assert_closed_with(&bad, "may only be sent by the main process");
    h.assert_alive(&good);
}

fn try_hello(socket: &std::path::Path, token: &str) -> String {
    let mut s = UnixStream::connect(socket).unwrap();
    // The token alone: a version-0 Hello, as renderers of before versions existed sent.
    let hello = Frame::Hello {
        version: 0,
        features: electrode::wire::Features::NONE,
        token: token.to_string().into_bytes().into(),
    }
    .encode();
    s.write_all(&hello.to_vec()).unwrap();
    let mut reader = FrameReader::new(s, 1 << 20);
    match Frame::decode(reader.read_frame().expect("main answers"), 1 << 20).unwrap() {
        Frame::Close { reason } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn wrong_or_reused_tokens_are_refused() {
    let h = harness(IpcMain::new());
    let (wc, ticket) = h.main.issue_ticket(None);
    let (id, secret) = ticket.token.split_once('.').unwrap();
    let mut wrong = secret.to_string();
    wrong.replace_range(0..1, if secret.starts_with('0') { "1" } else { "0" });
    let refused = try_hello(&ticket.socket, &format!("{id}.{wrong}"));
    assert!(
        refused.contains(&format!("wrong token for renderer {id}")),
        "{refused}"
    );
    assert!(try_hello(&ticket.socket, "garbage").contains("connection refused"));
    // The right token still works once...
    let mut cmd = Command::new(RENDERER);
    ticket.apply(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    h.expect(&wc, "ready");
    // ...and only once.
    let reused = try_hello(&ticket.socket, &ticket.token);
    assert!(reused.contains("already used"), "{reused}");
    h.assert_alive(&wc);
    wc.close("test over");
    let _ = child.wait();
}

#[test]
fn renderer_killed_during_send_sync_harms_no_one() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("hang", move |event, _| {
        tx.lock().unwrap().send(event.reply_handle()?).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let victim = h.spawn();
    let bystander = h.spawn();
    h.cmd(
        &victim,
        json!({"op": "send_sync", "channel": "hang", "args": []}),
    );
    let reply = rx.recv_timeout(PATIENCE).unwrap();
    let pid = victim.process_id().unwrap() as i32;
    // SAFETY: plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let reason = victim.wait_destroyed(PATIENCE).expect("destroyed");
    assert!(
        reason.contains("disconnected") || reason.contains("signal") || reason.contains("exited"),
        "{reason}"
    );
    // Answering a dead renderer is harmless.
    let _ = reply.send("too late");
    assert!(matches!(
        victim.send("x", &()),
        Err(Error::Destroyed { .. })
    ));
    h.assert_alive(&bystander);
}

#[test]
fn a_flooding_renderer_is_throttled_by_backpressure_and_loses_nothing() {
    let ipc = IpcMain::new();
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    ipc.on("flood", move |_, args| {
        let i: u64 = args.get(0)?;
        s2.lock().unwrap().push(i);
        std::thread::sleep(Duration::from_micros(50));
        Ok(())
    });
    let h = harness(ipc);
    let flooder = h.spawn();
    let other = h.spawn();
    h.cmd(
        &flooder,
        json!({"op": "flood", "channel": "flood", "n": 3000, "size": 10_000}),
    );
    // Main reads each renderer on its own thread: the other one is served meanwhile.
    h.assert_alive(&other);
    h.expect(&flooder, "flooded");
    h.assert_alive(&flooder);
    let seen = seen.lock().unwrap();
    assert_eq!(*seen, (0..3000).collect::<Vec<u64>>());
}

#[test]
fn a_renderer_that_does_not_read_gets_a_bounded_queue_and_a_clear_error() {
    let limits = Limits {
        outbound_queue_bytes: 4 << 20,
        ..Default::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let (wc, _s) = hostile(&h); // authenticated, never reads
    let chunk = bytes::Bytes::from(vec![1u8; 256 * 1024]);
    let mut sent = 0usize;
    let err = loop {
        match wc.send("data", &(chunk.clone(),)) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
        assert!(sent < 1000, "the queue must be bounded");
    };
    match err {
        Error::QueueFull {
            renderer,
            channel,
            limit,
            ..
        } => {
            assert_eq!(
                (renderer, channel.as_str(), limit),
                (wc.id(), "data", 4 << 20)
            )
        }
        other => panic!("expected QueueFull, got {other:?}"),
    }
}

#[test]
fn main_killed_while_a_renderer_waits_in_send_sync() {
    // The helper asserts that the renderer's sendSync and its next send both failed.
    kill_main_while_its_renderer_waits(&[]);
}
