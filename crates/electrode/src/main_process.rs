//! `Main`: the running main process (socket, renderers, spawning).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use electrode_wire::handshake::{Agreement, PROTOCOL_VERSION};
use electrode_wire::memory::MemoryLink;
use electrode_wire::session::MainSession;
use electrode_wire::{ValueRules, DEFAULT_MAX_MESSAGE_SIZE, ENV_SOCKET, ENV_TOKEN};
use serde::Serialize;

use crate::auth::Tickets;
use crate::contents::Registry;
use crate::reaper::Reaper;
use crate::stop::{Stop, Woken};
use crate::transport::{Connection, Outbound};
use crate::workers::Workers;
use crate::{Error, IpcMain, RendererKind, WebContents};

/// Size and time limits of a main process.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest frame body accepted from or sent to a renderer (default 64 MiB). Checked before
    /// sending, so an oversized message is an error for its sender and the link survives.
    pub max_message_size: usize,
    /// Bytes that may wait for a renderer that has not connected yet (default 64 MiB).
    pub pending_bytes: usize,
    /// Bytes that may wait for a connected renderer that does not read (default 256 MiB).
    pub outbound_queue_bytes: usize,
    /// How long a new connection may take to authenticate, in total (default 5 s).
    pub handshake_timeout: Duration,
    /// Connections that may be authenticating at once (default 64); more wait in the socket's
    /// backlog until a slot frees, so silent clients cost a bounded number of threads.
    pub max_concurrent_handshakes: usize,
    /// The largest memory region a Rust renderer may share with main for its large messages
    /// (docs/adr/0022; default 16 MiB). A renderer on a Unix socket offers one with its Hello;
    /// messages of 64 KiB and more then travel through it, not through the socket. 0 turns the
    /// shared-memory path off: every message uses the socket.
    pub max_shared_region: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            pending_bytes: 64 * 1024 * 1024,
            outbound_queue_bytes: 256 * 1024 * 1024,
            handshake_timeout: Duration::from_secs(5),
            max_concurrent_handshakes: 64,
            max_shared_region: 16 * 1024 * 1024,
        }
    }
}

pub(crate) struct Shared {
    pub(crate) ipc: IpcMain,
    pub(crate) registry: Arc<Registry>,
    pub(crate) tickets: Tickets,
    pub(crate) limits: Limits,
    pub(crate) shutting_down: AtomicBool,
    pub(crate) workers: Workers,
    pub(crate) handshakes: crate::uds::HandshakeSlots,
    reaper: Reaper,
    socket_path: PathBuf,
    accept: Mutex<Option<JoinHandle<()>>>,
    stop: Arc<Stop>,
}

/// Configures a [`Main`].
#[derive(Default)]
pub struct MainBuilder {
    ipc: Option<IpcMain>,
    limits: Limits,
    rules: ValueRules,
}

impl MainBuilder {
    /// Uses these listeners (default: a new, empty [`IpcMain`]).
    pub fn ipc(mut self, ipc: IpcMain) -> Self {
        self.ipc = Some(ipc);
        self
    }

    /// Sets all limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Chooses which values travel (default [`ValueRules::Json`], Electron 1.7.8's rules).
    /// [`ValueRules::StructuredClone`] is what Electron 9+ sends: `Date`, `Map`, `Set`, typed
    /// arrays, `BigInt`, `undefined`, `NaN` and shared references arrive as themselves
    /// (see docs/adr/0018). Every renderer of this main then speaks those rules; one that
    /// cannot is refused with a message saying so.
    ///
    /// ```no_run
    /// use electrode::{Main, ValueRules, Value};
    /// let main = Main::builder().values(ValueRules::StructuredClone).start()?;
    /// main.ipc().on("when", |event, args| {
    ///     let when = args.value(0)?; // a `Value::Date` from a page's `new Date()`
    ///     event.reply("when", &(when, Value::Undefined))?;
    ///     Ok(())
    /// });
    /// # Ok::<(), electrode::Error>(())
    /// ```
    pub fn values(mut self, rules: ValueRules) -> Self {
        self.rules = rules;
        self
    }

