//! The peers, and the one place where a peer is registered.
//!
//! # How a peer runs
//!
//! The runner never measures anything itself. For every (peer, placement) it starts a
//! **driver** process and talks to it with one JSON line per message:
//!
//! ```text
//! driver → runner   {"ready":{"measure":{"pid":..,"tid":..},"other":{..},"measure_pids":[..],"other_pids":[..]}}
//! runner → driver   {"cell":{"workload":"W1","payload":"string","size":100,"n":..,"warmup":..,"cap_ms":..,"records":0}}
//! driver → runner   {"samples_ns":[..],"wire_bytes":..}  or  {"elapsed_ns":..,"msgs":..,..}  or  {"error":".."}
//! runner → driver   {"quit":true}            (or EOF on stdin)
//! ```
//!
//! The driver starts the answering side itself (its "other" process) and reports both
//! sides so that the runner can pin them (`split`/`pinned`) and watch which vCPU each last
//! ran on. For Rust peers the driver is this same binary (`electrode-bench __driver <id>`),
//! which calls [`Peer::open_session`] and then [`crate::driver::serve`]; the answering
//! process is `electrode-bench __child <id> ..`, which calls [`Peer::child_main`]. A peer
//! written in another language overrides [`Peer::launch`] to start its own driver that
//! speaks the same protocol (see [`node`]).
//!
//! # Adding a peer: one module
//!
//! 1. Write `peers/<name>.rs` with a unit struct implementing [`Peer`] (and a
//!    [`Session`] type for the driver side).
//! 2. Add it to [`registry`]. The runner then interleaves it with the others, pins it,
//!    monitors it and puts it in the tables.
//!
//! # The Electrode peer (P0)
//!
//! P0 ([`electrode`]) measures the project itself; what each workload does there is in
//! that module's docs. The shape it follows (kept as the recipe for similar peers):
//!
//! - `peers/electrode.rs`, `struct Electrode;` with `id() == "electrode"`.
//! - Driver side (`open_session`): build an `electrode::Main`, register an `ipc_main`
//!   handler on channel `"bench"` that sets `returnValue` to `true` (W1) or returns the
//!   arguments (W1e), and spawn the renderer: this binary again as
//!   `electrode-bench __child electrode` with the environment `Main` sets up for it.
//! - Renderer side (`child_main`): `electrode_renderer::IpcRenderer::connect_from_env()`,
//!   then for each cell run [`crate::cell::measure_loop`] around
//!   `send_sync("bench", args)`; the renderer is the **measuring** side, so `Sides`
//!   reports the renderer as `measure` and the main process as `other`. Cells and
//!   samples can travel between driver and renderer over the renderer's stdin/stdout or
//!   over Electrode's own async channels (outside the timed loop).
//! - Pinning: the driver pins itself to the *measuring* vCPU at start, but after the
//!   ready line the runner re-pins every current thread of `measure_pids` and
//!   `other_pids` (all of `Main`'s threads included), so reporting the right pids is
//!   enough. Threads started later inherit the mask of the thread that starts them.
//! - `supports`: W1 and W1e with every payload (binary as a byte buffer argument), W2
//!   (`send`), and W4 if `Main` gets a broadcast (`open_session` is then called with
//!   `children = N` and should spawn N renderers; report the naive per-target loop too,
//!   suite rule 5).
//! - Add `&electrode::Electrode` at the marked line in [`registry`] and put `electrode`
//!   and `electrode-renderer` in bench/Cargo.toml. The table's "× raw" and
//!   "× node json" columns then show P0 against P1 and P2 from the same run.

use crate::cell::{CellSpec, Outcome, PayloadKind, Placement, Res, Sides, Workload};
use std::process::Command;

pub mod electrode;
pub mod http;
pub mod ipcchan;
pub mod node;
pub mod uds;
pub mod ws;

/// Id of the raw floor every row is compared with ("× raw").
pub const RAW_FLOOR: &str = "raw-uds";
/// Id of the JS bar every row is compared with ("× node json").
pub const NODE_JSON: &str = "node-json";

/// How a session is to be started.
#[derive(Clone, Debug)]
pub struct Launch {
    /// CPU placement of the two sides.
    pub placement: Placement,
    /// Number of answering processes: 1, or N for a W4 broadcast session.
    pub children: usize,
}

/// A peer: one IPC mechanism measured side by side with the others.
pub trait Peer: Sync {
    /// Short id used in the output (`peer` field) and on the command line.
    fn id(&self) -> &'static str;

    /// One line saying what the peer stands for.
    fn title(&self) -> &'static str;

    /// Whether the peer runs this workload with this payload.
    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool;

