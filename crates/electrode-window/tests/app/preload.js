// The preload of the test's second window (WindowOptions::preload).
const { contextBridge, ipcRenderer } = require('electron');
contextBridge.exposeInMainWorld('api', {
  report: (facts) => ipcRenderer.send('preloaded', facts),
  askMain: () => ipcRenderer.sendSync('ask', 'from the preload'),
});
