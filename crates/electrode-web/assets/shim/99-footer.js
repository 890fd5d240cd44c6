  // shim/99-footer.js: where the shim differs from Electron 1.7.8; the IIFE close.
  /*
   * Where this shim differs from Electron 1.7.8, and why:
   *  - removeAllListeners() without a channel removes every listener (1.7.8 threw, because its
   *    internals shared the emitter); eventNames() shows only the page's channels.
   *  - A listener that throws is logged (console.error) and the other listeners still run (1.7.8:
   *    the exception escaped emit and later listeners did not run). A message on channel 'error'
   *    with no listener is ignored (Node's emit would throw).
   *  - sendSync throws an Error instead of hanging when no listener replies, when main is gone,
   *    and during unload/pagehide (browsers forbid synchronous requests there). The reply is
   *    JSON, as in 1.7.8 (spec 1.8); under structured-clone rules, a structured clone.
   *  - A missing channel (null/undefined) throws 'Missing required channel argument' for send,
   *    sendSync, sendTo, sendToHost and <webview>.send; other channels are String()-ed.
   *  - sendToHost from a page that is no <webview> guest warns (1.7.8 dropped silently).
   *  - Messages from main that arrive before the document has loaded are held and delivered
   *    in order in a task after the window's load event (Electron's own page messages could not
   *    arrive before the page's scripts ran); main's did-finish-load follows that delivery.
   *  - -0 is sent as 0 (1.7.8 kept -0 as a double). `Math.round(-0.4)` is -0, and "-0" would
   *    not deserialize into a Rust integer.
   *  - Received bytes are Uint8Array (Buffer in Electron) unless the page has a global Buffer.
   *  - BigInt (did not exist in 1.7.8) converts like a symbol: null in arrays, omitted in objects.
   *  - An invalid Date converts through the object path ({}); 1.7.8 probably also rethrew
   *    toISOString's RangeError after sending.
   *  - Object properties are read in sorted key order (1.7.8: V8's property order); this only
   *    shows with getters that have side effects. Bytes are numbered in JSON text order.
   *  - Depth: values nested deeper than 100 (top-level arguments are depth 1) are dropped, as in
   *    electrode-wire. 1.7.8 packed [channel, ...args] into one list first, so it probably cut one
   *    level earlier.
   *  - sendTo with an id that is not a non-negative integer sends id 2^64-1, which no WebContents
   *    has: main logs and drops it, as Electron did for an unknown id.
   *  - Back/forward cache (browsers only): a page entering it closes its link (main destroys its
   *    WebContents) and a page restored from it reloads, so it is a new renderer with a new id.
   *  - Structured-clone rules (ADR 0018; Electron 9+'s values), where they differ from Electron:
   *    the same object passed as two arguments arrives as two copies (references are numbered
   *    per argument); only objects, arrays, Maps and Sets keep their identity (a Date or typed
   *    array met twice is copied twice); array holes arrive as undefined; an array's non-index
   *    properties, an Error's stack and other properties, and a boxed primitive's wrapper are
   *    not kept; an object that is neither a known built-in nor an ordinary object is refused
   *    when its first prototype constructor is a native function other than Object (V8 goes by
   *    internal types JavaScript cannot see; a Proxy is sent as what it shows).
   *  - MessagePorts (Electron 10+; docs/adr/0019): the page uses the browser's own ports; the
   *    shim relays each one over the WebSocket (50-session.js). The event of a message with
   *    ports is { sender, ports }; others keep { sender }. Where the browser has no MessagePort
   *    'close' event (Chromium without MessagePortCloseEvent), the shim fires 'close' on ports
   *    from main and reports their close(), but a port the page transferred to main hears
   *    nothing when main closes it, and main hears of its close() only when the page goes.
   *    A port from main cannot be transferred again, and ports posted inside a port message
   *    are closed (both work in Electron). What the browser clones on a port but main's value
   *    rules refuse is dropped with console.error (postMessage has already returned).
   *  - <webview>: the guest is a same-origin iframe inside the element (not an out-of-process
   *    guest in a shadow root); send() before the guest is known is queued (1.7.8 dropped it);
   *    dom-ready/did-finish-load fire on the iframe's load event; other <webview> methods are
   *    not provided.
   */
})();
