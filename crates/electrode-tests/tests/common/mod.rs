#![allow(dead_code, unused_imports)]

use electrode::{IpcMain, Limits};
pub use electrode_tests::{answer_alive, Harness, PATIENCE};

pub const RENDERER: &str = env!("CARGO_BIN_EXE_test-renderer");

pub fn harness(ipc: IpcMain) -> Harness {
    answer_alive(&ipc);
    Harness::new(RENDERER, ipc)
}

pub fn harness_with(ipc: IpcMain, limits: Limits) -> Harness {
    answer_alive(&ipc);
    Harness::with_limits(RENDERER, ipc, limits)
}
