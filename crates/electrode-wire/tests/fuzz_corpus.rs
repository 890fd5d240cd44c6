//! Replays the checked-in fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz target
//! bodies on every `cargo test`, with the same counting allocator, so every input a fuzz run
//! kept (and every crash it found, once fixed) stays checked without fuzzing in CI.

#[allow(dead_code)]
#[path = "../../../fuzz/src/targets.rs"]
mod targets;

use std::path::PathBuf;

#[global_allocator]
static ALLOC: targets::CountingAlloc = targets::CountingAlloc;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{target}: only {} corpus files",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect()
}

fn replay(target: &str, body: fn(&[u8])) {
    for (path, data) in corpus(target) {
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "{target}: {} fails", path.display());
    }
}

#[test]
fn frame_decode_corpus() {
    replay("frame_decode", targets::frame_decode);
}

#[test]
fn stream_decode_corpus() {
    replay("stream_decode", targets::stream_decode);
}

#[test]
fn args_decode_corpus() {
    replay("args_decode", targets::args_decode);
}

/// Without the counting allocator every peak would read 0 and the memory oracle would pass.
#[test]
fn the_counting_allocator_is_installed() {
    let (_, peak) = targets::peak_of(|| vec![0u8; 4 * 1024 * 1024]);
    assert!(
        peak >= 4 * 1024 * 1024,
        "the counting allocator is not installed"
    );
}
