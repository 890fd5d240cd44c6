  // shim/20-convert.js: V8ValueConverter-style conversion: the JS writer, the plain tree.
  // ---------------------------------------------------------------------------------------------
  // Argument conversion and JSON text, in one pass
  // ---------------------------------------------------------------------------------------------
  //
  // Values are converted the way Electron 1.7.8's V8ValueConverter did (spec 1.9) while they are
  // written as JSON text exactly as electrode-wire's serializer writes it (ser.rs): compact,
  // object keys sorted bytewise, strings escaped like serde_json (\u0008 and \u000c rather than
  // \b and \f), floats in ryu's form, bytes moved into attachments.

  var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  var LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');

  /** Strings travel as UTF-8: lone surrogates become U+FFFD, as V8's String::Utf8Value did. */
  function wellFormed(s) {
    if (typeof s.isWellFormed === 'function') return s.isWellFormed() ? s : s.toWellFormed();
    return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE_G, '\uFFFD') : s;
  }

  function isDate(v) {
    try {
      dateGetTime.call(v);
      return true;
    } catch (e) {
      return false;
    }
  }

  function setProp(obj, key, value) {
    if (key === '__proto__') {
      Object.defineProperty(obj, key, { value: value, writable: true, enumerable: true, configurable: true });
    } else {
      obj[key] = value;
    }
  }

  function isArrayIndex(k) {
    var n = Number(k) >>> 0;
    return String(n) === k && n !== 4294967295;
  }

  // Calls visit(x) for each element of array v that exists, in index order: holes are skipped
  // (the array arrives compacted, as in 1.7.8) and a throwing getter gives null. A huge sparse
  // array visits only the indices that exist instead of walking its whole length.
  function forEachElement(v, visit) {
    var len = v.length;
    var i, x;
    var indices = null;
    if (len > 1048576) {
      // Possibly a huge sparse array: visit only the indices that exist.
      var keys = Object.keys(v);
      if (keys.length < len) {
        indices = [];
        for (i = 0; i < keys.length && isArrayIndex(keys[i]); i++) indices.push(+keys[i]);
      }
    }
    var count = indices ? indices.length : len;
    for (var j = 0; j < count; j++) {
      i = indices ? indices[j] : j;
      try {
        x = v[i];
      } catch (e) {
        x = null; // a throwing getter gives null
      }
      if (x === undefined && !hasOwn.call(v, i)) continue; // holes are skipped: array compacted
      visit(x);
    }
  }


  /**
   * Number text. NaN and ±Infinity are 0 (Chromium's base::Value(double) did that in 1.7.8);
   * -0 is 0. Integral values in (-2^63, 2^64) are written as integers, like JSON.stringify
   * (serde_json reads them as i64/u64, so Rust listeners can take them as integers). Other
   * values are written the way ryu (serde_json's float printer) does: the same shortest
   * round-trip digits as JavaScript, but `1e21` not `1e+21`, `1.5e300` not `1.5e+300`, `1e-7`
   * either way, `0.00001` either way. So a JS number and the same f64 encoded by Rust give the
   * same bytes (except a Rust f64 that is integral: Rust writes 2.0 as `2.0`, this writes `2`;
   * both parse to the same value).
   */
  function formatNumber(x) {
    if ((x | 0) === x) return '' + x; // int32 (and -0, written 0)
    if (x !== x || x === Infinity || x === -Infinity) return '0';
    if (Math.floor(x) === x) {
      if (x > INT_MIN && x < INT_MAX) return String(x);
    } else if (x >= 1e-5 || x <= -1e-5) {
      // A non-integer is below 2^53: JavaScript and ryu both write plain decimal digits here.
      return String(x);
    }
    return ryuStyle(x);
  }

  function ryuStyle(x) {
    var s = String(x);
    var neg = s.charCodeAt(0) === 45;
    if (neg) s = s.slice(1);
    var exp = 0;
    var e = s.indexOf('e');
    if (e >= 0) {
      exp = parseInt(s.slice(e + 1), 10);
      s = s.slice(0, e);
    }
    var dot = s.indexOf('.');
    var intLen = dot < 0 ? s.length : dot;
    var digits = dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1);
    var lead = 0;
    while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48) lead++;
    var end = digits.length;
    while (end > lead + 1 && digits.charCodeAt(end - 1) === 48) end--;
    digits = digits.slice(lead, end);
    var len = digits.length;
    var kk = intLen + exp - lead; // 10^(kk-1) <= |x| < 10^kk
    var k = kk - len;
    var out;
    if (k >= 0 && kk <= 16) {
      out = digits + '0'.repeat(k) + '.0';
    } else if (kk > 0 && kk <= 16) {
      out = digits.slice(0, kk) + '.' + digits.slice(kk);
    } else if (kk > -5 && kk <= 0) {
      out = '0.' + '0'.repeat(-kk) + digits;
    } else if (len === 1) {
      out = digits + 'e' + (kk - 1);
    } else {
      out = digits.charAt(0) + '.' + digits.slice(1) + 'e' + (kk - 1);
    }
    return neg ? '-' + out : out;
  }

  var NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
  var BACKSPACE_OR_FORMFEED = /[\b\f]/;

  /** JSON string literal as electrode-wire writes it: like JSON.stringify, but \b and \f as \u0008, \u000c. */
  function quote(s) {
    if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
    var j = JSON.stringify(s);
    if (BACKSPACE_OR_FORMFEED.test(s)) {
      j = j.replace(/\\[\\bf]/g, function (m) {
        return m === '\\b' ? '\\u0008' : m === '\\f' ? '\\u000c' : m;
      });
    }
    return j;
  }

  /** Orders strings by code point, i.e. bytewise on their UTF-8 (Rust's String order). */
  function compareCodePoints(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = a.charCodeAt(i);
      var y = b.charCodeAt(i);
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) {
          // Surrogates (code points >= U+10000) sort after U+E000..U+FFFF.
          x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
          y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
        }
        return x - y;
      }
    }
    return a.length - b.length;
  }

  function compareFirst(a, b) {
    return compareCodePoints(a[0], b[0]);
  }

  var HIGH_CHAR = /[\uD800-\uFFFF]/;
  /** Key characters that need care: \b, \f, and U+D800..U+FFFF (lone surrogates; and UTF-16
   *  order differs from code point order there). */
  var SPECIAL_KEY_CHAR = /[\b\f\uD800-\uFFFF]/;

  /**
   * Converts and writes one value at `depth` (top-level arguments are depth 1). Returns its JSON
   * text, or undefined when the value cannot be converted (undefined, functions, symbols, bigint,
   * or nested deeper than MAX_DEPTH): the caller writes null in arrays and argument lists and
   * leaves the property out of objects. `ctx.path` holds the objects from the argument down to
   * here: meeting one again is a cycle and gives null, while an object shared by two branches is
   * simply written twice.
   */
  function encodeValue(v, depth, ctx) {
    if (depth > MAX_DEPTH) return undefined;
    switch (typeof v) {
      case 'number':
        return formatNumber(v);
      case 'string':
        return quote(wellFormed(v));
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object':
        break;
      default:
        return undefined; // undefined, function, symbol, bigint (and document.all)
    }
    if (v === null) return 'null';
    if (Array.isArray(v)) return encodeArray(v, depth, ctx);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      proto = null;
    }
    if (proto !== Object.prototype && proto !== null) {
      if (ArrayBuffer.isView(v)) {
        // Any Uint8Array travels as bytes (brand check: works across frames, cannot be spoofed).
        // A Node-style Buffer (the `buffer` package bundlers ship) is a Uint8Array subclass. The
        // bytes are copied into the message before send() returns. Other typed arrays and
        // DataView go the object path below.
        if (typedArrayTag.call(v) === 'Uint8Array') {
          ctx.bins.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          return '{"\\u0000bytes":' + (ctx.bins.length - 1) + '}';
        }
      } else if (isDate(v)) {
        try {
          var f = v.toISOString; // looked up on the object, as the converter did
          if (typeof f === 'function') return quote(wellFormed(String(f.call(v))));
        } catch (e) {
          // An invalid Date's toISOString throws: the object path below gives {}.
        }
      }
    }
    return encodeObject(v, depth, ctx);
  }

  function onPath(path, v) {
    for (var i = path.length - 1; i >= 0; i--) if (path[i] === v) return true;
    return false;
  }

  function encodeArray(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return 'null';
    path.push(v);
    var s = '';
    var n = 0;
    forEachElement(v, function (x) {
      var r = encodeValue(x, depth + 1, ctx);
      if (r === undefined) r = 'null';
      s += n++ === 0 ? r : ',' + r;
    });
    path.pop();
    return '[' + s + ']';
  }

  function encodeObject(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return 'null';
    path.push(v);
    var keys;
    try {
      keys = Object.keys(v); // own, enumerable, string-keyed (V8's GetOwnPropertyNames)
    } catch (e) {
      keys = [];
    }
    var s = '';
    var n = 0;
    var i, k, x, r;
    var plain = true;
    var high = false;
    for (i = 0; i < keys.length; i++) {
      k = keys[i];
      if (k.charCodeAt(0) === 0 || !k.isWellFormed()) plain = false;
      else if (!high && HIGH_CHAR.test(k)) high = true;
    }
    if (plain) {
      // Values are read and written in sorted key order, so attachments are numbered in text
      // order, as electrode-wire numbers them for a sorted map.
      if (high) keys.sort(compareCodePoints);
      else keys.sort(); // UTF-16 order = code point order without surrogates or U+E000..U+FFFF
      for (i = 0; i < keys.length; i++) {
        k = keys[i];
        try {
          x = v[k];
        } catch (e) {
          x = null; // a throwing getter gives null
        }
        r = encodeValue(x, depth + 1, ctx);
        if (r === undefined) continue;
        s += (n++ === 0 ? '' : ',') + quote(k) + ':' + r;
      }
    } else {
      // Keys needing care: lone surrogates become U+FFFD (a later key may then replace an
      // earlier one, as in the converter), and keys starting with NUL get one more NUL.
      var byKey = new Map();
      for (i = 0; i < keys.length; i++) {
        k = wellFormed(keys[i]);
        if (k.charCodeAt(0) === 0) k = '\u0000' + k; // flagged when written
        byKey.set(k, keys[i]);
      }
      var entries = Array.from(byKey).sort(compareFirst);
      for (i = 0; i < entries.length; i++) {
        try {
          x = v[entries[i][1]];
        } catch (e) {
          x = null;
        }
        r = encodeValue(x, depth + 1, ctx);
        if (r === undefined) continue;
        if (entries[i][0].charCodeAt(0) === 0) ctx.escaped = true;
        s += (n++ === 0 ? '' : ',') + quote(entries[i][0]) + ':' + r;
      }
    }
    path.pop();
    return '{' + s + '}';
  }

  // ---------------------------------------------------------------------------------------------
  // The fast path: a converted plain tree written by the native JSON.stringify
  // ---------------------------------------------------------------------------------------------
  //
  // convertTree applies the same rules as encodeValue but builds a fresh tree of plain arrays
  // and objects whose keys are inserted in sorted order, so JSON.stringify writes exactly the
  // bytes encodeValue would (tests check both give identical sections). What a JS object cannot
  // express goes in as a placeholder string, replaced in the text afterwards: objects whose
  // integer-like keys JS would put first (e.g. {"10":..,"9":..}, typed arrays), and numbers
  // whose ryu text differs from JavaScript's (1e21, 1e-7, 2^64...). JSON.stringify writes \b
  // and \f where serde_json writes \u0008 and \u000c: fixed afterwards when a string had one.

  var OMIT = { omit: true };

  function placeholder(ctx, text) {
    if (ctx.subs === null) {
      ctx.subs = [];
      ctx.nonce = 'E' + Math.random().toString(36).slice(2, 10) + Date.now().toString(36) + ':';
    }
    ctx.subs.push(text);
    return '\u0000' + ctx.nonce + (ctx.subs.length - 1);
  }

  function resolvePlaceholders(text, ctx) {
    if (ctx.subs === null || text.indexOf(ctx.nonce) < 0) return text;
    var re = new RegExp('"\\\\u0000' + ctx.nonce + '(\\d+)"', 'g');
    return text.replace(re, function (m, i) { return ctx.subs[+i]; });
  }

  /** \b, \f, and surrogates (possibly lone): the characters strings and keys need care for. */
  var SPECIAL_CHAR = /[\b\f\uD800-\uDFFF]/;

  function treeString(s, ctx) {
    if (!SPECIAL_CHAR.test(s)) return s;
    s = wellFormed(s);
    if (BACKSPACE_OR_FORMFEED.test(s)) ctx.bf = true;
    return s;
  }

  function convertTree(v, depth, ctx) {
    if (depth > MAX_DEPTH) return OMIT;
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) return v === 0 ? 0 : v;
        if (v !== v || v === Infinity || v === -Infinity) return 0;
        if (Math.floor(v) === v ? v > INT_MIN && v < INT_MAX : v >= 1e-5 || v <= -1e-5) return v;
        return placeholder(ctx, ryuStyle(v));
      case 'string':
        return treeString(v, ctx);
      case 'boolean':
        return v;
      case 'object':
        break;
      default:
        return OMIT;
    }
    if (v === null) return null;
    if (Array.isArray(v)) return treeArray(v, depth, ctx);
    var proto;
    try {
      proto = Object.getPrototypeOf(v);
    } catch (e) {
      proto = null;
    }
    if (proto !== Object.prototype && proto !== null) {
      if (ArrayBuffer.isView(v)) {
        if (typedArrayTag.call(v) === 'Uint8Array') {
          ctx.bins.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          var marker = {};
          marker[BYTES_MARKER] = ctx.bins.length - 1;
          return marker;
        }
      } else if (isDate(v)) {
        try {
          var f = v.toISOString;
          if (typeof f === 'function') return treeString(String(f.call(v)), ctx);
        } catch (e) {
          // invalid Date: object path
        }
      }
    }
    return treeObject(v, depth, ctx);
  }

  function treeArray(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return null;
    path.push(v);
    var out = null;
    var len = v.length;
    if (len <= 1048576 && depth < MAX_DEPTH) {
      // Tight loop for the common case; anything unusual (a throwing getter) starts over on
      // the careful loop below, with the attachments and placeholders of this attempt undone.
      var bins = ctx.bins.length;
      var subs = ctx.subs ? ctx.subs.length : 0;
      var flags = [ctx.bf, ctx.escaped];
      try {
        out = [];
        for (var k = 0; k < len; k++) {
          var y = v[k];
          if (typeof y === 'number' && (y | 0) === y) out.push(y === 0 ? 0 : y);
          else if (typeof y === 'string') out.push(treeString(y, ctx));
          else if (y === undefined && !hasOwn.call(v, k)) continue;
          else {
            var d = convertTree(y, depth + 1, ctx);
            out.push(d === OMIT ? null : d);
          }
        }
      } catch (e) {
        out = null;
        ctx.bins.length = bins;
        if (ctx.subs) ctx.subs.length = subs;
        ctx.bf = flags[0];
        ctx.escaped = flags[1];
        path.length = path.indexOf(v) + 1;
      }
      if (out) {
        path.pop();
        return out;
      }
    }
    out = [];
    forEachElement(v, function (x) {
      var c = convertTree(x, depth + 1, ctx);
      out.push(c === OMIT ? null : c);
    });
    path.pop();
    return out;
  }

  function treeObject(v, depth, ctx) {
    var path = ctx.path;
    if (onPath(path, v)) return null;
    path.push(v);
    var keys;
    try {
      keys = Object.keys(v);
    } catch (e) {
      keys = [];
    }
    var i, k, x, c;
    var names = keys; // keys as written (escaped, well-formed)
    var plain = true;
    var high = false;
    var index = false;
    for (i = 0; i < keys.length; i++) {
      k = keys[i];
      var c0 = k.charCodeAt(0);
      if (c0 === 0) plain = false;
      else if (c0 >= 48 && c0 <= 57) {
        if (!index && isArrayIndex(k)) index = true;
      }
      if (SPECIAL_KEY_CHAR.test(k)) {
        if (wellFormed(k) !== k) plain = false;
        if (BACKSPACE_OR_FORMFEED.test(k)) ctx.bf = true;
        if (HIGH_CHAR.test(k)) high = true;
      }
    }
    var pairs; // [written key, original key] when they differ
    if (plain) {
      if (high) keys.sort(compareCodePoints);
      else keys.sort();
    } else {
      var byKey = new Map();
      for (i = 0; i < keys.length; i++) {
        k = wellFormed(keys[i]);
        if (k.charCodeAt(0) === 0) k = '\u0000' + k; // flagged when written
        byKey.set(k, keys[i]);
      }
      pairs = Array.from(byKey).sort(compareFirst);
      names = pairs.map(function (p) { return p[0]; });
    }
    // Does a JS object keep this order? Integer-like keys always come first, ascending.
    var jsOrder = true;
    if (index) {
      var m = 0;
      while (m < names.length && isArrayIndex(names[m])) m++;
      for (i = m; i < names.length && jsOrder; i++) if (isArrayIndex(names[i])) jsOrder = false;
      for (i = 1; i < m && jsOrder; i++) if (+names[i - 1] > +names[i]) jsOrder = false;
    }
    var out = jsOrder ? {} : null;
    var text = '';
    var n = 0;
    for (i = 0; i < names.length; i++) {
      try {
        x = v[pairs ? pairs[i][1] : names[i]];
      } catch (e) {
        x = null;
      }
      c = convertTree(x, depth + 1, ctx);
      if (c === OMIT) continue;
      if (pairs && names[i].charCodeAt(0) === 0) ctx.escaped = true;
      if (out) {
        k = names[i];
        if (k === '__proto__') setProp(out, k, c);
        else out[k] = c;
      } else {
        text += (n++ === 0 ? '' : ',') + quote(names[i]) + ':' + resolvePlaceholders(JSON.stringify(c), ctx);
      }
    }
    path.pop();
    return out || placeholder(ctx, '{' + text + '}');
  }

  /** One argument's JSON text through the fast path. */
  function treeText(v, ctx) {
    var t = convertTree(v, 1, ctx);
    if (t === OMIT) return 'null';
    var s = resolvePlaceholders(JSON.stringify(t), ctx);
    if (ctx.bf) {
      s = s.replace(/\\[\\bf]/g, function (m) {
        return m === '\\b' ? '\\u0008' : m === '\\f' ? '\\u000c' : m;
      });
    }
    return s;
  }

  /**
   * What a receiver gets for an argument list (the Electron 1.7.8 conversion): the list encoded,
   * then decoded. Only null, booleans, finite numbers, strings, arrays, plain objects and
   * Uint8Arrays (bytes) remain.
   */
  function convertArgs(args) {
    return decodeArgs(encodeArgs(args));
  }