    /// Sets the largest message size in bytes.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.limits.max_message_size = bytes;
        self
    }

    /// Creates the private socket directory (mode 0700), binds the socket and starts accepting.
    ///
    /// Also raises the process's soft limit on open files to its hard limit: every renderer
    /// link and bridge connection is a descriptor, and the common soft limit of 1024 is reached
    /// by a few hundred renderers or an idle-connection flood.
    pub fn start(self) -> Result<Main, Error> {
        raise_open_file_limit();
        let dir = tempfile::Builder::new()
            .prefix("electrode-")
            .tempdir()
            .map_err(|e| Error::io("creating the socket directory", e))?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io("making the socket directory private", e))?;
        let socket_path = dir.path().join("main.sock");
        let listener = UnixListener::bind(&socket_path)
            .map_err(|e| Error::io(format!("binding {}", socket_path.display()), e))?;
        let shared = Arc::new(Shared {
            ipc: self.ipc.unwrap_or_default(),
            registry: Registry::new(self.limits, self.rules),
            tickets: Tickets::default(),
            limits: self.limits,
            shutting_down: AtomicBool::new(false),
            workers: Workers::start(self.limits.max_message_size)
                .map_err(|e| Error::io("starting the renderer-link workers", e))?,
            handshakes: crate::uds::HandshakeSlots::new(self.limits.max_concurrent_handshakes),
            reaper: Reaper::new(),
            socket_path: socket_path.clone(),
            accept: Mutex::new(None),
            stop: Arc::new(Stop::default()),
        });
        let accept = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("electrode-accept".into())
                .spawn(move || crate::uds::accept_loop(listener, shared))
                .map_err(|e| Error::io("starting the accept thread", e))?
        };
        *shared.accept.lock().unwrap_or_else(|e| e.into_inner()) = Some(accept);
        tracing::debug!(socket = %socket_path.display(), "main process listening");
        Ok(Main {
            shared,
            socket_path,
            _dir: dir,
        })
    }
}

/// What a renderer started by other means needs to connect: the socket and its token.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Main's socket path.
    pub socket: PathBuf,
    /// The renderer's single-use token.
    pub token: String,
}

impl Ticket {
    /// Puts the ticket into a command's environment (`ELECTRODE_SOCKET`, `ELECTRODE_TOKEN`).
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env(ENV_SOCKET, &self.socket)
            .env(ENV_TOKEN, &self.token);
    }
}

