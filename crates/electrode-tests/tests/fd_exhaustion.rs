//! Main out of file descriptors when a renderer connects (issue 9, item 4): the renderer is
//! refused with a reason it can act on, keeps its `WebContents` and its ticket, and connects
//! once descriptors are free again. Alone in its test binary: it changes this process's
//! descriptor limit.

use std::io::Write;
use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;

mod common;

use common::*;
use electrode::wire::io::FrameReader;
use electrode::wire::Frame;
use electrode::{IpcMain, Main};

fn open_descriptors() -> u64 {
    // The directory listing holds one descriptor itself.
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64 - 1
}

fn set_soft_limit(n: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    limit.rlim_cur = n.min(limit.rlim_max);
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

/// An unconnected Unix stream socket, made while descriptors are still available.
fn socket() -> i32 {
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0);
    fd
}

fn connect(fd: i32, path: &std::path::Path) -> UnixStream {
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as _;
    let bytes = path.as_os_str().as_encoded_bytes();
    for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *src as _;
    }
    // SAFETY: `addr` is a valid sockaddr_un; `fd` is our socket.
    let rc = unsafe {
        libc::connect(
            fd,
            &addr as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_un>() as u32,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: we own `fd`.
    unsafe { UnixStream::from_raw_fd(fd) }
}

/// Reads through the borrowed socket: cloning it would need the descriptor that main's
/// `accept` is meant to get.
fn first_frame(s: &UnixStream) -> Frame {
    let mut reader = FrameReader::new(s, 1 << 20);
    Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap()
}

#[test]
fn a_renderer_refused_for_want_of_descriptors_keeps_its_ticket() {
    electrode_tests::init_tracing();
    let main = Main::builder().ipc(IpcMain::new()).start().unwrap();
    let (wc, ticket) = main.issue_ticket(None);
    let hello = Frame::Hello {
        version: electrode::wire::handshake::PROTOCOL_VERSION,
        features: electrode::wire::Features::NONE,
        token: ticket.token.clone().into_bytes().into(),
    }
    .encode()
    .to_vec();
    let fd = socket();
    // Spare sockets to test with later need descriptors too: take them now.
    let retry_fd = socket();
    let check_fd = socket();
    // Room for exactly one more descriptor: main's accept gets it, its clone does not.
    set_soft_limit(open_descriptors() + 1);
    let mut s = connect(fd, &ticket.socket);
    s.write_all(&hello).unwrap();
    let answer = first_frame(&s);
    let Frame::Close { reason } = answer else {
        panic!("expected a refusal, got {answer:?}")
    };
    assert!(reason.contains("connect again"), "{reason}");
    assert!(!wc.is_destroyed(), "{:?}", wc.destroy_reason());
    drop(s);
    set_soft_limit(u64::MAX);
    // The same ticket works once descriptors are back.
    let mut s = connect(retry_fd, &ticket.socket);
    s.write_all(&hello).unwrap();
    assert!(
        matches!(first_frame(&s), Frame::Welcome { id, .. } if id == wc.id()),
        "the renderer connects with its ticket"
    );
    assert!(wc.wait_ready(PATIENCE));
    // Used once, the ticket is spent.
    let mut s = connect(check_fd, &ticket.socket);
    s.write_all(&hello).unwrap();
    assert!(matches!(first_frame(&s), Frame::Close { .. }));
}
