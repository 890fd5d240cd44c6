//! Headless Chromium for the workloads that drive a real page (W7, the soak): one launch with
//! the project's flags, in its own process group so that ending it ends its helpers too.

use crate::cell::Res;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Where the browser is expected (Debian's `chromium` package).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A running headless Chromium; dropping it kills its whole process group.
pub struct Browser {
    child: Child,
}

/// Whether the browser is installed.
pub fn available() -> bool {
    Path::new(CHROMIUM).exists()
}

impl Browser {
    /// Opens `url` in a fresh headless Chromium whose profile lives in `profile`.
    pub fn start(url: &str, profile: &Path) -> Res<Browser> {
        let mut cmd = Command::new(CHROMIUM);
        cmd.args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {CHROMIUM}: {e}"))?;
        Ok(Browser { child })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group of the child we started (it is its leader and
        // not yet reaped, so the id cannot have been reused).
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}