/// A running main process.
///
/// ```no_run
/// use electrode::{IpcMain, Main};
/// use std::process::Command;
///
/// let ipc = IpcMain::new();
/// ipc.on("sum", |event, args| {
///     let v: Vec<f64> = args.get(0)?;
///     event.set_return_value(v.iter().sum::<f64>())?;
///     Ok(())
/// });
/// let main = Main::builder().ipc(ipc).start()?;
/// let renderer = main.spawn_renderer(Command::new("./my-renderer"))?;
/// renderer.send("config", &("dark",))?;
/// # Ok::<(), electrode::Error>(())
/// ```
#[must_use = "dropping the Main shuts it down at once (every renderer link is closed)"]
pub struct Main {
    shared: Arc<Shared>,
    socket_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Main {
    /// A builder with default limits.
    pub fn builder() -> MainBuilder {
        MainBuilder::default()
    }

    /// The listener table.
    pub fn ipc(&self) -> &IpcMain {
        &self.shared.ipc
    }

    /// The value rules this main uses (see [`MainBuilder::values`]).
    pub fn value_rules(&self) -> ValueRules {
        self.shared.registry.rules
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// The Unix socket renderers connect to.
    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// Starts a Rust renderer process. The child finds main through `ELECTRODE_SOCKET` and
    /// proves itself with the single-use token in `ELECTRODE_TOKEN`. Messages sent to the
    /// returned `WebContents` before the child connects are queued.
    pub fn spawn_renderer(&self, cmd: Command) -> Result<WebContents, Error> {
        self.spawn(cmd, None)
    }

    /// Starts this very program again as a renderer playing `role`: the one-binary pattern,
    /// so `cargo run` builds everything the app spawns. The child learns its role from
    /// `electrode_renderer::renderer_role()`, which it calls first thing in `main`.
    ///
    /// ```no_run
    /// use electrode::Main;
    /// use electrode_renderer::{renderer_role, IpcRenderer};
    ///
    /// fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     if let Some(role) = renderer_role() {
    ///         let ipc = IpcRenderer::connect_from_env()?;
    ///         ipc.send("hello", &(role,))?;
    ///         return Ok(());
    ///     }
    ///     let main = Main::builder().start()?;
    ///     let worker = main.spawn_self("worker")?;
    ///     worker.send("config", &("dark",))?;
    ///     main.wait()?;
    ///     Ok(())
    /// }
    /// ```
    ///
    /// Same as `spawn_renderer(self_command(role)?)`; use [`self_command`](crate::self_command)
    /// to add arguments or environment first.
    pub fn spawn_self(&self, role: &str) -> Result<WebContents, Error> {
        self.spawn_renderer(crate::self_command(role)?)
    }

    /// Makes a renderer that lives in this process: returns its `WebContents` and the
    /// in-memory link the renderer connects with (`electrode_renderer::IpcRenderer::connect_memory`,
    /// typically on a thread of its own). It is handled like a spawned renderer (same handshake,
    /// token, limits, ordering and close rules) but no socket is involved. `embedder` makes it
    /// a `<webview>` guest.
    ///
    /// ```no_run
    /// use electrode::Main;
    /// use electrode_renderer::IpcRenderer;
    ///
    /// let main = Main::builder().start()?;
    /// let (contents, link) = main.memory_renderer(None)?;
    /// let ipc = IpcRenderer::connect_memory(link, |_| {})?;
    /// ipc.send("hello", &("from the same process",))?;
    /// # drop(contents);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn memory_renderer(
        &self,
        embedder: Option<&WebContents>,
    ) -> Result<(WebContents, MemoryLink), Error> {
        crate::memory::start(&self.shared, embedder)
    }

    /// Starts a renderer as the `<webview>` guest of `embedder`: its `send_to_host` reaches the
    /// embedder, and the embedder's `webview(id).send` reaches it.
    pub fn spawn_guest(&self, cmd: Command, embedder: &WebContents) -> Result<WebContents, Error> {
        self.spawn(cmd, Some(embedder))
    }

    fn spawn(
        &self,
        mut cmd: Command,
        embedder: Option<&WebContents>,
    ) -> Result<WebContents, Error> {
        let (contents, ticket) = self.issue_ticket(embedder);
        ticket.apply(&mut cmd);
        // Never `{cmd:?}`: its Debug form lists the environment, and so the token.
        let what = describe_command(&cmd);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                self.shared.tickets.revoke(contents.id());
                contents.destroy(&format!("could not start {what}: {e}"));
                return Err(Error::io(format!("spawning renderer {what}"), e));
            }
        };
        contents.set_pid(child.id());
        let exited = contents.clone();
        let shared = self.shared.clone();
        let on_exit = Box::new(move |status: std::io::Result<std::process::ExitStatus>| {
            shared.tickets.revoke(exited.id());
            let reason = match status {
                Ok(s) => format!("renderer process exited ({s})"),
                Err(e) => format!("renderer process lost: {e}"),
            };
            exited.destroy(&reason);
        });
        if let Err(e) = self.shared.reaper.watch(child, on_exit) {
            // The child runs but nobody would notice it exit: do not pretend it is fine.
            let reason = format!("cannot watch renderer process {what}: {e}");
            self.shared.tickets.revoke(contents.id());
            contents.destroy(&reason);
            return Err(Error::io(reason, e));
        }
        Ok(contents)
    }

    /// Electron's `app.on('web-contents-created')`: runs `f` for every `WebContents` created
    /// from now on (spawned renderers, pages, guests), before it has connected. Messages sent
    /// from `f` are queued until the renderer is ready; use
    /// [`WebContents::on_did_finish_load`] to wait until its listeners are in place.
    ///
    /// ```no_run
    /// # let main = electrode::Main::builder().start()?;
    /// main.on_web_contents_created(|wc| {
    ///     println!("renderer {} ({:?}) created", wc.id(), wc.kind());
    ///     wc.on_did_finish_load(|wc| {
    ///         let _ = wc.send("greeting", &("hello",));
    ///     });
    /// });
    /// # Ok::<(), electrode::Error>(())
    /// ```
    pub fn on_web_contents_created(&self, f: impl Fn(&WebContents) + Send + Sync + 'static) {
        self.shared.registry.on_created(Arc::new(f));
    }

    /// Reserves a `WebContents` for a renderer started some other way, and the ticket it must
    /// present. The ticket is single use.
    pub fn issue_ticket(&self, embedder: Option<&WebContents>) -> (WebContents, Ticket) {
        let contents = self.create_contents(RendererKind::Process, embedder);
        let token = self.shared.tickets.issue(&contents);
        (
            contents,
            Ticket {
                socket: self.socket_path.clone(),
                token,
            },
        )
    }

    /// Reserves a `WebContents` that a transport will attach later (web pages, guests).
    /// Messages sent to it meanwhile are queued.
    // Public only because electrode-web's bridge lives in another crate; not an API for apps.
    #[doc(hidden)]
    pub fn create_contents(
        &self,
        kind: RendererKind,
        embedder: Option<&WebContents>,
    ) -> WebContents {
        self.shared.registry.create(kind, embedder)
    }

    /// Connects a transport's sending half to a reserved `WebContents`; queued messages are
    /// flushed to it in order. The returned [`Connection`] takes the renderer's frames.
    // Public only because electrode-web's bridge lives in another crate; not an API for apps.
    #[doc(hidden)]
    pub fn attach(
        &self,
        contents: &WebContents,
        out: Arc<dyn Outbound>,
    ) -> Result<Connection, Error> {
        contents.attach(out)?;
        // Pages are served the shim of this very build: it speaks every feature main does,
        // MessagePorts included (docs/adr/0019), so there is no Hello to agree on. A page
        // has no memory to share with main.
        let session = MainSession::agreed(Agreement {
            version: PROTOCOL_VERSION,
            features: MainSession::features(self.shared.registry.rules)
                .without(electrode_wire::Features::SHARED_MEMORY),
        });
        Ok(Connection::new(
            contents.clone(),
            self.shared.ipc.clone(),
            self.shared.registry.clone(),
            session,
        ))
    }

    /// Every live renderer, by id.
    pub fn web_contents(&self) -> Vec<WebContents> {
        self.shared.registry.all()
    }

    /// The live renderer with this id.
    pub fn from_id(&self, id: u64) -> Option<WebContents> {
        self.shared.registry.get(id)
    }

    /// Sends one message to every live renderer, encoding it once, and returns how many took
    /// it. If any renderer did not (its queue is full, it was destroyed meanwhile), the result
    /// is [`Error::Undelivered`], which lists each one with its reason; the others have the
    /// message.
    pub fn broadcast<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<usize, Error> {
        let frame = crate::contents::encode_message(self.shared.registry.rules, channel, args)?;
        let mut delivered = 0;
        let mut missed = Vec::new();
        for wc in self.web_contents() {
            match wc.send_encoded(channel, &frame) {
                Ok(()) => delivered += 1,
                Err(e) => missed.push(e),
            }
        }
        if missed.is_empty() {
            return Ok(delivered);
        }
        Err(Error::Undelivered {
            channel: channel.to_string(),
            delivered,
            missed,
        })
    }

    /// Closes every renderer link and stops accepting. Also done on drop.
    ///
    /// Returns once the teardown is complete, also when another thread started it (except on
    /// the thread running it, for example from a `WebContents::on_destroyed` callback that
    /// the teardown runs). Every [`wait`](Main::wait) returns then.
    pub fn shutdown(&self) {
        self.shared.shutdown();
    }

    /// A handle that shuts this main process down from anywhere: a listener, another thread,
    /// a callback. It does not keep main alive (a listener holding it makes no cycle), and it
    /// does nothing once main is gone.
    ///
    /// ```no_run
    /// use electrode::{IpcMain, Main};
    ///
    /// let main = Main::builder().start()?;
    /// let stop = main.shutdown_handle();
    /// main.ipc().on("quit", move |_, _| {
    ///     stop.shutdown();
    ///     Ok(())
    /// });
    /// main.wait()?; // returns when a renderer sends "quit", or on Ctrl-C
    /// # Ok::<(), electrode::Error>(())
    /// ```
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(Arc::downgrade(&self.shared))
    }

    /// Blocks until this main process has shut down: [`shutdown`](Main::shutdown) was called
    /// (from any thread, a listener or a [`ShutdownHandle`]) or the process got Ctrl-C
    /// (SIGINT) or SIGTERM, in which case `wait` shuts main down itself. Either way every
    /// renderer link is closed when it returns `Ok(())`, so `main` ends like this:
    ///
    /// ```no_run
    /// let main = electrode::Main::builder().start()?;
    /// // ... spawn renderers, start a web bridge ...
    /// main.wait()?;
    /// # Ok::<(), electrode::Error>(())
    /// ```
    ///
    /// Signals: the first `wait` in the process installs a handler for SIGINT and SIGTERM
    /// (through `signal-hook`) that stays for the life of the process; creating a `Main`
    /// alone changes nothing. A signal stops every `Main` that is waiting. When none is (no
    /// `wait` running, or a second Ctrl-C while the first shutdown is under way) the signal
    /// does what it does by default, it ends the process, so Ctrl-C never goes unheard.
    /// The only error is that the handler could not be installed.
    pub fn wait(&self) -> Result<(), Error> {
        crate::signals::install()?;
        let _registration = crate::signals::register(&self.shared.stop);
        if let Woken::Interrupted(signal) = self.shared.stop.wait() {
            tracing::info!("signal {signal}: main process shutting down");
            self.shutdown();
        }
        Ok(())
    }
}

