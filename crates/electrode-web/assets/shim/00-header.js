// shim/00-header.js: header, IIFE opening, root. Edit shim/*.js, then run scripts/join-shim.sh.
/*
 * Electrode ipc-renderer.js: Electron 1.7.8's `ipcRenderer` (and the `<webview>` IPC surface)
 * for web pages served by an Electrode main process.
 *
 * Load it first, before page code:  <script src="/electrode/ipc-renderer.js"></script>
 * Then page code written for Electron works unchanged:
 *
 *     const { ipcRenderer } = require('electron')    // or window.ipcRenderer
 *     ipcRenderer.on('pong', (event, ...args) => {})
 *     ipcRenderer.send('ping', 1, { a: 2 })
 *     const answer = ipcRenderer.sendSync('ask', 'question')
 *
 * Transport (the Rust bridge in crates/electrode-web implements the other side):
 *   - POST /electrode/connect (synchronous XHR at load, header `X-Electrode: 1`, body "" or the
 *     ticket of a <webview> guest or a desktop window) -> {"id": <webContentsId>,
 *     "token": "<hex>", "maxMessageSize": <bytes>, "ticket": "<hex>" (ticketed pages: the
 *     ticket for their next page), "values": "structured-clone" (mains using those rules;
 *     absent or "json" otherwise)};
 *   - WebSocket /electrode/ws?token=<token>: every async message (send, sendTo, sendToHost,
 *     <webview>.send) is one binary message `u64 LE sequence number` (from 1) + frame body;
 *     `u64 0` + "loaded" tells main the document has loaded (did-finish-load); main's messages
 *     are bare frame bodies, held by the shim until the document has loaded;
 *   - sendSync: synchronous XHR POST /electrode/sync with header `X-Electrode-Token`, body
 *     `u64 LE last async seq | u32 LE count | count x (u64 seq, u32 len, frame body) |
 *     SendSync frame body`; the answer is the reply's JSON text, or under structured-clone rules
 *     an argument section with one argument (read as bytes through the x-user-defined
 *     charset): it carries the async messages main may not have received yet, so a
 *     large WebSocket message stalled behind the blocking XHR cannot deadlock (main dedups by
 *     sequence number; the carried ones are consecutive and end at the last seq); a listener's
 *     designed error comes back as HTTP 200 with header `X-Electrode-Error: 1` and its text;
 *   - <webview>: POST /electrode/webview -> {"guest": id, "ticket": "<hex>"}; the guest iframe is
 *     named `electrode-guest:<ticket>` and its shim presents the ticket at connect;
 *     POST /electrode/webview/close (body: the guest id) when the element leaves the DOM;
 *   - desktop windows (crates/electrode-window): the top frame is named
 *     `electrode-window:<ticket>` before the page runs; the shim presents that ticket at connect
 *     like a guest's, but the page is not a guest (no sendToHost).
 *
 * Frame bodies and the argument section are byte-for-byte those of the Rust crate
 * electrode-wire (frame.rs, args.rs, ser.rs; docs/adr/0001-wire-format.md):
 *   frame:    u8 type | u64 LE fixed fields | u32 LE channel length + UTF-8 | argument section
 *   section:  u8 flags | u32 argc | u32 nbin | u32 len x argc | u32 len x nbin | JSON texts |
 *             attachments; bytes are written {"\u0000bytes": n}; user keys starting with NUL
 *             get one more NUL (flag bit 1); flag bit 0 = attachments present.
 *
 * Value rules (docs/adr/0018-structured-clone-values.md): a Main built with structured-clone
 * rules gets Electron 9+'s values instead (shim/35-clone.js): Map, Set, Date, RegExp, Error,
 * BigInt, typed arrays, undefined, NaN, -0, cycles and shared references arrive as themselves
 * (as tags in the JSON texts, flag bit 2); object keys keep their order; functions, symbols,
 * Promises, WeakMaps, WeakSets and host objects throw "An object could not be cloned.".
 * Otherwise (the default, described below):
 *
 * Arguments are converted the way Electron 1.7.8's V8ValueConverter did (spec section 1.9),
 * not with JSON.stringify: NaN/Infinity -> 0, undefined/functions/symbols -> null in arrays and
 * top-level arguments and omitted in objects, Date -> toISOString(), Uint8Array/Buffer -> bytes,
 * other typed arrays -> {"0": .., "1": ..}, Map/Set/Error/RegExp/ArrayBuffer/... -> own
 * enumerable properties ({}), cycles -> null, shared references duplicated, sparse arrays
 * compacted, nesting deeper than 100 cut, object keys sorted.
 *
 * Speed: arguments are converted into a fresh plain tree (keys inserted in sorted order) that
 * the browser's native JSON.stringify writes; what a JS object cannot express (integer-like
 * keys out of JS order, numbers whose ryu text differs) is patched in through placeholders. A
 * plain JS writer (encodeValue) gives the same bytes and is used when a page has put a toJSON
 * on Object.prototype or Array.prototype; tests check both agree.
 *
 * Plain modern JavaScript, no dependencies, no build step.
 */
(function () {
  'use strict';

  var root = typeof window !== 'undefined' ? window : globalThis;
  // A bundler that resolves `electron` to this file (package.json "main") imports it as a
  // CommonJS module: it gets `{ ipcRenderer }` as its exports, the same object as the global.
  var cjs = typeof module === 'object' && module !== null && typeof module.exports === 'object' ? module : null;
  var PRELOADED = typeof Symbol === 'function' ? Symbol.for('electrode.preloaded') : '__electrodePreloaded';
  var thisScript = root.document && root.document.currentScript;
  // The bridge puts the shim in front of a page with this attribute when a preload is set.
  // A window's own preload (electrode-window's WindowOptions::preload) sets this flag before
  // the shim in its initialization script.
  var PRELOAD_MODE = typeof Symbol === 'function' ? Symbol.for('electrode.preloadMode') : '__electrodePreloadMode';
  var preloadMode = !!(thisScript && thisScript.hasAttribute && thisScript.hasAttribute('data-electrode-preload')) ||
    root[PRELOAD_MODE] === true;
  delete root[PRELOAD_MODE];
  if (root[PRELOADED]) { // the page's own <script src=ipc-renderer.js>, after the preload's
    if (preloadMode) return; // the bridge's preload tags, after a window's own preload: nothing to do
    console.warn('ipc-renderer.js: this page has a preload script (WebConfig::preload), so ipcRenderer belongs to the preload: ' +
      'the page gets no window.ipcRenderer or require; use what the preload exposed with contextBridge');
    if (cjs) cjs.exports = {};
    return;
  }
  if (root.ipcRenderer && root.ipcRenderer._electrode) { // loaded twice
    if (cjs) cjs.exports = { ipcRenderer: root.ipcRenderer };
    return;
  }

