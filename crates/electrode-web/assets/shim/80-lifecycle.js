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

