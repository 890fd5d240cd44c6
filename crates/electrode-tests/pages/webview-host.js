// Helpers of the <webview> host test pages: record 'ipc-message' and 'dom-ready' events, reach a
// guest's window.
window.hostLog = [];
window.domReady = {};
window.watch = function (wv) {
  wv.addEventListener('ipc-message', function (event) {
    window.hostLog.push({ id: wv.id, type: event.type, isEvent: event instanceof Event, channel: event.channel, args: event.args });
  });
  wv.addEventListener('dom-ready', function () {
    window.domReady[wv.id] = (window.domReady[wv.id] || 0) + 1;
  });
  return wv;
};
// The guest page's window inside a <webview> (the shim hosts it in a same-origin iframe), once
// its ipcRenderer is connected.
window.guestOf = function (wv) {
  const frame = wv && wv.querySelector('iframe');
  const w = frame && frame.contentWindow;
  return w && w.ipcRenderer && w.ipcRenderer._electrode.id ? w : null;
};
