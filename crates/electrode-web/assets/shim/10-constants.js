  // shim/10-constants.js: constants shared with electrode-wire (frame types, limits).
  // ---------------------------------------------------------------------------------------------
  // Constants (must match electrode-wire)
  // ---------------------------------------------------------------------------------------------

  var FRAME = {
    HELLO: 0x01,
    SEND: 0x02,
    SEND_SYNC: 0x03,
    SEND_TO_HOST: 0x04,
    SEND_TO: 0x05,
    WEBVIEW_SEND: 0x06,
    INVOKE: 0x07,
    INVOKE_CANCEL: 0x08,
    POST_MESSAGE: 0x09,
    PORT_SEND: 0x0a,
    PORT_CLOSE: 0x0b,
    WELCOME: 0x81,
    MESSAGE: 0x82,
    SYNC_REPLY: 0x83,
    HOST_MESSAGE: 0x84,
    CLOSE: 0x85,
    INVOKE_REPLY: 0x86,
    PORTS_MESSAGE: 0x87,
    PORT_MESSAGE: 0x88,
    PORT_CLOSED: 0x89
  };
  var FLAG_ATTACHMENTS = 1;
  var FLAG_ESCAPED_KEYS = 2;
  /** Structured-clone rules only (ADR 0018): tags other than bytes may appear. */
  var FLAG_TAGGED = 4;
  var BYTES_MARKER = '\u0000bytes';
  /** Values nested deeper than this are dropped (top-level arguments are depth 1). */
  var MAX_DEPTH = 100;
  var GUEST_PREFIX = 'electrode-guest:';
  var WINDOW_PREFIX = 'electrode-window:';
  var TWO32 = 4294967296;
  /** The most ports one PostMessage or PortsMessage frame may name (MAX_PORTS_PER_MESSAGE). */
  var MAX_PORTS_PER_MESSAGE = 64;
  /** Integral numbers in (-2^63, 2^64) are written as integers (serde_json reads them as i64/u64). */
  var INT_MIN = -9223372036854775808;
  var INT_MAX = 18446744073709551616;

  var hasOwn = Object.prototype.hasOwnProperty;
  var utf8Encoder = new TextEncoder();
  var utf8Decoder = new TextDecoder('utf-8');
  var typedArrayTag = Object.getOwnPropertyDescriptor(
    Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
  var dateGetTime = Date.prototype.getTime;

