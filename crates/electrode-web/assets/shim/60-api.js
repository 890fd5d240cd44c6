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

