//! P1: raw Unix domain socket in Rust (std, blocking). The physical floor of a blocking
//! socket design: u32-LE length prefix, one `writev` per frame, 64 KiB buffered reads.
//!
//! Each frame body starts with a tag byte that tells the child what to do:
//! `S` parse the envelope (serde_json `RawValue`) and reply `{"returnValue":true}`;
//! `E` parse it and echo it; `b`/`e` the same for raw bytes without parsing;
//! `T` one-way message (parsed and counted); `A` reply `{"count":n}` and reset;
//! `P` + u64-LE size: keep a string payload of that size for W3 (no reply);
//! `R` + u64-LE n: W3, send n `T` frames (serialized one by one), then `{"count":n}`.

use super::{check_alive, child_args, child_command, cpu_args, driver_sides, temp_dir};
use super::{Children, Launch, Peer, Session};
use crate::cell::{measure_loop, CellSpec, Outcome, PayloadKind, Res, Sides, Workload};
use crate::frame::{write_frame, FrameReader};
use crate::payload::{ack_body, decode_ack, decode_sync_reply, parse_env_raw, Payload, SYNC_REPLY};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

/// The P1 peer.
pub struct RawUds;

impl Peer for RawUds {
    fn id(&self) -> &'static str {
        "raw-uds"
    }

    fn title(&self) -> &'static str {
        "P1 raw UDS (Rust std): u32-LE prefix, one writev per frame, 64 KiB reads"
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        match workload {
            Workload::W1 | Workload::W1e => true,
            Workload::W2 | Workload::W3 | Workload::W4 => payload == PayloadKind::String,
        }
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        let dir = temp_dir("uds")?;
        let path = dir.join("s");
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let path_str = path.to_str().ok_or("socket path is not UTF-8")?;
        let cpu = cpu_args(launch.placement.other_cpu());
        let mut args = vec![path_str];
        args.extend(cpu.iter().map(String::as_str));
        let mut children = Children::default();
        for _ in 0..launch.children {
            children
                .0
                .push(child_command(self.id(), launch.placement.other_cpu(), &args)?.spawn()?);
        }
        let mut conns = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while conns.len() < launch.children {
            match listener.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false)?;
                    let r = FrameReader::new(s.try_clone()?);
                    conns.push(Conn { w: s, r });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    check_alive(&mut children)?;
                    if Instant::now() > deadline {
                        return Err("children did not connect".into());
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(Box::new(UdsSession {
            conns,
            children,
            buf: Vec::new(),
        }))
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let (pos, cpu) = child_args(args);
        crate::affinity::pin_self(cpu);
        let s = UnixStream::connect(pos.first().ok_or("missing socket path")?)?;
        let mut w = s.try_clone()?;
        let mut r = FrameReader::new(s);
        let mut count = 0u64;
        let mut w3 = Payload::Empty;
        let mut buf = Vec::new();
        while let Some(f) = r.next_frame()? {
            let Some((&tag, body)) = f.split_first() else {
                return Err("empty frame".into());
            };
            match tag {
                b'S' => {
                    parse_env_raw(body)?;
                    write_frame(&mut w, &[SYNC_REPLY])?;
                }
                b'E' => {
                    parse_env_raw(body)?;
                    write_frame(&mut w, &[body])?;
                }
                b'b' => write_frame(&mut w, &[SYNC_REPLY])?,
                b'e' => write_frame(&mut w, &[body])?,
                b'T' => {
                    parse_env_raw(body)?;
                    count += 1;
                }
                b'A' => {
                    write_frame(&mut w, &[&ack_body(count)])?;
                    count = 0;
                }
                b'P' => {
                    let size = u64::from_le_bytes(body.try_into()?) as usize;
                    w3 = Payload::build(crate::cell::PayloadKind::String, size, 0);
                }
                b'R' => {
                    let n = u64::from_le_bytes(body.try_into()?);
                    for _ in 0..n {
                        buf.clear();
                        buf.push(b'T');
                        w3.write_env(&mut buf)?;
                        write_frame(&mut w, &[&buf])?;
                    }
                    write_frame(&mut w, &[&ack_body(n)])?;
                }
                other => return Err(format!("unknown tag {other}").into()),
            }
        }
        Ok(())
    }
}

