  // shim/90-preload.js: contextBridge, require('electron'), preload mode, globals, start.
  // -------------------------------------------------------------------------------------------
  // contextBridge (Electron 6+): what a preload exposes to the page is copied and frozen;
  // functions are wrapped so arguments and results are copied too.
  // -------------------------------------------------------------------------------------------

  var BRIDGE_MAX_DEPTH = 1000;

  function bridgeError(e) {
    // Electron copies thrown errors; custom properties are lost (electron#25596).
    return new Error(e instanceof Error ? e.message : String(e));
  }

  function bridgeValue(v, depth) {
    if (depth > BRIDGE_MAX_DEPTH) {
      throw new Error('contextBridge: the value is nested more than ' + BRIDGE_MAX_DEPTH + ' levels deep (or refers to itself)');
    }
    if (v === ipcRenderer) {
      // Electron 29+ (PR #40330): ipcRenderer itself arrives as an empty object.
      console.warn('contextBridge: ipcRenderer itself cannot be exposed (the page gets an empty object, as in Electron 29+); ' +
        'expose functions that call it instead');
      return Object.freeze({});
    }
    if (typeof v === 'function') {
      var fn = v;
      return function () {
        var args = [];
        for (var i = 0; i < arguments.length; i++) args.push(bridgeValue(arguments[i], 0));
        var result;
        try {
          result = fn.apply(undefined, args);
        } catch (e) {
          throw bridgeError(e);
        }
        return bridgeValue(result, 0);
      };
    }
    if (v === null || typeof v !== 'object') return v;
    if (typeof Promise === 'function' && v instanceof Promise) {
      return new Promise(function (resolve, reject) {
        v.then(function (x) { resolve(bridgeValue(x, 0)); }, function (e) { reject(bridgeError(e)); });
      });
    }
    if (v instanceof Error) return bridgeError(v);
    if (Array.isArray(v)) {
      var list = [];
      for (var j = 0; j < v.length; j++) list.push(bridgeValue(v[j], depth + 1));
      return Object.freeze(list);
    }
    var tag = Object.prototype.toString.call(v);
    if (tag === '[object Object]') {
      var copy = {};
      Object.keys(v).forEach(function (k) { copy[k] = bridgeValue(v[k], depth + 1); });
      return Object.freeze(copy);
    }
    // Dates, maps, typed arrays...: copied as the structured clone algorithm copies them.
    return typeof structuredClone === 'function' ? structuredClone(v) : v;
  }

  var contextBridge = Object.freeze({
    /** Puts a frozen copy of `api` on `window[apiKey]` (functions wrapped). */
    exposeInMainWorld: function (apiKey, api) {
      if (typeof apiKey !== 'string') throw new TypeError('contextBridge.exposeInMainWorld: apiKey must be a string');
      if (apiKey in root) throw new Error('Cannot bind an API on top of an existing property on the window object');
      Object.defineProperty(root, apiKey, {
        value: bridgeValue(api, 0),
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

