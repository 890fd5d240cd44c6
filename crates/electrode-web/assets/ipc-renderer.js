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

  // shim/10-constants.js: constants shared with electrode-wire (frame types, limits).
  // ---------------------------------------------------------------------------------------------
  // Constants (must match electrode-wire)
  // ---------------------------------------------------------------------------------------------

  var FRAME = {
    HELLO: 0x01,
    SEND: 0x02,
    SEND_SYNC: 0x03,
    SEND_TO_HOST: 0x04,
    SEND_TO: 0x05,
    WEBVIEW_SEND: 0x06,
    INVOKE: 0x07,
    INVOKE_CANCEL: 0x08,
    POST_MESSAGE: 0x09,
    PORT_SEND: 0x0a,
    PORT_CLOSE: 0x0b,
    WELCOME: 0x81,
    MESSAGE: 0x82,
    SYNC_REPLY: 0x83,
    HOST_MESSAGE: 0x84,
    CLOSE: 0x85,
    INVOKE_REPLY: 0x86,
    PORTS_MESSAGE: 0x87,
    PORT_MESSAGE: 0x88,
    PORT_CLOSED: 0x89
  };
  var FLAG_ATTACHMENTS = 1;
  var FLAG_ESCAPED_KEYS = 2;
  /** Structured-clone rules only (ADR 0018): tags other than bytes may appear. */
  var FLAG_TAGGED = 4;
  var BYTES_MARKER = '\u0000bytes';
  /** Values nested deeper than this are dropped (top-level arguments are depth 1). */
  var MAX_DEPTH = 100;
  var GUEST_PREFIX = 'electrode-guest:';
  var WINDOW_PREFIX = 'electrode-window:';
  var TWO32 = 4294967296;
  /** The most ports one PostMessage or PortsMessage frame may name (MAX_PORTS_PER_MESSAGE). */
  var MAX_PORTS_PER_MESSAGE = 64;
  /** Integral numbers in (-2^63, 2^64) are written as integers (serde_json reads them as i64/u64). */
  var INT_MIN = -9223372036854775808;
  var INT_MAX = 18446744073709551616;

  var hasOwn = Object.prototype.hasOwnProperty;
  var utf8Encoder = new TextEncoder();
  var utf8Decoder = new TextDecoder('utf-8');
  var typedArrayTag = Object.getOwnPropertyDescriptor(
    Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
  var dateGetTime = Date.prototype.getTime;

  // shim/20-convert.js: V8ValueConverter-style conversion: the JS writer, the plain tree.
  // ---------------------------------------------------------------------------------------------
  // Argument conversion and JSON text, in one pass
  // ---------------------------------------------------------------------------------------------
  //
  // Values are converted the way Electron 1.7.8's V8ValueConverter did (spec 1.9) while they are
  // written as JSON text exactly as electrode-wire's serializer writes it (ser.rs): compact,
  // object keys sorted bytewise, strings escaped like serde_json (\u0008 and \u000c rather than
  // \b and \f), floats in ryu's form, bytes moved into attachments.

  var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  var LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');

  /** Strings travel as UTF-8: lone surrogates become U+FFFD, as V8's String::Utf8Value did. */
  function wellFormed(s) {
    if (typeof s.isWellFormed === 'function') return s.isWellFormed() ? s : s.toWellFormed();
    return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE_G, '\uFFFD') : s;
  }

  function isDate(v) {
    try {
      dateGetTime.call(v);
      return true;
    } catch (e) {
      return false;
    }
  }

  function setProp(obj, key, value) {
    if (key === '__proto__') {
      Object.defineProperty(obj, key, { value: value, writable: true, enumerable: true, configurable: true });
    } else {
      obj[key] = value;
    }
  }

  function isArrayIndex(k) {
    var n = Number(k) >>> 0;
    return String(n) === k && n !== 4294967295;
  }

  // Calls visit(x) for each element of array v that exists, in index order: holes are skipped
  // (the array arrives compacted, as in 1.7.8) and a throwing getter gives null. A huge sparse
  // array visits only the indices that exist instead of walking its whole length.
  function forEachElement(v, visit) {
    var len = v.length;
    var i, x;
    var indices = null;
    if (len > 1048576) {
      // Possibly a huge sparse array: visit only the indices that exist.
      var keys = Object.keys(v);
      if (keys.length < len) {
        indices = [];
        for (i = 0; i < keys.length && isArrayIndex(keys[i]); i++) indices.push(+keys[i]);
      }
    }
    var count = indices ? indices.length : len;
    for (var j = 0; j < count; j++) {
      i = indices ? indices[j] : j;
      try {
        x = v[i];
      } catch (e) {
        x = null; // a throwing getter gives null
      }
      if (x === undefined && !hasOwn.call(v, i)) continue; // holes are skipped: array compacted
      visit(x);
    }
  }


  /**
   * Number text. NaN and ±Infinity are 0 (Chromium's base::Value(double) did that in 1.7.8);
   * -0 is 0. Integral values in (-2^63, 2^64) are written as integers, like JSON.stringify
   * (serde_json reads them as i64/u64, so Rust listeners can take them as integers). Other
   * values are written the way ryu (serde_json's float printer) does: the same shortest
   * round-trip digits as JavaScript, but `1e21` not `1e+21`, `1.5e300` not `1.5e+300`, `1e-7`
   * either way, `0.00001` either way. So a JS number and the same f64 encoded by Rust give the
   * same bytes (except a Rust f64 that is integral: Rust writes 2.0 as `2.0`, this writes `2`;
   * both parse to the same value).
   */
  function formatNumber(x) {
    if ((x | 0) === x) return '' + x; // int32 (and -0, written 0)
    if (x !== x || x === Infinity || x === -Infinity) return '0';
    if (Math.floor(x) === x) {
      if (x > INT_MIN && x < INT_MAX) return String(x);
    } else if (x >= 1e-5 || x <= -1e-5) {
      // A non-integer is below 2^53: JavaScript and ryu both write plain decimal digits here.
      return String(x);
    }
    return ryuStyle(x);
  }

  function ryuStyle(x) {
    var s = String(x);
    var neg = s.charCodeAt(0) === 45;
    if (neg) s = s.slice(1);
    var exp = 0;
    var e = s.indexOf('e');
    if (e >= 0) {
      exp = parseInt(s.slice(e + 1), 10);
      s = s.slice(0, e);
    }
    var dot = s.indexOf('.');
    var intLen = dot < 0 ? s.length : dot;
    var digits = dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1);
    var lead = 0;
    while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48) lead++;
    var end = digits.length;
    while (end > lead + 1 && digits.charCodeAt(end - 1) === 48) end--;
    digits = digits.slice(lead, end);
    var len = digits.length;
    var kk = intLen + exp - lead; // 10^(kk-1) <= |x| < 10^kk
    var k = kk - len;
    var out;
    if (k >= 0 && kk <= 16) {
      out = digits + '0'.repeat(k) + '.0';
    } else if (kk > 0 && kk <= 16) {
      out = digits.slice(0, kk) + '.' + digits.slice(kk);
    } else if (kk > -5 && kk <= 0) {
      out = '0.' + '0'.repeat(-kk) + digits;
    } else if (len === 1) {
      out = digits + 'e' + (kk - 1);
    } else {
      out = digits.charAt(0) + '.' + digits.slice(1) + 'e' + (kk - 1);
    }
    return neg ? '-' + out : out;
  }

  var NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
  var BACKSPACE_OR_FORMFEED = /[\b\f]/;

  /** JSON string literal as electrode-wire writes it: like JSON.stringify, but \b and \f as \u0008, \u000c. */
  function quote(s) {
    if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
    var j = JSON.stringify(s);
    if (BACKSPACE_OR_FORMFEED.test(s)) {
      j = j.replace(/\\[\\bf]/g, function (m) {
        return m === '\\b' ? '\\u0008' : m === '\\f' ? '\\u000c' : m;
      });
    }
    return j;
  }

  /** Orders strings by code point, i.e. bytewise on their UTF-8 (Rust's String order). */
  function compareCodePoints(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = a.charCodeAt(i);
      var y = b.charCodeAt(i);
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) {
          // Surrogates (code points >= U+10000) sort after U+E000..U+FFFF.
          x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
          y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
        }
        return x - y;
      }
    }
    return a.length - b.length;
  }

  function compareFirst(a, b) {
    return compareCodePoints(a[0], b[0]);
  }

  var HIGH_CHAR = /[\uD800-\uFFFF]/;
  /** Key characters that need care: \b, \f, and U+D800..U+FFFF (lone surrogates; and UTF-16
   *  order differs from code point order there). */
  var SPECIAL_KEY_CHAR = /[\b\f\uD800-\uFFFF]/;

  /**
   * Converts and writes one value at `depth` (top-level arguments are depth 1). Returns its JSON
   * text, or undefined when the value cannot be converted (undefined, functions, symbols, bigint,
   * or nested deeper than MAX_DEPTH): the caller writes null in arrays and argument lists and
   * leaves the property out of objects. `ctx.path` holds the objects from the argument down to
   * here: meeting one again is a cycle and gives null, while an object shared by two branches is
   * simply written twice.
   */
  function encodeValue(v, depth, ctx) {
    if (depth > MAX_DEPTH) return undefined;
    switch (typeof v) {
      case 'number':
        return formatNumber(v);
      case 'string':
        return quote(wellFormed(v));
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object':
        break;
      default:
        return undefined; // undefined, function, symbol, bigint (and document.all)
    }
    if (v === null) return 'null';
    if (Array.isArray(v)) return encodeArray(v, depth, ctx);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      proto = null;
    }
    if (proto !== Object.prototype && proto !== null) {
      if (ArrayBuffer.isView(v)) {
        // Any Uint8Array travels as bytes (brand check: works across frames, cannot be spoofed).
        // A Node-style Buffer (the `buffer` package bundlers ship) is a Uint8Array subclass. The
        // bytes are copied into the message before send() returns. Other typed arrays and
        // DataView go the object path below.
        if (typedArrayTag.call(v) === 'Uint8Array') {
          ctx.bins.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          return '{"\\u0000bytes":' + (ctx.bins.length - 1) + '}';
        }
      } else if (isDate(v)) {
        try {
          var f = v.toISOString; // looked up on the object, as the converter did
          if (typeof f === 'function') return quote(wellFormed(String(f.call(v))));
        } catch (e) {
          // An invalid Date's toISOString throws: the object path below gives {}.
        }
      }
    }
    return encodeObject(v, depth, ctx);
  }

  function onPath(path, v) {
    for (var i = path.length - 1; i >= 0; i--) if (path[i] === v) return true;
    return false;
  }

  function encodeArray(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return 'null';
    path.push(v);
    var s = '';
    var n = 0;
    forEachElement(v, function (x) {
      var r = encodeValue(x, depth + 1, ctx);
      if (r === undefined) r = 'null';
      s += n++ === 0 ? r : ',' + r;
    });
    path.pop();
    return '[' + s + ']';
  }

  function encodeObject(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return 'null';
    path.push(v);
    var keys;
    try {
      keys = Object.keys(v); // own, enumerable, string-keyed (V8's GetOwnPropertyNames)
    } catch (e) {
      keys = [];
    }
    var s = '';
    var n = 0;
    var i, k, x, r;
    var plain = true;
    var high = false;
    for (i = 0; i < keys.length; i++) {
      k = keys[i];
      if (k.charCodeAt(0) === 0 || !k.isWellFormed()) plain = false;
      else if (!high && HIGH_CHAR.test(k)) high = true;
    }
    if (plain) {
      // Values are read and written in sorted key order, so attachments are numbered in text
      // order, as electrode-wire numbers them for a sorted map.
      if (high) keys.sort(compareCodePoints);
      else keys.sort(); // UTF-16 order = code point order without surrogates or U+E000..U+FFFF
      for (i = 0; i < keys.length; i++) {
        k = keys[i];
        try {
          x = v[k];
        } catch (e) {
          x = null; // a throwing getter gives null
        }
        r = encodeValue(x, depth + 1, ctx);
        if (r === undefined) continue;
        s += (n++ === 0 ? '' : ',') + quote(k) + ':' + r;
      }
    } else {
      // Keys needing care: lone surrogates become U+FFFD (a later key may then replace an
      // earlier one, as in the converter), and keys starting with NUL get one more NUL.
      var byKey = new Map();
      for (i = 0; i < keys.length; i++) {
        k = wellFormed(keys[i]);
        if (k.charCodeAt(0) === 0) k = '\u0000' + k; // flagged when written
        byKey.set(k, keys[i]);
      }
      var entries = Array.from(byKey).sort(compareFirst);
      for (i = 0; i < entries.length; i++) {
        try {
          x = v[entries[i][1]];
        } catch (e) {
          x = null;
        }
        r = encodeValue(x, depth + 1, ctx);
        if (r === undefined) continue;
        if (entries[i][0].charCodeAt(0) === 0) ctx.escaped = true;
        s += (n++ === 0 ? '' : ',') + quote(entries[i][0]) + ':' + r;
      }
    }
    path.pop();
    return '{' + s + '}';
  }

  // ---------------------------------------------------------------------------------------------
  // The fast path: a converted plain tree written by the native JSON.stringify
  // ---------------------------------------------------------------------------------------------
  //
  // convertTree applies the same rules as encodeValue but builds a fresh tree of plain arrays
  // and objects whose keys are inserted in sorted order, so JSON.stringify writes exactly the
  // bytes encodeValue would (tests check both give identical sections). What a JS object cannot
  // express goes in as a placeholder string, replaced in the text afterwards: objects whose
  // integer-like keys JS would put first (e.g. {"10":..,"9":..}, typed arrays), and numbers
  // whose ryu text differs from JavaScript's (1e21, 1e-7, 2^64...). JSON.stringify writes \b
  // and \f where serde_json writes \u0008 and \u000c: fixed afterwards when a string had one.

  var OMIT = { omit: true };

  function placeholder(ctx, text) {
    if (ctx.subs === null) {
      ctx.subs = [];
      ctx.nonce = 'E' + Math.random().toString(36).slice(2, 10) + Date.now().toString(36) + ':';
    }
    ctx.subs.push(text);
    return '\u0000' + ctx.nonce + (ctx.subs.length - 1);
  }

  function resolvePlaceholders(text, ctx) {
    if (ctx.subs === null || text.indexOf(ctx.nonce) < 0) return text;
    var re = new RegExp('"\\\\u0000' + ctx.nonce + '(\\d+)"', 'g');
    return text.replace(re, function (m, i) { return ctx.subs[+i]; });
  }

  /** \b, \f, and surrogates (possibly lone): the characters strings and keys need care for. */
  var SPECIAL_CHAR = /[\b\f\uD800-\uDFFF]/;

  function treeString(s, ctx) {
    if (!SPECIAL_CHAR.test(s)) return s;
    s = wellFormed(s);
    if (BACKSPACE_OR_FORMFEED.test(s)) ctx.bf = true;
    return s;
  }

  function convertTree(v, depth, ctx) {
    if (depth > MAX_DEPTH) return OMIT;
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) return v === 0 ? 0 : v;
        if (v !== v || v === Infinity || v === -Infinity) return 0;
        if (Math.floor(v) === v ? v > INT_MIN && v < INT_MAX : v >= 1e-5 || v <= -1e-5) return v;
        return placeholder(ctx, ryuStyle(v));
      case 'string':
        return treeString(v, ctx);
      case 'boolean':
        return v;
      case 'object':
        break;
      default:
        return OMIT;
    }
    if (v === null) return null;
    if (Array.isArray(v)) return treeArray(v, depth, ctx);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      proto = null;
    }
    if (proto !== Object.prototype && proto !== null) {
      if (ArrayBuffer.isView(v)) {
        if (typedArrayTag.call(v) === 'Uint8Array') {
          ctx.bins.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          var marker = {};
          marker[BYTES_MARKER] = ctx.bins.length - 1;
          return marker;
        }
      } else if (isDate(v)) {
        try {
          var f = v.toISOString;
          if (typeof f === 'function') return treeString(String(f.call(v)), ctx);
        } catch (e) {
          // invalid Date: object path
        }
      }
    }
    return treeObject(v, depth, ctx);
  }

  function treeArray(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return null;
    path.push(v);
    var out = null;
    var len = v.length;
    if (len <= 1048576 && depth < MAX_DEPTH) {
      // Tight loop for the common case; anything unusual (a throwing getter) starts over on
      // the careful loop below, with the attachments and placeholders of this attempt undone.
      var bins = ctx.bins.length;
      var subs = ctx.subs ? ctx.subs.length : 0;
      var flags = [ctx.bf, ctx.escaped];
      try {
        out = [];
        for (var k = 0; k < len; k++) {
          var y = v[k];
          if (typeof y === 'number' && (y | 0) === y) out.push(y === 0 ? 0 : y);
          else if (typeof y === 'string') out.push(treeString(y, ctx));
          else if (y === undefined && !hasOwn.call(v, k)) continue;
          else {
            var d = convertTree(y, depth + 1, ctx);
            out.push(d === OMIT ? null : d);
          }
        }
      } catch (e) {
        out = null;
        ctx.bins.length = bins;
        if (ctx.subs) ctx.subs.length = subs;
        ctx.bf = flags[0];
        ctx.escaped = flags[1];
        path.length = path.indexOf(v) + 1;
      }
      if (out) {
        path.pop();
        return out;
      }
    }
    out = [];
    forEachElement(v, function (x) {
      var c = convertTree(x, depth + 1, ctx);
      out.push(c === OMIT ? null : c);
    });
    path.pop();
    return out;
  }

  function treeObject(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return null;
    path.push(v);
    var keys;
    try {
      keys = Object.keys(v);
    } catch (e) {
      keys = [];
    }
    var i, k, x, c;
    var names = keys; // keys as written (escaped, well-formed)
    var plain = true;
    var high = false;
    var index = false;
    for (i = 0; i < keys.length; i++) {
      k = keys[i];
      var c0 = k.charCodeAt(0);
      if (c0 === 0) plain = false;
      else if (c0 >= 48 && c0 <= 57) {
        if (!index && isArrayIndex(k)) index = true;
      }
      if (SPECIAL_KEY_CHAR.test(k)) {
        if (wellFormed(k) !== k) plain = false;
        if (BACKSPACE_OR_FORMFEED.test(k)) ctx.bf = true;
        if (HIGH_CHAR.test(k)) high = true;
      }
    }
    var pairs; // [written key, original key] when they differ
    if (plain) {
      if (high) keys.sort(compareCodePoints);
      else keys.sort();
    } else {
      var byKey = new Map();
      for (i = 0; i < keys.length; i++) {
        k = wellFormed(keys[i]);
        if (k.charCodeAt(0) === 0) k = '\u0000' + k; // flagged when written
        byKey.set(k, keys[i]);
      }
      pairs = Array.from(byKey).sort(compareFirst);
      names = pairs.map(function (p) { return p[0]; });
    }
    // Does a JS object keep this order? Integer-like keys always come first, ascending.
    var jsOrder = true;
    if (index) {
      var m = 0;
      while (m < names.length && isArrayIndex(names[m])) m++;
      for (i = m; i < names.length && jsOrder; i++) if (isArrayIndex(names[i])) jsOrder = false;
      for (i = 1; i < m && jsOrder; i++) if (+names[i - 1] > +names[i]) jsOrder = false;
    }
    var out = jsOrder ? {} : null;
    var text = '';
    var n = 0;
    for (i = 0; i < names.length; i++) {
      try {
        x = v[pairs ? pairs[i][1] : names[i]];
      } catch (e) {
        x = null;
      }
      c = convertTree(x, depth + 1, ctx);
      if (c === OMIT) continue;
      if (pairs && names[i].charCodeAt(0) === 0) ctx.escaped = true;
      if (out) {
        k = names[i];
        if (k === '__proto__') setProp(out, k, c);
        else out[k] = c;
      } else {
        text += (n++ === 0 ? '' : ',') + quote(names[i]) + ':' + resolvePlaceholders(JSON.stringify(c), ctx);
      }
    }
    path.pop();
    return out || placeholder(ctx, '{' + text + '}');
  }

  /** One argument's JSON text through the fast path. */
  function treeText(v, ctx) {
    var t = convertTree(v, 1, ctx);
    if (t === OMIT) return 'null';
    var s = resolvePlaceholders(JSON.stringify(t), ctx);
    if (ctx.bf) {
      s = s.replace(/\\[\\bf]/g, function (m) {
        return m === '\\b' ? '\\u0008' : m === '\\f' ? '\\u000c' : m;
      });
    }
    return s;
  }

  /**
   * What a receiver gets for an argument list (the Electron 1.7.8 conversion): the list encoded,
   * then decoded. Only null, booleans, finite numbers, strings, arrays, plain objects and
   * Uint8Arrays (bytes) remain.
   */
  function convertArgs(args) {
    return decodeArgs(encodeArgs(args));
  }

  // shim/30-codec.js: the argument section and frames, encode and decode.
  // ---------------------------------------------------------------------------------------------
  // Argument section
  // ---------------------------------------------------------------------------------------------

  var forceWriter = false; // tests: use the JS writer even when the fast path is possible

  /** Converts and encodes an argument list into the parts of an argument section. */
  function encodeArgParts(args) {
    var ctx = { bins: [], escaped: false, path: [], bf: false, subs: null, nonce: null };
    // The fast path needs a JSON.stringify that no page code changed through a toJSON on the
    // prototypes of the tree's objects and arrays (Prototype.js did that once).
    var fast = !forceWriter && Object.prototype.toJSON === undefined && Array.prototype.toJSON === undefined;
    var texts = new Array(args.length);
    var size = 9;
    var i;
    for (i = 0; i < args.length; i++) {
      var r = fast ? treeText(args[i], ctx) : encodeValue(args[i], 1, ctx);
      texts[i] = utf8Encoder.encode(r === undefined ? 'null' : r);
      size += 4 + texts[i].length;
    }
    for (i = 0; i < ctx.bins.length; i++) size += 4 + ctx.bins[i].length;
    return {
      flags: (ctx.bins.length ? FLAG_ATTACHMENTS : 0) | (ctx.escaped ? FLAG_ESCAPED_KEYS : 0),
      texts: texts,
      bins: ctx.bins,
      size: size
    };
  }

  function writeArgParts(p, out, dv, off) {
    var i;
    out[off] = p.flags;
    dv.setUint32(off + 1, p.texts.length, true);
    dv.setUint32(off + 5, p.bins.length, true);
    off += 9;
    for (i = 0; i < p.texts.length; i++, off += 4) dv.setUint32(off, p.texts[i].length, true);
    for (i = 0; i < p.bins.length; i++, off += 4) dv.setUint32(off, p.bins[i].length, true);
    for (i = 0; i < p.texts.length; i++) {
      out.set(p.texts[i], off);
      off += p.texts[i].length;
    }
    for (i = 0; i < p.bins.length; i++) {
      out.set(p.bins[i], off);
      off += p.bins[i].length;
    }
    return off;
  }

  /** Encodes an argument list (JS values, converted as Electron 1.7.8 did) into an argument section. */
  function encodeArgs(args) {
    var p = encodeArgParts(args);
    var out = new Uint8Array(p.size);
    writeArgParts(p, out, new DataView(out.buffer), 0);
    return out;
  }

  function toU8(input) {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('expected bytes (Uint8Array or ArrayBuffer)');
  }

  /**
   * Received bytes. Electron gives a Node Buffer; in a browser the closest is a Uint8Array (a
   * view into the received message, not a copy). When the page provides a Node-style global
   * Buffer (a bundler's `buffer` polyfill), received bytes are Buffers, as in Electron.
   */
  function makeBytes(view) {
    var B = root.Buffer;
    if (typeof B === 'function' && typeof B.from === 'function' && typeof B.isBuffer === 'function') {
      try {
        return B.from(view.buffer, view.byteOffset, view.byteLength);
      } catch (e) {
        // fall through
      }
    }
    return view;
  }

  /** Rebuilds bytes and escaped keys in a parsed JSON value; `asBytes` makes the received bytes. */
  function revive(v, bins, escaped, asBytes) {
    var i, x;
    if (Array.isArray(v)) {
      for (i = 0; i < v.length; i++) {
        x = v[i];
        if (x !== null && typeof x === 'object') v[i] = revive(x, bins, escaped, asBytes);
      }
      return v;
    }
    var keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === BYTES_MARKER) {
      var n = v[BYTES_MARKER];
      if (typeof n !== 'number' || !(n >= 0 && n < bins.length) || Math.floor(n) !== n) {
        throw new Error('byte marker points at attachment ' + n + ' of ' + bins.length);
      }
      return asBytes(bins[n]);
    }
    var rename = false;
    for (i = 0; i < keys.length; i++) {
      x = v[keys[i]];
      if (x !== null && typeof x === 'object') v[keys[i]] = revive(x, bins, escaped, asBytes);
      if (escaped && keys[i].charCodeAt(0) === 0) rename = true;
    }
    if (!rename) return v;
    var o = {};
    for (i = 0; i < keys.length; i++) {
      var k = keys[i];
      setProp(o, k.charCodeAt(0) === 0 ? k.slice(1) : k, v[k]);
    }
    return o;
  }

  /**
   * Splits an argument section into its flags, JSON texts and attachments (views into `input`),
   * checking its framing. `knownFlags`: the flag bits the caller's rules allow.
   */
  function splitSection(input, knownFlags) {
    var b = toU8(input);
    if (b.length < 9) throw new Error('malformed arguments: truncated argument table');
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    var flags = b[0];
    if (flags & ~knownFlags) throw new Error('malformed arguments: unknown flag bits');
    var argc = dv.getUint32(1, true);
    var nbin = dv.getUint32(5, true);
    var tableEnd = 9 + 4 * (argc + nbin);
    if (tableEnd > b.length) throw new Error('malformed arguments: truncated argument lengths');
    var off = tableEnd;
    var texts = new Array(argc);
    var bins = new Array(nbin);
    var i, len;
    for (i = 0; i < argc; i++) {
      len = dv.getUint32(9 + 4 * i, true);
      if (off + len > b.length) throw new Error('malformed arguments: truncated argument data');
      texts[i] = b.subarray(off, off + len);
      off += len;
    }
    for (i = 0; i < nbin; i++) {
      len = dv.getUint32(9 + 4 * (argc + i), true);
      if (off + len > b.length) throw new Error('malformed arguments: truncated attachment');
      bins[i] = b.subarray(off, off + len);
      off += len;
    }
    if (off !== b.length) throw new Error('malformed arguments: trailing bytes after the arguments');
    if (nbin > 0 && !(flags & FLAG_ATTACHMENTS)) throw new Error('malformed arguments: attachments present but not flagged');
    return { flags: flags, texts: texts, bins: bins };
  }

  /**
   * One argument's JSON text with bytes and escaped keys only: bytes become what `asBytes` makes
   * (makeBytes, under JSON rules), escapes are undone.
   */
  function decodeJsonText(text, bins, flags, asBytes) {
    var v = JSON.parse(utf8Decoder.decode(text));
    if (flags && v !== null && typeof v === 'object') v = revive(v, bins, (flags & FLAG_ESCAPED_KEYS) !== 0, asBytes);
    return v;
  }

  /** Decodes an argument section into JS values (bytes become Uint8Array, escapes undone). */
  function decodeArgs(input) {
    var s = splitSection(input, FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS);
    var out = new Array(s.texts.length);
    for (var i = 0; i < out.length; i++) out[i] = decodeJsonText(s.texts[i], s.bins, s.flags, makeBytes);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Frames
  // ---------------------------------------------------------------------------------------------

  function putU64(dv, off, n) {
    if (typeof n === 'bigint') {
      dv.setBigUint64(off, BigInt.asUintN(64, n), true);
      return;
    }
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      // Not a possible id (negative, fractional, NaN, huge): send an id no WebContents has,
      // so main reports "unknown id" and drops the message, as Electron did.
      dv.setUint32(off, 0xffffffff, true);
      dv.setUint32(off + 4, 0xffffffff, true);
      return;
    }
    var lo = n % TWO32;
    dv.setUint32(off, lo, true);
    dv.setUint32(off + 4, (n - lo) / TWO32, true);
  }

  /**
   * Builds a frame body that carries a message: type | u64 fixed fields | channel | arguments,
   * after `reserve` leading bytes (room for the WebSocket sequence number).
   */
  function frameSize(fixed, channel, parts) {
    return 1 + 8 * fixed.length + 4 + utf8Encoder.encode(channel).length + parts.size;
  }

  function buildMessage(type, fixed, channel, parts, reserve) {
    var ch = utf8Encoder.encode(channel);
    var size = reserve + 1 + 8 * fixed.length + 4 + ch.length + parts.size;
    var out = new Uint8Array(size);
    var dv = new DataView(out.buffer);
    var off = reserve;
    out[off++] = type;
    for (var i = 0; i < fixed.length; i++, off += 8) putU64(dv, off, fixed[i]);
    dv.setUint32(off, ch.length, true);
    off += 4;
    out.set(ch, off);
    off += ch.length;
    writeArgParts(parts, out, dv, off);
    return out;
  }

  /** A port handle as a BigInt (handles are u64s; main's exceed 2^53): BigInt, number or hex string. */
  function portHandle(h) {
    return typeof h === 'bigint' ? BigInt.asUintN(64, h) : BigInt.asUintN(64, BigInt(h));
  }

  /** A PostMessage body's size: type | u32 count | count x u64 handle | channel | arguments. */
  function portsFrameSize(count, channel, parts) {
    return 1 + 4 + 8 * count + 4 + utf8Encoder.encode(channel).length + parts.size;
  }

  /**
   * Builds a PostMessage (or PortsMessage) body after `reserve` leading bytes: the handles of
   * the ports it transfers, then the channel and the one-argument section.
   */
  function buildPortsMessage(type, handles, channel, parts, reserve) {
    var ch = utf8Encoder.encode(channel);
    var out = new Uint8Array(reserve + portsFrameSize(handles.length, channel, parts));
    var dv = new DataView(out.buffer);
    var off = reserve;
    out[off++] = type;
    dv.setUint32(off, handles.length, true);
    off += 4;
    for (var i = 0; i < handles.length; i++, off += 8) dv.setBigUint64(off, portHandle(handles[i]), true);
    dv.setUint32(off, ch.length, true);
    off += 4;
    out.set(ch, off);
    off += ch.length;
    writeArgParts(parts, out, dv, off);
    return out;
  }

  /**
   * Builds a PortSend (or PortMessage) body, `type | u64 port | arguments` (no channel), or with
   * `parts` null a PortClose (PortClosed), `type | u64 port`, after `reserve` leading bytes.
   */
  function buildPortFrame(type, port, parts, reserve) {
    var out = new Uint8Array(reserve + 9 + (parts ? parts.size : 0));
    var dv = new DataView(out.buffer);
    out[reserve] = type;
    dv.setBigUint64(reserve + 1, portHandle(port), true);
    if (parts) writeArgParts(parts, out, dv, reserve + 9);
    return out;
  }

  function concatBytes(chunks) {
    var n = 0;
    var i;
    for (i = 0; i < chunks.length; i++) n += chunks[i].length;
    var out = new Uint8Array(n);
    for (i = 0, n = 0; i < chunks.length; i++) {
      out.set(chunks[i], n);
      n += chunks[i].length;
    }
    return out;
  }

  function u64Bytes(n) {
    var b = new Uint8Array(8);
    putU64(new DataView(b.buffer), 0, n);
    return b;
  }

  function u32Bytes(n) {
    var b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  }

  /**
   * A reply's value: JSON text under JSON rules (`frame.json` as given, else the value
   * stringified), an argument section with one argument under structured-clone rules.
   */
  function replyValueBytes(frame) {
    if (cloneRules) return encodeCloneArgs([frame.value]);
    var json = frame.json !== undefined ? frame.json : JSON.stringify(frame.value);
    return utf8Encoder.encode(json === undefined ? '' : json);
  }

  /** A reply's value as decodeFrame reads it, under the rules in force. */
  function readReplyValue(bytes) {
    if (cloneRules) return decodeCloneReply(bytes);
    var text = utf8Decoder.decode(bytes);
    return text === '' ? undefined : JSON.parse(text);
  }

  /**
   * Encodes any frame (tests and tools). `frame.type` is a FRAME code; message frames take
   * `channel` and either `args` (JS values) or `section` (an encoded argument section).
   */
  function encodeFrame(frame) {
    var t = frame.type;
    var section = function () {
      if (frame.section !== undefined) return toU8(frame.section);
      return cloneRules ? encodeCloneArgs(frame.args || []) : encodeArgs(frame.args || []);
    };
    var head = [Uint8Array.of(t)];
    switch (t) {
      case FRAME.HELLO:
        head.push(typeof frame.token === 'string' ? utf8Encoder.encode(frame.token) : toU8(frame.token));
        return concatBytes(head);
      case FRAME.SEND:
      case FRAME.SEND_TO_HOST:
      case FRAME.MESSAGE:
        break;
      case FRAME.SEND_SYNC:
      case FRAME.INVOKE:
        head.push(u64Bytes(frame.request));
        break;
      case FRAME.SEND_TO:
        head.push(u64Bytes(frame.target));
        break;
      case FRAME.WEBVIEW_SEND:
      case FRAME.HOST_MESSAGE:
        head.push(u64Bytes(frame.guest));
        break;
      case FRAME.POST_MESSAGE:
      case FRAME.PORTS_MESSAGE:
        var handles = frame.ports || [];
        head.push(u32Bytes(handles.length));
        for (var h = 0; h < handles.length; h++) head.push(u64Bytes(portHandle(handles[h])));
        break;
      case FRAME.PORT_SEND:
      case FRAME.PORT_MESSAGE:
        head.push(u64Bytes(portHandle(frame.port)), section());
        return concatBytes(head);
      case FRAME.PORT_CLOSE:
      case FRAME.PORT_CLOSED:
        head.push(u64Bytes(portHandle(frame.port)));
        return concatBytes(head);
      case FRAME.WELCOME:
        head.push(u64Bytes(frame.id));
        if (frame.embedder !== undefined) head.push(u64Bytes(frame.embedder));
        if (frame.maxMessageSize !== undefined) head.push(u64Bytes(frame.maxMessageSize));
        if (frame.version !== undefined) {
          var v = new Uint8Array(2);
          new DataView(v.buffer).setUint16(0, frame.version, true);
          head.push(v, u64Bytes(frame.features || 0));
        }
        return concatBytes(head);
      case FRAME.SYNC_REPLY:
        head.push(u64Bytes(frame.request));
        if (frame.error !== undefined) {
          head.push(Uint8Array.of(0), utf8Encoder.encode(String(frame.error)));
        } else {
          head.push(Uint8Array.of(1), replyValueBytes(frame));
        }
        return concatBytes(head);
      case FRAME.CLOSE:
        head.push(utf8Encoder.encode(String(frame.reason || '')));
        return concatBytes(head);
      case FRAME.INVOKE_REPLY:
        head.push(u64Bytes(frame.request));
        if (frame.failure !== undefined) {
          head.push(Uint8Array.of(0), utf8Encoder.encode(JSON.stringify(frame.failure)));
        } else {
          head.push(Uint8Array.of(1), replyValueBytes(frame));
        }
        return concatBytes(head);
      default:
        throw new Error('unknown frame type ' + t);
    }
    var ch = utf8Encoder.encode(String(frame.channel));
    head.push(u32Bytes(ch.length), ch, section());
    return concatBytes(head);
  }

  /** Decodes a frame body (one WebSocket message from main, or any frame in tests). */
  function decodeFrame(input) {
    var b = toU8(input);
    if (b.length === 0) throw new Error('malformed frame: empty');
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    var off = 1;
    var f = { type: b[0] };
    var u64 = function () {
      if (off + 8 > b.length) throw new Error('malformed frame: truncated u64 field');
      var lo = dv.getUint32(off, true);
      var hi = dv.getUint32(off + 4, true);
      off += 8;
      return hi * TWO32 + lo;
    };
    // Port handles: BigInt (main's have the high bit set, beyond a Number's 2^53).
    var handle = function () {
      if (off + 8 > b.length) throw new Error('malformed frame: truncated port handle');
      var h = dv.getBigUint64(off, true);
      off += 8;
      return h;
    };
    var handles = function () {
      if (off + 4 > b.length) throw new Error('malformed frame: truncated port count');
      var n = dv.getUint32(off, true);
      off += 4;
      if (n > MAX_PORTS_PER_MESSAGE) {
        throw new Error('malformed frame: a message transfers ' + n + ' ports; the most is ' + MAX_PORTS_PER_MESSAGE);
      }
      var out = new Array(n);
      for (var i = 0; i < n; i++) out[i] = handle();
      return out;
    };
    var section = function () {
      f.section = b.subarray(off);
      f.args = readArgs(f.section);
    };
    var message = function () {
      if (off + 4 > b.length) throw new Error('malformed frame: truncated channel length');
      var n = dv.getUint32(off, true);
      off += 4;
      if (off + n > b.length) throw new Error('malformed frame: truncated channel');
      f.channel = utf8Decoder.decode(b.subarray(off, off + n));
      off += n;
      section();
    };
    switch (f.type) {
      case FRAME.HELLO:
        f.token = b.subarray(1);
        break;
      case FRAME.SEND:
      case FRAME.SEND_TO_HOST:
      case FRAME.MESSAGE:
        message();
        break;
      case FRAME.SEND_SYNC:
      case FRAME.INVOKE:
        f.request = u64();
        message();
        break;
      case FRAME.SEND_TO:
        f.target = u64();
        message();
        break;
      case FRAME.WEBVIEW_SEND:
      case FRAME.HOST_MESSAGE:
        f.guest = u64();
        message();
        break;
      case FRAME.POST_MESSAGE:
      case FRAME.PORTS_MESSAGE:
        f.ports = handles();
        message();
        break;
      case FRAME.PORT_SEND:
      case FRAME.PORT_MESSAGE:
        f.port = handle();
        section();
        break;
      case FRAME.PORT_CLOSE:
      case FRAME.PORT_CLOSED:
        f.port = handle();
        if (off !== b.length) throw new Error('malformed frame: trailing bytes after the port handle');
        break;
      case FRAME.WELCOME:
        f.id = u64();
        if (off + 8 <= b.length) f.embedder = u64();
        if (off + 8 <= b.length) f.maxMessageSize = u64(); // mains since the limit travels
        if (off + 10 <= b.length) { // mains since the handshake is versioned
          f.version = dv.getUint16(off, true);
          off += 2;
          f.features = u64();
        }
        break;
      case FRAME.SYNC_REPLY:
        f.request = u64();
        if (off >= b.length) throw new Error('malformed frame: truncated sync reply status');
        var status = b[off++];
        if (status === 1) {
          f.ok = true;
          if (!cloneRules) f.json = utf8Decoder.decode(b.subarray(off));
          f.value = readReplyValue(b.subarray(off));
        } else if (status === 0) {
          f.ok = false;
          f.error = utf8Decoder.decode(b.subarray(off));
        } else {
          throw new Error('malformed frame: sync reply status must be 0 or 1');
        }
        break;
      case FRAME.CLOSE:
        f.reason = utf8Decoder.decode(b.subarray(1));
        break;
      case FRAME.INVOKE_REPLY:
        f.request = u64();
        if (off >= b.length) throw new Error('malformed frame: truncated invoke reply status');
        var done = b[off++];
        if (done === 1) {
          f.ok = true;
          f.value = readReplyValue(b.subarray(off));
        } else if (done === 0) {
          f.ok = false;
          f.failure = JSON.parse(utf8Decoder.decode(b.subarray(off))); // { message, code?, data? }
        } else {
          throw new Error('malformed frame: invoke reply status must be 0 or 1');
        }
        break;
      default:
        throw new Error('malformed frame: unknown frame type 0x' + f.type.toString(16));
    }
    return f;
  }

  // shim/35-clone.js: structured-clone values (ADR 0018): the tagged encoder and decoder, and
  // which rules the page's Main uses.
  // ---------------------------------------------------------------------------------------------
  // Structured-clone values (Electron 9+), opt-in per Main
  // ---------------------------------------------------------------------------------------------
  //
  // A Main built with ValueRules::StructuredClone says so in the connect answer ("values":
  // "structured-clone"); then every argument list this page sends goes through encodeCloneParts
  // instead of encodeArgParts, and every one it receives through decodeCloneArgs. What JSON
  // cannot hold travels as a tag, an object whose one key starts with NUL (ADR 0018 lists them):
  // {"\u0000date": 0}, {"\u0000map": [[k, v]]}, {"\u0000ref": 2}, ... User keys that start with
  // NUL get one more NUL (flag bit 1), as under JSON rules, so a tag cannot be forged.

  var VALUES_JSON = 'json';
  var VALUES_CLONE = 'structured-clone';
  /** True when this page's Main uses structured-clone rules (set from the connect answer). */
  var cloneRules = false;
  var NOT_CLONEABLE = 'An object could not be cloned.';

  /** Electron 9+'s error for a value structured clone cannot copy. */
  function notCloneable() {
    return new Error(NOT_CLONEABLE);
  }

  /**
   * The rules a connect answer's "values" names: true for structured clone, false for JSON (also
   * when absent, as from mains before ADR 0018), null for a name this shim does not know.
   */
  function cloneRulesFor(values) {
    if (values === undefined || values === null || values === VALUES_JSON) return false;
    if (values === VALUES_CLONE) return true;
    return null;
  }

  /** The argument-section encoder and decoder of the rules in force. */
  function argParts(args) {
    return cloneRules ? encodeCloneParts(args) : encodeArgParts(args);
  }

  function readArgs(section) {
    return cloneRules ? decodeCloneArgs(section) : decodeArgs(section);
  }

  // ---- brand checks ---------------------------------------------------------------------------
  // Structured clone goes by an object's internal slots, not its prototype or toStringTag. The
  // built-ins' own accessors check those slots (they throw on anything else), so they work on
  // values from other frames too and cannot be fooled by Symbol.toStringTag.

  function accessor(proto, name) {
    var d = Object.getOwnPropertyDescriptor(proto, name);
    return d && d.get;
  }

  /** A test that is true when `method.call(v, arg)` does not throw. */
  function brand(method, arg) {
    if (typeof method !== 'function') return function () { return false; };
    return function (v) {
      try {
        method.call(v, arg);
        return true;
      } catch (e) {
        return false;
      }
    };
  }

  var isMap = brand(accessor(Map.prototype, 'size'));
  var isSet = brand(accessor(Set.prototype, 'size'));
  var isArrayBuffer = brand(accessor(ArrayBuffer.prototype, 'byteLength'));
  var isSharedArrayBuffer = typeof SharedArrayBuffer === 'function' ?
    brand(accessor(SharedArrayBuffer.prototype, 'byteLength')) : brand(null);
  var isRegExp = brand(accessor(RegExp.prototype, 'source'));
  var isWeakMap = brand(WeakMap.prototype.has, {});
  var isWeakSet = brand(WeakSet.prototype.has, {});
  var isWeakRef = typeof WeakRef === 'function' ? brand(WeakRef.prototype.deref) : brand(null);
  var isNumberObject = brand(Number.prototype.valueOf);
  var isStringObject = brand(String.prototype.valueOf);
  var isBooleanObject = brand(Boolean.prototype.valueOf);
  var isBigIntObject = typeof BigInt === 'function' ? brand(BigInt.prototype.valueOf) : brand(null);
  var isSymbolObject = brand(Symbol.prototype.valueOf);
  var objectToString = Object.prototype.toString;
  var functionToString = Function.prototype.toString;
  var mapForEach = Map.prototype.forEach;
  var setForEach = Set.prototype.forEach;
  var regexpSource = accessor(RegExp.prototype, 'source');
  // RegExp flags in the order RegExp.prototype.flags writes them, each read from its own slot
  // (the `flags` getter reads properties a page could shadow).
  var REGEXP_FLAGS = [['hasIndices', 'd'], ['global', 'g'], ['ignoreCase', 'i'], ['multiline', 'm'],
    ['dotAll', 's'], ['unicode', 'u'], ['unicodeSets', 'v'], ['sticky', 'y']]
    .map(function (f) { return [accessor(RegExp.prototype, f[0]), f[1]]; })
    .filter(function (f) { return typeof f[0] === 'function'; });

  function isError(v) {
    if (typeof Error.isError === 'function') return Error.isError(v);
    return objectToString.call(v) === '[object Error]' || v instanceof Error;
  }

  function isPromise(v) {
    return v instanceof Promise || objectToString.call(v) === '[object Promise]';
  }

  function isNativeFunction(f) {
    try {
      return /\{\s*\[native code\]\s*\}\s*$/.test(functionToString.call(f));
    } catch (e) {
      return false;
    }
  }

  /**
   * Whether an object that is none of the types structured clone knows is still an ordinary
   * object (copied as its own enumerable properties, prototype lost) rather than a host or
   * exotic object V8 refuses (DOM nodes, Window, Location, Intl objects, generators, arguments,
   * ...). JavaScript cannot see V8's object types; the rule used: the first `constructor` on
   * the prototype chain is a page's own function (a class instance) or Object (of any frame).
   */
  function isOrdinaryObject(v) {
    var tag = objectToString.call(v);
    for (var p = Object.getPrototypeOf(v); p !== null; p = Object.getPrototypeOf(p)) {
      var d = Object.getOwnPropertyDescriptor(p, 'constructor');
      if (!d) continue;
      var ctor = d.value;
      if (typeof ctor !== 'function') break;
      if (!isNativeFunction(ctor)) return true; // a class the page defined
      return ctor.name === 'Object';
    }
    return tag === '[object Object]';
  }

  // ---- encoder --------------------------------------------------------------------------------

  /** Writes a tag other than bytes: the section then needs flag bit 2. */
  function tag(ctx, name, body) {
    ctx.tagged = true;
    return '{"\\u0000' + name + '":' + body + '}';
  }

  function cloneNumber(x, ctx) {
    if (x !== x) return tag(ctx, 'number', '"NaN"');
    if (x === Infinity) return tag(ctx, 'number', '"Infinity"');
    if (x === -Infinity) return tag(ctx, 'number', '"-Infinity"');
    if (x === 0 && 1 / x < 0) return tag(ctx, 'number', '"-0"');
    return formatNumber(x);
  }

  /** One value's JSON text under structured-clone rules (throws for a non-cloneable value). */
  function cloneValue(v, ctx) {
    switch (typeof v) {
      case 'string':
        return quote(wellFormed(v));
      case 'number':
        return cloneNumber(v, ctx);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'undefined':
        if (v !== undefined) throw notCloneable(); // document.all: a host object
        return tag(ctx, 'undefined', '0');
      case 'bigint':
        return tag(ctx, 'bigint', '"' + v.toString() + '"');
      case 'object':
        return v === null ? 'null' : cloneObject(v, ctx);
      default:
        throw notCloneable(); // function, symbol
    }
  }

  function cloneObject(v, ctx) {
    if (Array.isArray(v)) return container(v, ctx, cloneArray);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      throw notCloneable(); // a proxy whose trap throws
    }
    // Object literals skip the brand checks (a built-in whose prototype was set to
    // Object.prototype is sent as a plain object); V8 refuses an arguments object.
    if (proto === Object.prototype || proto === null) {
      if (hasOwn.call(v, 'callee') && objectToString.call(v) === '[object Arguments]') throw notCloneable();
      return container(v, ctx, cloneProperties);
    }
    if (ArrayBuffer.isView(v)) return cloneView(v, ctx);
    if (isDate(v)) {
      var ms = dateGetTime.call(v);
      return tag(ctx, 'date', ms === ms ? formatNumber(ms) : 'null');
    }
    if (isRegExp(v)) return tag(ctx, 'regexp', '[' + quote(wellFormed(regexpSource.call(v))) + ',' + quote(regexpFlags(v)) + ']');
    if (isMap(v)) return container(v, ctx, cloneMap);
    if (isSet(v)) return container(v, ctx, cloneSet);
    if (isArrayBuffer(v)) return attachment(ctx, 'arraybuffer', new Uint8Array(v));
    if (isError(v)) return cloneError(v, ctx);
    // Boxed primitives: structured clone keeps the wrapper; no tag holds one, so the primitive
    // inside travels (`new Number(1)` arrives as 1).
    if (isNumberObject(v)) return cloneNumber(Number.prototype.valueOf.call(v), ctx);
    if (isStringObject(v)) return quote(wellFormed(String.prototype.valueOf.call(v)));
    if (isBooleanObject(v)) return Boolean.prototype.valueOf.call(v) ? 'true' : 'false';
    if (isBigIntObject(v)) return cloneValue(BigInt.prototype.valueOf.call(v), ctx);
    if (isSymbolObject(v) || isSharedArrayBuffer(v) || isPromise(v) || isWeakMap(v) || isWeakSet(v) || isWeakRef(v)) {
      throw notCloneable();
    }
    if (!isOrdinaryObject(v)) throw notCloneable();
    return container(v, ctx, cloneProperties);
  }

  /**
   * Objects, arrays, Maps and Sets are numbered in the order they are first entered (per
   * argument, from 0); meeting one again (a cycle or a shared reference) writes {"\0ref": k}.
   */
  function container(v, ctx, write) {
    var k = ctx.refs.get(v);
    if (k !== undefined) return tag(ctx, 'ref', String(k));
    ctx.refs.set(v, ctx.refs.size);
    return write(v, ctx);
  }

  /** Every index up to length; holes become undefined (structured clone keeps them as holes). */
  function cloneArray(v, ctx) {
    var len = v.length;
    // Each element takes two bytes or more: refuse a huge sparse array before building its text.
    if (2 * len - 1 > ctx.limit) {
      throw new Error('an array of length ' + len + ' cannot fit in a message of at most ' + ctx.limit +
        " bytes (main's max_message_size); not sent");
    }
    var s = '';
    for (var i = 0; i < len; i++) {
      var x = v[i];
      var r = x === undefined && !hasOwn.call(v, i) ? tag(ctx, 'undefined', '0') : cloneValue(x, ctx);
      s += i === 0 ? r : ',' + r;
    }
    return '[' + s + ']';
  }

  /**
   * Own enumerable string keys in the object's order (structured clone's order; not sorted as
   * under JSON rules). Getters run, and a throwing one stops the send, as in structured clone;
   * a property a getter deleted meanwhile is skipped, as the algorithm does.
   */
  function cloneProperties(v, ctx) {
    var keys = Object.keys(v);
    var s = '';
    var n = 0;
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      if (!hasOwn.call(v, k)) continue;
      var text = cloneValue(v[k], ctx);
      var name = wellFormed(k);
      if (name.charCodeAt(0) === 0) {
        name = '\u0000' + name;
        ctx.escaped = true;
      }
      s += (n++ === 0 ? '' : ',') + quote(name) + ':' + text;
    }
    return '{' + s + '}';
  }

  function cloneMap(v, ctx) {
    var entries = []; // copied first: a getter met while writing cannot change what is sent
    mapForEach.call(v, function (value, key) { entries.push([key, value]); });
    var s = '';
    for (var i = 0; i < entries.length; i++) {
      var key = cloneValue(entries[i][0], ctx); // key before value: the order refs are numbered in
      s += (i === 0 ? '[' : ',[') + key + ',' + cloneValue(entries[i][1], ctx) + ']';
    }
    return tag(ctx, 'map', '[' + s + ']');
  }

  function cloneSet(v, ctx) {
    var values = [];
    setForEach.call(v, function (value) { values.push(value); });
    var s = '';
    for (var i = 0; i < values.length; i++) s += (i === 0 ? '' : ',') + cloneValue(values[i], ctx);
    return tag(ctx, 'set', '[' + s + ']');
  }

  function regexpFlags(v) {
    var s = '';
    for (var i = 0; i < REGEXP_FLAGS.length; i++) if (REGEXP_FLAGS[i][0].call(v)) s += REGEXP_FLAGS[i][1];
    return s;
  }

  var ERROR_NAMES = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];

  /**
   * [name, message] as V8 serializes an Error: the name is read like a property (a name outside
   * the standard ones becomes "Error"), the message only from an own data property. The stack
   * and other properties are not kept.
   */
  function cloneError(v, ctx) {
    var name = String(v.name);
    if (ERROR_NAMES.indexOf(name) < 0) name = 'Error';
    var d = Object.getOwnPropertyDescriptor(v, 'message');
    var message = d && 'value' in d ? String(d.value) : '';
    return tag(ctx, 'error', '[' + quote(name) + ',' + quote(wellFormed(message)) + ']');
  }

  /** Uint8Array (and Buffer) as bytes; other typed arrays and DataView as their view's bytes. */
  function cloneView(v, ctx) {
    if (isSharedArrayBuffer(v.buffer)) throw notCloneable(); // shared memory cannot reach main
    var bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    var kind = typedArrayTag.call(v); // undefined for a DataView
    if (kind === 'Uint8Array') {
      ctx.bins.push(bytes);
      return '{"\\u0000bytes":' + (ctx.bins.length - 1) + '}';
    }
    // Browsers run on little-endian machines, so the view's memory is already the wire's order.
    ctx.bins.push(bytes);
    return tag(ctx, 'typed', '[' + quote(kind || 'DataView') + ',' + (ctx.bins.length - 1) + ']');
  }

  function attachment(ctx, name, bytes) {
    ctx.bins.push(bytes);
    return tag(ctx, name, String(ctx.bins.length - 1));
  }

  /**
   * Encodes an argument list under structured-clone rules into the parts of an argument section
   * (the shape encodeArgParts gives: flags, one UTF-8 JSON text per argument, attachments,
   * size). Throws Error('An object could not be cloned.') for a value structured clone refuses,
   * before anything is sent.
   */
  function encodeCloneParts(args) {
    var ctx = { bins: [], escaped: false, tagged: false, refs: null, limit: state.limit };
    var texts = new Array(args.length);
    var size = 9;
    var i;
    for (i = 0; i < args.length; i++) {
      ctx.refs = new Map(); // references are numbered per argument (each decodes on its own)
      texts[i] = utf8Encoder.encode(cloneValue(args[i], ctx));
      size += 4 + texts[i].length;
    }
    for (i = 0; i < ctx.bins.length; i++) size += 4 + ctx.bins[i].length;
    return {
      flags: (ctx.bins.length ? FLAG_ATTACHMENTS : 0) | (ctx.escaped ? FLAG_ESCAPED_KEYS : 0) |
        (ctx.tagged ? FLAG_TAGGED : 0),
      texts: texts,
      bins: ctx.bins,
      size: size
    };
  }

  /** encodeCloneParts written out as one argument section. */
  function encodeCloneArgs(args) {
    var p = encodeCloneParts(args);
    var out = new Uint8Array(p.size);
    writeArgParts(p, out, new DataView(out.buffer), 0);
    return out;
  }

  // ---- decoder --------------------------------------------------------------------------------

  function malformedTag(what) {
    return new Error('malformed arguments: ' + what);
  }

  /** A tag's key: NUL and a name (an escaped user key has a second NUL). */
  function isTagKey(k) {
    return k.length > 1 && k.charCodeAt(0) === 0 && k.charCodeAt(1) !== 0;
  }

  function isIndex(n, count) {
    return typeof n === 'number' && n >= 0 && n < count && Math.floor(n) === n;
  }

  function takeAttachment(n, ctx, name) {
    if (!isIndex(n, ctx.bins.length)) {
      throw malformedTag('the ' + name + ' tag points at attachment ' + JSON.stringify(n) + ' of ' + ctx.bins.length);
    }
    return ctx.bins[n];
  }

  /** A fresh, aligned copy of an attachment's bytes. */
  function copyBuffer(bytes) {
    return bytes.slice().buffer;
  }

  /** Rebuilds one parsed JSON value, resolving tags; containers are numbered as the encoder did. */
  function reviveClone(v, ctx) {
    if (v === null || typeof v !== 'object') return v;
    var i;
    if (Array.isArray(v)) {
      var list = new Array(v.length);
      ctx.refs.push(list);
      for (i = 0; i < v.length; i++) list[i] = reviveClone(v[i], ctx);
      return list;
    }
    var keys = Object.keys(v);
    if (keys.length === 1 && isTagKey(keys[0])) return reviveTag(keys[0].slice(1), v[keys[0]], ctx);
    var out = {};
    ctx.refs.push(out);
    for (i = 0; i < keys.length; i++) {
      var k = keys[i];
      var name = k;
      if (k.charCodeAt(0) === 0) {
        if (!ctx.escaped || k.charCodeAt(1) !== 0) {
          throw malformedTag('key ' + JSON.stringify(k) + ' starts with NUL but is neither an escaped key nor the only key of a tag');
        }
        name = k.slice(1);
      }
      setProp(out, name, reviveClone(v[k], ctx));
    }
    return out;
  }

  var NUMBER_TAGS = { 'NaN': NaN, 'Infinity': Infinity, '-Infinity': -Infinity, '-0': -0 };
  var ERROR_CTORS = {
    Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError,
    SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError
  };
  var TYPED_CTORS = {};
  ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
    'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView']
    .forEach(function (name) { if (typeof root[name] === 'function') TYPED_CTORS[name] = root[name]; });

  function isPair(x) {
    return Array.isArray(x) && x.length === 2;
  }

  function reviveTag(name, x, ctx) {
    var tagText = JSON.stringify('\u0000' + name);
    var bad = function () {
      return malformedTag('tag ' + tagText + ' has an invalid value ' + JSON.stringify(x));
    };
    var i;
    switch (name) {
      case 'bytes':
        return takeAttachment(x, ctx, 'bytes');
      case 'undefined':
        if (x !== 0) throw bad();
        return undefined;
      case 'number':
        if (typeof x !== 'string' || !hasOwn.call(NUMBER_TAGS, x)) throw bad();
        return NUMBER_TAGS[x];
      case 'bigint':
        if (typeof x !== 'string' || !/^-?[0-9]+$/.test(x)) throw bad();
        return BigInt(x);
      case 'date':
        if (x !== null && !(typeof x === 'number' && isFinite(x))) throw bad();
        return new Date(x === null ? NaN : x);
      case 'regexp':
        if (!isPair(x) || typeof x[0] !== 'string' || typeof x[1] !== 'string') throw bad();
        try {
          return new RegExp(x[0], x[1]);
        } catch (e) {
          throw malformedTag('regexp tag: ' + (e && e.message));
        }
      case 'error':
        if (!isPair(x) || typeof x[0] !== 'string' || typeof x[1] !== 'string') throw bad();
        return new (hasOwn.call(ERROR_CTORS, x[0]) ? ERROR_CTORS[x[0]] : Error)(x[1]);
      case 'map':
        if (!Array.isArray(x)) throw bad();
        var map = new Map();
        ctx.refs.push(map); // numbered before its entries, as the encoder did
        for (i = 0; i < x.length; i++) {
          if (!isPair(x[i])) throw malformedTag('map tag: entry ' + i + ' is not a [key, value] pair');
          var key = reviveClone(x[i][0], ctx);
          map.set(key, reviveClone(x[i][1], ctx));
        }
        return map;
      case 'set':
        if (!Array.isArray(x)) throw bad();
        var set = new Set();
        ctx.refs.push(set);
        for (i = 0; i < x.length; i++) set.add(reviveClone(x[i], ctx));
        return set;
      case 'typed':
        if (!isPair(x) || typeof x[0] !== 'string') throw bad();
        if (!hasOwn.call(TYPED_CTORS, x[0])) throw malformedTag('typed tag: unknown kind ' + JSON.stringify(x[0]));
        var Ctor = TYPED_CTORS[x[0]];
        var bytes = takeAttachment(x[1], ctx, 'typed');
        var unit = Ctor.BYTES_PER_ELEMENT || 1;
        if (bytes.length % unit) throw malformedTag('typed tag: ' + bytes.length + ' bytes is not a whole number of ' + x[0] + ' elements');
        return new Ctor(copyBuffer(bytes));
      case 'arraybuffer':
        return copyBuffer(takeAttachment(x, ctx, 'arraybuffer'));
      case 'ref':
        if (!isIndex(x, ctx.refs.length)) {
          throw malformedTag('ref tag points at container ' + JSON.stringify(x) + ' but only ' + ctx.refs.length + ' came before it');
        }
        return ctx.refs[x];
      default:
        throw malformedTag('unknown tag ' + tagText);
    }
  }

  /**
   * Received bytes under structured-clone rules: a Uint8Array (a view into the message), even
   * when the page has a global Buffer; Electron 9+ gives Uint8Array too.
   */
  function plainBytes(view) {
    return view;
  }

  /** One argument's JSON text under structured-clone rules. */
  function decodeCloneText(text, bins, flags) {
    // Without flag bit 2 only bytes can appear: the JSON-rules reviver is the fast path.
    if (!(flags & FLAG_TAGGED)) return decodeJsonText(text, bins, flags, plainBytes);
    var v = JSON.parse(utf8Decoder.decode(text));
    return reviveClone(v, { bins: bins, escaped: (flags & FLAG_ESCAPED_KEYS) !== 0, refs: [] });
  }

  /** Decodes an argument section written under structured-clone rules into JS values. */
  function decodeCloneArgs(input) {
    var s = splitSection(input, FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS | FLAG_TAGGED);
    var out = new Array(s.texts.length);
    for (var i = 0; i < out.length; i++) out[i] = decodeCloneText(s.texts[i], s.bins, s.flags);
    return out;
  }

  /**
   * A SyncReply or InvokeReply value under structured-clone rules: an argument section with one
   * argument (ADR 0018), so bytes travel as attachments there too. An empty body is undefined.
   */
  function decodeCloneReply(bytes) {
    if (bytes.length === 0) return undefined;
    var args = decodeCloneArgs(bytes);
    if (args.length !== 1) throw new Error('malformed reply: an argument section with ' + args.length + ' arguments, not 1');
    return args[0];
  }
  // shim/40-emitter.js: a Node-style EventEmitter.
  // ---------------------------------------------------------------------------------------------
  // A small Node-style EventEmitter (Node 7 semantics, as in Electron 1.7.8)
  // ---------------------------------------------------------------------------------------------

  function EventEmitter() {
    Object.defineProperty(this, '_electrodeListeners', { value: new Map() });
    Object.defineProperty(this, '_electrodeMaxListeners', { value: undefined, writable: true });
  }

  EventEmitter.defaultMaxListeners = 10;

  function checkListener(listener) {
    if (typeof listener !== 'function') throw new TypeError('"listener" argument must be a function');
  }

  function addListener(target, type, listener, prepend) {
    checkListener(listener);
    var map = target._electrodeListeners;
    if (map.has('newListener')) target.emit('newListener', type, listener.listener ? listener.listener : listener);
    var list = map.get(type);
    if (!list) {
      list = [];
      map.set(type, list);
    }
    if (prepend) list.unshift(listener);
    else list.push(listener);
    var m = target.getMaxListeners();
    if (m > 0 && list.length > m && !list.warned) {
      list.warned = true;
      var w = new Error('Possible EventEmitter memory leak detected. ' + list.length + ' ' + String(type) +
        ' listeners added. Use emitter.setMaxListeners() to increase limit');
      w.name = 'MaxListenersExceededWarning';
      w.emitter = target;
      w.type = type;
      w.count = list.length;
      console.warn(w.name + ': ' + w.message, w);
    }
    return target;
  }

  function onceWrap(target, type, listener) {
    var fired = false;
    function wrapped() {
      if (fired) return undefined;
      fired = true;
      target.removeListener(type, wrapped); // removed before it runs
      return listener.apply(target, arguments);
    }
    wrapped.listener = listener;
    return wrapped;
  }

  EventEmitter.prototype.addListener = function (type, listener) {
    return addListener(this, type, listener, false);
  };
  EventEmitter.prototype.on = EventEmitter.prototype.addListener;
  EventEmitter.prototype.prependListener = function (type, listener) {
    return addListener(this, type, listener, true);
  };
  EventEmitter.prototype.once = function (type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrap(this, type, listener), false);
  };
  EventEmitter.prototype.prependOnceListener = function (type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrap(this, type, listener), true);
  };
  EventEmitter.prototype.removeListener = function (type, listener) {
    checkListener(listener);
    var map = this._electrodeListeners;
    var list = map.get(type);
    if (!list) return this;
    for (var i = list.length - 1; i >= 0; i--) {
      var l = list[i];
      if (l === listener || l.listener === listener) {
        list.splice(i, 1);
        if (list.length === 0) map.delete(type);
        if (map.has('removeListener')) this.emit('removeListener', type, l.listener || l);
        break;
      }
    }
    return this;
  };
  EventEmitter.prototype.off = EventEmitter.prototype.removeListener;
  /**
   * With a channel: removes that channel's listeners. Without one: removes every listener on
   * every channel (Electron 1.7.8 threw here because its internals shared this emitter;
   * Electrode's internals do not, as in Electron 4+).
   */
  EventEmitter.prototype.removeAllListeners = function (type) {
    var map = this._electrodeListeners;
    var self = this;
    if (!map.has('removeListener')) {
      if (arguments.length === 0) map.clear();
      else map.delete(type);
      return this;
    }
    if (arguments.length === 0) {
      Array.from(map.keys()).forEach(function (k) {
        if (k !== 'removeListener') self.removeAllListeners(k);
      });
      this.removeAllListeners('removeListener');
      return this;
    }
    var list = map.get(type);
    if (list) {
      for (var i = list.length - 1; i >= 0; i--) this.removeListener(type, list[i]);
    }
    return this;
  };
  EventEmitter.prototype.setMaxListeners = function (n) {
    if (typeof n !== 'number' || n < 0 || n !== n) throw new TypeError('"n" argument must be a positive number');
    this._electrodeMaxListeners = n;
    return this;
  };
  EventEmitter.prototype.getMaxListeners = function () {
    return this._electrodeMaxListeners === undefined ? EventEmitter.defaultMaxListeners : this._electrodeMaxListeners;
  };
  /**
   * Calls the listeners of `type` in registration order with `this` = the emitter. It iterates
   * a copy: listeners added meanwhile are not called for this emit, listeners removed meanwhile
   * still are. A listener that throws is logged with console.error and the others still run.
   */
  EventEmitter.prototype.emit = function (type) {
    var list = this._electrodeListeners.get(type);
    if (!list) return false;
    var args = Array.prototype.slice.call(arguments, 1);
    var copy = list.slice();
    for (var i = 0; i < copy.length; i++) {
      try {
        copy[i].apply(this, args);
      } catch (err) {
        console.error('ipcRenderer: a listener for channel ' + JSON.stringify(String(type)) + ' threw:', err);
      }
    }
    return true;
  };
  EventEmitter.prototype.listeners = function (type) {
    var list = this._electrodeListeners.get(type);
    return list ? list.map(function (l) { return l.listener || l; }) : [];
  };
  EventEmitter.prototype.listenerCount = function (type) {
    var list = this._electrodeListeners.get(type);
    return list ? list.length : 0;
  };
  EventEmitter.prototype.eventNames = function () {
    return Array.from(this._electrodeListeners.keys());
  };

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
  // shim/60-api.js: the ipcRenderer API.
  // ---------------------------------------------------------------------------------------------
  // The ipcRenderer API
  // ---------------------------------------------------------------------------------------------

  // These do not use `this`, so `const { send } = ipcRenderer` works, as in Electron.
  ipcRenderer.send = function (channel) {
    channel = channelName(channel);
    if (state.gone) return postAsync(FRAME.SEND, [], channel, null);
    postAsync(FRAME.SEND, [], channel, argParts(Array.prototype.slice.call(arguments, 1)));
  };
  // Electron 10+: one message, and the MessagePorts in `transfer` move to main (its listener's
  // event.ports()). Without ports (undefined, null or []) it is a send of one message.
  ipcRenderer.postMessage = function (channel, message, transfer) {
    channel = channelName(channel);
    if (transfer !== undefined && transfer !== null && !Array.isArray(transfer)) {
      throw new TypeError('ipcRenderer.postMessage(' + JSON.stringify(channel) + '): the transfer list must be an array of MessagePorts');
    }
    if (transfer && transfer.length > 0) return postPorts(channel, message, transfer);
    if (state.gone) return postAsync(FRAME.SEND, [], channel, null);
    postAsync(FRAME.SEND, [], channel, argParts([message]));
  };
  ipcRenderer.sendSync = sendSync;
  ipcRenderer.invoke = invoke;
  ipcRenderer.sendToHost = function (channel) {
    channel = channelName(channel);
    if (state.gone) return postAsync(FRAME.SEND_TO_HOST, [], channel, null);
    if (!state.guest) {
      // Electron drops these silently; a warning saves a debugging session.
      console.warn('ipcRenderer.sendToHost(' + JSON.stringify(channel) + '): this page is not a <webview> guest; message dropped');
      return;
    }
    postAsync(FRAME.SEND_TO_HOST, [], channel, argParts(Array.prototype.slice.call(arguments, 1)));
  };
  ipcRenderer.sendTo = function (webContentsId, channel) {
    if (typeof webContentsId !== 'number') throw new TypeError('First argument has to be webContentsId');
    channel = channelName(channel);
    if (state.gone) return postAsync(FRAME.SEND_TO, [webContentsId], channel, null);
    postAsync(FRAME.SEND_TO, [webContentsId], channel, argParts(Array.prototype.slice.call(arguments, 2)));
  };

  // shim/70-webview.js: the <webview> element and its guest.
  // ---------------------------------------------------------------------------------------------
  // <webview>
  // ---------------------------------------------------------------------------------------------

  var webviews = new WeakMap(); // element -> { guest, iframe, pending, requesting, generation, src }
  var guests = new Map(); // guest id -> element

  function isWebview(el) {
    try {
      return el.localName === 'webview' && el.namespaceURI === 'http://www.w3.org/1999/xhtml';
    } catch (e) {
      return false;
    }
  }

  function webviewState(el) {
    var st = webviews.get(el);
    if (!st) {
      st = { guest: null, iframe: null, pending: [], requesting: false, generation: 0, src: null };
      webviews.set(el, st);
    }
    return st;
  }

  /** <webview>.send(channel, ...args): to the guest page's ipcRenderer. */
  function webviewSend(channel) {
    channel = channelName(channel);
    var st = webviewState(this);
    var parts = argParts(Array.prototype.slice.call(arguments, 1));
    // Checked now, not when the guest id is known: the caller hears of it.
    checkSize('<webview>.send', channel, frameSize([0], channel, parts));
    if (st.guest === null) {
      st.pending.push({ channel: channel, parts: parts }); // sent once the guest id is known
      return;
    }
    postAsync(FRAME.WEBVIEW_SEND, [st.guest], channel, parts);
  }

  function resolveUrl(src) {
    try {
      return new URL(src, root.document.baseURI).href;
    } catch (e) {
      return src;
    }
  }

  function dispatch(el, type) {
    el.dispatchEvent(new Event(type));
  }

  function upgradeWebview(el) {
    if (!el.isConnected) return;
    var st = webviewState(el);
    var src = el.getAttribute('src');
    if (!src) return;
    if (st.iframe) {
      if (src !== st.src) {
        st.src = src;
        st.iframe.src = resolveUrl(src);
      }
      return;
    }
    if (st.requesting) return;
    if (state.gone || !state.token) {
      console.warn('<webview>: cannot start a guest page: main process is gone: ' + (state.gone || 'not connected'));
      return;
    }
    st.requesting = true;
    var generation = ++st.generation;
    fetch('/electrode/webview', { method: 'POST', headers: { 'X-Electrode-Token': state.token } })
      .then(function (r) {
        if (r.ok) return r.json();
        return r.text().then(function (t) {
          throw new Error('HTTP ' + r.status + (t ? ': ' + t : ''));
        });
      })
      .then(function (info) {
        st.requesting = false;
        if (generation !== st.generation || !el.isConnected) {
          closeGuest(info.guest); // the element left the DOM meanwhile
          return;
        }
        st.guest = info.guest;
        guests.set(info.guest, el);
        var iframe = root.document.createElement('iframe');
        iframe.name = GUEST_PREFIX + info.ticket; // the guest page's shim presents it at connect
        iframe.className = 'electrode-webview-guest';
        iframe.setAttribute('style', 'flex:1 1 auto;width:100%;height:100%;border:0;margin:0;padding:0;display:block;min-width:0;min-height:0');
        iframe.addEventListener('load', function () {
          // Approximates Electron's guest lifecycle events, which host pages often wait for.
          dispatch(el, 'dom-ready');
          dispatch(el, 'did-finish-load');
        });
        st.src = el.getAttribute('src');
        iframe.src = resolveUrl(st.src);
        st.iframe = iframe;
        el.appendChild(iframe);
        var pending = st.pending;
        st.pending = [];
        for (var i = 0; i < pending.length; i++) {
          postAsync(FRAME.WEBVIEW_SEND, [st.guest], pending[i].channel, pending[i].parts);
        }
      })
      .catch(function (e) {
        st.requesting = false;
        console.error('<webview>: could not start the guest page:', e);
      });
  }

  function closeGuest(guest) {
    if (!state.token) return;
    fetch('/electrode/webview/close', {
      method: 'POST',
      headers: { 'X-Electrode-Token': state.token },
      body: String(guest),
      keepalive: true
    }).catch(function (e) {
      console.warn('<webview>: could not close guest ' + guest + ':', e);
    });
  }

  function teardownWebview(el) {
    var st = webviews.get(el);
    if (!st) return;
    st.generation++;
    st.requesting = false;
    if (st.guest !== null) {
      closeGuest(st.guest);
      guests.delete(st.guest);
      st.guest = null;
    }
    if (st.iframe) {
      st.iframe.remove();
      st.iframe = null;
    }
    st.src = null;
  }

  function webviewHostMessage(guest, channel, args) {
    var el = guests.get(guest);
    if (!el) return; // the element is gone; Electron drops these too
    var ev = new Event('ipc-message');
    ev.channel = channel;
    ev.args = args;
    el.dispatchEvent(ev);
  }

  function forEachWebview(node, fn) {
    if (node.nodeType !== 1) return;
    if (isWebview(node)) fn(node);
    if (node.firstElementChild) {
      var list = node.querySelectorAll('webview');
      for (var i = 0; i < list.length; i++) fn(list[i]);
    }
  }

  function installWebview(doc) {
    // Every <webview> element has `send` as soon as it exists (a MutationObserver would run too
    // late for document.createElement('webview').send(...)). Chromium makes <webview> a plain
    // HTMLElement, other engines an HTMLUnknownElement: extend whichever prototype it really
    // has. The accessors give undefined on every other element.
    var protos = [];
    try {
      protos.push(Object.getPrototypeOf(doc.createElement('webview')));
    } catch (e) {
      // no DOM
    }
    if (root.HTMLUnknownElement && protos.indexOf(root.HTMLUnknownElement.prototype) < 0) {
      protos.push(root.HTMLUnknownElement.prototype);
    }
    protos.forEach(function (proto) {
      if (!proto || hasOwn.call(proto, 'send')) return;
      Object.defineProperty(proto, 'send', {
        configurable: true,
        get: function () {
          return isWebview(this) ? webviewSend : undefined;
        },
        set: function (v) {
          Object.defineProperty(this, 'send', { value: v, writable: true, enumerable: true, configurable: true });
        }
      });
      if (hasOwn.call(proto, 'src')) return;
      // `webview.src = url` as in Electron (attribute reflection; the observer navigates).
      Object.defineProperty(proto, 'src', {
        configurable: true,
        get: function () {
          return isWebview(this) ? this.getAttribute('src') || '' : undefined;
        },
        set: function (v) {
          if (isWebview(this)) this.setAttribute('src', String(v));
          else Object.defineProperty(this, 'src', { value: v, writable: true, enumerable: true, configurable: true });
        }
      });
    });
    var createElement = doc.createElement;
    doc.createElement = function createElement_(name) {
      var el = createElement.apply(this, arguments);
      if (isWebview(el)) webviewState(el);
      return el;
    };

    // Electron's default size; zero specificity, so any page rule wins.
    var style = doc.createElement('style');
    style.textContent = ':where(webview){display:inline-flex;width:300px;height:150px}';
    (doc.head || doc.documentElement).prepend(style);

    var observer = new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        if (r.type === 'attributes') {
          if (isWebview(r.target)) upgradeWebview(r.target);
          continue;
        }
        var j;
        for (j = 0; j < r.removedNodes.length; j++) {
          forEachWebview(r.removedNodes[j], function (el) {
            if (!el.isConnected) teardownWebview(el);
          });
        }
        for (j = 0; j < r.addedNodes.length; j++) forEachWebview(r.addedNodes[j], upgradeWebview);
      }
    });
    observer.observe(doc, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
    var scan = function () {
      var list = doc.querySelectorAll('webview');
      for (var i = 0; i < list.length; i++) upgradeWebview(list[i]);
    };
    scan();
    if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', scan);
  }

  // shim/80-lifecycle.js: page lifecycle (pagehide, pageshow) and the _electrode internals.
  // ---------------------------------------------------------------------------------------------
  // Page lifecycle, globals, start
  // ---------------------------------------------------------------------------------------------

  if (typeof root.addEventListener === 'function') {
    // Browsers forbid synchronous XHR during page dismissal. pagehide always precedes unload, so
    // no `unload` listener is needed (one would also keep the page out of the back/forward cache).
    // Back/forward cache: a page frozen there keeps its WebSocket open, so main would keep its
    // WebContents alive (and queue messages for it) while the user is on another page, and
    // Chromium drops the socket when the page comes back. So the link is closed when the page
    // enters the cache (main destroys its WebContents, as for any page that went away), and a
    // restored page reloads: it becomes a new renderer with a new id, as after a navigation.
    root.addEventListener('pagehide', function (e) {
      state.unloading = true;
      if (e && e.persisted && state.ws) {
        markGone('the page entered the back/forward cache');
        try { state.ws.close(1000, 'page hidden'); } catch (err) { /* already closed */ }
      }
    }, true);
    root.addEventListener('pageshow', function (e) {
      state.unloading = false;
      if (e && e.persisted && state.token) root.location.reload();
    }, true);
    root.addEventListener('beforeunload', function () {
      state.inBeforeUnload = true;
      setTimeout(function () { state.inBeforeUnload = false; }, 0);
    }, true);
  }

  Object.defineProperty(ipcRenderer, '_electrode', {
    value: {
      get id() { return state.id; },
      get token() { return state.token; },
      get isGuest() { return state.guest; },
      get goneReason() { return state.gone; },
      /** 'json' or 'structured-clone': the value rules main uses (ADR 0018). */
      get valueRules() { return cloneRules ? VALUES_CLONE : VALUES_JSON; },
      state: state,
      internals: {
        convertArgs: convertArgs,
        encodeArgs: encodeArgs,
        decodeArgs: decodeArgs,
        encodeCloneArgs: encodeCloneArgs,
        decodeCloneArgs: decodeCloneArgs,
        /** Tests: 'structured-clone' or 'json' switches the rules sends and receives use. */
        useValueRules: function (name) {
          var clone = cloneRulesFor(name);
          if (clone === null) throw new Error('unknown value rules ' + JSON.stringify(name));
          cloneRules = clone;
        },
        NOT_CLONEABLE: NOT_CLONEABLE,
        encodeFrame: encodeFrame,
        decodeFrame: decodeFrame,
        /** Tests (session vectors): hands one frame body to the shim as if main had sent it. */
        receiveFromMain: function (body) { onMainMessage(body); },
        formatNumber: formatNumber,
        /** Tests: true makes encodeArgs use the JS writer instead of the JSON.stringify path. */
        useWriter: function (on) { forceWriter = !!on; },
        compareCodePoints: compareCodePoints,
        FRAME: FRAME,
        MAX_DEPTH: MAX_DEPTH,
        EventEmitter: EventEmitter
      }
    }
  });

  // shim/90-preload.js: contextBridge, require('electron'), preload mode, globals, start.
  // -------------------------------------------------------------------------------------------
  // contextBridge (Electron 6+): what a preload exposes to the page is copied and frozen;
  // functions are wrapped so arguments and results are copied too.
  // -------------------------------------------------------------------------------------------

  var BRIDGE_MAX_DEPTH = 1000;
  var BRIDGE_DEPTH_MESSAGE = 'Electron contextBridge recursion depth exceeded.  Nested objects deeper than 1000 are not supported.';
  var BRIDGE_UNKNOWN_THROW = 'An unknown exception occurred in the isolated context, an error occurred but a valid exception was not thrown.';
  // A wrapper the bridge made -> the function it wraps: a function sent back to the side it
  // came from arrives as itself, not wrapped twice (Electron's kOriginalFunctionPrivateKey).
  var bridgeOriginals = new WeakMap();
  var toTag = Object.prototype.toString;

  function bridgeMessage(e, fallback) {
    return e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : fallback;
  }

  // What V8 reports for an exception thrown while a result is copied ("Uncaught Error: boom"),
  // which Electron passes on as the new error's message.
  function uncaught(e) {
    var text;
    try { text = String(e); } catch (_) { text = 'exception'; }
    return 'Uncaught ' + text;
  }

  /** Copies `v` across the bridge once: `cache` maps what was copied in this crossing to its
   * copy, so one object passed twice (or referring to itself) arrives as one copy. */
  function bridgeCross(v) {
    return bridgeValue(v, undefined, new Map(), 0);
  }

  // Electron clones these with the structured clone algorithm instead of copying their keys.
  var CLONED_TAGS = {
    '[object Date]': 1, '[object RegExp]': 1, '[object Map]': 1, '[object Set]': 1,
    '[object ArrayBuffer]': 1, '[object SharedArrayBuffer]': 1, '[object DataView]': 1,
    '[object Boolean]': 1, '[object Number]': 1, '[object String]': 1, '[object BigInt]': 1,
    '[object Symbol]': 1, '[object WeakMap]': 1, '[object WeakSet]': 1, '[object Arguments]': 1,
    '[object Generator]': 1, '[object Map Iterator]': 1, '[object Set Iterator]': 1
  };

  /** DOM elements, Blobs and VideoFrames cross as themselves (Electron hands the same object
   * to the other world; here there is one world). */
  function bridgePassesThrough(v) {
    return (typeof Element === 'function' && v instanceof Element) ||
      (typeof Blob === 'function' && v instanceof Blob) ||
      (typeof VideoFrame === 'function' && v instanceof VideoFrame);
  }

  function bridgeValue(v, parent, cache, depth) {
    if (depth >= BRIDGE_MAX_DEPTH) throw new TypeError(BRIDGE_DEPTH_MESSAGE);
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    if (cache.has(v)) return cache.get(v);
    if (v === ipcRenderer) {
      // Electron 29+ (PR #40330): ipcRenderer itself arrives as an empty object.
      console.warn('contextBridge: ipcRenderer itself cannot be exposed (the page gets an empty object, as in Electron 29+); ' +
        'expose functions that call it instead');
      return {};
    }
    if (typeof v === 'function') {
      if (bridgeOriginals.has(v)) return bridgeOriginals.get(v);
      var wrapper = bridgeFunction(v, parent);
      bridgeOriginals.set(wrapper, v);
      cache.set(v, wrapper);
      return wrapper;
    }
    if (typeof Promise === 'function' && v instanceof Promise) {
      var proxied = bridgePromise(v);
      cache.set(v, proxied);
      return proxied;
    }
    var tag = toTag.call(v);
    if (v instanceof Error || tag === '[object Error]') {
      // Only the message crosses (electron#25596: custom properties are lost).
      return new Error(bridgeMessage(v, String(v)));
    }
    if (Array.isArray(v)) {
      // As in Electron the copy is cached after its elements: an array that contains itself
      // hits the depth limit instead of copying.
      var list = [];
      for (var i = 0; i < v.length; i++) list.push(bridgeValue(v[i], v, cache, depth + 1));
      cache.set(v, list);
      return list;
    }
    if (bridgePassesThrough(v)) return v;
    if (!ArrayBuffer.isView(v) && !CLONED_TAGS[tag]) {
      var copy = {};
      cache.set(v, copy);
      Reflect.ownKeys(v).forEach(function (k) {
        var d = Object.getOwnPropertyDescriptor(v, k);
        if (!d || !d.enumerable) return;
        // defineProperty, not assignment: an own "__proto__" key stays a plain key instead
        // of setting the copy's prototype.
        Object.defineProperty(copy, k, {
          value: bridgeValue(v[k], v, cache, depth + 2),
          enumerable: true, writable: true, configurable: true
        });
      });
      return copy;
    }
    var cloned;
    try {
      cloned = structuredClone(v);
    } catch (e) {
      throw new Error('An object could not be cloned.');
    }
    cache.set(v, cloned);
    return cloned;
  }

  function bridgeFunction(fn, receiver) {
    return function () {
      var cache = new Map(); // one per call: the same object as two arguments is one copy
      var args = [];
      for (var i = 0; i < arguments.length; i++) args.push(bridgeValue(arguments[i], undefined, cache, 0));
      var result;
      try {
        result = fn.apply(receiver, args);
      } catch (e) {
        throw new Error(bridgeMessage(e, BRIDGE_UNKNOWN_THROW));
      }
      try {
        return bridgeCross(result);
      } catch (e) {
        throw new Error(uncaught(e));
      }
    };
  }

  function bridgePromise(p) {
    return new Promise(function (resolve, reject) {
      p.then(function (x) {
        try { resolve(bridgeCross(x)); } catch (e) { reject(new Error(uncaught(e))); }
      }, function (e) {
        try { reject(bridgeCross(e)); } catch (err) { reject(new Error(uncaught(err))); }
      });
    });
  }

  /** Freezes what was exposed, all the way down (Electron's DeepFreeze); typed arrays and
   * the page's own elements and blobs are left as they are. */
  function bridgeFreeze(v, seen) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return;
    if (seen.has(v) || ArrayBuffer.isView(v) || bridgePassesThrough(v)) return;
    seen.add(v);
    Reflect.ownKeys(v).forEach(function (k) {
      var d = Object.getOwnPropertyDescriptor(v, k);
      if (d && 'value' in d) bridgeFreeze(d.value, seen);
    });
    Object.freeze(v);
  }

  var contextBridge = Object.freeze({
    /** Puts a frozen copy of `api` on `window[apiKey]` (functions wrapped). */
    exposeInMainWorld: function (apiKey, api) {
      if (typeof apiKey !== 'string') throw new TypeError('contextBridge.exposeInMainWorld: apiKey must be a string');
      if (apiKey in root) throw new Error('Cannot bind an API on top of an existing property on the window object');
      var exposed = bridgeCross(api);
      bridgeFreeze(exposed, new Set());
      Object.defineProperty(root, apiKey, {
        value: exposed,
        enumerable: true,
        writable: false,
        configurable: false
      });
    }
  });

  var electron = { ipcRenderer: ipcRenderer, contextBridge: contextBridge };
  function requireElectron(name) {
    if (name === 'electron') return electron;
    var e = new Error("Cannot find module '" + name + "'");
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  if (preloadMode) {
    // The preload (served next, wrapped by the bridge) takes this, then removes it: the page's
    // globals get neither ipcRenderer nor require, only what the preload exposed.
    Object.defineProperty(root, PRELOADED, { value: true });
    Object.defineProperty(root, '__electrodePreload', {
      configurable: true,
      value: {
        require: requireElectron,
        module: { exports: {} },
        done: function () { delete root.__electrodePreload; }
      }
    });
    if (root.document) installWebview(root.document);
    whenLoaded();
    connect();
    return;
  }
  root.ipcRenderer = ipcRenderer;
  if (cjs) cjs.exports = electron;
  if (typeof root.require !== 'function') {
    root.require = requireElectron;
  } else {
    // Keep the page's own loader (RequireJS, a bundler's require...) and only add 'electron'.
    root.require = new Proxy(root.require, {
      apply: function (target, self, args) {
        if (args[0] === 'electron') return electron;
        return Reflect.apply(target, self, args);
      }
    });
  }

  if (root.document) installWebview(root.document);
  whenLoaded();
  connect();

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
