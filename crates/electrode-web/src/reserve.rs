//! Pages whose `WebContents` exists before the page loads: desktop windows.
//!
//! A browser tab gets its `WebContents` when its shim connects. A window must hand main its
//! `WebContents` at once (Electron's `win.webContents`), so the bridge reserves one with a
//! single-use ticket; the window names its top frame `electrode-window:<ticket>` before the
//! page's scripts run, and the shim presents the ticket at connect, as a `<webview>` guest's
//! does. Each connect hands the page the ticket for its next page (reload, navigation), so the
//! `WebContents` and its id live as long as the window.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use electrode::{Main, RendererKind, WebContents};

use crate::page::Pages;

/// The `window.name` prefix of a desktop window's top frame (the shim reads it).
const WINDOW_PREFIX: &str = "electrode-window:";

/// Reserves window pages on a running [`WebBridge`](crate::WebBridge); cheap to clone, usable
/// from any thread. Reservations made after the bridge stopped are never admitted.
#[derive(Clone)]
pub struct PageReserver {
    main: Arc<Main>,
    pages: Arc<Pages>,
    addr: SocketAddr,
}

impl fmt::Debug for PageReserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageReserver")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl PageReserver {
    pub(crate) fn new(main: Arc<Main>, pages: Arc<Pages>, addr: SocketAddr) -> Self {
        PageReserver { main, pages, addr }
    }

    /// Creates the `WebContents` of a window's pages (`on_web_contents_created` runs now;
    /// messages sent to it are queued until its first page connects) and the ticket that
    /// admits that page. The `WebContents` ends only when it is closed (by the window, or by
    /// main): its pages going away (reload, navigation) only detach it.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # let main = Arc::new(electrode::Main::builder().start()?);
    /// # let bridge = electrode_web::WebBridge::start(main, electrode_web::WebConfig::new())?;
    /// let page = bridge.reserve_page();
    /// // A webview runs this before any page script, then loads the URL:
    /// let (script, url) = (page.init_script(), page.url("index.html"));
    /// page.web_contents().send("hello", &("from main",))?; // queued until the page connects
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reserve(&self) -> ReservedPage {
        let contents = self.main.create_contents(RendererKind::Page, None);
        let ticket = crate::security::random_hex(16);
        self.pages.add_window(ticket.clone(), contents.clone());
        ReservedPage {
            contents,
            ticket,
            base: format!("http://{}/", self.addr),
        }
    }
}

/// A reserved window page: its `WebContents`, and what the webview must do so that the page it
/// loads becomes that `WebContents`.
#[derive(Clone)]
pub struct ReservedPage {
    contents: WebContents,
    ticket: String,
    base: String,
}

impl fmt::Debug for ReservedPage {
    // Never the ticket: whoever holds it can become this page.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReservedPage")
            .field("id", &self.contents.id())
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl ReservedPage {
    /// The page's `WebContents`, a renderer like any other.
    pub fn web_contents(&self) -> &WebContents {
        &self.contents
    }

    /// The `window.name` the top frame must have when its shim loads.
    pub fn window_name(&self) -> String {
        format!("{WINDOW_PREFIX}{}", self.ticket)
    }

    /// A script for the webview to run in the top frame before every document's own scripts:
    /// on the bridge's origin only (other sites never see the ticket), it sets
    /// [`window_name`](Self::window_name) unless the frame already carries a ticket (a reload
    /// or navigation presents the next one, which the shim stored there).
    pub fn init_script(&self) -> String {
        let json = |s: &str| serde_json::to_string(s).expect("a string serializes");
        format!(
            "(function(){{try{{if(window.top===window&&location.origin==={origin}&&String(window.name).indexOf({prefix})!==0)window.name={name};}}catch(e){{}}}})();",
            origin = json(self.base.trim_end_matches('/')),
            prefix = json(WINDOW_PREFIX),
            name = json(&self.window_name()),
        )
    }

    /// [`init_script`](Self::init_script) followed by a preload for this page alone
    /// (Electron's per-window `webPreferences.preload`): on the bridge's origin, before each
    /// document's own scripts, the shim runs in preload mode and then `preload_source`, with
    /// `require('electron')` giving `ipcRenderer` and `contextBridge`. The page's globals then
    /// hold only what the preload exposed, as with [`WebConfig::preload`](crate::WebConfig::preload),
    /// which this replaces for the page (the bridge's own preload tags then do nothing).
    pub fn init_script_with_preload(&self, preload_source: &str) -> String {
        let origin =
            serde_json::to_string(self.base.trim_end_matches('/')).expect("a string serializes");
        format!(
            "{ticket}\nif (location.origin === {origin}) {{\nwindow[Symbol.for('electrode.preloadMode')] = true;\n{shim}\n{preload}\n}}\n",
            ticket = self.init_script(),
            shim = crate::SHIM_JS,
            preload = crate::preload::wrap(preload_source),
        )
    }

    /// `http://127.0.0.1:<port>/<path>`: a file of the bridge's `app_dir`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }
}
