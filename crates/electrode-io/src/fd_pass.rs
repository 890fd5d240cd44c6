//! Handing a descriptor to another process over a Unix socket (`SCM_RIGHTS`): how main gives
//! two renderers the ends of a socket pair for a direct MessagePort (docs/adr/0019).

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

/// Sends `fd` over `socket` with one byte of data (a descriptor needs a byte to travel with).
pub fn send_fd(socket: impl AsFd, fd: impl AsFd) -> io::Result<()> {
    let sent = send_with_fd(socket, &[IoSlice::new(&[1])], fd)?;
    if sent != 1 {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "descriptor not sent",
        ));
    }
    Ok(())
}

/// Sends what the socket takes of `data` (one `sendmsg`, blocking like a write) with `fd`
/// riding on its first byte; returns the bytes sent. The receiver must read that byte with
/// [`recv_with_fd`], or the descriptor is lost (a plain read drops it).
pub fn send_with_fd(socket: impl AsFd, data: &[IoSlice<'_>], fd: impl AsFd) -> io::Result<usize> {
    let fds = [fd.as_fd()];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(io::Error::other("no room for the descriptor"));
    }
    Ok(sendmsg(socket, data, &mut control, SendFlags::NOSIGNAL)?)
}

/// Reads into `buf` like `read`, and returns the descriptor that came with those bytes, if
/// any (close-on-exec; when several came, the first, and the others are closed).
pub fn recv_with_fd(socket: impl AsFd, buf: &mut [u8]) -> io::Result<(usize, Option<OwnedFd>)> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = recvmsg(
        socket,
        &mut [IoSliceMut::new(buf)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    let mut found = None;
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(fds) = message {
            // More than one is not what a sender of ours sends: keep the first, close the rest.
            for fd in fds {
                found.get_or_insert(fd);
            }
        }
    }
    Ok((got.bytes, found))
}

/// Receives one descriptor sent by [`send_fd`] (close-on-exec). Blocks like a read.
pub fn recv_fd(socket: impl AsFd) -> io::Result<OwnedFd> {
    let (got, fd) = recv_with_fd(socket, &mut [0u8; 1])?;
    if got == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the peer closed without sending a descriptor",
        ));
    }
    fd.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no descriptor came"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_socket_end_handed_over_still_talks_to_its_pair() {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut keep, give) = UnixStream::pair().unwrap();
        send_fd(&a, &give).unwrap();
        drop(give);
        let mut got = UnixStream::from(recv_fd(&b).unwrap());
        got.write_all(b"hi").unwrap();
        let mut buf = [0u8; 2];
        keep.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }

    #[test]
    fn a_byte_without_a_descriptor_is_an_error_not_a_hang() {
        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(&[1]).unwrap();
        assert_eq!(recv_fd(&b).unwrap_err().kind(), io::ErrorKind::InvalidData);
        drop(a);
        assert_eq!(
            recv_fd(&b).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
