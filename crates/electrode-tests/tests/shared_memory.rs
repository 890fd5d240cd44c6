//! The shared memory path (docs/adr/0022): large messages from a Rust renderer travel through
//! a sealed region it shares with main; the socket carries only their place. These tests drive
//! real renderer processes and hand-driven hostile clients, and look at main's own descriptor
//! table and mappings (`/proc/self`) for what a region leaves behind.

mod common;

use std::io::{IoSlice, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::channel;
use std::sync::Mutex;

use bytes::Bytes;
use common::*;
use electrode::wire::handshake::PROTOCOL_VERSION;
use electrode::wire::{Args, Features, Frame};
use electrode::{IpcMain, Limits, WebContents};
use electrode_shm::{Region, RingWriter};
use electrode_tests::script::pattern;
use serde_json::json;

/// The tests look at this process's whole descriptor table and mappings: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MAPPING: &str = "memfd:electrode-shm";

/// Main's mappings of renderers' regions: how many, and the KiB of them main has touched.
fn regions_mapped() -> (usize, u64) {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("procfs");
    let mut count = 0;
    let mut rss = 0;
    let mut inside = false;
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        // A mapping's first line starts with its address range; the lines under it are
        // "Key: value kB".
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            inside = line.contains(MAPPING);
            count += usize::from(inside);
        } else if let (true, Some(kb)) = (inside, line.strip_prefix("Rss:")) {
            rss += kb
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .unwrap();
        }
    }
    (count, rss)
}

/// This process's descriptors that are regions (main keeps none: the mapping is enough).
fn region_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("procfs")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().contains(MAPPING))
        .count()
}

/// A main whose `big` listener records `(number, bytes if any)` for every message.
fn recording_main(limits: Limits) -> (Harness, std::sync::mpsc::Receiver<(u64, Option<Bytes>)>) {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("big", move |_, args: &Args| {
        let n: u64 = args.get(0)?;
        let bytes = if args.len() > 1 {
            Some(args.get::<Bytes>(1)?)
        } else {
            None
        };
        tx.lock().unwrap().send((n, bytes)).unwrap();
        Ok(())
    });
    (harness_with(ipc, limits), rx)
}

/// Checks that `count` pairs (large, small) arrived whole and in order.
fn expect_pairs(rx: &std::sync::mpsc::Receiver<(u64, Option<Bytes>)>, count: u64, size: usize) {
    for i in 0..count {
        let (n, bytes) = rx.recv_timeout(PATIENCE).expect("large message");
        assert_eq!(n, i, "large message {i} in its place");
        let bytes = bytes.expect("the large one comes first");
        assert!(
            bytes == pattern(i, size),
            "message {i}'s bytes arrive unchanged"
        );
        let (n, bytes) = rx.recv_timeout(PATIENCE).expect("small message");
        assert_eq!((n, bytes), (i, None), "small message {i} right behind it");
    }
}

fn features_of(h: &Harness, wc: &WebContents) -> Features {
    h.cmd(wc, json!({"op": "whoami"}));
    Features::from_bits(h.expect(wc, "whoami")["features"].as_u64().unwrap())
}

#[test]
fn large_messages_go_through_the_region_whole_and_in_order() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (h, rx) = recording_main(Limits::default());
    let r = h.spawn();
    assert!(features_of(&h, &r).contains(Features::SHARED_MEMORY));
    assert!(
        eventually(|| regions_mapped().0 == 1),
        "main maps the renderer's region"
    );
    assert_eq!(region_descriptors(), 0, "and keeps no descriptor for it");
    let (_, touched_before) = regions_mapped();
    // 24 MB through a 4 MiB ring: it wraps and fills, and a message that finds it full takes
    // the socket, in its turn.
    let size = 1 << 20;
    // Plain Bytes (copied into the message), then SharedBytes (the caller's buffer itself).
    for shared in [false, true] {
        h.cmd(
            &r,
            json!({"op": "send_pattern", "channel": "big", "size": size, "count": 24, "shared": shared}),
        );
        expect_pairs(&rx, 24, size);
        assert_eq!(h.expect(&r, "send_pattern")["err"], json!(null));
    }
    let (_, touched) = regions_mapped();
    assert!(
        touched > touched_before + 1024,
        "main copied the messages out of the region ({touched_before} -> {touched} KiB touched)"
    );
    h.assert_alive(&r);
}

#[test]
fn a_renderer_killed_while_sending_leaves_no_region_in_main() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (h, rx) = recording_main(Limits::default());
    let bystander = h.spawn();
    let victim = h.spawn();
    assert!(eventually(|| regions_mapped().0 == 2));
    h.cmd(
        &victim,
        json!({"op": "send_pattern", "channel": "big", "size": 1 << 20, "count": 1000}),
    );
    // Killed in the middle of its stream: some messages arrived, the rest never will.
    rx.recv_timeout(PATIENCE).expect("the stream started");
    let pid = victim.process_id().unwrap() as i32;
    // SAFETY: plain kill(2) of our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    victim.wait_destroyed(PATIENCE).expect("destroyed");
    assert!(
        eventually(|| region_descriptors() == 0 && regions_mapped().0 == 1),
        "the victim's region is unmapped: {} descriptors, {} mappings",
        region_descriptors(),
        regions_mapped().0
    );
    h.assert_alive(&bystander);
    drop(rx);
}

#[test]
fn main_killed_while_a_renderer_waits_on_a_large_send_sync() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let text = kill_main_while_its_renderer_waits(&[("TEST_RENDERER_BIG", "1")]);
    assert!(
        text.contains("shared memory: true"),
        "the 1 MB call went through the region: {text}"
    );
}

