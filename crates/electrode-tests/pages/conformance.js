// The JavaScript twin of electrode_tests::script (src/script.rs): a page driven by commands
// from the test's main process on channel `cmd`, reporting on channel `report` in the same
// shapes, so one conformance scenario runs on Rust renderers and on pages alike.
(function () {
  'use strict';
  const { ipcRenderer } = require('electron');
  const ids = []; // [channel, listener] in registration order

  function report(what) {
    ipcRenderer.send('report', what);
  }

  function toJson(v) {
    if (v instanceof Uint8Array) {
      return { bytes: v.length, first: v.length ? v[0] : null, last: v.length ? v[v.length - 1] : null };
    }
    if (Array.isArray(v)) return v.map(toJson);
    if (v && typeof v === 'object') {
      const out = {};
      for (const k of Object.keys(v)) out[k] = toJson(v[k]);
      return out;
    }
    return v === undefined ? null : v;
  }

  function invokeReport(event, channel, promise) {
    return promise.then(
      (ok) => ({ event, channel, ok: ok === undefined ? null : ok }),
      (e) => ({
        event, channel, err: e.message,
        message: e.message.replace(/^Error invoking remote method '[^']*': Error: /, ''),
        code: e.code === undefined ? null : e.code,
        data: e.data === undefined ? null : e.data,
        is_error: e instanceof Error,
      })
    );
  }

  function syncCall(channel, args) {
    try {
      const ok = ipcRenderer.sendSync(channel, ...args);
      return { event: 'sync', channel, ok: ok === undefined ? null : ok };
    } catch (e) {
      return { event: 'sync', channel, err: e.message, is_error: e instanceof Error };
    }
  }

  // Returns a promise when the command finishes later (an invoke), so `steps` can wait for it.
  function run(cmd) {
    const op = cmd.op;
    const channel = cmd.channel || '';
    const args = cmd.args || [];
    switch (op) {
      case 'listen':
      case 'once': {
        const tag = cmd.tag === undefined ? null : cmd.tag;
        const listener = (event, ...got) => {
          report({ event: 'message', channel, args: toJson(got), tag, sender_is_self: event.sender === ipcRenderer });
        };
        ipcRenderer[op === 'once' ? 'once' : 'on'](channel, listener);
        ids.push([channel, listener]);
        report({ event: 'listening', channel, count: ipcRenderer.listenerCount(channel) });
        break;
      }
      case 'remove_first': {
        const pos = ids.findIndex(([c]) => c === channel);
        let ok = false;
        if (pos >= 0) {
          const [c, listener] = ids.splice(pos, 1)[0];
          const before = ipcRenderer.listenerCount(c);
          ipcRenderer.removeListener(c, listener);
          ok = ipcRenderer.listenerCount(c) < before;
        }
        report({ event: 'removed', ok, count: ipcRenderer.listenerCount(channel) });
        break;
      }
      case 'remove_all':
        if (channel) ipcRenderer.removeAllListeners(channel);
        else ipcRenderer.removeAllListeners();
        report({ event: 'removed_all', channels: ipcRenderer.eventNames() });
        break;
      case 'send':
        try {
          ipcRenderer.send(channel, ...args);
        } catch (e) {
          report({ event: 'send_error', err: e.message });
        }
        break;
      case 'send_big': {
        let err = null;
        try {
          ipcRenderer.send(channel, new Uint8Array(cmd.size || 0).fill(7));
        } catch (e) {
          err = e.message;
        }
        report({ event: 'send_big', err });
        break;
      }
      case 'send_sync':
        report(syncCall(channel, args));
        break;
      case 'invoke':
        return invokeReport('invoked', channel, ipcRenderer.invoke(channel, ...args)).then(report);
      case 'steps':
        return (async () => {
          for (const step of cmd.steps || []) await run(step);
        })();
      case 'sync_in_listener': {
        const inner = cmd.inner || 'inner';
        ipcRenderer.on(channel, () => report(syncCall(inner, [])));
        report({ event: 'listening', channel });
        break;
      }
      case 'invoke_many':
        for (const ch of cmd.channels || []) {
          invokeReport('invoked_async', ch, ipcRenderer.invoke(ch, ...args)).then(report);
        }
        report({ event: 'invokes_started' });
        break;
      case 'send_then_sync': {
        const payload = 'x'.repeat(cmd.size || 0);
        const wrong = [];
        for (let i = 0; i < (cmd.n || 1); i++) {
          if (payload) ipcRenderer.send(channel, i, payload);
          else ipcRenderer.send(channel, i);
          let got;
          try {
            got = ipcRenderer.sendSync(channel, i);
          } catch (e) {
            got = String(e.message);
          }
          if (got !== i) wrong.push([i, String(got)]);
        }
        report({ event: 'done', wrong });
        break;
      }
      case 'send_to':
        try {
          ipcRenderer.sendTo(cmd.id, channel, ...args);
        } catch (e) {
          report({ event: 'send_error', err: e.message });
        }
        break;
      case 'echo':
        report({ event: 'echo', tag: cmd.tag === undefined ? null : cmd.tag });
        break;
      default:
        report({ event: 'unknown_op', op });
    }
    return undefined;
  }

  ipcRenderer.on('cmd', (_event, cmd) => run(cmd));
  window.addEventListener('load', () => {
    report({ event: 'ready', id: null, embedder: null });
  });
})();
