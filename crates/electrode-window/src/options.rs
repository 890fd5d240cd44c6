//! What a window shows and how it looks, like Electron's `BrowserWindow` options.

/// Where the page comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A path under the bridge's `app_dir`.
    File(String),
    /// Any URL (only pages of the bridge's origin can connect to main).
    Url(String),
}

/// Options for [`App::window`](crate::App::window).
///
/// ```
/// use electrode_window::WindowOptions;
/// let opts = WindowOptions::new().title("Notes").size(800, 600).load_file("index.html");
/// # let _ = opts;
/// ```
#[derive(Debug, Clone)]
pub struct WindowOptions {
    pub(crate) title: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) source: Source,
    pub(crate) devtools: bool,
    pub(crate) preload: Option<std::path::PathBuf>,
    /// The preload's text, read by [`read_preload`](Self::read_preload) when the window opens.
    pub(crate) preload_source: Option<String>,
}

impl Default for WindowOptions {
    fn default() -> Self {
        // Electron's defaults: 800 x 600, the page at the app's root.
        WindowOptions {
            title: "Electrode".into(),
            width: 800,
            height: 600,
            source: Source::File("index.html".into()),
            devtools: false,
            preload: None,
            preload_source: None,
        }
    }
}

impl WindowOptions {
    /// Title "Electrode", 800 x 600, showing `index.html` of the bridge's `app_dir`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The window's title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The size of the window's content area, in logical pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width.max(1);
        self.height = height.max(1);
        self
    }

    /// Shows a file of the bridge's `app_dir` (Electron's `loadFile`), e.g. `"index.html"` or
    /// `"notes/edit.html?id=3"`; the path is a URL path relative to `app_dir`.
    pub fn load_file(mut self, path: impl Into<String>) -> Self {
        self.source = Source::File(path.into());
        self
    }

    /// Shows this URL (Electron's `loadURL`). Only pages of the bridge's origin
    /// (`http://127.0.0.1:<port>`, as [`WebBridge::url`](electrode_web::WebBridge::url) gives
    /// it) become the window's `WebContents`; other sites are shown without IPC.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.source = Source::Url(url.into());
        self
    }

    /// A preload script for this window's pages (Electron's `webPreferences.preload`): it runs
    /// before each page's own scripts, on the bridge's origin, with `require('electron')`
    /// giving `ipcRenderer` and `contextBridge`; the page's globals then hold only what it
    /// exposed with `contextBridge.exposeInMainWorld`. It takes the place of
    /// [`WebConfig::preload`](electrode_web::WebConfig::preload) in this window. The file is
    /// read when the window opens; an unreadable one is an [`Error::Preload`](crate::Error::Preload).
    ///
    /// ```no_run
    /// # use electrode_window::WindowOptions;
    /// let options = WindowOptions::new().load_file("index.html").preload("app/preload.js");
    /// ```
    pub fn preload(mut self, script: impl Into<std::path::PathBuf>) -> Self {
        self.preload = Some(script.into());
        self
    }

    /// Reads the preload (if any) now, so that a window whose preload cannot be read never
    /// opens and the caller gets the error.
    pub(crate) fn read_preload(&mut self) -> Result<(), crate::Error> {
        if let Some(path) = &self.preload {
            let source = std::fs::read_to_string(path).map_err(|e| crate::Error::Preload {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            self.preload_source = Some(source);
        }
        Ok(())
    }

    /// Lets the user open the web inspector (default off).
    pub fn devtools(mut self, on: bool) -> Self {
        self.devtools = on;
        self
    }
}
