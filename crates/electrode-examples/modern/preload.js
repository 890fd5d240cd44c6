// Runs before the page, with Electron's require('electron'); the page sees only window.api.
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('api', {
  loadNote: (id) => ipcRenderer.invoke('note:load', id),
});
