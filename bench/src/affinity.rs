//! CPU pinning with `sched_setaffinity`, and parent-death signals for child processes.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

fn cpu_set(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is plain data; CPU_ZERO/CPU_SET only write into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        set
    }
}

/// Pins one thread (`tid`, or the calling thread when `tid` is 0) to one vCPU.
pub fn pin_thread(tid: u32, cpu: usize) -> io::Result<()> {
    let set = cpu_set(cpu);
    // SAFETY: valid pointer to a fully initialised cpu_set_t of the given size.
    let rc = unsafe {
        libc::sched_setaffinity(
            tid as libc::pid_t,
            std::mem::size_of::<libc::cpu_set_t>(),
            &set,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Pins every current thread of process `pid` to one vCPU (threads created later inherit
/// the mask of the thread that creates them).
pub fn pin_process(pid: u32, cpu: usize) -> io::Result<()> {
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        if let Some(tid) = entry?.file_name().to_str().and_then(|s| s.parse().ok()) {
            // A thread may have exited meanwhile; ignore that one.
            let _ = pin_thread(tid, cpu);
        }
    }
    Ok(())
}

/// Pins the calling thread when `cpu` is given; exits loudly if that fails.
pub fn pin_self(cpu: Option<usize>) {
    if let Some(cpu) = cpu {
        if let Err(e) = pin_thread(0, cpu) {
            eprintln!("electrode-bench: cannot pin to vCPU {cpu}: {e}");
            std::process::exit(2);
        }
    }
}

/// Makes the command's process die with SIGKILL when the spawning thread dies, and
/// optionally pins it to a vCPU before `exec` (so every thread it starts inherits it).
pub fn prepare_child(cmd: &mut Command, cpu: Option<usize>) {
    let set = cpu.map(cpu_set);
    // SAFETY: only async-signal-safe calls (prctl, sched_setaffinity) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if let Some(set) = &set {
                if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}
