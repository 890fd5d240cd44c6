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

