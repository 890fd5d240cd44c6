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

