  // shim/35-clone.js: structured-clone values (ADR 0018): the tagged encoder and decoder, and
  // which rules the page's Main uses.
  // ---------------------------------------------------------------------------------------------
  // Structured-clone values (Electron 9+), opt-in per Main
  // ---------------------------------------------------------------------------------------------
  //
  // A Main built with ValueRules::StructuredClone says so in the connect answer ("values":
  // "structured-clone"); then every argument list this page sends goes through encodeCloneParts
  // instead of encodeArgParts, and every one it receives through decodeCloneArgs. What JSON
  // cannot hold travels as a tag, an object whose one key starts with NUL (ADR 0018 lists them):
  // {"\u0000date": 0}, {"\u0000map": [[k, v]]}, {"\u0000ref": 2}, ... User keys that start with
  // NUL get one more NUL (flag bit 1), as under JSON rules, so a tag cannot be forged.

  var VALUES_JSON = 'json';
  var VALUES_CLONE = 'structured-clone';
  /** True when this page's Main uses structured-clone rules (set from the connect answer). */
  var cloneRules = false;
  var NOT_CLONEABLE = 'An object could not be cloned.';

  /** Electron 9+'s error for a value structured clone cannot copy. */
  function notCloneable() {
    return new Error(NOT_CLONEABLE);
  }

  /**
   * The rules a connect answer's "values" names: true for structured clone, false for JSON (also
   * when absent, as from mains before ADR 0018), null for a name this shim does not know.
   */
  function cloneRulesFor(values) {
    if (values === undefined || values === null || values === VALUES_JSON) return false;
    if (values === VALUES_CLONE) return true;
    return null;
  }

  /** The argument-section encoder and decoder of the rules in force. */
  function argParts(args) {
    return cloneRules ? encodeCloneParts(args) : encodeArgParts(args);
  }

  function readArgs(section) {
    return cloneRules ? decodeCloneArgs(section) : decodeArgs(section);
  }

  // ---- brand checks ---------------------------------------------------------------------------
  // Structured clone goes by an object's internal slots, not its prototype or toStringTag. The
  // built-ins' own accessors check those slots (they throw on anything else), so they work on
  // values from other frames too and cannot be fooled by Symbol.toStringTag.

  function accessor(proto, name) {
    var d = Object.getOwnPropertyDescriptor(proto, name);
    return d && d.get;
  }

  /** A test that is true when `method.call(v, arg)` does not throw. */
  function brand(method, arg) {
    if (typeof method !== 'function') return function () { return false; };
    return function (v) {
      try {
        method.call(v, arg);
        return true;
      } catch (e) {
        return false;
      }
    };
  }

  var isMap = brand(accessor(Map.prototype, 'size'));
  var isSet = brand(accessor(Set.prototype, 'size'));
  var isArrayBuffer = brand(accessor(ArrayBuffer.prototype, 'byteLength'));
  var isSharedArrayBuffer = typeof SharedArrayBuffer === 'function' ?
    brand(accessor(SharedArrayBuffer.prototype, 'byteLength')) : brand(null);
  var isRegExp = brand(accessor(RegExp.prototype, 'source'));
  var isWeakMap = brand(WeakMap.prototype.has, {});
  var isWeakSet = brand(WeakSet.prototype.has, {});
  var isWeakRef = typeof WeakRef === 'function' ? brand(WeakRef.prototype.deref) : brand(null);
  var isNumberObject = brand(Number.prototype.valueOf);
  var isStringObject = brand(String.prototype.valueOf);
  var isBooleanObject = brand(Boolean.prototype.valueOf);
  var isBigIntObject = typeof BigInt === 'function' ? brand(BigInt.prototype.valueOf) : brand(null);
  var isSymbolObject = brand(Symbol.prototype.valueOf);
  var objectToString = Object.prototype.toString;
  var functionToString = Function.prototype.toString;
  var mapForEach = Map.prototype.forEach;
  var setForEach = Set.prototype.forEach;
  var regexpSource = accessor(RegExp.prototype, 'source');
  // RegExp flags in the order RegExp.prototype.flags writes them, each read from its own slot
  // (the `flags` getter reads properties a page could shadow).
  var REGEXP_FLAGS = [['hasIndices', 'd'], ['global', 'g'], ['ignoreCase', 'i'], ['multiline', 'm'],
    ['dotAll', 's'], ['unicode', 'u'], ['unicodeSets', 'v'], ['sticky', 'y']]
    .map(function (f) { return [accessor(RegExp.prototype, f[0]), f[1]]; })
    .filter(function (f) { return typeof f[0] === 'function'; });

  function isError(v) {
    if (typeof Error.isError === 'function') return Error.isError(v);
    return objectToString.call(v) === '[object Error]' || v instanceof Error;
  }

  function isPromise(v) {
    return v instanceof Promise || objectToString.call(v) === '[object Promise]';
  }

  function isNativeFunction(f) {
    try {
      return /\{\s*\[native code\]\s*\}\s*$/.test(functionToString.call(f));
    } catch (e) {
      return false;
    }
  }

  /**
   * Whether an object that is none of the types structured clone knows is still an ordinary
   * object (copied as its own enumerable properties, prototype lost) rather than a host or
   * exotic object V8 refuses (DOM nodes, Window, Location, Intl objects, generators, arguments,
   * ...). JavaScript cannot see V8's object types; the rule used: the first `constructor` on
   * the prototype chain is a page's own function (a class instance) or Object (of any frame).
   */
  function isOrdinaryObject(v) {
    var tag = objectToString.call(v);
    for (var p = Object.getPrototypeOf(v); p !== null; p = Object.getPrototypeOf(p)) {
      var d = Object.getOwnPropertyDescriptor(p, 'constructor');
      if (!d) continue;
      var ctor = d.value;
      if (typeof ctor !== 'function') break;
      if (!isNativeFunction(ctor)) return true; // a class the page defined
      return ctor.name === 'Object';
    }
    return tag === '[object Object]';
  }

  // ---- encoder --------------------------------------------------------------------------------

  /** Writes a tag other than bytes: the section then needs flag bit 2. */
  function tag(ctx, name, body) {
    ctx.tagged = true;
    return '{"\\u0000' + name + '":' + body + '}';
  }

  function cloneNumber(x, ctx) {
    if (x !== x) return tag(ctx, 'number', '"NaN"');
    if (x === Infinity) return tag(ctx, 'number', '"Infinity"');
    if (x === -Infinity) return tag(ctx, 'number', '"-Infinity"');
    if (x === 0 && 1 / x < 0) return tag(ctx, 'number', '"-0"');
    return formatNumber(x);
  }

  /** One value's JSON text under structured-clone rules (throws for a non-cloneable value). */
  function cloneValue(v, ctx) {
    switch (typeof v) {
      case 'string':
        return quote(wellFormed(v));
      case 'number':
        return cloneNumber(v, ctx);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'undefined':
        if (v !== undefined) throw notCloneable(); // document.all: a host object
        return tag(ctx, 'undefined', '0');
      case 'bigint':
        return tag(ctx, 'bigint', '"' + v.toString() + '"');
      case 'object':
        return v === null ? 'null' : cloneObject(v, ctx);
      default:
        throw notCloneable(); // function, symbol
    }
  }

  function cloneObject(v, ctx) {
    if (Array.isArray(v)) return container(v, ctx, cloneArray);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      throw notCloneable(); // a proxy whose trap throws
    }
    // Object literals skip the brand checks (a built-in whose prototype was set to
    // Object.prototype is sent as a plain object); V8 refuses an arguments object.
    if (proto === Object.prototype || proto === null) {
      if (hasOwn.call(v, 'callee') && objectToString.call(v) === '[object Arguments]') throw notCloneable();
      return container(v, ctx, cloneProperties);
    }
    if (ArrayBuffer.isView(v)) return cloneView(v, ctx);
    if (isDate(v)) {
      var ms = dateGetTime.call(v);
      return tag(ctx, 'date', ms === ms ? formatNumber(ms) : 'null');
    }
    if (isRegExp(v)) return tag(ctx, 'regexp', '[' + quote(wellFormed(regexpSource.call(v))) + ',' + quote(regexpFlags(v)) + ']');
    if (isMap(v)) return container(v, ctx, cloneMap);
    if (isSet(v)) return container(v, ctx, cloneSet);
    if (isArrayBuffer(v)) return attachment(ctx, 'arraybuffer', new Uint8Array(v));
    if (isError(v)) return cloneError(v, ctx);
    // Boxed primitives: structured clone keeps the wrapper; no tag holds one, so the primitive
    // inside travels (`new Number(1)` arrives as 1).
    if (isNumberObject(v)) return cloneNumber(Number.prototype.valueOf.call(v), ctx);
    if (isStringObject(v)) return quote(wellFormed(String.prototype.valueOf.call(v)));
    if (isBooleanObject(v)) return Boolean.prototype.valueOf.call(v) ? 'true' : 'false';
    if (isBigIntObject(v)) return cloneValue(BigInt.prototype.valueOf.call(v), ctx);
    if (isSymbolObject(v) || isSharedArrayBuffer(v) || isPromise(v) || isWeakMap(v) || isWeakSet(v) || isWeakRef(v)) {
      throw notCloneable();
    }
    if (!isOrdinaryObject(v)) throw notCloneable();
    return container(v, ctx, cloneProperties);
  }

  /**
   * Objects, arrays, Maps and Sets are numbered in the order they are first entered (per
   * argument, from 0); meeting one again (a cycle or a shared reference) writes {"\0ref": k}.
   */
  function container(v, ctx, write) {
    var k = ctx.refs.get(v);
    if (k !== undefined) return tag(ctx, 'ref', String(k));
    ctx.refs.set(v, ctx.refs.size);
    return write(v, ctx);
  }

  /** Every index up to length; holes become undefined (structured clone keeps them as holes). */
  function cloneArray(v, ctx) {
    var len = v.length;
    // Each element takes two bytes or more: refuse a huge sparse array before building its text.
    if (2 * len - 1 > ctx.limit) {
      throw new Error('an array of length ' + len + ' cannot fit in a message of at most ' + ctx.limit +
        " bytes (main's max_message_size); not sent");
    }
    var s = '';
    for (var i = 0; i < len; i++) {
      var x = v[i];
      var r = x === undefined && !hasOwn.call(v, i) ? tag(ctx, 'undefined', '0') : cloneValue(x, ctx);
      s += i === 0 ? r : ',' + r;
    }
    return '[' + s + ']';
  }

  /**
   * Own enumerable string keys in the object's order (structured clone's order; not sorted as
   * under JSON rules). Getters run, and a throwing one stops the send, as in structured clone;
   * a property a getter deleted meanwhile is skipped, as the algorithm does.
   */
  function cloneProperties(v, ctx) {
    var keys = Object.keys(v);
    var s = '';
    var n = 0;
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i];
      if (!hasOwn.call(v, k)) continue;
      var text = cloneValue(v[k], ctx);
      var name = wellFormed(k);
      if (name.charCodeAt(0) === 0) {
        name = '\u0000' + name;
        ctx.escaped = true;
      }
      s += (n++ === 0 ? '' : ',') + quote(name) + ':' + text;
    }
    return '{' + s + '}';
  }

  function cloneMap(v, ctx) {
    var entries = []; // copied first: a getter met while writing cannot change what is sent
    mapForEach.call(v, function (value, key) { entries.push([key, value]); });
    var s = '';
    for (var i = 0; i < entries.length; i++) {
      var key = cloneValue(entries[i][0], ctx); // key before value: the order refs are numbered in
      s += (i === 0 ? '[' : ',[') + key + ',' + cloneValue(entries[i][1], ctx) + ']';
    }
    return tag(ctx, 'map', '[' + s + ']');
  }

  function cloneSet(v, ctx) {
    var values = [];
    setForEach.call(v, function (value) { values.push(value); });
    var s = '';
    for (var i = 0; i < values.length; i++) s += (i === 0 ? '' : ',') + cloneValue(values[i], ctx);
    return tag(ctx, 'set', '[' + s + ']');
  }

  function regexpFlags(v) {
    var s = '';
    for (var i = 0; i < REGEXP_FLAGS.length; i++) if (REGEXP_FLAGS[i][0].call(v)) s += REGEXP_FLAGS[i][1];
    return s;
  }

  var ERROR_NAMES = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];

  /**
   * [name, message] as V8 serializes an Error: the name is read like a property (a name outside
   * the standard ones becomes "Error"), the message only from an own data property. The stack
   * and other properties are not kept.
   */
  function cloneError(v, ctx) {
    var name = String(v.name);
    if (ERROR_NAMES.indexOf(name) < 0) name = 'Error';
    var d = Object.getOwnPropertyDescriptor(v, 'message');
    var message = d && 'value' in d ? String(d.value) : '';
    return tag(ctx, 'error', '[' + quote(name) + ',' + quote(wellFormed(message)) + ']');
  }

  /** Uint8Array (and Buffer) as bytes; other typed arrays and DataView as their view's bytes. */
  function cloneView(v, ctx) {
    if (isSharedArrayBuffer(v.buffer)) throw notCloneable(); // shared memory cannot reach main
    var bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    var kind = typedArrayTag.call(v); // undefined for a DataView
    if (kind === 'Uint8Array') {
      ctx.bins.push(bytes);
      return '{"\\u0000bytes":' + (ctx.bins.length - 1) + '}';
    }
    // Browsers run on little-endian machines, so the view's memory is already the wire's order.
    ctx.bins.push(bytes);
    return tag(ctx, 'typed', '[' + quote(kind || 'DataView') + ',' + (ctx.bins.length - 1) + ']');
  }

  function attachment(ctx, name, bytes) {
    ctx.bins.push(bytes);
    return tag(ctx, name, String(ctx.bins.length - 1));
  }

  /**
   * Encodes an argument list under structured-clone rules into the parts of an argument section
   * (the shape encodeArgParts gives: flags, one UTF-8 JSON text per argument, attachments,
   * size). Throws Error('An object could not be cloned.') for a value structured clone refuses,
   * before anything is sent.
   */
  function encodeCloneParts(args) {
    var ctx = { bins: [], escaped: false, tagged: false, refs: null, limit: state.limit };
    var texts = new Array(args.length);
    var size = 9;
    var i;
    for (i = 0; i < args.length; i++) {
      ctx.refs = new Map(); // references are numbered per argument (each decodes on its own)
      texts[i] = utf8Encoder.encode(cloneValue(args[i], ctx));
      size += 4 + texts[i].length;
    }
    for (i = 0; i < ctx.bins.length; i++) size += 4 + ctx.bins[i].length;
    return {
      flags: (ctx.bins.length ? FLAG_ATTACHMENTS : 0) | (ctx.escaped ? FLAG_ESCAPED_KEYS : 0) |
        (ctx.tagged ? FLAG_TAGGED : 0),
      texts: texts,
      bins: ctx.bins,
      size: size
    };
  }

  /** encodeCloneParts written out as one argument section. */
  function encodeCloneArgs(args) {
    var p = encodeCloneParts(args);
    var out = new Uint8Array(p.size);
    writeArgParts(p, out, new DataView(out.buffer), 0);
    return out;
  }

  // ---- decoder --------------------------------------------------------------------------------

  function malformedTag(what) {
    return new Error('malformed arguments: ' + what);
  }

  /** A tag's key: NUL and a name (an escaped user key has a second NUL). */
  function isTagKey(k) {
    return k.length > 1 && k.charCodeAt(0) === 0 && k.charCodeAt(1) !== 0;
  }

  function isIndex(n, count) {
    return typeof n === 'number' && n >= 0 && n < count && Math.floor(n) === n;
  }

  function takeAttachment(n, ctx, name) {
    if (!isIndex(n, ctx.bins.length)) {
      throw malformedTag('the ' + name + ' tag points at attachment ' + JSON.stringify(n) + ' of ' + ctx.bins.length);
    }
    return ctx.bins[n];
  }

  /** A fresh, aligned copy of an attachment's bytes. */
  function copyBuffer(bytes) {
    return bytes.slice().buffer;
  }

  /** Rebuilds one parsed JSON value, resolving tags; containers are numbered as the encoder did. */
  function reviveClone(v, ctx) {
    if (v === null || typeof v !== 'object') return v;
    var i;
    if (Array.isArray(v)) {
      var list = new Array(v.length);
      ctx.refs.push(list);
      for (i = 0; i < v.length; i++) list[i] = reviveClone(v[i], ctx);
      return list;
    }
    var keys = Object.keys(v);
    if (keys.length === 1 && isTagKey(keys[0])) return reviveTag(keys[0].slice(1), v[keys[0]], ctx);
    var out = {};
    ctx.refs.push(out);
    for (i = 0; i < keys.length; i++) {
      var k = keys[i];
      var name = k;
      if (k.charCodeAt(0) === 0) {
        if (!ctx.escaped || k.charCodeAt(1) !== 0) {
          throw malformedTag('key ' + JSON.stringify(k) + ' starts with NUL but is neither an escaped key nor the only key of a tag');
        }
        name = k.slice(1);
      }
      setProp(out, name, reviveClone(v[k], ctx));
    }
    return out;
  }

  var NUMBER_TAGS = { 'NaN': NaN, 'Infinity': Infinity, '-Infinity': -Infinity, '-0': -0 };
  var ERROR_CTORS = {
    Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError,
    SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError
  };
  var TYPED_CTORS = {};
  ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
    'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView']
    .forEach(function (name) { if (typeof root[name] === 'function') TYPED_CTORS[name] = root[name]; });

  function isPair(x) {
    return Array.isArray(x) && x.length === 2;
  }

  function reviveTag(name, x, ctx) {
    var tagText = JSON.stringify('\u0000' + name);
    var bad = function () {
      return malformedTag('tag ' + tagText + ' has an invalid value ' + JSON.stringify(x));
    };
    var i;
    switch (name) {
      case 'bytes':
        return takeAttachment(x, ctx, 'bytes');
      case 'undefined':
        if (x !== 0) throw bad();
        return undefined;
      case 'number':
        if (typeof x !== 'string' || !hasOwn.call(NUMBER_TAGS, x)) throw bad();
        return NUMBER_TAGS[x];
      case 'bigint':
        if (typeof x !== 'string' || !/^-?[0-9]+$/.test(x)) throw bad();
        return BigInt(x);
      case 'date':
        if (x !== null && !(typeof x === 'number' && isFinite(x))) throw bad();
        return new Date(x === null ? NaN : x);
      case 'regexp':
        if (!isPair(x) || typeof x[0] !== 'string' || typeof x[1] !== 'string') throw bad();
        try {
          return new RegExp(x[0], x[1]);
        } catch (e) {
          throw malformedTag('regexp tag: ' + (e && e.message));
        }
      case 'error':
        if (!isPair(x) || typeof x[0] !== 'string' || typeof x[1] !== 'string') throw bad();
        return new (hasOwn.call(ERROR_CTORS, x[0]) ? ERROR_CTORS[x[0]] : Error)(x[1]);
      case 'map':
        if (!Array.isArray(x)) throw bad();
        var map = new Map();
        ctx.refs.push(map); // numbered before its entries, as the encoder did
        for (i = 0; i < x.length; i++) {
          if (!isPair(x[i])) throw malformedTag('map tag: entry ' + i + ' is not a [key, value] pair');
          var key = reviveClone(x[i][0], ctx);
          map.set(key, reviveClone(x[i][1], ctx));
        }
        return map;
      case 'set':
        if (!Array.isArray(x)) throw bad();
        var set = new Set();
        ctx.refs.push(set);
        for (i = 0; i < x.length; i++) set.add(reviveClone(x[i], ctx));
        return set;
      case 'typed':
        if (!isPair(x) || typeof x[0] !== 'string') throw bad();
        if (!hasOwn.call(TYPED_CTORS, x[0])) throw malformedTag('typed tag: unknown kind ' + JSON.stringify(x[0]));
        var Ctor = TYPED_CTORS[x[0]];
        var bytes = takeAttachment(x[1], ctx, 'typed');
        var unit = Ctor.BYTES_PER_ELEMENT || 1;
        if (bytes.length % unit) throw malformedTag('typed tag: ' + bytes.length + ' bytes is not a whole number of ' + x[0] + ' elements');
        return new Ctor(copyBuffer(bytes));
      case 'arraybuffer':
        return copyBuffer(takeAttachment(x, ctx, 'arraybuffer'));
      case 'ref':
        if (!isIndex(x, ctx.refs.length)) {
          throw malformedTag('ref tag points at container ' + JSON.stringify(x) + ' but only ' + ctx.refs.length + ' came before it');
        }
        return ctx.refs[x];
      default:
        throw malformedTag('unknown tag ' + tagText);
    }
  }

  /**
   * Received bytes under structured-clone rules: a Uint8Array (a view into the message), even
   * when the page has a global Buffer; Electron 9+ gives Uint8Array too.
   */
  function plainBytes(view) {
    return view;
  }

  /** One argument's JSON text under structured-clone rules. */
  function decodeCloneText(text, bins, flags) {
    // Without flag bit 2 only bytes can appear: the JSON-rules reviver is the fast path.
    if (!(flags & FLAG_TAGGED)) return decodeJsonText(text, bins, flags, plainBytes);
    var v = JSON.parse(utf8Decoder.decode(text));
    return reviveClone(v, { bins: bins, escaped: (flags & FLAG_ESCAPED_KEYS) !== 0, refs: [] });
  }

  /** Decodes an argument section written under structured-clone rules into JS values. */
  function decodeCloneArgs(input) {
    var s = splitSection(input, FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS | FLAG_TAGGED);
    var out = new Array(s.texts.length);
    for (var i = 0; i < out.length; i++) out[i] = decodeCloneText(s.texts[i], s.bins, s.flags);
    return out;
  }

  /**
   * A SyncReply or InvokeReply value under structured-clone rules: an argument section with one
   * argument (ADR 0018), so bytes travel as attachments there too. An empty body is undefined.
   */
  function decodeCloneReply(bytes) {
    if (bytes.length === 0) return undefined;
    var args = decodeCloneArgs(bytes);
    if (args.length !== 1) throw new Error('malformed reply: an argument section with ' + args.length + ' arguments, not 1');
    return args[0];
  }