struct Conn {
    w: UnixStream,
    r: FrameReader<UnixStream>,
}

struct UdsSession {
    conns: Vec<Conn>,
    children: Children,
    buf: Vec<u8>,
}

impl UdsSession {
    /// Sends `n` one-way messages to every connection (serializing once per message, then
    /// writing it to each), then an ack request to each, and waits for all acks.
    fn one_way(&mut self, payload: &Payload, n: usize) -> Res<()> {
        for _ in 0..n {
            self.buf.clear();
            self.buf.push(b'T');
            payload.write_env(&mut self.buf)?;
            for c in &mut self.conns {
                write_frame(&mut c.w, &[&self.buf])?;
            }
        }
        for c in &mut self.conns {
            write_frame(&mut c.w, &[b"A"])?;
        }
        for c in &mut self.conns {
            let ack = c.r.next_frame()?.ok_or("child closed")?;
            let got = decode_ack(ack)?;
            if got != n as u64 {
                return Err(format!("ack {got} != sent {n}").into());
            }
        }
        Ok(())
    }
}

impl Session for UdsSession {
    fn sides(&self) -> Sides {
        driver_sides(&self.children)
    }

    fn run(&mut self, cell: &CellSpec) -> Res<Outcome> {
        let (payload, mut out) = Payload::for_cell(cell)?;
        match cell.workload {
            Workload::W1 | Workload::W1e => {
                let sync = cell.workload == Workload::W1;
                let tag = match (sync, payload.is_binary()) {
                    (true, false) => b'S',
                    (false, false) => b'E',
                    (true, true) => b'b',
                    (false, true) => b'e',
                };
                let c = self.conns.first_mut().ok_or("no child")?;
                let buf = &mut self.buf;
                let samples = measure_loop(cell, || {
                    if let Payload::Binary(b) = &payload {
                        write_frame(&mut c.w, &[&[tag], b])?;
                    } else {
                        buf.clear();
                        buf.push(tag);
                        payload.write_env(buf)?;
                        write_frame(&mut c.w, &[buf])?;
                    }
                    let reply = c.r.next_frame()?.ok_or("child closed")?;
                    if sync {
                        decode_sync_reply(reply)
                    } else {
                        payload.decode_echo(reply)
                    }
                })?;
                out.samples_ns = Some(samples);
            }
            Workload::W3 => {
                let c = self.conns.first_mut().ok_or("no child")?;
                write_frame(&mut c.w, &[b"P", &(cell.size as u64).to_le_bytes()])?;
                let mut recv = |n: usize| -> Res<()> {
                    write_frame(&mut c.w, &[b"R", &(n as u64).to_le_bytes()])?;
                    for _ in 0..n {
                        let f = c.r.next_frame()?.ok_or("child closed")?;
                        let (_, body) = f.split_first().ok_or("empty frame")?;
                        parse_env_raw(body)?;
                    }
                    let ack = c.r.next_frame()?.ok_or("child closed")?;
                    if decode_ack(ack)? != n as u64 {
                        return Err("W3: wrong count".into());
                    }
                    Ok(())
                };
                recv(cell.warmup)?;
                let t0 = Instant::now();
                recv(cell.n)?;
                out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
                out.msgs = Some(cell.n as u64);
                out.deliveries = Some(cell.n as u64);
            }
            Workload::W2 | Workload::W4 => {
                self.one_way(&payload, cell.warmup)?;
                let t0 = Instant::now();
                self.one_way(&payload, cell.n)?;
                out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
                out.msgs = Some(cell.n as u64);
                out.deliveries = Some((cell.n * self.conns.len()) as u64);
            }
        }
        Ok(out)
    }
}
