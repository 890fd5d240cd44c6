//! "This binary is also my renderer": main starts its own executable with a role, and the
//! child, seeing the role, runs as a renderer (`electrode_renderer::renderer_role`).

use std::process::Command;

use crate::Error;

/// The environment variable that carries the role to a process started by
/// [`self_command`] or [`Main::spawn_self`](crate::Main::spawn_self).
/// `electrode_renderer::renderer_role` reads it.
///
/// An environment variable rather than an argument, so that the program's own command-line
/// parser never sees it.
pub const ENV_ROLE: &str = "ELECTRODE_ROLE";

/// A [`Command`] that runs this very program again as a renderer playing `role`.
///
/// Add arguments or environment as you like, then hand it to
/// [`Main::spawn_renderer`](crate::Main::spawn_renderer) or
/// [`Main::spawn_guest`](crate::Main::spawn_guest). For the plain case,
/// [`Main::spawn_self`](crate::Main::spawn_self) does both steps.
///
/// ```no_run
/// let main = electrode::Main::builder().start()?;
/// let mut cmd = electrode::self_command("plugin")?;
/// cmd.env("PLUGIN_NAME", "spell-checker");
/// let plugin = main.spawn_renderer(cmd)?;
/// # Ok::<(), electrode::Error>(())
/// ```
///
/// Errors: an empty role ([`Error::EmptyRole`]), or the program's own path is unknown
/// (`std::env::current_exe` failed).
pub fn self_command(role: &str) -> Result<Command, Error> {
    if role.is_empty() {
        return Err(Error::EmptyRole);
    }
    let exe = std::env::current_exe().map_err(|e| {
        Error::io(
            "finding this program's own path to start it as a renderer",
            e,
        )
    })?;
    let mut cmd = Command::new(exe);
    cmd.env(ENV_ROLE, role);
    Ok(cmd)
}
