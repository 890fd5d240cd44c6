  // shim/30-codec.js: the argument section and frames, encode and decode.
  // ---------------------------------------------------------------------------------------------
  // Argument section
  // ---------------------------------------------------------------------------------------------

  var forceWriter = false; // tests: use the JS writer even when the fast path is possible

  /** Converts and encodes an argument list into the parts of an argument section. */
  function encodeArgParts(args) {
    var ctx = { bins: [], escaped: false, path: [], bf: false, subs: null, nonce: null };
    // The fast path needs a JSON.stringify that no page code changed through a toJSON on the
    // prototypes of the tree's objects and arrays (Prototype.js did that once).
    var fast = !forceWriter && Object.prototype.toJSON === undefined && Array.prototype.toJSON === undefined;
    var texts = new Array(args.length);
    var size = 9;
    var i;
    for (i = 0; i < args.length; i++) {
      var r = fast ? treeText(args[i], ctx) : encodeValue(args[i], 1, ctx);
      texts[i] = utf8Encoder.encode(r === undefined ? 'null' : r);
      size += 4 + texts[i].length;
    }
    for (i = 0; i < ctx.bins.length; i++) size += 4 + ctx.bins[i].length;
    return {
      flags: (ctx.bins.length ? FLAG_ATTACHMENTS : 0) | (ctx.escaped ? FLAG_ESCAPED_KEYS : 0),
      texts: texts,
      bins: ctx.bins,
      size: size
    };
  }

  function writeArgParts(p, out, dv, off) {
    var i;
    out[off] = p.flags;
    dv.setUint32(off + 1, p.texts.length, true);
    dv.setUint32(off + 5, p.bins.length, true);
    off += 9;
    for (i = 0; i < p.texts.length; i++, off += 4) dv.setUint32(off, p.texts[i].length, true);
    for (i = 0; i < p.bins.length; i++, off += 4) dv.setUint32(off, p.bins[i].length, true);
    for (i = 0; i < p.texts.length; i++) {
      out.set(p.texts[i], off);
      off += p.texts[i].length;
    }
    for (i = 0; i < p.bins.length; i++) {
      out.set(p.bins[i], off);
      off += p.bins[i].length;
    }
    return off;
  }

  /** Encodes an argument list (JS values, converted as Electron 1.7.8 did) into an argument section. */
  function encodeArgs(args) {
    var p = encodeArgParts(args);
    var out = new Uint8Array(p.size);
    writeArgParts(p, out, new DataView(out.buffer), 0);
    return out;
  }

  function toU8(input) {
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('expected bytes (Uint8Array or ArrayBuffer)');
  }

  /**
   * Received bytes. Electron gives a Node Buffer; in a browser the closest is a Uint8Array (a
   * view into the received message, not a copy). When the page provides a Node-style global
   * Buffer (a bundler's `buffer` polyfill), received bytes are Buffers, as in Electron.
   */
  function makeBytes(view) {
    var B = root.Buffer;
    if (typeof B === 'function' && typeof B.from === 'function' && typeof B.isBuffer === 'function') {
      try {
        return B.from(view.buffer, view.byteOffset, view.byteLength);
      } catch (e) {
        // fall through
      }
    }
    return view;
  }

  /** Rebuilds bytes and escaped keys in a parsed JSON value; `asBytes` makes the received bytes. */
  function revive(v, bins, escaped, asBytes) {
    var i, x;
    if (Array.isArray(v)) {
      for (i = 0; i < v.length; i++) {
        x = v[i];
        if (x !== null && typeof x === 'object') v[i] = revive(x, bins, escaped, asBytes);
      }
      return v;
    }
    var keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === BYTES_MARKER) {
      var n = v[BYTES_MARKER];
      if (typeof n !== 'number' || !(n >= 0 && n < bins.length) || Math.floor(n) !== n) {
        throw new Error('byte marker points at attachment ' + n + ' of ' + bins.length);
      }
      return asBytes(bins[n]);
    }
    var rename = false;
    for (i = 0; i < keys.length; i++) {
      x = v[keys[i]];
      if (x !== null && typeof x === 'object') v[keys[i]] = revive(x, bins, escaped, asBytes);
      if (escaped && keys[i].charCodeAt(0) === 0) rename = true;
    }
    if (!rename) return v;
    var o = {};
    for (i = 0; i < keys.length; i++) {
      var k = keys[i];
      setProp(o, k.charCodeAt(0) === 0 ? k.slice(1) : k, v[k]);
    }
    return o;
  }

  /**
   * Splits an argument section into its flags, JSON texts and attachments (views into `input`),
   * checking its framing. `knownFlags`: the flag bits the caller's rules allow.
   */
  function splitSection(input, knownFlags) {
    var b = toU8(input);
    if (b.length < 9) throw new Error('malformed arguments: truncated argument table');
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    var flags = b[0];
    if (flags & ~knownFlags) throw new Error('malformed arguments: unknown flag bits');
    var argc = dv.getUint32(1, true);
    var nbin = dv.getUint32(5, true);
    var tableEnd = 9 + 4 * (argc + nbin);
    if (tableEnd > b.length) throw new Error('malformed arguments: truncated argument lengths');
    var off = tableEnd;
    var texts = new Array(argc);
    var bins = new Array(nbin);
    var i, len;
    for (i = 0; i < argc; i++) {
      len = dv.getUint32(9 + 4 * i, true);
      if (off + len > b.length) throw new Error('malformed arguments: truncated argument data');
      texts[i] = b.subarray(off, off + len);
      off += len;
    }
    for (i = 0; i < nbin; i++) {
      len = dv.getUint32(9 + 4 * (argc + i), true);
      if (off + len > b.length) throw new Error('malformed arguments: truncated attachment');
      bins[i] = b.subarray(off, off + len);
      off += len;
    }
    if (off !== b.length) throw new Error('malformed arguments: trailing bytes after the arguments');
    if (nbin > 0 && !(flags & FLAG_ATTACHMENTS)) throw new Error('malformed arguments: attachments present but not flagged');
    return { flags: flags, texts: texts, bins: bins };
  }

  /**
   * One argument's JSON text with bytes and escaped keys only: bytes become what `asBytes` makes
   * (makeBytes, under JSON rules), escapes are undone.
   */
  function decodeJsonText(text, bins, flags, asBytes) {
    var v = JSON.parse(utf8Decoder.decode(text));
    if (flags && v !== null && typeof v === 'object') v = revive(v, bins, (flags & FLAG_ESCAPED_KEYS) !== 0, asBytes);
    return v;
  }

  /** Decodes an argument section into JS values (bytes become Uint8Array, escapes undone). */
  function decodeArgs(input) {
    var s = splitSection(input, FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS);
    var out = new Array(s.texts.length);
    for (var i = 0; i < out.length; i++) out[i] = decodeJsonText(s.texts[i], s.bins, s.flags, makeBytes);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Frames
  // ---------------------------------------------------------------------------------------------

  function putU64(dv, off, n) {
    if (typeof n === 'bigint') {
      dv.setBigUint64(off, BigInt.asUintN(64, n), true);
      return;
    }
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      // Not a possible id (negative, fractional, NaN, huge): send an id no WebContents has,
      // so main reports "unknown id" and drops the message, as Electron did.
      dv.setUint32(off, 0xffffffff, true);
      dv.setUint32(off + 4, 0xffffffff, true);
      return;
    }
    var lo = n % TWO32;
    dv.setUint32(off, lo, true);
    dv.setUint32(off + 4, (n - lo) / TWO32, true);
  }

  /**
   * Builds a frame body that carries a message: type | u64 fixed fields | channel | arguments,
   * after `reserve` leading bytes (room for the WebSocket sequence number).
   */
  function frameSize(fixed, channel, parts) {
    return 1 + 8 * fixed.length + 4 + utf8Encoder.encode(channel).length + parts.size;
  }

  function buildMessage(type, fixed, channel, parts, reserve) {
    var ch = utf8Encoder.encode(channel);
    var size = reserve + 1 + 8 * fixed.length + 4 + ch.length + parts.size;
    var out = new Uint8Array(size);
    var dv = new DataView(out.buffer);
    var off = reserve;
    out[off++] = type;
    for (var i = 0; i < fixed.length; i++, off += 8) putU64(dv, off, fixed[i]);
    dv.setUint32(off, ch.length, true);
    off += 4;
    out.set(ch, off);
    off += ch.length;
    writeArgParts(parts, out, dv, off);
    return out;
  }

  /** A port handle as a BigInt (handles are u64s; main's exceed 2^53): BigInt, number or hex string. */
  function portHandle(h) {
    return typeof h === 'bigint' ? BigInt.asUintN(64, h) : BigInt.asUintN(64, BigInt(h));
  }

  /** A PostMessage body's size: type | u32 count | count x u64 handle | channel | arguments. */
  function portsFrameSize(count, channel, parts) {
    return 1 + 4 + 8 * count + 4 + utf8Encoder.encode(channel).length + parts.size;
  }

  /**
   * Builds a PostMessage (or PortsMessage) body after `reserve` leading bytes: the handles of
   * the ports it transfers, then the channel and the one-argument section.
   */
  function buildPortsMessage(type, handles, channel, parts, reserve) {
    var ch = utf8Encoder.encode(channel);
    var out = new Uint8Array(reserve + portsFrameSize(handles.length, channel, parts));
    var dv = new DataView(out.buffer);
    var off = reserve;
    out[off++] = type;
    dv.setUint32(off, handles.length, true);
    off += 4;
    for (var i = 0; i < handles.length; i++, off += 8) dv.setBigUint64(off, portHandle(handles[i]), true);
    dv.setUint32(off, ch.length, true);
    off += 4;
    out.set(ch, off);
    off += ch.length;
    writeArgParts(parts, out, dv, off);
    return out;
  }

  /**
   * Builds a PortSend (or PortMessage) body, `type | u64 port | arguments` (no channel), or with
   * `parts` null a PortClose (PortClosed), `type | u64 port`, after `reserve` leading bytes.
   */
  function buildPortFrame(type, port, parts, reserve) {
    var out = new Uint8Array(reserve + 9 + (parts ? parts.size : 0));
    var dv = new DataView(out.buffer);
    out[reserve] = type;
    dv.setBigUint64(reserve + 1, portHandle(port), true);
    if (parts) writeArgParts(parts, out, dv, reserve + 9);
    return out;
  }

  function concatBytes(chunks) {
    var n = 0;
    var i;
    for (i = 0; i < chunks.length; i++) n += chunks[i].length;
    var out = new Uint8Array(n);
    for (i = 0, n = 0; i < chunks.length; i++) {
      out.set(chunks[i], n);
      n += chunks[i].length;
    }
    return out;
  }

  function u64Bytes(n) {
    var b = new Uint8Array(8);
    putU64(new DataView(b.buffer), 0, n);
    return b;
  }

  function u32Bytes(n) {
    var b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  }

  /**
   * A reply's value: JSON text under JSON rules (`frame.json` as given, else the value
   * stringified), an argument section with one argument under structured-clone rules.
   */
  function replyValueBytes(frame) {
    if (cloneRules) return encodeCloneArgs([frame.value]);
    var json = frame.json !== undefined ? frame.json : JSON.stringify(frame.value);
    return utf8Encoder.encode(json === undefined ? '' : json);
  }

  /** A reply's value as decodeFrame reads it, under the rules in force. */
  function readReplyValue(bytes) {
    if (cloneRules) return decodeCloneReply(bytes);
    var text = utf8Decoder.decode(bytes);
    return text === '' ? undefined : JSON.parse(text);
  }

  /**
   * Encodes any frame (tests and tools). `frame.type` is a FRAME code; message frames take
   * `channel` and either `args` (JS values) or `section` (an encoded argument section).
   */
  function encodeFrame(frame) {
    var t = frame.type;
    var section = function () {
      if (frame.section !== undefined) return toU8(frame.section);
      return cloneRules ? encodeCloneArgs(frame.args || []) : encodeArgs(frame.args || []);
    };
    var head = [Uint8Array.of(t)];
    switch (t) {
      case FRAME.HELLO:
        head.push(typeof frame.token === 'string' ? utf8Encoder.encode(frame.token) : toU8(frame.token));
        return concatBytes(head);
      case FRAME.SEND:
      case FRAME.SEND_TO_HOST:
      case FRAME.MESSAGE:
        break;
      case FRAME.SEND_SYNC:
      case FRAME.INVOKE:
        head.push(u64Bytes(frame.request));
        break;
      case FRAME.SEND_TO:
        head.push(u64Bytes(frame.target));
        break;
      case FRAME.WEBVIEW_SEND:
      case FRAME.HOST_MESSAGE:
        head.push(u64Bytes(frame.guest));
        break;
      case FRAME.POST_MESSAGE:
      case FRAME.PORTS_MESSAGE:
        var handles = frame.ports || [];
        head.push(u32Bytes(handles.length));
        for (var h = 0; h < handles.length; h++) head.push(u64Bytes(portHandle(handles[h])));
        break;
      case FRAME.PORT_SEND:
      case FRAME.PORT_MESSAGE:
        head.push(u64Bytes(portHandle(frame.port)), section());
        return concatBytes(head);
      case FRAME.PORT_CLOSE:
      case FRAME.PORT_CLOSED:
        head.push(u64Bytes(portHandle(frame.port)));
        return concatBytes(head);
      case FRAME.WELCOME:
        head.push(u64Bytes(frame.id));
        if (frame.embedder !== undefined) head.push(u64Bytes(frame.embedder));
        if (frame.maxMessageSize !== undefined) head.push(u64Bytes(frame.maxMessageSize));
        if (frame.version !== undefined) {
          var v = new Uint8Array(2);
          new DataView(v.buffer).setUint16(0, frame.version, true);
          head.push(v, u64Bytes(frame.features || 0));
        }
        return concatBytes(head);
      case FRAME.SYNC_REPLY:
        head.push(u64Bytes(frame.request));
        if (frame.error !== undefined) {
          head.push(Uint8Array.of(0), utf8Encoder.encode(String(frame.error)));
        } else {
          head.push(Uint8Array.of(1), replyValueBytes(frame));
        }
        return concatBytes(head);
      case FRAME.CLOSE:
        head.push(utf8Encoder.encode(String(frame.reason || '')));
        return concatBytes(head);
      case FRAME.INVOKE_REPLY:
        head.push(u64Bytes(frame.request));
        if (frame.failure !== undefined) {
          head.push(Uint8Array.of(0), utf8Encoder.encode(JSON.stringify(frame.failure)));
        } else {
          head.push(Uint8Array.of(1), replyValueBytes(frame));
        }
        return concatBytes(head);
      default:
        throw new Error('unknown frame type ' + t);
    }
    var ch = utf8Encoder.encode(String(frame.channel));
    head.push(u32Bytes(ch.length), ch, section());
    return concatBytes(head);
  }

  /** Decodes a frame body (one WebSocket message from main, or any frame in tests). */
  function decodeFrame(input) {
    var b = toU8(input);
    if (b.length === 0) throw new Error('malformed frame: empty');
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    var off = 1;
    var f = { type: b[0] };
    var u64 = function () {
      if (off + 8 > b.length) throw new Error('malformed frame: truncated u64 field');
      var lo = dv.getUint32(off, true);
      var hi = dv.getUint32(off + 4, true);
      off += 8;
      return hi * TWO32 + lo;
    };
    // Port handles: BigInt (main's have the high bit set, beyond a Number's 2^53).
    var handle = function () {
      if (off + 8 > b.length) throw new Error('malformed frame: truncated port handle');
      var h = dv.getBigUint64(off, true);
      off += 8;
      return h;
    };
    var handles = function () {
      if (off + 4 > b.length) throw new Error('malformed frame: truncated port count');
      var n = dv.getUint32(off, true);
      off += 4;
      if (n > MAX_PORTS_PER_MESSAGE) {
        throw new Error('malformed frame: a message transfers ' + n + ' ports; the most is ' + MAX_PORTS_PER_MESSAGE);
      }
      var out = new Array(n);
      for (var i = 0; i < n; i++) out[i] = handle();
      return out;
    };
    var section = function () {
      f.section = b.subarray(off);
      f.args = readArgs(f.section);
    };
    var message = function () {
      if (off + 4 > b.length) throw new Error('malformed frame: truncated channel length');
      var n = dv.getUint32(off, true);
      off += 4;
      if (off + n > b.length) throw new Error('malformed frame: truncated channel');
      f.channel = utf8Decoder.decode(b.subarray(off, off + n));
      off += n;
      section();
    };
    switch (f.type) {
      case FRAME.HELLO:
        f.token = b.subarray(1);
        break;
      case FRAME.SEND:
      case FRAME.SEND_TO_HOST:
      case FRAME.MESSAGE:
        message();
        break;
      case FRAME.SEND_SYNC:
      case FRAME.INVOKE:
        f.request = u64();
        message();
        break;
      case FRAME.SEND_TO:
        f.target = u64();
        message();
        break;
      case FRAME.WEBVIEW_SEND:
      case FRAME.HOST_MESSAGE:
        f.guest = u64();
        message();
        break;
      case FRAME.POST_MESSAGE:
      case FRAME.PORTS_MESSAGE:
        f.ports = handles();
        message();
        break;
      case FRAME.PORT_SEND:
      case FRAME.PORT_MESSAGE:
        f.port = handle();
        section();
        break;
      case FRAME.PORT_CLOSE:
      case FRAME.PORT_CLOSED:
        f.port = handle();
        if (off !== b.length) throw new Error('malformed frame: trailing bytes after the port handle');
        break;
      case FRAME.WELCOME:
        f.id = u64();
        if (off + 8 <= b.length) f.embedder = u64();
        if (off + 8 <= b.length) f.maxMessageSize = u64(); // mains since the limit travels
        if (off + 10 <= b.length) { // mains since the handshake is versioned
          f.version = dv.getUint16(off, true);
          off += 2;
          f.features = u64();
        }
        break;
      case FRAME.SYNC_REPLY:
        f.request = u64();
        if (off >= b.length) throw new Error('malformed frame: truncated sync reply status');
        var status = b[off++];
        if (status === 1) {
          f.ok = true;
          if (!cloneRules) f.json = utf8Decoder.decode(b.subarray(off));
          f.value = readReplyValue(b.subarray(off));
        } else if (status === 0) {
          f.ok = false;
          f.error = utf8Decoder.decode(b.subarray(off));
        } else {
          throw new Error('malformed frame: sync reply status must be 0 or 1');
        }
        break;
      case FRAME.CLOSE:
        f.reason = utf8Decoder.decode(b.subarray(1));
        break;
      case FRAME.INVOKE_REPLY:
        f.request = u64();
        if (off >= b.length) throw new Error('malformed frame: truncated invoke reply status');
        var done = b[off++];
        if (done === 1) {
          f.ok = true;
          f.value = readReplyValue(b.subarray(off));
        } else if (done === 0) {
          f.ok = false;
          f.failure = JSON.parse(utf8Decoder.decode(b.subarray(off))); // { message, code?, data? }
        } else {
          throw new Error('malformed frame: invoke reply status must be 0 or 1');
        }
        break;
      default:
        throw new Error('malformed frame: unknown frame type 0x' + f.type.toString(16));
    }
    return f;
  }

