  // shim/40-emitter.js: a Node-style EventEmitter.
  // ---------------------------------------------------------------------------------------------
  // A small Node-style EventEmitter (Node 7 semantics, as in Electron 1.7.8)
  // ---------------------------------------------------------------------------------------------

  function EventEmitter() {
    Object.defineProperty(this, '_electrodeListeners', { value: new Map() });
    Object.defineProperty(this, '_electrodeMaxListeners', { value: undefined, writable: true });
  }

  EventEmitter.defaultMaxListeners = 10;

  function checkListener(listener) {
    if (typeof listener !== 'function') throw new TypeError('"listener" argument must be a function');
  }

  function addListener(target, type, listener, prepend) {
    checkListener(listener);
    var map = target._electrodeListeners;
    if (map.has('newListener')) target.emit('newListener', type, listener.listener ? listener.listener : listener);
    var list = map.get(type);
    if (!list) {
      list = [];
      map.set(type, list);
    }
    if (prepend) list.unshift(listener);
    else list.push(listener);
    var m = target.getMaxListeners();
    if (m > 0 && list.length > m && !list.warned) {
      list.warned = true;
      var w = new Error('Possible EventEmitter memory leak detected. ' + list.length + ' ' + String(type) +
        ' listeners added. Use emitter.setMaxListeners() to increase limit');
      w.name = 'MaxListenersExceededWarning';
      w.emitter = target;
      w.type = type;
      w.count = list.length;
      console.warn(w.name + ': ' + w.message, w);
    }
    return target;
  }

  function onceWrap(target, type, listener) {
    var fired = false;
    function wrapped() {
      if (fired) return undefined;
      fired = true;
      target.removeListener(type, wrapped); // removed before it runs
      return listener.apply(target, arguments);
    }
    wrapped.listener = listener;
    return wrapped;
  }

  EventEmitter.prototype.addListener = function (type, listener) {
    return addListener(this, type, listener, false);
  };
  EventEmitter.prototype.on = EventEmitter.prototype.addListener;
  EventEmitter.prototype.prependListener = function (type, listener) {
    return addListener(this, type, listener, true);
  };
  EventEmitter.prototype.once = function (type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrap(this, type, listener), false);
  };
  EventEmitter.prototype.prependOnceListener = function (type, listener) {
    checkListener(listener);
    return addListener(this, type, onceWrap(this, type, listener), true);
  };
  EventEmitter.prototype.removeListener = function (type, listener) {
    checkListener(listener);
    var map = this._electrodeListeners;
    var list = map.get(type);
    if (!list) return this;
    for (var i = list.length - 1; i >= 0; i--) {
      var l = list[i];
      if (l === listener || l.listener === listener) {
        list.splice(i, 1);
        if (list.length === 0) map.delete(type);
        if (map.has('removeListener')) this.emit('removeListener', type, l.listener || l);
        break;
      }
    }
    return this;
  };
  EventEmitter.prototype.off = EventEmitter.prototype.removeListener;
  /**
   * With a channel: removes that channel's listeners. Without one: removes every listener on
   * every channel (Electron 1.7.8 threw here because its internals shared this emitter;
   * Electrode's internals do not, as in Electron 4+).
   */
  EventEmitter.prototype.removeAllListeners = function (type) {
    var map = this._electrodeListeners;
    var self = this;
    if (!map.has('removeListener')) {
      if (arguments.length === 0) map.clear();
      else map.delete(type);
      return this;
    }
    if (arguments.length === 0) {
      Array.from(map.keys()).forEach(function (k) {
        if (k !== 'removeListener') self.removeAllListeners(k);
      });
      this.removeAllListeners('removeListener');
      return this;
    }
    var list = map.get(type);
    if (list) {
      for (var i = list.length - 1; i >= 0; i--) this.removeListener(type, list[i]);
    }
    return this;
  };
  EventEmitter.prototype.setMaxListeners = function (n) {
    if (typeof n !== 'number' || n < 0 || n !== n) throw new TypeError('"n" argument must be a positive number');
    this._electrodeMaxListeners = n;
    return this;
  };
  EventEmitter.prototype.getMaxListeners = function () {
    return this._electrodeMaxListeners === undefined ? EventEmitter.defaultMaxListeners : this._electrodeMaxListeners;
  };
  /**
   * Calls the listeners of `type` in registration order with `this` = the emitter. It iterates
   * a copy: listeners added meanwhile are not called for this emit, listeners removed meanwhile
   * still are. A listener that throws is logged with console.error and the others still run.
   */
  EventEmitter.prototype.emit = function (type) {
    var list = this._electrodeListeners.get(type);
    if (!list) return false;
    var args = Array.prototype.slice.call(arguments, 1);
    var copy = list.slice();
    for (var i = 0; i < copy.length; i++) {
      try {
        copy[i].apply(this, args);
      } catch (err) {
        console.error('ipcRenderer: a listener for channel ' + JSON.stringify(String(type)) + ' threw:', err);
      }
    }
    return true;
  };
  EventEmitter.prototype.listeners = function (type) {
    var list = this._electrodeListeners.get(type);
    return list ? list.map(function (l) { return l.listener || l; }) : [];
  };
  EventEmitter.prototype.listenerCount = function (type) {
    var list = this._electrodeListeners.get(type);
    return list ? list.length : 0;
  };
  EventEmitter.prototype.eventNames = function () {
    return Array.from(this._electrodeListeners.keys());
  };

