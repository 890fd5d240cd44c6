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

