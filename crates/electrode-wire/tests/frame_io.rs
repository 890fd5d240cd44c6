//! Blocking frame I/O: `write_frame` and `FrameReader` over streams that deliver data in
//! arbitrary pieces.

mod common;

use std::io::{self, Read, Write};

use bytes::Bytes;
use common::*;
use electrode_wire::io::{write_frame, FrameReader, ReadError};
use electrode_wire::Frame;
use proptest::collection::vec;
use proptest::prelude::*;

/// Largest internal buffer of `FrameReader` (frames above it get their own allocation).
const BUF: usize = 64 * 1024;
/// The buffer it starts with, doubling while reads fill it.
const FIRST: usize = 4 * 1024;

fn stream_of(frames: &[Frame]) -> Vec<u8> {
    frames.iter().flat_map(|f| f.encode().to_vec()).collect()
}

/// Whether `buffered` (bytes the reader holds) contains a whole frame or an oversized header.
fn whole_frame_in(buffered: &[u8], limit: usize) -> bool {
    if buffered.len() < 4 {
        return false;
    }
    let size = u32::from_le_bytes(buffered[..4].try_into().unwrap()) as usize;
    size > limit || buffered.len() >= 4 + size
}

/// Writes `frames` through a writer taking `wchunks`-sized pieces, reads them back through a
/// reader handing out `rchunks`-sized pieces, and checks every frame and the buffered state.
fn write_then_read(frames: &[Frame], wchunks: Vec<usize>, rchunks: Vec<usize>) {
    let mut w = ChunkedWriter::new(wchunks);
    for f in frames {
        write_frame(&mut w, &f.encode()).unwrap();
    }
    let stream = stream_of(frames);
    assert!(w.data == stream, "written bytes differ");

    let mut r = FrameReader::new(ChunkedReader::new(stream.clone(), rchunks), LIMIT);
    let mut consumed = 0;
    for f in frames {
        let buffered_before = r.has_buffered_frame();
        let reads_before = r.get_ref().reads;
        let body = r.read_frame().unwrap();
        if buffered_before {
            assert_eq!(
                r.get_ref().reads,
                reads_before,
                "a buffered frame must not need a read"
            );
        }
        consumed += 4 + body.len();
        assert_eq!(&Frame::decode(body, LIMIT).unwrap(), f);
        let delivered = r.get_ref().delivered();
        assert_eq!(
            r.has_buffered_frame(),
            whole_frame_in(&stream[consumed..delivered], LIMIT)
        );
    }
    assert_eq!(consumed, stream.len());
    assert!(matches!(r.read_frame(), Err(ReadError::Closed)));
    // Closed stays closed.
    assert!(matches!(r.read_frame(), Err(ReadError::Closed)));
}

/// Chunk sizes; 0 means "Interrupted", which both sides must retry.
fn small_chunks() -> impl Strategy<Value = Vec<usize>> {
    vec(prop_oneof![1 => Just(0usize), 8 => 1usize..48], 1..8)
        .prop_filter("some progress", |c| c.iter().any(|&x| x > 0))
}

fn big_chunks() -> impl Strategy<Value = Vec<usize>> {
    vec(
        prop_oneof![1 => Just(0usize), 3 => 1usize..64, 3 => 1000usize..80_000],
        1..6,
    )
    .prop_filter("some progress", |c| c.iter().any(|&x| x > 0))
}

