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
