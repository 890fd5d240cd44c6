#![allow(dead_code, unused_imports)]

use electrode::wire::{io::FrameReader, Frame};
use electrode::{IpcMain, Limits};
pub use electrode_tests::{answer_alive, Harness, PATIENCE};
use std::os::unix::net::UnixStream;

pub const RENDERER: &str = env!("CARGO_BIN_EXE_test-renderer");

pub fn harness(ipc: IpcMain) -> Harness {
    answer_alive(&ipc);
    Harness::new(RENDERER, ipc)
}

pub fn harness_with(ipc: IpcMain, limits: Limits) -> Harness {
    answer_alive(&ipc);
    Harness::with_limits(RENDERER, ipc, limits)
}

/// Reads main's first frame on a hand-driven connection, checks that it is the Welcome of
/// renderer `id` (no embedder), and returns the reader for what follows.
pub fn expect_welcome(s: &UnixStream, id: u64) -> FrameReader<UnixStream> {
    let mut reader = FrameReader::new(s.try_clone().unwrap(), 1 << 20);
    let welcome = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
    assert!(
        matches!(welcome, Frame::Welcome { id: got, embedder: 0, .. } if got == id),
        "{welcome:?}"
    );
    reader
}

/// Names of this process's threads that start with `prefix`.
pub fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("procfs")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// A field of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`) or as a count (`Threads`).
pub fn proc_status(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Waits (up to `PATIENCE`) until `done()` holds; returns whether it did. For conditions that
/// become true eventually (a thread leaving); it bounds a hang and measures nothing.
pub fn eventually(done: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    done()
}

/// A hand-driven connection that authenticates with a fresh ticket of `main`: its
/// `WebContents`, the socket to misbehave on, and a reader positioned after the Welcome.
pub fn hand_driven(
    main: &electrode::Main,
) -> (electrode::WebContents, UnixStream, FrameReader<UnixStream>) {
    hand_driven_with(main, electrode::wire::Features::SUPPORTED)
}

/// A hand-driven renderer whose Hello offers `features`.
pub fn hand_driven_with(
    main: &electrode::Main,
    features: electrode::wire::Features,
) -> (electrode::WebContents, UnixStream, FrameReader<UnixStream>) {
    use std::io::Write;
    let (wc, ticket) = main.issue_ticket(None);
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    let hello = Frame::Hello {
        version: electrode::wire::handshake::PROTOCOL_VERSION,
        features,
        token: ticket.token.clone().into_bytes().into(),
    }
    .encode();
    s.write_all(&hello.to_vec()).unwrap();
    let reader = expect_welcome(&s, wc.id());
    assert!(wc.wait_ready(PATIENCE));
    (wc, s, reader)
}

/// Starts `test-main` (with `envs`, which its renderer inherits), waits until its renderer is
/// blocked in `sendSync`, kills main, checks that the renderer's call and its next send
/// failed with "the main process is gone", and returns everything both printed.
pub fn kill_main_while_its_renderer_waits(envs: &[(&str, &str)]) -> String {
    use std::io::Read;
    let mut main = std::process::Command::new(env!("CARGO_BIN_EXE_test-main"))
        .arg(RENDERER)
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = main.stdout.take().unwrap();
    let mut buf = [0u8; 64];
    let mut text = String::new();
    while !text.contains("renderer is waiting") {
        let n = out.read(&mut buf).unwrap();
        assert!(n > 0, "test-main ended early: {text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    main.kill().unwrap();
    main.wait().unwrap();
    // The renderer shares the pipe: read until it has printed and exited.
    out.read_to_string(&mut text).unwrap();
    assert!(
        text.contains("send_sync returned: Err(the main process is gone"),
        "{text}"
    );
    assert!(
        text.contains("later send: Err(the main process is gone"),
        "{text}"
    );
    text
}
