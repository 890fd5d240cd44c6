//! P3: ipc-channel 0.23 (the Rust/Servo IPC crate), bytes channels.
//!
//! Bootstrap: the driver creates an `IpcOneShotServer<Boot>` and spawns the child with
//! the server name; the child creates two `bytes_channel()`s and sends the driver its ends.
//! Short messages starting with `!` are control messages that set the child's mode
//! (`!S` W1, `!E` W1e, `!b`/`!e` the same for raw bytes, `!T` one-way) or ask for the
//! one-way count (`!A`); every other message is data handled in the current mode.

use super::{child_args, child_command, cpu_args, driver_sides, is_control};
use super::{Children, Launch, Peer, Session};
use crate::cell::{measure_loop, CellSpec, Outcome, PayloadKind, Res, Sides, Workload};
use crate::payload::{ack_body, decode_ack, decode_sync_reply, parse_env_raw, Payload, SYNC_REPLY};
use ipc_channel::ipc::{self, IpcBytesReceiver, IpcBytesSender, IpcOneShotServer, IpcSender};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The P3 peer.
pub struct IpcChannel;

#[derive(Serialize, Deserialize)]
struct Boot {
    to_child: IpcBytesSender,
    from_child: IpcBytesReceiver,
}

impl Peer for IpcChannel {
    fn id(&self) -> &'static str {
        "ipc-channel"
    }

    fn title(&self) -> &'static str {
        "P3 ipc-channel 0.23 bytes_channel"
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        match workload {
            Workload::W1 | Workload::W1e => true,
            Workload::W2 => payload == PayloadKind::String,
            Workload::W3 | Workload::W4 => false,
        }
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        let (server, name) = IpcOneShotServer::<Boot>::new()?;
        let cpu = launch.placement.other_cpu();
        let cpu_a = cpu_args(cpu);
        let mut args = vec![name.as_str()];
        args.extend(cpu_a.iter().map(String::as_str));
        let children = Children(vec![child_command(self.id(), cpu, &args)?.spawn()?]);
        let (_rx, boot) = server.accept()?;
        Ok(Box::new(IpcSession {
            tx: boot.to_child,
            rx: boot.from_child,
            children,
            buf: Vec::new(),
        }))
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let (pos, cpu) = child_args(args);
        crate::affinity::pin_self(cpu);
        let name = pos.first().ok_or("missing server name")?.to_string();
        let (to_child, rx) = ipc::bytes_channel()?;
        let (tx, from_child) = ipc::bytes_channel()?;
        IpcSender::<Boot>::connect(name)?.send(Boot {
            to_child,
            from_child,
        })?;
        let mut mode = b'S';
        let mut count = 0u64;
        loop {
            let m = match rx.recv() {
                Ok(m) => m,
                Err(ipc_channel::IpcError::Disconnected) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            if is_control(&m) {
                match m.get(1) {
                    Some(b'A') => {
                        tx.send(&ack_body(count))?;
                        count = 0;
                    }
                    Some(b'Q') => return Ok(()),
                    Some(&c) => mode = c,
                    None => return Err("empty control message".into()),
                }
                continue;
            }
            match mode {
                b'S' => {
                    parse_env_raw(&m)?;
                    tx.send(SYNC_REPLY)?;
                }
                b'E' => {
                    parse_env_raw(&m)?;
                    tx.send(&m)?;
                }
                b'b' => tx.send(SYNC_REPLY)?,
                b'e' => tx.send(&m)?,
                b'T' => {
                    parse_env_raw(&m)?;
                    count += 1;
                }
                other => return Err(format!("unknown mode {other}").into()),
            }
        }
    }
}

struct IpcSession {
    tx: IpcBytesSender,
    rx: IpcBytesReceiver,
    children: Children,
    buf: Vec<u8>,
}

impl IpcSession {
    fn one_way(&mut self, payload: &Payload, n: usize) -> Res<()> {
        self.tx.send(b"!T")?;
        for _ in 0..n {
            self.buf.clear();
            payload.write_env(&mut self.buf)?;
            self.tx.send(&self.buf)?;
        }
        self.tx.send(b"!A")?;
        let got = decode_ack(&self.rx.recv()?)?;
        if got != n as u64 {
            return Err(format!("ack {got} != sent {n}").into());
        }
        Ok(())
    }
}

impl Drop for IpcSession {
    fn drop(&mut self) {
        let _ = self.tx.send(b"!Q");
    }
}

impl Session for IpcSession {
    fn sides(&self) -> Sides {
        driver_sides(&self.children)
    }

    fn run(&mut self, cell: &CellSpec) -> Res<Outcome> {
        let (payload, mut out) = Payload::for_cell(cell)?;
        match cell.workload {
            Workload::W1 | Workload::W1e => {
                let sync = cell.workload == Workload::W1;
                let mode: &[u8] = match (sync, payload.is_binary()) {
                    (true, false) => b"!S",
                    (false, false) => b"!E",
                    (true, true) => b"!b",
                    (false, true) => b"!e",
                };
                self.tx.send(mode)?;
                let (tx, rx, buf) = (&self.tx, &self.rx, &mut self.buf);
                let samples = measure_loop(cell, || {
                    if let Payload::Binary(b) = &payload {
                        tx.send(b)?;
                    } else {
                        buf.clear();
                        payload.write_env(buf)?;
                        tx.send(buf)?;
                    }
                    let reply = rx.recv()?;
                    if sync {
                        decode_sync_reply(&reply)
                    } else {
                        payload.decode_echo(&reply)
                    }
                })?;
                out.samples_ns = Some(samples);
            }
            Workload::W2 => {
                self.one_way(&payload, cell.warmup)?;
                let t0 = Instant::now();
                self.one_way(&payload, cell.n)?;
                out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
                out.msgs = Some(cell.n as u64);
            }
            Workload::W3 | Workload::W4 => return Err("ipc-channel: W3/W4 not implemented".into()),
        }
        Ok(out)
    }
}
