//! Issue 9, items 1 and 2, against a real main: a renderer's hostile arguments cost main at
//! most a small multiple of their size, and a message that references one attachment many
//! times is refused at main (that link closes with the reason; main and others keep working).
//!
//! Main runs in this test process, so its peak resident memory is this process's `VmHWM`,
//! reset before each hostile send. The tests take turns (one lock) so they do not add up.

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::channel;
use std::sync::Mutex;

use common::*;
use electrode::wire::{Args, Frame};
use electrode::{IpcMain, WebContents};

const MIB: usize = 1024 * 1024;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// This process's peak resident memory in bytes.
fn vm_hwm() -> usize {
    proc_status("VmHWM") as usize * 1024
}

/// Resets the peak to the current resident size (Linux 4.0 and later).
fn reset_hwm() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
}

/// A hand-driven connection that authenticated as a renderer.
fn connect(h: &Harness) -> (WebContents, UnixStream) {
    let (wc, s, _) = hand_driven(&h.main);
    (wc, s)
}

/// `[{"":0},{"":0},...]` of about `size` bytes.
fn tiny_objects(size: usize) -> String {
    let mut s = String::with_capacity(size + 8);
    s.push('[');
    while s.len() < size {
        s.push_str(r#"{"":0},"#);
    }
    s.push_str(r#"{"":0}]"#);
    s
}

#[test]
fn many_tiny_objects_to_an_unknown_id_cost_main_little() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    ipc.on("after", move |_, _| {
        tx.send(()).ok();
        Ok(())
    });
    let h = harness(ipc);
    let (sender, mut s) = connect(&h);
    let json = tiny_objects(8 * MIB);
    // The escaped-keys flag takes the path that used to build the whole value.
    let frame = Frame::SendTo {
        target: 999_999,
        channel: "x".into(),
        args: Args::from_parts(&[json.as_bytes()], &[], true),
    }
    .encode()
    .to_vec();
    let after = Frame::Send {
        channel: "after".into(),
        args: Args::empty(),
    }
    .encode()
    .to_vec();
    reset_hwm();
    let before = vm_hwm();
    s.write_all(&frame).unwrap();
    s.write_all(&after).unwrap();
    // Frames of one link are handled in order: once "after" ran, the sendTo was handled.
    rx.recv_timeout(PATIENCE).expect("main handled both frames");
    let grown = vm_hwm().saturating_sub(before);
    eprintln!(
        "main's peak grew by {} KiB for a {} KiB frame",
        grown / 1024,
        frame.len() / 1024
    );
    // The frame itself (8 MiB, read into one buffer) plus small change; it was ~930 MiB.
    assert!(
        grown <= 3 * frame.len(),
        "main's peak grew by {grown} bytes for a {}-byte frame",
        frame.len()
    );
    // A valid message to an unknown id is not a protocol error: the link stays.
    assert!(!sender.is_destroyed());
    drop(frame);
}

#[test]
fn one_attachment_referenced_many_times_closes_only_that_link() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let h = harness(IpcMain::new());
    let victim = h.spawn();
    h.listen(&victim, "listen", "x");
    let (bad, mut s) = connect(&h);
    let marker = r#"{"\u0000bytes":0}"#;
    let json = format!("[{}]", vec![marker; 256].join(","));
    let bin = vec![1u8; 4 * MIB];
    let frame = Frame::SendTo {
        target: victim.id(),
        channel: "x".into(),
        args: Args::from_parts(&[json.as_bytes()], &[bin.as_slice()], false),
    }
    .encode()
    .to_vec();
    reset_hwm();
    let before = vm_hwm();
    s.write_all(&frame).unwrap();
    let reason = bad.wait_destroyed(PATIENCE).expect("the link is closed");
    let grown = vm_hwm().saturating_sub(before);
    eprintln!(
        "main's peak grew by {} KiB for a {} KiB frame",
        grown / 1024,
        frame.len() / 1024
    );
    assert!(
        reason.contains("sendTo on channel 'x'")
            && reason.contains("attachment 0 is referenced more than once"),
        "{reason}"
    );
    assert!(
        grown <= 3 * frame.len(),
        "main's peak grew by {grown} bytes"
    );
    h.assert_alive(&victim);
    assert!(
        h.drain(victim.id(), |r| r["event"] == "message").is_empty(),
        "the message never reached the victim"
    );
}

/// Issue 9, item 11, through main's senders: pre-serialized JSON arrives as the value it
/// holds (keys sorted, NUL keys escaped), not as serde_json's private carrier struct.
#[test]
fn raw_json_from_main_arrives_as_its_value() {
    use serde_json::json;
    use serde_json::value::RawValue;
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.listen(&r, "listen", "raw");
    let raw = RawValue::from_string(r#"{"b":1,"a":{"\u0000k":[2]}}"#.to_string()).unwrap();
    r.send("raw", &(&raw,)).unwrap();
    let want = json!([{"a": {"\u{0}k": [2]}, "b": 1}]);
    assert_eq!(h.expect(&r, "message")["args"], want);
    assert_eq!(h.main.broadcast("raw", &(&raw,)).unwrap(), 1);
    assert_eq!(h.expect(&r, "message")["args"], want);
    // JSON that holds no value that can travel fails the send with a clear error.
    let bad = RawValue::from_string("1e999".to_string()).unwrap();
    let e = r.send("raw", &(&bad,)).unwrap_err();
    assert!(e.to_string().contains("raw JSON"), "{e}");
}