#[test]
fn a_main_that_takes_no_region_carries_large_messages_on_the_socket() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // The renderer offers 4 MiB; this main takes at most 1 MiB, then none at all.
    for max_shared_region in [1 << 20, 0] {
        let (h, rx) = recording_main(Limits {
            max_shared_region,
            ..Limits::default()
        });
        let r = h.spawn();
        assert!(!features_of(&h, &r).contains(Features::SHARED_MEMORY));
        assert!(
            eventually(|| region_descriptors() == 0 && regions_mapped().0 == 0),
            "the region was closed, not kept"
        );
        h.cmd(
            &r,
            json!({"op": "send_pattern", "channel": "big", "size": 300_000, "count": 4}),
        );
        expect_pairs(&rx, 4, 300_000);
    }
}

/// A hand-driven renderer that sends `region` with its Hello; the Welcome's features.
fn hello_with_region(
    h: &Harness,
    region: &impl std::os::fd::AsFd,
) -> (WebContents, UnixStream, Features) {
    let (wc, ticket) = h.main.issue_ticket(None);
    let s = UnixStream::connect(&ticket.socket).unwrap();
    let hello = Frame::Hello {
        version: PROTOCOL_VERSION,
        features: Features::SUPPORTED,
        token: ticket.token.clone().into_bytes().into(),
    }
    .encode()
    .to_vec();
    let sent = electrode_io::send_with_fd(&s, &[IoSlice::new(&hello)], region).unwrap();
    assert_eq!(sent, hello.len());
    let mut reader = electrode::wire::io::FrameReader::new(s.try_clone().unwrap(), 1 << 20);
    let features = match Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap() {
        Frame::Welcome { features, .. } => features,
        other => panic!("expected the Welcome, got {other:?}"),
    };
    assert!(wc.wait_ready(PATIENCE));
    (wc, s, features)
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

/// What a hostile renderer writes on its socket, given its own ring.
type HostileBytes = dyn Fn(&mut RingWriter) -> Vec<u8>;

#[test]
fn hostile_slices_close_only_their_own_link() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let limits = Limits {
        max_message_size: 1 << 20,
        ..Limits::default()
    };
    let (h, _rx) = recording_main(limits);
    let bystander = h.spawn();
    let slice = |at, len| Frame::SharedSlice { at, len }.encode().to_vec();
    let cases: [(&str, Box<HostileBytes>); 5] = [
        (
            "does not lie within",
            Box::new(move |w| slice(w.region().capacity() as u64 - 8, 64)),
        ),
        (
            "over the limit of 1048576 bytes",
            Box::new(move |_| slice(0, (1 << 20) + 1)),
        ),
        (
            "malformed frame in shared memory",
            Box::new(move |w| {
                let at = w.write(&[&[0xee; 100]]).unwrap();
                slice(at, 100)
            }),
        ),
        (
            "a SharedSlice inside shared memory",
            Box::new(move |w| {
                let inner = Frame::SharedSlice { at: 0, len: 17 }.encode().to_vec();
                let at = w.write(&[&inner[4..]]).unwrap();
                slice(at, inner.len() as u64 - 4)
            }),
        ),
        (
            "may only be sent by the main process",
            Box::new(move |w| {
                let inner = Frame::Close { reason: "x".into() }.encode().to_vec();
                let at = w.write(&[&inner[4..]]).unwrap();
                slice(at, inner.len() as u64 - 4)
            }),
        ),
    ];
    for (needle, make) in cases {
        let (mine, fd) = Region::create(1 << 20).unwrap();
        let mut writer = RingWriter::new(mine);
        let (wc, mut s, features) = hello_with_region(&h, &fd);
        drop(fd);
        assert!(features.contains(Features::SHARED_MEMORY), "{features}");
        s.write_all(&make(&mut writer)).unwrap();
        assert_closed_with(&wc, needle);
    }
    assert!(
        eventually(|| region_descriptors() == 0 && regions_mapped().0 == 1),
        "only the bystander's region stays"
    );
    h.assert_alive(&bystander);
}

#[test]
fn regions_main_must_not_map_are_refused_and_the_link_goes_on() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (h, rx) = recording_main(Limits::default());
    // A plain file cannot be sealed against shrinking: main could fault reading it.
    let (wc, mut s, features) = hello_with_region(&h, &plain_file());
    assert!(!features.contains(Features::SHARED_MEMORY), "{features}");
    assert!(eventually(|| region_descriptors() == 0));
    // The link works on the socket.
    let msg = Frame::Send {
        channel: "big".into(),
        args: Args::encode(&(7u64,)).unwrap(),
    }
    .encode()
    .to_vec();
    s.write_all(&msg).unwrap();
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), (7, None));
    // A SharedSlice on a link that has no region is a protocol breach.
    s.write_all(&Frame::SharedSlice { at: 0, len: 100 }.encode().to_vec())
        .unwrap();
    assert_closed_with(&wc, "shared-memory");
    // Larger than Limits::max_shared_region (16 MiB by default).
    let (_huge, fd) = Region::create(32 << 20).unwrap();
    let (_wc, _s, features) = hello_with_region(&h, &fd);
    assert!(!features.contains(Features::SHARED_MEMORY), "{features}");
}

/// A plain file of 1 MiB (unlinked): no seals.
fn plain_file() -> std::os::fd::OwnedFd {
    let path = std::env::temp_dir().join(format!("electrode-unsealed-{}", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 20).unwrap();
    let _ = std::fs::remove_file(&path);
    f.into()
}
