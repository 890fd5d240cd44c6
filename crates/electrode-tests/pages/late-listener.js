// The page's own listener, registered by a script at the end of <body>.
window.got = [];
require('electron').ipcRenderer.on('greet', function (event, n) {
  window.got.push(n);
});