/// Shuts a [`Main`] down without owning it; see [`Main::shutdown_handle`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ShutdownHandle(Weak<Shared>);

impl ShutdownHandle {
    /// What [`Main::shutdown`] does; nothing if main is already gone.
    pub fn shutdown(&self) {
        if let Some(shared) = self.0.upgrade() {
            shared.shutdown();
        }
    }
}

impl Shared {
    fn shutdown(&self) {
        if self.shutting_down.swap(true, Ordering::AcqRel) {
            self.stop.wait_stopped();
            return;
        }
        self.stop.begin();
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.socket_path);
        if let Some(handle) = self.accept.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = handle.join();
        }
        for wc in self.registry.all() {
            wc.destroy("main process is shutting down");
        }
        self.workers.stop();
        self.reaper.stop();
        self.stop.finish();
    }
}

/// The program and its arguments, for messages: not the environment, which holds the token.
fn describe_command(cmd: &Command) -> String {
    let mut text = format!("{:?}", cmd.get_program());
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&format!("{arg:?}"));
    }
    text
}

fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return;
    }
    let before = limit.current;
    limit.current = limit.maximum;
    if let Err(e) = setrlimit(Resource::Nofile, limit) {
        tracing::debug!("could not raise the open-file limit from {before:?}: {e}");
    }
}

impl Drop for Main {
    fn drop(&mut self) {
        self.shutdown();
    }
}
