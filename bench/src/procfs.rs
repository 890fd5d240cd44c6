//! Readers for /proc: which vCPU a thread last ran on, CPU time of processes and of the
//! whole machine, and host facts.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs;

/// Clock ticks per second of /proc/stat (`getconf CLK_TCK`).
pub fn clk_tck() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if v > 0 {
        v as u64
    } else {
        100
    }
}

/// Fields after the `(comm)` of a /proc stat line; index 0 is field 3 (`state`).
fn stat_fields(text: &str) -> Option<Vec<&str>> {
    let close = text.rfind(')')?;
    Some(text[close + 1..].split_whitespace().collect())
}

/// The `processor` field (39) of `/proc/<pid>/task/<tid>/stat`: the vCPU it last ran on.
pub fn last_cpu(pid: u32, tid: u32) -> Option<u32> {
    let text = fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    stat_fields(&text)?.get(39 - 3)?.parse().ok()
}

/// CPU time of all threads of a process in ns: the sum of per-thread
/// `/proc/<pid>/task/<tid>/schedstat` (precise), or utime+stime from `/proc/<pid>/stat`
/// (clock ticks) where schedstat is missing. 0 when the process is gone.
pub fn process_cpu_ns(pid: u32) -> u64 {
    let mut total = 0u64;
    let mut found = false;
    if let Ok(dir) = fs::read_dir(format!("/proc/{pid}/task")) {
        for e in dir.flatten() {
            let mut p = e.path();
            p.push("schedstat");
            if let Ok(s) = fs::read_to_string(&p) {
                if let Some(ns) = s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    total += ns;
                    found = true;
                }
            }
        }
    }
    if found {
        return total;
    }
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    let Some(f) = stat_fields(&text) else {
        return 0;
    };
    let ticks: u64 = [14usize, 15]
        .iter()
        .filter_map(|&i| f.get(i - 3).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    ticks * 1_000_000_000 / clk_tck()
}

/// CPU time in ns of every process on the machine (kernel threads included), by pid.
pub fn cpu_snapshot() -> HashMap<u32, u64> {
    let mut map = HashMap::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for e in dir.flatten() {
            if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
                map.insert(pid, process_cpu_ns(pid));
            }
        }
    }
    map
}

/// Busy CPU time of the whole machine in ns, from the `cpu` line of /proc/stat
/// (user + nice + system + irq + softirq; idle, iowait and steal excluded).
pub fn machine_busy_ns() -> u64 {
    let Ok(text) = fs::read_to_string("/proc/stat") else {
        return 0;
    };
    let Some(line) = text.lines().next() else {
        return 0;
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let ticks = get(0) + get(1) + get(2) + get(5) + get(6);
    ticks * 1_000_000_000 / clk_tck()
}

/// The number of a `/proc/<pid>/status` line such as `VmRSS:  1234 kB` or `Threads:  7`
/// (kB for the memory lines).
pub fn status_number(pid: u32, key: &str) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text
        .lines()
        .find(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Facts about the machine recorded in every output line.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Host {
    /// Online vCPUs.
    pub nproc: usize,
    /// `uname -r`.
    pub kernel: String,
    /// /sys/devices/system/cpu/cpuidle/current_driver.
    pub cpuidle: String,
    /// `node --version`, or `missing`.
    #[serde(default)]
    pub node: String,
}

impl Host {
    /// Reads the host facts; `node` is filled in by the caller.
    pub fn read() -> Host {
        let read = |p: &str| {
            fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".to_string())
        };
        Host {
            nproc: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            kernel: read("/proc/sys/kernel/osrelease"),
            cpuidle: read("/sys/devices/system/cpu/cpuidle/current_driver"),
            node: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_thread_and_cpu_time() {
        let pid = std::process::id();
        assert!(last_cpu(pid, pid).is_some());
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(x);
        assert!(process_cpu_ns(pid) > 0);
        assert!(machine_busy_ns() > 0);
        assert!(cpu_snapshot().get(&pid).copied().unwrap_or(0) > 0);
        assert!(Host::read().nproc >= 1);
        assert!(status_number(pid, "VmRSS").unwrap_or(0) > 0);
        assert!(status_number(pid, "Threads").unwrap_or(0) >= 1);
    }
}
