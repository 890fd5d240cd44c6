//! The wrappers against the real kernel: socket pairs, epoll sets and eventfds.

use std::io::{IoSlice, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use electrode_io::{
    is_transient, recv_now, recv_wait, send_now, wait_readable, Epoll, EventFd, Events, Interest,
};

fn tokens<const N: usize>(events: &Events<N>, n: usize) -> Vec<u64> {
    events.iter().take(n).map(|e| e.token()).collect()
}

#[test]
fn level_triggered_readiness_repeats_until_read() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&a, Interest::READABLE, 3).unwrap();
    let mut events = Events::<4>::new();
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    b.write_all(b"hi").unwrap();
    for _ in 0..2 {
        let n = epoll.wait(&mut events, None).unwrap();
        assert_eq!(tokens(&events, n), [3]);
        assert!(!events.iter().next().unwrap().is_hangup());
    }
    let mut buf = [0u8; 8];
    assert_eq!(recv_now(&a, &mut buf).unwrap(), 2);
    assert_eq!(&buf[..2], b"hi");
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn edge_triggered_readiness_is_reported_once_until_rearmed() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&a, Interest::READABLE_EDGE, 9).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<2>::new();
    assert_eq!(epoll.wait(&mut events, None).unwrap(), 1);
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    // Re-arming checks the interest at once: the unread byte is reported again.
    epoll.modify(&a, Interest::READABLE_EDGE, 10).unwrap();
    let n = epoll.wait(&mut events, Some(Duration::ZERO)).unwrap();
    assert_eq!(tokens(&events, n), [10]);
}

#[test]
fn one_shot_readiness_is_reported_once_even_unread_until_rearmed() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&a, Interest::READABLE_ONESHOT, 4).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<2>::new();
    let n = epoll.wait(&mut events, None).unwrap();
    assert_eq!(tokens(&events, n), [4]);
    // The byte is still unread, yet the descriptor is disarmed.
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    epoll.modify(&a, Interest::READABLE_ONESHOT, 5).unwrap();
    let n = epoll.wait(&mut events, Some(Duration::ZERO)).unwrap();
    assert_eq!(tokens(&events, n), [5]);
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn no_interest_wakes_nobody_and_removal_forgets_the_descriptor() {
    let (a, mut b) = UnixStream::pair().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&a, Interest::NOTHING, 1).unwrap();
    b.write_all(b"x").unwrap();
    let mut events = Events::<2>::new();
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    epoll.modify(&a, Interest::READABLE, 1).unwrap();
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 1);
    epoll.remove(&a);
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    // Adding twice is an error that names the call.
    epoll.add(&a, Interest::READABLE, 1).unwrap();
    let err = epoll.add(&a, Interest::READABLE, 1).unwrap_err();
    assert!(err.to_string().contains("epoll_ctl"), "{err}");
}

#[test]
fn a_hangup_is_reported_as_one() {
    let (a, b) = UnixStream::pair().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&a, Interest::READABLE, 5).unwrap();
    drop(b);
    let mut events = Events::<2>::new();
    assert_eq!(epoll.wait(&mut events, None).unwrap(), 1);
    assert!(events.iter().next().unwrap().is_hangup());
    let mut buf = [0u8; 4];
    assert_eq!(recv_now(&a, &mut buf).unwrap(), 0);
}

#[test]
fn an_eventfd_is_a_flag_raised_and_lowered() {
    let flag = EventFd::new().unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&flag, Interest::READABLE, 42).unwrap();
    let mut events = Events::<2>::new();
    assert_eq!(epoll.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    flag.signal();
    flag.signal();
    assert!(wait_readable(&flag, Some(Duration::ZERO)).unwrap());
    let n = epoll.wait(&mut events, Some(Duration::ZERO)).unwrap();
    assert_eq!(tokens(&events, n), [42]);
    flag.lower();
    assert!(!wait_readable(&flag, Some(Duration::ZERO)).unwrap());
    flag.lower(); // already down: no error, no block
}

#[test]
fn sockets_send_vectored_and_receive_without_blocking() {
    let (a, b) = UnixStream::pair().unwrap();
    let mut buf = [0u8; 16];
    let err = recv_now(&b, &mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    assert!(!wait_readable(&b, Some(Duration::from_millis(1))).unwrap());
    let sent = send_now(&a, &[IoSlice::new(b"head"), IoSlice::new(b"-tail")]).unwrap();
    assert_eq!(sent, 9);
    assert!(wait_readable(&b, None).unwrap());
    assert_eq!(recv_wait(&b, &mut buf).unwrap(), 9);
    assert_eq!(&buf[..9], b"head-tail");
    // A closed peer is an error, not a SIGPIPE that kills the test process.
    drop(b);
    let err = send_now(&a, &[IoSlice::new(b"x")]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    assert!(!is_transient(&err));
    assert!(is_transient(&std::io::Error::from_raw_os_error(24))); // EMFILE
}
