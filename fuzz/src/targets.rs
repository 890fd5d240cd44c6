//! Bodies of the fuzz targets, shared by the `cargo fuzz` binaries and by the corpus replay
//! test of `electrode-wire` (which includes this file by path), so a corpus file that once
//! failed keeps being checked on every `cargo test`.
//!
//! Besides "no panic", every target asserts a memory oracle: the peak of bytes allocated on
//! this thread while decoding is at most a small multiple of the input. The binary that runs
//! a target must install [`CountingAlloc`] as its global allocator; without it the peaks read
//! 0 and only the other oracles apply.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use electrode_wire::io::{FrameDecoder, ReadError};
use electrode_wire::{ArgList, Args, Frame, SyncOutcome, Value, WireError};

/// Peak decoding memory allowed per input byte. Decoded values are budgeted at
/// `electrode_wire::DECODE_BUDGET_FACTOR` (8) times their JSON; the rest is parser scratch and
/// the copy of the input the target itself makes.
pub const PEAK_FACTOR: usize = 12;

/// Peak allowed per input byte for reads into the receiver's own types, which cost what those
/// types cost and are not budgeted (only the `Value`s inside them are): a `Vec<Bytes>` of
/// empty arrays is 32 bytes per 3 bytes of JSON, twice that with the `Vec`'s spare capacity.
/// The oracle still catches a read that copies or amplifies without bound.
pub const TYPED_PEAK_FACTOR: usize = 48;

/// Allowance independent of the input size: small messages may decode into values many
/// times their size (a 7-byte `{"a":0}` is a whole map node), and the decoding budget has a
/// floor of 1 MiB per message for that.
pub const PEAK_FLOOR: usize = 1024 * 1024 + 256 * 1024;

/// Body limit the stream target gives its decoder. A frame announced up to this size gets
/// its whole buffer when its header arrives (zeroed lazily by the system, so it costs
/// resident memory only as bytes arrive), which the oracle allows for.
pub const STREAM_LIMIT: usize = 256 * 1024;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

/// A global allocator that counts the bytes live on each thread and their peak.
pub struct CountingAlloc;

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Runs `f` and returns its result with the peak of bytes allocated on this thread above what
/// was live when it started.
pub fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(Cell::get) - base;
    (r, peak.max(0) as usize)
}

/// Asserts the memory oracle for one decoding step of an `input`-byte input.
fn check_peak(what: &str, input: usize, peak: usize) {
    check_peak_with(PEAK_FACTOR, what, input, peak);
}

fn check_peak_with(factor: usize, what: &str, input: usize, peak: usize) {
    let allowed = factor * input + PEAK_FLOOR;
    assert!(
        peak <= allowed,
        "{what}: peak {peak} bytes for {input} input bytes (allowed {allowed})"
    );
}

/// Frame decoding: any body decodes or fails with an error; a decoded frame encodes back to
/// the same body; argument sections inside are read every way a receiver does.
pub fn frame_decode(data: &[u8]) {
    for limit in [data.len(), 16, usize::MAX] {
        let (frame, peak) = peak_of(|| Frame::decode(Bytes::copy_from_slice(data), limit));
        check_peak("Frame::decode", data.len(), peak);
        let Ok(frame) = frame else { continue };
        assert!(data.len() <= limit, "a body over the limit decoded");
        // A Welcome ignores bytes after its fields (room for fields a newer main adds);
        // every other frame refuses trailing bytes or owns them.
        if !matches!(frame, Frame::Welcome { .. }) {
            let again = frame.encode().to_message();
            assert_eq!(
                again, data,
                "decode then encode changed the body of {frame:?}"
            );
        }
        match &frame {
            Frame::Send { args, .. }
            | Frame::SendSync { args, .. }
            | Frame::SendToHost { args, .. }
            | Frame::SendTo { args, .. }
            | Frame::WebviewSend { args, .. }
            | Frame::Message { args, .. }
            | Frame::HostMessage { args, .. } => read_args(args),
            Frame::SyncReply {
                outcome: SyncOutcome::Value(v),
                ..
            } => {
                if let Ok(args) = Args::from_raw(v.clone()) {
                    read_args(&args);
                }
            }
            _ => {}
        }
    }
}