/// A Hello whose body is `1 + len` bytes: version 0 is the token alone (which then must not
/// start with the versioned marker, 0).
fn hello(len: usize) -> Frame {
    Frame::Hello {
        version: 0,
        features: electrode_wire::Features::NONE,
        token: Bytes::from((0..len).map(|i| (i % 250 + 1) as u8).collect::<Vec<u8>>()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn frames_survive_any_chunking(
        frames in vec(arb_frame(), 1..8),
        wchunks in small_chunks(),
        rchunks in small_chunks(),
    ) {
        write_then_read(&frames, wchunks, rchunks);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn frames_bigger_than_the_buffer(
        before in vec(0usize..3000, 0..4),
        // Stream sizes (prefix + type + token) around the 64 KiB buffer, and well over it.
        big in prop_oneof![
            (BUF - 16..BUF + 16).prop_map(|total| total - 5),
            (FIRST - 16..FIRST + 16).prop_map(|total| total - 5),
            (2 * FIRST - 16..2 * FIRST + 16).prop_map(|total| total - 5),
            Just(200_000usize),
            Just(1 << 20),
        ],
        after in vec(0usize..3000, 0..4),
        wchunks in big_chunks(),
        rchunks in big_chunks(),
    ) {
        let mut frames: Vec<Frame> = before.into_iter().map(hello).collect();
        frames.push(hello(big));
        frames.extend(after.into_iter().map(hello));
        write_then_read(&frames, wchunks, rchunks);
    }
}

#[test]
fn frames_around_the_buffer_size_in_one_read() {
    // The whole stream available at once (a plain slice reader).
    for total in [
        FIRST - 1,
        FIRST,
        FIRST + 1,
        5 * FIRST,
        BUF - 1,
        BUF,
        BUF + 1,
        2 * BUF,
        3 * BUF + 7,
    ] {
        for offset in [
            0usize,
            1,
            3,
            4,
            5,
            100,
            FIRST - 4,
            FIRST + 3,
            BUF - 5,
            BUF - 4,
            BUF - 3,
        ] {
            let frames = [hello(offset), hello(total - 5), hello(3)];
            let stream = stream_of(&frames);
            let mut r = FrameReader::new(&stream[..], LIMIT);
            for f in &frames {
                assert_eq!(&Frame::decode(r.read_frame().unwrap(), LIMIT).unwrap(), f);
            }
            assert!(matches!(r.read_frame(), Err(ReadError::Closed)));
        }
    }
}

fn unexpected_eof(e: ReadError) -> bool {
    matches!(e, ReadError::Io(ref io) if io.kind() == io::ErrorKind::UnexpectedEof)
}

#[test]
fn end_of_stream_between_frames_is_closed() {
    let mut r = FrameReader::new(&[][..], LIMIT);
    assert!(matches!(r.read_frame(), Err(ReadError::Closed)));

    let stream = stream_of(&[hello(3), hello(0)]);
    let mut r = FrameReader::new(ChunkedReader::new(stream, vec![1]), LIMIT);
    r.read_frame().unwrap();
    r.read_frame().unwrap();
    assert!(matches!(r.read_frame(), Err(ReadError::Closed)));
}

#[test]
fn end_of_stream_inside_a_frame_is_unexpected_eof() {
    for frame in [hello(10), hello(BUF), hello(3 * BUF)] {
        let stream = frame.encode().to_vec();
        // Cut inside the prefix, right after it, inside the body, one byte short.
        for cut in [1, 2, 3, 4, 5, stream.len() / 2, stream.len() - 1] {
            for chunks in [vec![1], vec![7, 0, 5000], vec![1 << 20]] {
                let mut r = FrameReader::new(
                    ChunkedReader::new(stream[..cut].to_vec(), chunks.clone()),
                    LIMIT,
                );
                let e = r.read_frame().unwrap_err();
                assert!(unexpected_eof(e), "cut at {cut} of {}", stream.len());
            }
        }
        // After a whole frame, a cut second frame.
        let mut two = stream.clone();
        two.extend_from_slice(&stream[..stream.len() - 1]);
        let mut r = FrameReader::new(&two[..], LIMIT);
        r.read_frame().unwrap();
        assert!(unexpected_eof(r.read_frame().unwrap_err()));
    }
}

/// A reader that hands out its data and panics if asked for more.
struct ThenPanic<'a>(&'a [u8]);

impl Read for ThenPanic<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(!self.0.is_empty(), "read past the announced header");
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn oversize_is_refused_before_the_body_is_read() {
    let limit = 1000;
    for size in [1001u32, 1 << 20, u32::MAX] {
        let header = size.to_le_bytes();
        let mut r = FrameReader::new(ThenPanic(&header), limit);
        assert!(!r.has_buffered_frame());
        match r.read_frame() {
            Err(ReadError::TooLarge { size: s, limit: l }) => {
                assert_eq!(s, size as usize);
                assert_eq!(l, limit);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // The oversized header counts as "buffered": reading it again does not block.
        assert!(r.has_buffered_frame());
        assert!(matches!(r.read_frame(), Err(ReadError::TooLarge { .. })));
    }
    // Exactly at the limit is fine.
    let frame = hello(999);
    let stream = frame.encode().to_vec();
    let mut r = FrameReader::new(&stream[..], 1000);
    assert_eq!(Frame::decode(r.read_frame().unwrap(), 1000).unwrap(), frame);
}

#[test]
fn has_buffered_frame_tracks_the_buffer() {
    let a = hello(10).encode().to_vec();
    let b = hello(20).encode().to_vec();
    let mut stream = a.clone();
    stream.extend_from_slice(&b);

    // Both frames arrive in one read: after the first, the second is buffered.
    let mut r = FrameReader::new(ChunkedReader::new(stream.clone(), vec![1 << 20]), LIMIT);
    assert!(!r.has_buffered_frame());
    r.read_frame().unwrap();
    assert!(r.has_buffered_frame());
    r.read_frame().unwrap();
    assert!(!r.has_buffered_frame());

    // The second frame arrives partly with the first: not buffered.
    let first = a.len() + 6;
    let mut r = FrameReader::new(
        ChunkedReader::new(stream.clone(), vec![first, 1 << 20]),
        LIMIT,
    );
    r.read_frame().unwrap();
    assert!(!r.has_buffered_frame());
    r.read_frame().unwrap();

    // Only a partial length prefix: not buffered.
    let mut r = FrameReader::new(
        ChunkedReader::new(stream, vec![a.len() + 2, 1 << 20]),
        LIMIT,
    );
    r.read_frame().unwrap();
    assert!(!r.has_buffered_frame());
}

/// A reader that fails with a given error kind after its data.
struct Failing(Vec<u8>, io::ErrorKind);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(self.1.into());
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0.drain(..n);
        Ok(n)
    }
}

#[test]
fn io_errors_are_reported() {
    let mut r = FrameReader::new(Failing(vec![], io::ErrorKind::ConnectionReset), LIMIT);
    assert!(
        matches!(r.read_frame(), Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset)
    );
    let stream = hello(5 * BUF).encode().to_vec();
    let mut r = FrameReader::new(
        Failing(stream[..BUF + 10].to_vec(), io::ErrorKind::BrokenPipe),
        LIMIT,
    );
    assert!(
        matches!(r.read_frame(), Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe)
    );
}

struct Stuck;

impl Write for Stuck {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Ok(0)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_errors_are_reported() {
    let enc = hello(3).encode();
    assert_eq!(
        write_frame(&mut Stuck, &enc).unwrap_err().kind(),
        io::ErrorKind::WriteZero
    );
    assert_eq!(
        write_frame(&mut Broken, &enc).unwrap_err().kind(),
        io::ErrorKind::BrokenPipe
    );
}

#[test]
fn write_frame_with_an_empty_body() {
    // Welcome has no body part; the head alone is written.
    let frame = Frame::Welcome {
        id: 1,
        embedder: 2,
        max_message_size: 3,
        version: 1,
        features: electrode_wire::Features::NONE,
    };
    let enc = frame.encode();
    assert!(enc.body.is_empty());
    let mut out = Vec::new();
    write_frame(&mut out, &enc).unwrap();
    assert_eq!(out, enc.to_vec());
    assert_eq!(decode_stream(&out).unwrap(), frame);
}