    /// The command that starts this peer's driver. The default re-executes this binary
    /// as `__driver <id>`; peers written in another language override it and return
    /// `Err(reason)` when their runtime is missing (the cells are then marked missing).
    fn launch(&self, launch: &Launch) -> Result<Command, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(exe);
        cmd.arg("__driver")
            .arg(self.id())
            .arg("--placement")
            .arg(launch.placement.name())
            .arg("--children")
            .arg(launch.children.to_string());
        Ok(cmd)
    }

    /// Driver side, inside `__driver <id>`: start the answering process(es) and return the
    /// session that runs cells. The calling thread is already pinned to the measuring
    /// vCPU; pin the children with [`crate::affinity::prepare_child`].
    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        let _ = launch;
        Err(format!("peer {} has no in-process driver", self.id()).into())
    }

    /// Answering side, inside `__child <id> <args..>`.
    fn child_main(&self, args: &[String]) -> Res<()> {
        let _ = args;
        Err(format!("peer {} has no child process", self.id()).into())
    }
}

/// A running pair (or broadcast group) of processes, held by a driver.
pub trait Session {
    /// The processes and threads of both sides.
    fn sides(&self) -> Sides;

    /// Runs one cell.
    fn run(&mut self, cell: &CellSpec) -> Res<Outcome>;
}

/// True for a control message of the message-oriented peers (ipc-channel, WebSocket): data is
/// either JSON starting with `{` or at least 1 MB of bytes, control messages start with `!`.
pub fn is_control(m: &[u8]) -> bool {
    m.len() < 64 && m.first() == Some(&b'!')
}

/// Every peer, in table order. **Add new peers here** (P0 goes first).
pub fn registry() -> Vec<&'static dyn Peer> {
    vec![
        &electrode::Electrode,
        &electrode::ElectrodeLoop,
        &uds::RawUds,
        &node::NODE_JSON_PEER,
        &node::NODE_ADVANCED_PEER,
        &ipcchan::IpcChannel,
        &ws::WebSocket,
        &http::HttpFloor,
    ]
}

/// Finds a peer by id.
pub fn by_id(id: &str) -> Option<&'static dyn Peer> {
    registry().into_iter().find(|p| p.id() == id)
}

/// The child processes of a session: killed and reaped when dropped.
#[derive(Default)]
pub struct Children(pub Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            // Give a child that saw EOF a moment to leave on its own, then kill it.
            for _ in 0..50 {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `Command` for `electrode-bench __child <id> <args..>`, pinned to `cpu` if given.
pub fn child_command(id: &str, cpu: Option<usize>, args: &[&str]) -> Res<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("__child").arg(id).args(args);
    crate::affinity::prepare_child(&mut cmd, cpu);
    Ok(cmd)
}

/// `Command` for `electrode-bench __extra` (the processes of the P0-only workloads and of the
/// soak), to which the caller adds the role and its arguments.
pub fn extra_command() -> Res<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("__extra");
    crate::affinity::prepare_child(&mut cmd, None);
    Ok(cmd)
}

/// Starts the `id` child on `cpu` (if given) and reads the TCP port it listens on from the
/// first line of its stdout (the network peers' start-up).
pub fn spawn_listening_child(id: &str, cpu: Option<usize>) -> Res<(Children, u16)> {
    use std::io::BufRead;
    let cpu_a = cpu_args(cpu);
    let args: Vec<&str> = cpu_a.iter().map(String::as_str).collect();
    let mut cmd = child_command(id, cpu, &args)?;
    cmd.stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no child stdout")?;
    let children = Children(vec![child]);
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let port: u16 = line
        .trim()
        .parse()
        .map_err(|_| format!("bad port line {line:?}"))?;
    Ok((children, port))
}

/// A fresh private directory for sockets, removed by the caller.
pub fn temp_dir(tag: &str) -> Res<std::path::PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "electrode-bench-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Splits `__child` arguments into positional ones and an optional `--cpu N`.
pub fn child_args(args: &[String]) -> (Vec<&str>, Option<usize>) {
    let mut pos = Vec::new();
    let mut cpu = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--cpu" {
            cpu = it.next().and_then(|v| v.parse().ok());
        } else {
            pos.push(a.as_str());
        }
    }
    (pos, cpu)
}

/// `--cpu N` arguments for a child pinned to `cpu` (none when unpinned).
pub fn cpu_args(cpu: Option<usize>) -> Vec<String> {
    cpu.map(|c| vec!["--cpu".to_string(), c.to_string()])
        .unwrap_or_default()
}

/// The pids of the spawned children.
pub fn pids(children: &Children) -> Vec<u32> {
    children.0.iter().map(|c| c.id()).collect()
}

/// The usual `Sides` of a driver that measures in its main thread and whose children
/// answer in their main threads.
pub fn driver_sides(children: &Children) -> Sides {
    let me = std::process::id();
    let other = pids(children);
    let first = other.first().copied().unwrap_or(0);
    Sides {
        measure: crate::cell::Side { pid: me, tid: me },
        other: crate::cell::Side {
            pid: first,
            tid: first,
        },
        measure_pids: vec![me],
        other_pids: other,
    }
}

/// Fails if a child already exited (used while waiting for children to connect).
pub fn check_alive(children: &mut Children) -> Res<()> {
    for c in &mut children.0 {
        if let Some(status) = c.try_wait()? {
            return Err(format!("child {} exited early: {status}", c.id()).into());
        }
    }
    Ok(())
}