/// The streaming decoder: the first input byte picks the read sizes, the rest is the stream.
/// Whatever the chunking, the frames that come out are exactly those a naive parse of the
/// whole stream finds, and an announced size over the limit is refused.
pub fn stream_decode(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let expected = naive_frames(stream);
    let ((got, end), peak) = peak_of(|| {
        let mut d = FrameDecoder::new(STREAM_LIMIT);
        let mut got = Vec::new();
        let mut at = 0;
        let mut round = 0usize;
        let end = loop {
            match d.next_frame() {
                Ok(Some(body)) => {
                    got.push(Ok(body.to_vec()));
                    continue;
                }
                Ok(None) => {}
                Err(ReadError::TooLarge { size, limit }) => {
                    assert_eq!(limit, STREAM_LIMIT);
                    got.push(Err(size));
                    break None;
                }
                Err(e) => panic!("next_frame failed without I/O: {e:?}"),
            }
            if at == stream.len() {
                break Some(d.is_mid_frame());
            }
            // Read sizes from 1 byte up, varied by the seed and the round.
            let want = 1 + (usize::from(seed) * 31 + round * 7) % (1 + usize::from(seed) * 4);
            round += 1;
            let n = d
                .fill_with(|buf| {
                    assert!(!buf.is_empty(), "fill_with offered no space");
                    let n = want.min(buf.len()).min(stream.len() - at);
                    buf[..n].copy_from_slice(&stream[at..at + n]);
                    Ok(n)
                })
                .expect("the read closure does not fail");
            at += n;
        };
        (got, end)
    });
    check_peak(
        "FrameDecoder",
        data.len(),
        peak.saturating_sub(STREAM_LIMIT + 64 * 1024),
    );
    assert_eq!(got, expected.0, "frames differ from a whole-stream parse");
    if let Some(mid) = end {
        assert_eq!(mid, expected.1, "mid-frame state differs at the end");
    }
}

/// Frames of a whole stream, and whether bytes of an unfinished frame are left over.
fn naive_frames(mut s: &[u8]) -> (Vec<Result<Vec<u8>, usize>>, bool) {
    let mut out = Vec::new();
    loop {
        if s.len() < 4 {
            return (out, !s.is_empty());
        }
        let size = u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        if size > STREAM_LIMIT {
            out.push(Err(size));
            return (out, true);
        }
        if s.len() < 4 + size {
            return (out, true);
        }
        out.push(Ok(s[4..4 + size].to_vec()));
        s = &s[4 + size..];
    }
}

/// Argument decoding: the input is an argument section.
pub fn args_decode(data: &[u8]) {
    let (args, peak) = peak_of(|| Args::from_raw(Bytes::copy_from_slice(data)));
    check_peak("Args::from_raw", data.len(), peak);
    if let Ok(args) = args {
        read_args(&args);
    }
}

/// A receiver's struct with optional fields of several shapes.
#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Record {
    a: Option<u32>,
    b: Option<String>,
    c: Option<Vec<Value>>,
    d: Option<bytes::Bytes>,
}

/// Reads an argument section every way a receiver can, checking the memory oracle for each
/// and that validation and full decoding agree.
fn read_args(args: &Args) {
    let input = args.raw().len();
    let (valid, peak) = peak_of(|| args.validate());
    check_peak("validate", input, peak);
    let (values, peak) = peak_of(|| args.values());
    check_peak("values", input, peak);
    match (&valid, &values) {
        (Ok(()), Ok(_)) | (Err(_), Err(_)) => {}
        (Ok(()), Err(WireError::OverBudget { .. })) => {}
        // The plain fast path checks syntax only: a number out of range (`1e999`) passes
        // validation and fails when read, with an error naming the argument.
        (Ok(()), Err(WireError::Convert { .. })) if args.is_plain_json() => {}
        (v, w) => panic!("validate gave {v:?} but values gave {w:?}"),
    }
    if let Ok(values) = &values {
        let again = Args::encode(&ArgList(values.clone())).expect("decoded values encode");
        assert_eq!(again.len(), values.len());
    }
    for i in 0..args.len().min(8) {
        check_peak("value", input, peak_of(|| args.value(i)).1);
        check_peak("get::<Value>", input, peak_of(|| args.get::<Value>(i)).1);
        let typed = |what: &str, peak: usize| check_peak_with(TYPED_PEAK_FACTOR, what, input, peak);
        typed("get::<Vec<Bytes>>", peak_of(|| args.get::<Vec<Bytes>>(i)).1);
        typed(
            "get::<Vec<String>>",
            peak_of(|| args.get::<Vec<String>>(i)).1,
        );
        typed("get::<Record>", peak_of(|| args.get::<Record>(i)).1);
    }
    check_peak("preview", input, peak_of(|| args.preview(200)).1);
}
