//! P2: Node `child_process.fork` IPC with `json` and with `advanced` serialization: what an
//! Electron-style JS user has without Electron.
//!
//! The driver is `node bench/node/fork_peer.js driver <json|advanced> <children>`: a Node
//! parent that forks its children and speaks the runner's JSON-line protocol on
//! stdin/stdout (see [`crate::peers`]). No npm packages. When `node` is not found the
//! runner says so and records the cells as missing; it never invents numbers.

use super::{Launch, Peer};
use crate::cell::{PayloadKind, Workload};
use std::path::PathBuf;
use std::process::Command;

/// A Node fork peer with one serialization.
pub struct NodeFork {
    id: &'static str,
    serialization: &'static str,
}

/// `child_process.fork` with `serialization: 'json'`.
pub static NODE_JSON_PEER: NodeFork = NodeFork {
    id: "node-json",
    serialization: "json",
};

/// `child_process.fork` with `serialization: 'advanced'`.
pub static NODE_ADVANCED_PEER: NodeFork = NodeFork {
    id: "node-advanced",
    serialization: "advanced",
};

/// The `node` executable: `$ELECTRODE_BENCH_NODE`, else `node` on `PATH`.
pub fn node_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ELECTRODE_BENCH_NODE") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("node"))
        .find(|p| p.is_file())
}

/// `node --version`, or `missing`.
pub fn node_version() -> String {
    node_binary()
        .and_then(|n| Command::new(n).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "missing".to_string())
}

/// The driver script: `$ELECTRODE_BENCH_NODE_SCRIPT`, else `bench/node/fork_peer.js` of
/// this source tree.
pub fn script() -> PathBuf {
    std::env::var_os("ELECTRODE_BENCH_NODE_SCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node/fork_peer.js"))
}

impl Peer for NodeFork {
    fn id(&self) -> &'static str {
        self.id
    }

    fn title(&self) -> &'static str {
        if self.serialization == "json" {
            "P2 Node child_process.fork, serialization 'json'"
        } else {
            "P2 Node child_process.fork, serialization 'advanced'"
        }
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        match workload {
            // JSON serialization has no bytes type (a Buffer becomes {"type":"Buffer",..}).
            Workload::W1 | Workload::W1e => {
                payload != PayloadKind::Binary || self.serialization == "advanced"
            }
            Workload::W2 | Workload::W3 | Workload::W4 => payload == PayloadKind::String,
        }
    }

    fn launch(&self, launch: &Launch) -> Result<Command, String> {
        let node = node_binary().ok_or("node not found (set ELECTRODE_BENCH_NODE or PATH)")?;
        let script = script();
        if !script.is_file() {
            return Err(format!("node driver script {} not found", script.display()));
        }
        let mut cmd = Command::new(node);
        cmd.arg(script)
            .arg("driver")
            .arg(self.serialization)
            .arg(launch.children.to_string());
        // The Node parent and (through fork) its children start on the measuring vCPU;
        // the runner moves the children's threads for `split` once they are reported.
        crate::affinity::prepare_child(&mut cmd, launch.placement.measure_cpu());
        Ok(cmd)
    }
}
