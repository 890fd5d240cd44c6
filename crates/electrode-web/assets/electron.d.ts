// Type declarations for the `electron` module that Electrode's shim (ipc-renderer.js) provides
// to a web page: Electron 1.7.8's renderer-side `ipcRenderer` and the `<webview>` IPC surface,
// as Electrode serves them. Reference: docs/page-api.md in the Electrode repository.
//
// Use from TypeScript, with `electron` resolved to this folder (a bundler alias such as
// webpack's `resolve.alias: { electron: 'electrode-ipc-renderer' }`, and in tsconfig.json
// `"paths": { "electron": ["<this folder>"] }`), or through the global `ipcRenderer`:
//
//     import { ipcRenderer } from 'electron';
//     ipcRenderer.on('pong', (event, n: number) => event.sender.send('ping', n + 1));
//     const sum = ipcRenderer.sendSync('sum', [1, 2, 3]) as number;

/** A listener on an `ipcRenderer` channel: `(event, ...args)`, `this` is `ipcRenderer`. */
export type IpcRendererListener = (this: IpcRenderer, event: IpcRendererEvent, ...args: any[]) => void;

/**
 * The first argument of every `ipcRenderer` listener; as in Electron 1.7.8 it has only
 * `sender`, plus `ports` for a message main sent with ports (`WebContents::post_message`).
 */
export interface IpcRendererEvent {
  /** The page's `ipcRenderer`: reply with `event.sender.send(...)`. */
  sender: IpcRenderer;
  /** (Electron 10+) The MessagePorts main transferred with this message. */
  ports?: MessagePort[];
}

/**
 * Electron 1.7.8's `ipcRenderer`: a Node 7 style EventEmitter whose events are the channels
 * main sends on, plus the send functions. `send`, `sendSync`, `sendTo` and `sendToHost` do not
 * use `this`, so they may be destructured.
 */
export interface IpcRenderer {
  /** Async message to main's `ipcMain` listeners for `channel`. */
  send(channel: string, ...args: any[]): void;
  /**
   * Blocks until a main listener sets the return value, and returns it (parsed JSON;
   * `undefined` for an empty reply). Throws an `Error` when no listener replies, a listener
   * fails, main is gone, or during pagehide/unload.
   */
  sendSync(channel: string, ...args: any[]): any;
  /**
   * (Electron 7+) Resolves with the value main's `IpcMain::handle` handler returns; rejects
   * with `Error invoking remote method '<channel>': Error: <message>`, carrying the handler's
   * `code` and `data` (an `InvokeError` in main) as properties when it gave them.
   */
  invoke(channel: string, ...args: any[]): Promise<any>;
  /**
   * (Electron 10+) One message to main's listeners; the ports in `transfer` move to main
   * (`event.ports()` there) and are neutered here. Throws `TypeError` for a list that is not
   * MessagePorts, `DataCloneError` for a port listed twice or moved already.
   */
  postMessage(channel: string, message: any, transfer?: MessagePort[] | null): void;
  /** To the `ipcRenderer` listeners of another renderer, by its `webContents` id. */
  sendTo(webContentsId: number, channel: string, ...args: any[]): void;
  /** From a `<webview>` guest page to its host's element (`ipc-message` event). */
  sendToHost(channel: string, ...args: any[]): void;

  /** Adds a listener at the end of the channel's list. */
  on(channel: string, listener: IpcRendererListener): this;
  /** The same as `on`. */
  addListener(channel: string, listener: IpcRendererListener): this;
  /** Adds a listener at the front of the channel's list. */
  prependListener(channel: string, listener: IpcRendererListener): this;
  /** Adds a listener that is removed before its first call. */
  once(channel: string, listener: IpcRendererListener): this;
  /** `once`, at the front of the channel's list. */
  prependOnceListener(channel: string, listener: IpcRendererListener): this;
  /** Removes the last-added registration of `listener` (or of a `once` wrapper of it). */
  removeListener(channel: string, listener: (...args: any[]) => void): this;
  /** The same as `removeListener`. */
  off(channel: string, listener: (...args: any[]) => void): this;
  /** With a channel, its listeners; without one, every listener on every channel. */
  removeAllListeners(channel?: string): this;
  /** A copy of the channel's listeners (the functions given, not `once` wrappers). */
  listeners(channel: string): Function[];
  /** How many listeners the channel has. */
  listenerCount(channel: string): number;
  /** The channels that have listeners. */
  eventNames(): Array<string | symbol>;
  /** Listener count per channel above which a warning is printed (default 10, 0 = none). */
  setMaxListeners(n: number): this;
  /** The current limit of `setMaxListeners`. */
  getMaxListeners(): number;
  /** Calls the channel's listeners with exactly these arguments; whether there were any. */
  emit(channel: string | symbol, ...args: any[]): boolean;
}

/** The `ipc-message` event of a `<webview>`: the guest called `sendToHost(channel, ...args)`. */
export interface IpcMessageEvent extends Event {
  /** The guest's channel. */
  channel: string;
  /** The guest's arguments. */
  args: any[];
}

/** The events a `<webview>` element fires. */
export interface WebviewTagEventMap extends HTMLElementEventMap {
  'ipc-message': IpcMessageEvent;
  'dom-ready': Event;
  'did-finish-load': Event;
}

/**
 * A `<webview>` element as the shim serves it: a guest page in a same-origin iframe, with
 * `src` and `send` and the events above; no other Electron `<webview>` member exists.
 */
export interface WebviewTag extends HTMLElement {
  /** The guest page's URL (reflects the attribute); setting it navigates the guest. */
  src: string;
  /** To the guest page's `ipcRenderer` listeners; queued until the guest exists. */
  send(channel: string, ...args: any[]): void;
  addEventListener<K extends keyof WebviewTagEventMap>(
    type: K,
    listener: (this: WebviewTag, ev: WebviewTagEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions
  ): void;
  removeEventListener<K extends keyof WebviewTagEventMap>(
    type: K,
    listener: (this: WebviewTag, ev: WebviewTagEventMap[K]) => any,
    options?: boolean | EventListenerOptions
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions
  ): void;
}

/** The page's `ipcRenderer` (also `window.ipcRenderer`). */
export declare const ipcRenderer: IpcRenderer;

/** `contextBridge` (in a preload script, `WebConfig::preload`). */
export interface ContextBridge {
  /**
   * Defines `window[apiKey]` as a frozen copy of `api` (functions wrapped). Throws when the key
   * exists already.
   */
  exposeInMainWorld(apiKey: string, api: any): void;
}

export declare const contextBridge: ContextBridge;

declare global {
  // The shim also defines a global `require('electron')` for plain-JS pages. It is not declared
  // here: a project with Node's types already declares `require`, and a second declaration
  // would not compile. TypeScript code imports the module instead.
  /** The shim's `ipcRenderer`, also `require('electron').ipcRenderer`. */
  var ipcRenderer: IpcRenderer;
  interface HTMLElementTagNameMap {
    webview: WebviewTag;
  }
}
