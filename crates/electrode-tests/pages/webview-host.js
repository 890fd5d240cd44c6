// Helpers of the <webview> host test pages: record 'ipc-message' events, reach a guest's window.
window.hostLog = [];
window.watch = function (wv) {
  wv.addEventListener('ipc-message', function (event) {
    window.hostLog.push({ id: wv.id, type: event.type, channel: event.channel, args: event.args });
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
