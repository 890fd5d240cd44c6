  // shim/50-session.js: the bridge to main: connect, socket, seq, sendSync, invoke, deliver.
  // ---------------------------------------------------------------------------------------------
  // The bridge to main
  // ---------------------------------------------------------------------------------------------

  var ipcRenderer = new EventEmitter();

  var state = {
    id: null,
    token: null,
    guest: false,
    gone: null, // why main is unreachable, or null
    ws: null,
    open: false,
    seq: 0, // last async sequence number used
    queue: [], // {seq, msg} made before the socket opened
    history: [], // {seq, msg} sent, possibly still in ws.bufferedAmount
    request: 0, // last sendSync request number
    invokeRequest: 0, // last invoke request number
    invokes: new Map(), // invoke request number -> { channel, resolve, reject }
    limit: Infinity, // main's max_message_size (frame body bytes), from the connect answer
    unloading: false,
    inBeforeUnload: false,
    loaded: false, // the document has loaded and main's held messages were delivered
    held: [], // main's messages that arrived before that, in order
    toldLoaded: false, // main was told the page has loaded
    ports: new Map(), // MessagePort handle (BigInt) -> the shim's end of it (keepPort)
    // The last even handle given to a port the page transferred. It starts at a random even
    // number below 2^61: a reloaded guest or window keeps its WebContents, and a transfer the
    // old page sent just before it left must not hold a handle the new page picks.
    lastPort: randomEvenHandle()
  };

  function randomEvenHandle() {
    var words = new Uint32Array(2);
    crypto.getRandomValues(words);
    return ((BigInt(words[0] & 0x1fffffff) << 32n) | BigInt(words[1])) & ~1n;
  }

  function markGone(reason) {
    if (state.gone) return;
    state.gone = reason;
    state.open = false;
    state.invokes.forEach(function (call) {
      if (call.done) call.done();
      call.reject(invokeError(call.channel, { message: 'main process is gone: ' + reason }));
    });
    state.invokes.clear();
    if (state.queue.length) {
      console.warn('ipcRenderer: ' + state.queue.length + ' message(s) never reached main: ' + reason);
      state.queue = [];
    }
    state.history = [];
    closeAllPorts();
  }

  function channelName(channel) {
    if (channel === null || channel === undefined) throw new Error('Missing required channel argument');
    return String(channel);
  }

  function connect() {
    var loc = root.location;
    if (!loc || !/^https?:$/.test(loc.protocol) || typeof XMLHttpRequest !== 'function' || typeof WebSocket !== 'function') {
      markGone('this page is not served over HTTP by an Electrode main process');
      return;
    }
    var ticket = '';
    var prefix = '';
    try {
      var name = root.name;
      if (typeof name === 'string') {
        if (name.indexOf(GUEST_PREFIX) === 0) prefix = GUEST_PREFIX;
        else if (name.indexOf(WINDOW_PREFIX) === 0) prefix = WINDOW_PREFIX;
        if (prefix) ticket = name.slice(prefix.length);
      }
    } catch (e) {
      // no window.name
    }
    var xhr = new XMLHttpRequest();
    try {
      xhr.open('POST', '/electrode/connect', false);
      xhr.setRequestHeader('X-Electrode', '1');
      xhr.send(ticket);
    } catch (e) {
      markGone('cannot reach main: ' + (e && e.message ? e.message : e));
      console.error('ipcRenderer: ' + state.gone);
      return;
    }
    if (xhr.status !== 200) {
      markGone('main refused the connection (HTTP ' + xhr.status + ')' + (xhr.responseText ? ': ' + xhr.responseText : ''));
      console.error('ipcRenderer: ' + state.gone);
      return;
    }
    var info;
    try {
      info = JSON.parse(xhr.responseText);
    } catch (e) {
      markGone('malformed connect answer from main');
      console.error('ipcRenderer: ' + state.gone);
      return;
    }
    var clone = cloneRulesFor(info.values);
    if (clone === null) {
      markGone('main uses value rules this page does not know: ' + JSON.stringify(info.values));
      console.error('ipcRenderer: ' + state.gone);
      return;
    }
    cloneRules = clone;
    state.id = info.id;
    state.token = String(info.token);
    state.guest = prefix === GUEST_PREFIX;
    if (typeof info.maxMessageSize === 'number') state.limit = info.maxMessageSize;
    if (prefix && typeof info.ticket === 'string') {
      // Each ticket admits one page: the next page (reload, navigation) presents this one.
      try { root.name = prefix + info.ticket; } catch (e) { /* no window.name */ }
    }
    openSocket(loc);
  }

  function openSocket(loc) {
    var url = (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/electrode/ws?token=' + encodeURIComponent(state.token);
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      markGone('cannot open the WebSocket: ' + (e && e.message ? e.message : e));
      return;
    }
    ws.binaryType = 'arraybuffer';
    state.ws = ws;
    ws.onopen = function () {
      if (state.gone) return;
      state.open = true;
      var q = state.queue;
      state.queue = [];
      for (var i = 0; i < q.length; i++) {
        ws.send(q[i].msg);
        rememberSent(q[i]);
      }
      tellLoaded();
    };
    ws.onmessage = function (ev) {
      onMainMessage(ev.data);
    };
    ws.onclose = function (ev) {
      state.open = false;
      markGone(ev.reason || 'connection to main closed (code ' + ev.code + ')');
    };
  }

  /** Keeps the newest sent messages that together cover what the socket may still buffer. */
  function rememberSent(entry) {
    var h = state.history;
    h.push(entry);
    var buffered = state.ws ? state.ws.bufferedAmount : 0;
    var sum = 0;
    var i = h.length;
    while (i > 0 && sum < buffered) sum += h[--i].msg.length;
    if (i > 0) state.history = h.slice(i);
  }

  /**
   * Main closes the link of a renderer that sends a frame over its limit, so the shim checks
   * first: an Error for the caller, and the link stays open (as for Rust renderers).
   */
  function checkSize(api, channel, size) {
    if (size > state.limit) {
      throw new Error(api + "('" + channel + "'): message on channel '" + channel + "' is " + size +
        ' bytes, over the limit of ' + state.limit + ' bytes (main\'s max_message_size); not sent');
    }
  }

  /** Sends one async message (Send, SendToHost, SendTo, WebviewSend). */
  function postAsync(type, fixed, channel, parts) {
    if (state.gone) {
      console.warn('ipcRenderer: message on channel ' + JSON.stringify(channel) + ' dropped: main process is gone: ' + state.gone);
      return;
    }
    checkSize(API_NAMES[type], channel, frameSize(fixed, channel, parts));
    postSequenced(buildMessage(type, fixed, channel, parts, 8));
  }

  /** Numbers and sends (or queues) one async frame body built after 8 reserved bytes. */
  function postSequenced(msg) {
    var seq = ++state.seq;
    putU64(new DataView(msg.buffer), 0, seq);
    var entry = { seq: seq, msg: msg };
    if (state.open) {
      state.ws.send(msg);
      rememberSent(entry);
    } else {
      state.queue.push(entry);
    }
  }

  function unloadError(channel) {
    return new Error("ipcRenderer.sendSync('" + channel + "') cannot run during unload/pagehide: browsers forbid synchronous requests there");
  }

  function dismissing() {
    return state.unloading || state.inBeforeUnload;
  }

  var API_NAMES = {};
  API_NAMES[FRAME.SEND] = 'ipcRenderer.send';
  API_NAMES[FRAME.SEND_TO_HOST] = 'ipcRenderer.sendToHost';
  API_NAMES[FRAME.SEND_TO] = 'ipcRenderer.sendTo';
  API_NAMES[FRAME.WEBVIEW_SEND] = '<webview>.send';
  API_NAMES[FRAME.INVOKE] = 'ipcRenderer.invoke';

  /**
   * Electron's rejection: `Error invoking remote method '<ch>': Error: <message>`. Beyond
   * Electron, a handler's `code` and `data` (InvokeError in main) become properties.
   */
  function invokeError(channel, failure) {
    var e = new Error("Error invoking remote method '" + channel + "': Error: " + failure.message);
    if (failure.code !== undefined) e.code = failure.code;
    if (failure.data !== undefined) e.data = failure.data;
    return e;
  }

  /**
   * Beyond Electron: a last argument that is an `AbortSignal` is the call's signal, not a value
   * (a signal cannot be cloned, so no Electron code passes one as an argument).
   */
  function takeSignal(args) {
    var last = args[args.length - 1];
    if (typeof root.AbortSignal === 'function' && last instanceof root.AbortSignal) {
      args.pop();
      return last;
    }
    return null;
  }

  /**
   * `ipcRenderer.invoke(channel, ...args[, signal])`: a Promise of the value main's handler
   * returns. Aborting `signal` rejects it with the signal's reason and tells main's handler
   * (`InvokeEvent::is_cancelled`; an async handler's future is dropped).
   */
  function invoke(channel) {
    var args = Array.prototype.slice.call(arguments, 1);
    var signal = takeSignal(args);
    return new Promise(function (resolve, reject) {
      channel = channelName(channel);
      if (state.gone) {
        return reject(invokeError(channel, { message: 'main process is gone: ' + state.gone }));
      }
      if (signal && signal.aborted) return reject(signal.reason);
      var request = ++state.invokeRequest;
      // Sent in order with send(), on the same socket; the answer comes whenever it is ready.
      postAsync(FRAME.INVOKE, [request], channel, argParts(args));
      var call = { channel: channel, resolve: resolve, reject: reject, done: null };
      if (signal) {
        var onAbort = function () {
          if (state.invokes.get(request) !== call) return;
          state.invokes.delete(request);
          postPortFrame(FRAME.INVOKE_CANCEL, request, null);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort);
        call.done = function () { signal.removeEventListener('abort', onAbort); };
      }
      state.invokes.set(request, call);
    });
  }

  function settleInvoke(f) {
    var call = state.invokes.get(f.request);
    if (!call) {
      console.warn('ipcRenderer: answer to an unknown invoke ' + f.request + ' from main ignored');
      return;
    }
    state.invokes.delete(f.request);
    if (call.done) call.done();
    if (f.ok) call.resolve(f.value);
    else call.reject(invokeError(call.channel, f.failure));
  }

  function sendSync(channel) {
    channel = channelName(channel);
    if (dismissing()) throw unloadError(channel);
    if (state.gone) throw new Error('main process is gone: ' + state.gone);
    var parts = argParts(Array.prototype.slice.call(arguments, 1));
    checkSize('ipcRenderer.sendSync', channel, frameSize([0], channel, parts));
    var request = ++state.request;
    var frame = buildMessage(FRAME.SEND_SYNC, [request], channel, parts, 0);

    // The async messages main may not have yet: those still queued before the socket opened,
    // and the newest sent ones that together cover ws.bufferedAmount.
    var carried = [];
    var buffered = state.open && state.ws ? state.ws.bufferedAmount : 0;
    var h = state.history;
    var sum = 0;
    var i = h.length;
    while (i > 0 && sum < buffered) sum += h[--i].msg.length;
    carried = h.slice(i).concat(state.queue);
    var lastSeq = state.seq;

    var size = 12 + frame.length;
    for (i = 0; i < carried.length; i++) size += 12 + carried[i].msg.length - 8;
    if (size > 2 * state.limit + 65536) {
      throw new Error("ipcRenderer.sendSync('" + channel + "'): with the " + carried.length +
        ' earlier message(s) still on their way to main it is ' + size + ' bytes, over the limit of ' +
        (2 * state.limit + 65536) + " bytes (twice main's max_message_size plus framing); not sent");
    }
    var body = new Uint8Array(size);
    var dv = new DataView(body.buffer);
    putU64(dv, 0, lastSeq);
    dv.setUint32(8, carried.length, true);
    var off = 12;
    for (i = 0; i < carried.length; i++) {
      var m = carried[i].msg;
      putU64(dv, off, carried[i].seq);
      dv.setUint32(off + 8, m.length - 8, true);
      body.set(m.subarray(8), off + 12);
      off += 12 + m.length - 8;
    }
    body.set(frame, off);

    var xhr = new XMLHttpRequest();
    try {
      xhr.open('POST', '/electrode/sync', false);
      xhr.setRequestHeader('X-Electrode-Token', state.token);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      // Under structured-clone rules the reply is an argument section (bytes). A synchronous
      // XHR cannot take responseType 'arraybuffer' in a window; this charset maps each byte to
      // one char (0x80..0xff as U+F780..U+F7FF), read back with `& 0xff`.
      if (cloneRules) xhr.overrideMimeType('text/plain; charset=x-user-defined');
      xhr.send(body);
    } catch (e) {
      // Chromium: "NetworkError: Failed to execute 'send' on 'XMLHttpRequest': ... Synchronous
      // XHR in page dismissal."
      var msg = e && e.message ? String(e.message) : String(e);
      var hidden = root.document && root.document.visibilityState === 'hidden';
      if (dismissing() || /dismissal|unload/i.test(msg) || (hidden && e && e.name === 'NetworkError')) throw unloadError(channel);
      throw new Error("ipcRenderer.sendSync('" + channel + "') failed: " + msg);
    }
    if (xhr.status === 200 && xhr.getResponseHeader('X-Electrode-Error')) {
      // A listener's designed error: an answer (HTTP 200), thrown as an Error in the page.
      state.history = [];
      if (state.queue.length) {
        state.queue = state.queue.filter(function (q) { return q.seq > lastSeq; });
      }
      throw new Error(syncResponseText(xhr));
    }
    if (xhr.status === 200) {
      // Main has dispatched everything up to lastSeq.
      state.history = [];
      if (state.queue.length) {
        state.queue = state.queue.filter(function (q) { return q.seq > lastSeq; });
      }
      if (cloneRules) return decodeCloneReply(syncResponseBytes(xhr));
      var text = xhr.responseText;
      return text === '' ? undefined : JSON.parse(text);
    }
    if (xhr.status === 0) throw new Error("ipcRenderer.sendSync('" + channel + "') failed: no answer from main");
    throw new Error(syncResponseText(xhr) || "ipcRenderer.sendSync('" + channel + "') failed: HTTP " + xhr.status);
  }

  /** The sync XHR's body as bytes (read as x-user-defined: one char per byte). */
  function syncResponseBytes(xhr) {
    var t = xhr.responseText;
    var out = new Uint8Array(t.length);
    for (var i = 0; i < t.length; i++) out[i] = t.charCodeAt(i) & 0xff;
    return out;
  }

  /** The sync XHR's body as text (an error's text is UTF-8 under either rules). */
  function syncResponseText(xhr) {
    return cloneRules ? utf8Decoder.decode(syncResponseBytes(xhr)) : xhr.responseText;
  }

  // Sequence number 0 is never a message: `u64 0 | "loaded"` tells main the page has loaded
  // (its did-finish-load), after every async message the page sent before.
  var LOADED_SIGNAL = (function () {
    var b = new Uint8Array(14);
    b.set([108, 111, 97, 100, 101, 100], 8); // "loaded"
    return b;
  })();

  function tellLoaded() {
    if (!state.loaded || state.toldLoaded || !state.open || state.gone) return;
    state.toldLoaded = true;
    state.ws.send(LOADED_SIGNAL);
  }

  /**
   * Main's messages wait until the document has loaded, so that listeners registered by the
   * page's own scripts (at the end of <body>, in window.onload) hear them, as in Electron,
   * where a page's messages come after its scripts ran. The release runs in a task after the
   * load event, after every load listener (this shim's runs first: it is in <head>).
   */
  function releaseHeld() {
    if (state.loaded) return;
    state.loaded = true;
    var held = state.held;
    state.held = [];
    for (var i = 0; i < held.length; i++) deliver(held[i]);
    tellLoaded();
  }

  function whenLoaded() {
    var doc = root.document;
    if (!doc || doc.readyState === 'complete') {
      setTimeout(releaseHeld, 0);
      return;
    }
    root.addEventListener('load', function () { setTimeout(releaseHeld, 0); });
  }

  function onMainMessage(data) {
    var f;
    try {
      f = decodeFrame(data);
    } catch (e) {
      console.error('ipcRenderer: malformed message from main:', e);
      return;
    }
    if (!state.loaded && HELD_FRAMES[f.type]) {
      state.held.push(f);
      return;
    }
    deliver(f);
  }

  // Held until the document has loaded, in order: messages, and every MessagePort frame (so a
  // PortsMessage is always handled before the PortMessage frames for its ports).
  var HELD_FRAMES = {};
  HELD_FRAMES[FRAME.MESSAGE] = true;
  HELD_FRAMES[FRAME.HOST_MESSAGE] = true;
  HELD_FRAMES[FRAME.PORTS_MESSAGE] = true;
  HELD_FRAMES[FRAME.PORT_MESSAGE] = true;
  HELD_FRAMES[FRAME.PORT_CLOSED] = true;

  function deliver(f) {
    switch (f.type) {
      case FRAME.MESSAGE:
        // Electron 1.7.8: the renderer-side event is { sender: ipcRenderer } and nothing else.
        ipcRenderer.emit.apply(ipcRenderer, [f.channel, { sender: ipcRenderer }].concat(f.args));
        break;
      case FRAME.HOST_MESSAGE:
        webviewHostMessage(f.guest, f.channel, f.args);
        break;
      case FRAME.PORTS_MESSAGE:
        portsFromMain(f);
        break;
      case FRAME.PORT_MESSAGE:
        portMessageFromMain(f);
        break;
      case FRAME.PORT_CLOSED:
        portClosedByMain(f);
        break;
      case FRAME.INVOKE_REPLY:
        settleInvoke(f);
        break;
      case FRAME.CLOSE:
        markGone(f.reason || 'main closed the connection');
        break;
      case FRAME.WELCOME:
        break;
      default:
        console.warn('ipcRenderer: unexpected frame type 0x' + f.type.toString(16) + ' from main');
    }
  }


  // ---------------------------------------------------------------------------------------------
  // MessagePorts (Electron 10+; docs/adr/0019-message-ports.md)
  // ---------------------------------------------------------------------------------------------
  //
  // Main names each port this page holds by a u64 handle on the link (a BigInt here: main's own
  // handles have the high bit set, beyond a Number's 2^53). For each handle the shim keeps one
  // native port, entangled with the port the page uses: what the page posts arrives on the kept
  // port and goes to main as PortSend; main's PortMessage is posted into the kept port and so
  // reaches the page's. A port the page transfers with postMessage gets a new even handle h
  // (it moves to main) and the kept partner is h + 1; a port from main (PortsMessage) is the
  // page's end of a new MessageChannel whose other end the shim keeps under main's handle.

  /** Whether this browser fires MessagePort 'close' when the other end goes (Chromium: a flag). */
  var NATIVE_PORT_CLOSE = typeof root.MessagePort === 'function' && 'onclose' in root.MessagePort.prototype;
  /** Where it does not: the marker that carries a close behind the last message (ports from main). */
  var PORT_CLOSED_MARK = '\u0000electrode-port-closed:' + Math.random().toString(36).slice(2);
  /** The ports main gave this page (their page ends), which cannot be transferred again yet. */
  var fromMain = typeof WeakSet === 'function' ? new WeakSet() : null;

  function isMessagePort(v) {
    return v !== null && typeof v === 'object' && Object.prototype.toString.call(v) === '[object MessagePort]';
  }

  /**
   * Keeps `native` as this page's port `handle`. `given`: for a port from main, the page's end
   * (kept only where the browser fires no 'close', so the shim can fire it).
   */
  function keepPort(handle, native, given) {
    var entry = { handle: handle, port: native, given: NATIVE_PORT_CLOSE ? null : given };
    state.ports.set(handle, entry);
    native.addEventListener('message', function (ev) {
      if (state.ports.get(handle) !== entry) return;
      if (entry.given && isClosedMark(ev.data)) {
        // The page closed its end after the messages before this marker: main's end closes.
        dropPort(entry);
        native.close();
        postPortFrame(FRAME.PORT_CLOSE, handle, null);
        return;
      }
      portToMain(entry, ev);
    });
    // The page's end closed (or was collected): main's end closes too.
    native.addEventListener('close', function () {
      if (dropPort(entry)) postPortFrame(FRAME.PORT_CLOSE, handle, null);
    });
    native.start();
    if (entry.given) {
      var page = entry.given;
      // No 'close' event here, so the shim carries closing as a marker message behind the
      // last real one, each way (neither side's listeners see it): the page's close() posts
      // it to the shim's end first (an own property over the prototype's method), and main's
      // close makes the shim post it to the page's end, which then fires 'close'.
      var nativeClose = page.close;
      var nativePost = page.postMessage;
      Object.defineProperty(page, 'close', {
        configurable: true,
        writable: true,
        value: function close() {
          if (this === page && state.ports.get(handle) === entry) {
            try { nativePost.call(page, closedMark()); } catch (e) { /* already closed */ }
          }
          return nativeClose.call(this);
        }
      });
      page.addEventListener('message', function (ev) {
        if (!isClosedMark(ev.data)) return;
        ev.stopImmediatePropagation();
        nativeClose.call(page);
        fireClose(page);
      });
    }
  }

  /** Forgets `entry`; false when it was already gone (closed by either side). */
  function dropPort(entry) {
    if (state.ports.get(entry.handle) !== entry) return false;
    state.ports.delete(entry.handle);
    return true;
  }

  /** Closes the shim's end of a port that main (or the link) closed. */
  function closeKept(entry) {
    if (entry.given) {
      try { entry.port.postMessage(closedMark()); } catch (e) { /* already closed */ }
    }
    entry.port.close();
  }

  function isClosedMark(d) {
    return d !== null && typeof d === 'object' && d[PORT_CLOSED_MARK] === true;
  }

  function closedMark() {
    var m = {};
    m[PORT_CLOSED_MARK] = true;
    return m;
  }

  var PORT_CLOSE_EVENT = 'close';

  /** Electron's 'close' event on a renderer's MessagePort, for browsers that have none. */
  function fireClose(port) {
    var ev;
    try {
      ev = new Event(PORT_CLOSE_EVENT);
    } catch (e) {
      return;
    }
    port.dispatchEvent(ev);
    if (typeof port.onclose === 'function') {
      try {
        port.onclose.call(port, ev);
      } catch (e) {
        console.error('ipcRenderer: a MessagePort onclose handler threw:', e);
      }
    }
  }

  function closeAllPorts() {
    var all = [];
    state.ports.forEach(function (entry) { all.push(entry); });
    state.ports.clear();
    for (var i = 0; i < all.length; i++) closeKept(all[i]);
  }

  /** Sends a PortSend (with `parts`) or a PortClose (without) in order with every other send. */
  function postPortFrame(type, handle, parts) {
    if (state.gone) return;
    postSequenced(buildPortFrame(type, handle, parts, 8));
  }

  /** The page posted a message on its end of port `entry`: to main, under main's value rules. */
  function portToMain(entry, ev) {
    if (ev.ports && ev.ports.length) {
      console.error('ipcRenderer: a message on a MessagePort carried ' + ev.ports.length +
        ' port(s); ports cannot travel inside a port message yet (Electrode), so they were closed');
      for (var i = 0; i < ev.ports.length; i++) ev.ports[i].close();
    }
    if (state.gone) return;
    var parts;
    try {
      parts = argParts([ev.data]);
      checkSize('MessagePort.postMessage', '<MessagePort>', 9 + parts.size);
    } catch (e) {
      // The browser cloned it already (postMessage returned): all the shim can do is say so.
      console.error('ipcRenderer: a message on a MessagePort was not sent to main: ' + (e && e.message ? e.message : e));
      return;
    }
    postPortFrame(FRAME.PORT_SEND, entry.handle, parts);
  }

  /** `ipcRenderer.postMessage(channel, message, ports)` with a non-empty transfer list. */
  function postPorts(channel, message, ports) {
    var api = 'ipcRenderer.postMessage(' + JSON.stringify(channel) + ')';
    if (ports.length > MAX_PORTS_PER_MESSAGE) {
      throw new Error(api + ': ' + ports.length + ' ports in one message; the most is ' + MAX_PORTS_PER_MESSAGE);
    }
    for (var i = 0; i < ports.length; i++) {
      if (!isMessagePort(ports[i])) throw new TypeError(api + ': transfer[' + i + '] is not a MessagePort');
      if (fromMain && fromMain.has(ports[i])) {
        throw new Error(api + ': transfer[' + i + '] is a port received from main, which cannot be transferred again yet (Electrode)');
      }
    }
    if (state.gone) {
      console.warn('ipcRenderer: message on channel ' + JSON.stringify(channel) + ' dropped: main process is gone: ' + state.gone);
      for (i = 0; i < ports.length; i++) ports[i].close();
      return;
    }
    var parts = argParts([message]); // throws as send does; nothing is sent or moved
    checkSize('ipcRenderer.postMessage', channel, portsFrameSize(ports.length, channel, parts));
    // The ports move here, as in any transfer: the page's objects become unusable, and a port
    // listed twice or already transferred throws DataCloneError before anything is sent.
    var kept = typeof structuredClone === 'function' ? structuredClone(ports, { transfer: ports }) : distinct(api, ports);
    var handles = new Array(kept.length);
    for (i = 0; i < kept.length; i++) {
      state.lastPort += BigInt(2);
      handles[i] = state.lastPort;
    }
    postSequenced(buildPortsMessage(FRAME.POST_MESSAGE, handles, channel, parts, 8));
    for (i = 0; i < kept.length; i++) keepPort(handles[i] + BigInt(1), kept[i], null);
  }

  /** Without structuredClone: the ports themselves, each once. */
  function distinct(api, ports) {
    for (var i = 0; i < ports.length; i++) {
      if (ports.indexOf(ports[i]) !== i) throw new Error(api + ': transfer[' + i + '] is a duplicate of an earlier port');
    }
    return ports.slice();
  }

  /** Main's webContents.postMessage with ports: the listeners get them in `event.ports`. */
  function portsFromMain(f) {
    var given = new Array(f.ports.length);
    for (var i = 0; i < f.ports.length; i++) {
      var ch = new MessageChannel();
      keepPort(f.ports[i], ch.port2, ch.port1);
      if (fromMain) fromMain.add(ch.port1);
      given[i] = ch.port1;
    }
    // Electron 10+'s IpcRendererEvent has `ports`.
    ipcRenderer.emit.apply(ipcRenderer, [f.channel, { sender: ipcRenderer, ports: given }].concat(f.args));
  }

  function portMessageFromMain(f) {
    var entry = state.ports.get(f.port);
    // Closed here meanwhile: dropped, as in Electron.
    if (!entry) return;
    try {
      entry.port.postMessage(f.args[0]);
    } catch (e) {
      console.error('ipcRenderer: a message from main on a MessagePort could not be delivered:', e);
    }
  }

  function portClosedByMain(f) {
    var entry = state.ports.get(f.port);
    if (entry && dropPort(entry)) closeKept(entry);
  }
