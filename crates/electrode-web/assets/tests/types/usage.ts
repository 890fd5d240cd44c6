// Compiled by scripts/test.sh with `tsc --noEmit -p .`: page code as a TypeScript user writes
// it against ../../electron.d.ts. It must type-check; `@ts-expect-error` lines must not.
import { ipcRenderer, IpcRendererEvent, WebviewTag } from 'electron';

ipcRenderer.on('pong', (event: IpcRendererEvent, n: number) => {
  event.sender.send('ping', n + 1);
});
ipcRenderer.once('ready', function (event) {
  this.removeAllListeners('ready');
  event.sender.sendTo(2, 'hello', { from: 'page' });
});
const sum: number = ipcRenderer.sendSync('sum', [1, 2, 3]);
const { send, sendSync } = ipcRenderer;
send('detached', sum);
sendSync('detached-sync');
const answer: Promise<any> = ipcRenderer.invoke('add', 1, 2);
answer.then((v) => v, (e: Error) => e.message);
ipcRenderer.sendToHost('to-host', new Uint8Array([1, 2]));

const listener = (_event: IpcRendererEvent, ..._args: unknown[]) => undefined;
ipcRenderer
  .addListener('a', listener)
  .prependListener('a', listener)
  .prependOnceListener('a', listener)
  .removeListener('a', listener)
  .off('a', listener)
  .setMaxListeners(20)
  .removeAllListeners();
const counts: number[] = [ipcRenderer.listenerCount('a'), ipcRenderer.getMaxListeners(), ipcRenderer.listeners('a').length];
const names: Array<string | symbol> = ipcRenderer.eventNames();
const had: boolean = ipcRenderer.emit('a', { sender: ipcRenderer }, 1);

// The global is the same object.
window.ipcRenderer.send('global', counts, names, had);

const webview: WebviewTag = document.createElement('webview');
webview.src = 'guest.html';
webview.send('to-guest', 1, 'two');
webview.addEventListener('ipc-message', (e) => {
  const channel: string = e.channel;
  const args: any[] = e.args;
  console.log(channel, args);
});
webview.addEventListener('dom-ready', () => undefined);
webview.addEventListener('did-finish-load', () => undefined);
const found: WebviewTag | null = document.querySelector('webview');
found?.send('again');

// @ts-expect-error sendTo takes a webContents id first
ipcRenderer.sendTo('not-an-id', 'channel');
// @ts-expect-error <webview> has no loadURL in Electrode
webview.loadURL('x.html');
// @ts-expect-error invoke takes a channel name
ipcRenderer.invoke();
