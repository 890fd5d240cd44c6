//! The Unix-socket link to Rust renderer processes: the accept loop, the handshake, and the
//! writer. Reading and running listeners is the workers' job (`workers.rs`).

use std::collections::VecDeque;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};

use bytes::Bytes;
use electrode_wire::io::FrameReader;
use electrode_wire::{Encoded, Frame};

use crate::main_process::Shared;
use crate::transport::{Connection, Outbound, SendFailure};
use crate::workers::{describe, handle_whole_frames};

pub(crate) fn accept_loop(listener: UnixListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.shutting_down.load(Ordering::Acquire) {
            break;
        }
        match stream {
            Ok(stream) => {
                let shared = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name("electrode-conn".into())
                    .spawn(move || serve(stream, shared));
                if let Err(e) = spawned {
                    tracing::error!("cannot start a thread for a new renderer connection: {e}");
                }
            }
            Err(e) => tracing::warn!("accept on the renderer socket failed: {e}"),
        }
    }
}

fn refuse(stream: &UnixStream, reason: &str) {
    tracing::warn!("refused a renderer connection: {reason}");
    let frame = Frame::Close {
        reason: format!("connection refused: {reason}"),
    }
    .encode();
    let _ = electrode_wire::io::write_frame(&mut &*stream, &frame);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Authenticates a new connection on its own short-lived thread (a slow or silent client
/// delays nobody else), then hands the link to the workers.
fn serve(stream: UnixStream, shared: Arc<Shared>) {
    let limits = shared.limits;
    let _ = stream.set_read_timeout(Some(limits.handshake_timeout));
    let mut hello_reader = FrameReader::new(&stream, limits.max_message_size);
    let token = match hello_reader
        .read_frame()
        .map(|b| Frame::decode(b, limits.max_message_size))
    {
        Ok(Ok(Frame::Hello { token })) => token,
        Ok(Ok(other)) => {
            return refuse(
                &stream,
                &format!("first frame was {:?}, not Hello", other.kind()),
            )
        }
        Ok(Err(e)) => return refuse(&stream, &format!("malformed hello: {e}")),
        Err(e) => return refuse(&stream, &format!("no hello: {}", describe(&e))),
    };
    // Bytes that came right behind the hello stay in the decoder, for the workers.
    let mut decoder = hello_reader.into_decoder();
    let contents = match shared.tickets.redeem(&token) {
        Ok(c) => c,
        Err(why) => return refuse(&stream, &why),
    };
    let _ = stream.set_read_timeout(None);
    let id = contents.id();
    let write_half = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => {
            let reason = format!("cannot clone the socket of renderer {id}: {e}");
            tracing::error!("{reason}");
            return contents.destroy(&reason);
        }
    };
    let out = Arc::new(UdsOutbound::new(
        write_half,
        id,
        limits.outbound_queue_bytes,
    ));
    let welcome = Frame::Welcome {
        id,
        embedder: contents.embedder().map_or(0, |e| e.id()),
    };
    if let Err(e) = out.send(&welcome.encode()) {
        let reason = format!("renderer {id} hung up before the handshake finished ({e})");
        tracing::warn!(renderer = id, "{reason}");
        return contents.destroy(&reason);
    }
    if contents.attach(out.clone()).is_err() {
        out.close("renderer was destroyed before it connected");
        return;
    }
    tracing::info!(renderer = id, "renderer connected");
    let conn = Connection::new(contents, shared.ipc.clone(), shared.registry.clone());
    // Frames that came in with the hello run here, before any worker can see the link, so
    // they keep their place in the renderer's order.
    if let Err(reason) = handle_whole_frames(&mut decoder, &conn, limits.max_message_size) {
        return conn.closed(&reason);
    }
    shared.workers.register(stream, decoder, conn);
}

struct WriteQueue {
    frames: VecDeque<[Bytes; 2]>,
    bytes: usize,
    closed: Option<String>,
    flusher: bool,
}

/// Writes frames to a renderer without blocking the caller: a direct non-blocking `sendmsg`
/// when nothing is queued (the fast path), otherwise a bounded queue drained by a flusher thread
/// that is started the first time the socket is full.
pub(crate) struct UdsOutbound(Arc<Writer>);

struct Writer {
    stream: UnixStream,
    renderer: u64,
    limit: usize,
    queue: Mutex<WriteQueue>,
    wake: Condvar,
}

fn send_nonblocking(fd: i32, parts: &[&[u8]]) -> io::Result<usize> {
    let iov: Vec<libc::iovec> = parts
        .iter()
        .map(|p| libc::iovec {
            iov_base: p.as_ptr() as *mut libc::c_void,
            iov_len: p.len(),
        })
        .collect();
    // SAFETY: msghdr is plain data; we point it at `iov`, which outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = iov.len() as _;
    loop {
        // SAFETY: fd is a live socket owned by the caller; msg and its buffers are valid.
        let n = unsafe { libc::sendmsg(fd, &msg, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn remainder(parts: [Bytes; 2], mut written: usize) -> [Bytes; 2] {
    let [mut a, mut b] = parts;
    let from_a = written.min(a.len());
    a = a.slice(from_a..);
    written -= from_a;
    b = b.slice(written..);
    [a, b]
}

impl UdsOutbound {
    fn new(stream: UnixStream, renderer: u64, limit: usize) -> Self {
        UdsOutbound(Arc::new(Writer {
            stream,
            renderer,
            limit,
            queue: Mutex::new(WriteQueue {
                frames: VecDeque::new(),
                bytes: 0,
                closed: None,
                flusher: false,
            }),
            wake: Condvar::new(),
        }))
    }
}

impl Writer {
    fn flush_loop(self: Arc<Self>) {
        loop {
            let parts = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if q.closed.is_some() {
                        return;
                    }
                    if let Some(front) = q.frames.front() {
                        break front.clone();
                    }
                    q = self.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                }
            };
            let len = parts[0].len() + parts[1].len();
            let encoded = Encoded {
                head: parts[0].to_vec(),
                body: parts[1].clone(),
            };
            let result = electrode_wire::io::write_frame(&mut &self.stream, &encoded);
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = result {
                q.closed
                    .get_or_insert_with(|| format!("write to renderer failed: {e}"));
                return;
            }
            q.frames.pop_front();
            q.bytes -= len;
        }
    }
}

impl Outbound for UdsOutbound {
    fn send(&self, frame: &Encoded) -> Result<(), SendFailure> {
        let w = &self.0;
        let mut q = w.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(reason) = &q.closed {
            return Err(SendFailure::Closed(reason.clone()));
        }
        let parts = || [Bytes::copy_from_slice(&frame.head), frame.body.clone()];
        if q.frames.is_empty() {
            let total = frame.len();
            let rest = match send_nonblocking(w.stream.as_raw_fd(), &[&frame.head, &frame.body]) {
                Ok(n) if n == total => return Ok(()),
                Ok(n) => remainder(parts(), n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => parts(),
                Err(e) => {
                    let reason = format!("write to renderer {} failed: {e}", w.renderer);
                    q.closed = Some(reason.clone());
                    return Err(SendFailure::Closed(reason));
                }
            };
            q.bytes += rest[0].len() + rest[1].len();
            q.frames.push_back(rest);
        } else {
            if q.bytes + frame.len() > w.limit {
                return Err(SendFailure::QueueFull {
                    queued: q.bytes,
                    limit: w.limit,
                });
            }
            q.bytes += frame.len();
            q.frames.push_back(parts());
        }
        if !q.flusher {
            q.flusher = true;
            let writer = w.clone();
            let spawned = std::thread::Builder::new()
                .name("electrode-flush".into())
                .spawn(move || writer.flush_loop());
            if let Err(e) = spawned {
                let reason = format!(
                    "cannot start a writer thread for renderer {}: {e}",
                    w.renderer
                );
                q.closed = Some(reason.clone());
                return Err(SendFailure::Closed(reason));
            }
        }
        w.wake.notify_one();
        Ok(())
    }

    fn close(&self, reason: &str) {
        let w = &self.0;
        let mut q = w.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed.is_some() {
            return;
        }
        q.closed = Some(reason.to_string());
        if q.frames.is_empty() {
            let frame = Frame::Close {
                reason: reason.to_string(),
            }
            .encode();
            let _ = send_nonblocking(w.stream.as_raw_fd(), &[&frame.head, &frame.body]);
        }
        let _ = w.stream.shutdown(std::net::Shutdown::Both);
        w.wake.notify_all();
    }
}
