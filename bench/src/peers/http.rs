//! HTTP floor for the browser's `sendSync` (a synchronous XHR to the bridge): a trivial
//! HTTP/1.1 POST handler on 127.0.0.1 answering `{"returnValue":true}` (or echoing), and
//! a keep-alive Rust client loop over one connection with `TCP_NODELAY`. Both ends are
//! hand-written std code with minimal header parsing, so this is the cost of the HTTP
//! round trip itself; the browser's own overhead is measured later (W7).
//!
//! Paths: `/ipc/sync` (parse the envelope, reply), `/ipc/echo` (parse, echo),
//! `/ipc/sync-bin` and `/ipc/echo-bin` (raw bytes, no parsing).

use super::{child_args, driver_sides, spawn_listening_child};
use super::{Children, Launch, Peer, Session};
use crate::cell::{measure_loop, CellSpec, Outcome, PayloadKind, Res, Sides, Workload};
use crate::frame::{write_parts, READ_BUF};
use crate::payload::{decode_sync_reply, parse_env_raw, Payload, SYNC_REPLY};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// The HTTP floor peer.
pub struct HttpFloor;

/// Reads the header block after the start line; returns Content-Length.
fn read_headers(r: &mut impl BufRead, line: &mut Vec<u8>) -> Res<usize> {
    let mut len = 0usize;
    loop {
        line.clear();
        if r.read_until(b'\n', line)? == 0 {
            return Err("connection closed in headers".into());
        }
        if line == b"\r\n" || line == b"\n" {
            return Ok(len);
        }
        const CL: &[u8] = b"content-length:";
        if line.len() > CL.len() && line[..CL.len()].eq_ignore_ascii_case(CL) {
            len = std::str::from_utf8(&line[CL.len()..])?.trim().parse()?;
        }
    }
}

/// Reads a body of `len` bytes into `buf` (grown, never shrunk) and returns it.
fn read_body<'a>(r: &mut impl Read, buf: &'a mut Vec<u8>, len: usize) -> Res<&'a [u8]> {
    if buf.len() < len {
        buf.resize(len, 0);
    }
    r.read_exact(&mut buf[..len])?;
    Ok(&buf[..len])
}

impl Peer for HttpFloor {
    fn id(&self) -> &'static str {
        "http-floor"
    }

    fn title(&self) -> &'static str {
        "HTTP/1.1 keep-alive POST on 127.0.0.1 (std both ends): floor of browser sendSync"
    }

    fn supports(&self, workload: Workload, _payload: PayloadKind) -> bool {
        workload.is_latency()
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        let (children, port) = spawn_listening_child(self.id(), launch.placement.other_cpu())?;
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_nodelay(true)?;
        let r = BufReader::with_capacity(READ_BUF, s.try_clone()?);
        Ok(Box::new(HttpSession {
            w: s,
            r,
            children,
            head: Vec::new(),
            body: Vec::new(),
            line: Vec::new(),
            rbody: Vec::new(),
        }))
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let (_, cpu) = child_args(args);
        crate::affinity::pin_self(cpu);
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", listener.local_addr()?.port())?;
            out.flush()?;
        }
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut w = s.try_clone()?;
        let mut r = BufReader::with_capacity(READ_BUF, s);
        let (mut line, mut buf, mut head) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            let path = line.split(|&b| b == b' ').nth(1).unwrap_or(b"");
            let (parse, echo) = match path {
                b"/ipc/sync" => (true, false),
                b"/ipc/echo" => (true, true),
                b"/ipc/sync-bin" => (false, false),
                b"/ipc/echo-bin" => (false, true),
                _ => return Err(format!("unknown path {:?}", String::from_utf8_lossy(path)).into()),
            };
            let len = read_headers(&mut r, &mut line)?;
            let body = read_body(&mut r, &mut buf, len)?;
            if parse {
                parse_env_raw(body)?;
            }
            let (ctype, reply) = match (echo, parse) {
                (false, _) => ("application/json", SYNC_REPLY),
                (true, true) => ("application/json", body),
                (true, false) => ("application/octet-stream", body),
            };
            head.clear();
            write!(
                head,
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
                reply.len()
            )?;
            write_parts(&mut w, &[&head, reply])?;
        }
    }
}

struct HttpSession {
    w: TcpStream,
    r: BufReader<TcpStream>,
    children: Children,
    head: Vec<u8>,
    body: Vec<u8>,
    line: Vec<u8>,
    rbody: Vec<u8>,
}

impl Session for HttpSession {
    fn sides(&self) -> Sides {
        driver_sides(&self.children)
    }

    fn run(&mut self, cell: &CellSpec) -> Res<Outcome> {
        if !cell.workload.is_latency() {
            return Err("http-floor: only W1/W1e".into());
        }
        let (payload, out) = Payload::for_cell(cell)?;
        let sync = cell.workload == Workload::W1;
        let (path, ctype) = match (sync, payload.is_binary()) {
            (true, false) => ("/ipc/sync", "application/json"),
            (false, false) => ("/ipc/echo", "application/json"),
            (true, true) => ("/ipc/sync-bin", "application/octet-stream"),
            (false, true) => ("/ipc/echo-bin", "application/octet-stream"),
        };
        let s = self;
        let samples = measure_loop(cell, || {
            let body: &[u8] = match &payload {
                Payload::Binary(b) => b,
                _ => {
                    s.body.clear();
                    payload.write_env(&mut s.body)?;
                    &s.body
                }
            };
            s.head.clear();
            write!(
                s.head,
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )?;
            write_parts(&mut s.w, &[&s.head, body])?;
            s.line.clear();
            s.r.read_until(b'\n', &mut s.line)?;
            if !s.line.starts_with(b"HTTP/1.1 200") {
                return Err(format!("bad status {:?}", String::from_utf8_lossy(&s.line)).into());
            }
            let len = read_headers(&mut s.r, &mut s.line)?;
            let reply = read_body(&mut s.r, &mut s.rbody, len)?;
            if sync {
                decode_sync_reply(reply)
            } else {
                payload.decode_echo(reply)
            }
        })?;
        Ok(Outcome {
            samples_ns: Some(samples),
            ..out
        })
    }
}
