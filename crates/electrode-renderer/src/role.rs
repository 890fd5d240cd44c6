//! The child side of "this binary is also my renderer".

/// The environment variable that carries the role; main's `electrode::self_command` and
/// `Main::spawn_self` set it (the same name as `electrode::ENV_ROLE`).
pub const ENV_ROLE: &str = "ELECTRODE_ROLE";

/// The renderer role this process was started for by `Main::spawn_self(role)` (or
/// `electrode::self_command(role)`), or `None` when it was started some other way, for
/// example by `cargo run`, and so is the main process.
///
/// Call it first thing in `main` and branch:
///
/// ```no_run
/// use electrode_renderer::{renderer_role, IpcRenderer};
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     match renderer_role().as_deref() {
///         Some("indexer") => {
///             let ipc = IpcRenderer::connect_from_env()?;
///             ipc.send("ready", &())?;
///             ipc.wait_disconnected();
///         }
///         Some(other) => return Err(format!("unknown renderer role {other}").into()),
///         None => { /* main process: Main::builder().start()?, main.spawn_self("indexer")? */ }
///     }
///     Ok(())
/// }
/// ```
///
/// An empty value counts as no role (main never sets one).
pub fn renderer_role() -> Option<String> {
    let role = std::env::var_os(ENV_ROLE)?;
    let role = role.to_string_lossy().into_owned();
    (!role.is_empty()).then_some(role)
}
