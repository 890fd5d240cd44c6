#!/usr/bin/env python3
"""A stand-in for the Rust bridge (crates/electrode-web), to test ipc-renderer.js end to end in
headless Chromium before the real server exists. Python standard library only; loopback only.

It implements the bridge protocol the shim speaks (see the header of ../ipc-renderer.js):
/electrode/connect, /electrode/ws (a minimal RFC 6455 server), /electrode/sync (carried messages,
dedup by sequence number, waits until every async message up to the given number is dispatched),
/electrode/webview and /electrode/webview/close. Its "main process" is a small script of
channels the test pages use (echo, sync-log, sync-push, ...). Pages report their results with
POST /mock/results.

Run by run_browser_tests.py --bridge, or alone:  python3 mock_bridge.py [--serve]
"""

import base64
import hashlib
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "..", "ipc-renderer.js")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

SEND, SEND_SYNC, SEND_TO_HOST, SEND_TO, WEBVIEW_SEND = 0x02, 0x03, 0x04, 0x05, 0x06
MESSAGE, HOST_MESSAGE, CLOSE = 0x82, 0x84, 0x85


# ---- codec (enough of electrode-wire for the mock) -------------------------------------------

def parse_args(section):
    flags = section[0]
    argc, nbin = struct.unpack_from("<II", section, 1)
    lens = struct.unpack_from("<%dI" % (argc + nbin), section, 9)
    off = 9 + 4 * (argc + nbin)
    texts, bins = [], []
    for i in range(argc):
        texts.append(section[off:off + lens[i]].decode("utf-8"))
        off += lens[i]
    for i in range(nbin):
        bins.append(section[off:off + lens[argc + i]])
        off += lens[argc + i]
    assert off == len(section), "trailing bytes"

    def revive(v):
        if isinstance(v, list):
            return [revive(x) for x in v]
        if isinstance(v, dict):
            if flags & 1 and list(v.keys()) == ["\u0000bytes"]:
                b = bins[v["\u0000bytes"]]
                # Logged compactly: length and first/last byte.
                return {"$bytes": "%d:%s:%s" % (len(b), b[:1].hex(), b[-1:].hex())}
            out = {}
            for k, x in v.items():
                if flags & 2 and k.startswith("\u0000"):
                    k = k[1:]
                out[k] = revive(x)
            return out
        return v

    return [revive(json.loads(t)) for t in texts]


def encode_args(values):
    texts = [json.dumps(v, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode() for v in values]
    out = bytearray(struct.pack("<BII", 0, len(texts), 0))
    for t in texts:
        out += struct.pack("<I", len(t))
    for t in texts:
        out += t
    return bytes(out)


def text_field(s):
    b = s.encode("utf-8")
    return struct.pack("<I", len(b)) + b


def parse_frame(body):
    t = body[0]
    off = 1
    f = {"type": t}
    if t in (SEND_SYNC, SEND_TO, WEBVIEW_SEND):
        (f["n"],) = struct.unpack_from("<Q", body, off)
        off += 8
    (n,) = struct.unpack_from("<I", body, off)
    off += 4
    f["channel"] = body[off:off + n].decode("utf-8")
    f["section"] = bytes(body[off + n:])
    f["args"] = parse_args(f["section"])
    return f


# ---- the mock main process --------------------------------------------------------------------

class Contents:
    def __init__(self, main, embedder=None):
        self.id = main.next_id()
        self.token = secrets.token_hex(16)
        self.ticket = secrets.token_hex(16)
        self.embedder = embedder
        self.ws = None
        self.outbox = []
        self.processed = 0
        self.pending = {}
        self.log = []
        self.carried = []
        self.closed_guests = []


class Main:
    def __init__(self):
        self.lock = threading.Condition()
        self._id = 0
        self.by_token = {}
        self.by_ticket = {}
        self.by_id = {}
        self.results = None
        self.results_event = threading.Event()
        self.notes = []

    def next_id(self):
        self._id += 1
        return self._id

    def add(self, c):
        self.by_token[c.token] = c
        self.by_ticket[c.ticket] = c
        self.by_id[c.id] = c
        return c

    def deliver(self, c, body):
        """Sends a frame body to a contents (queued until its WebSocket is there)."""
        if c.ws is None:
            c.outbox.append(body)
        else:
            c.ws.send_binary(body)

    def async_message(self, c, seq, body):
        """Called with the lock held: dispatches in sequence order, drops duplicates."""
        if seq <= c.processed or seq in c.pending:
            return
        c.pending[seq] = body
        while c.processed + 1 in c.pending:
            c.processed += 1
            self.dispatch(c, c.processed, c.pending.pop(c.processed))
        self.lock.notify_all()

    def dispatch(self, c, seq, body):
        f = parse_frame(body)
        kind = {SEND: "send", SEND_TO_HOST: "sendToHost", SEND_TO: "sendTo", WEBVIEW_SEND: "webviewSend"}[f["type"]]
        c.log.append([seq, kind, f["channel"], f["args"]] + ([f["n"]] if "n" in f else []))
        if f["type"] == SEND:
            if f["channel"] == "echo":
                self.deliver(c, bytes([MESSAGE]) + text_field("echo") + f["section"])
            elif f["channel"] == "close-me":
                if c.ws:
                    c.ws.send_binary(bytes([CLOSE]) + "bye from mock".encode())
                    c.ws.close()
        elif f["type"] == SEND_TO:
            target = self.by_id.get(f["n"])
            if target:
                self.deliver(target, bytes([MESSAGE]) + text_field(f["channel"]) + f["section"])
        elif f["type"] == SEND_TO_HOST:
            host = self.by_id.get(c.embedder) if c.embedder else None
            if host:
                self.deliver(host, bytes([HOST_MESSAGE]) + struct.pack("<Q", c.id) + text_field(f["channel"]) + f["section"])
        elif f["type"] == WEBVIEW_SEND:
            guest = self.by_id.get(f["n"])
            if guest and guest.embedder == c.id:
                self.deliver(guest, bytes([MESSAGE]) + text_field(f["channel"]) + f["section"])

    def sync(self, c, body):
        """Returns (status, text)."""
        last_seq, count = struct.unpack_from("<QI", body, 0)
        off = 12
        carried = []
        with self.lock:
            for _ in range(count):
                seq, n = struct.unpack_from("<QI", body, off)
                off += 12
                carried.append(seq)
                self.async_message(c, seq, bytes(body[off:off + n]))
                off += n
            c.carried.append(carried)
            deadline = time.time() + 10
            while c.processed < last_seq:
                left = deadline - time.time()
                if left <= 0:
                    return 500, "mock: timed out waiting for async message %d (have %d)" % (last_seq, c.processed)
                self.lock.wait(left)
            f = parse_frame(bytes(body[off:]))
            ch = f["channel"]
            c.log.append([last_seq, "sync", ch, f["args"]])
            if ch == "sync-log":
                return 200, json.dumps(c.log)
            if ch == "sync-echo":
                return 200, json.dumps(f["args"])
            if ch == "sync-undefined":
                return 200, ""
            if ch == "sync-push":
                self.deliver(c, bytes([MESSAGE]) + text_field("pushed") + encode_args([1]))
                self.deliver(c, bytes([MESSAGE]) + text_field("pushed") + encode_args([2]))
                return 200, '"done"'
            if ch == "sync-closed":
                return 200, json.dumps(c.closed_guests)
            if ch == "sync-carried":
                return 200, json.dumps(c.carried)
            return 500, "no listener replied to ipcRenderer.sendSync('%s')" % ch


# ---- HTTP + WebSocket ------------------------------------------------------------------------

class WebSocketConn:
    def __init__(self, sock):
        self.sock = sock
        self.wlock = threading.Lock()
        self.closed = False

    def send_binary(self, payload, opcode=2):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self.wlock:
            if not self.closed:
                self.sock.sendall(head + payload)

    def close(self):
        with self.wlock:
            if not self.closed:
                self.sock.sendall(struct.pack("!BBH", 0x88, 2, 1000))
                self.closed = True

    def read_exact(self, rfile, n):
        data = rfile.read(n)
        if len(data) < n:
            raise EOFError
        return data

    def messages(self, rfile):
        """Yields complete binary messages."""
        parts = []
        while True:
            b0, b1 = self.read_exact(rfile, 2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self.read_exact(rfile, 2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self.read_exact(rfile, 8))
            mask = self.read_exact(rfile, 4) if b1 & 0x80 else None
            data = self.read_exact(rfile, n)
            if mask:
                key = (mask * (n // 4 + 1))[:n]
                data = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big") if n else b""
            if opcode == 8:
                return
            if opcode == 9:
                self.send_binary(data, opcode=10)
                continue
            if opcode in (0, 1, 2):
                parts.append(data)
                if fin:
                    yield b"".join(parts)
                    parts = []


def make_handler(main):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body=b"", ctype="text/plain; charset=utf-8"):
            if isinstance(body, str):
                body = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def contents(self):
            return main.by_token.get(self.headers.get("X-Electrode-Token", ""))

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/electrode/ipc-renderer.js":
                with open(SHIM, "rb") as fh:
                    return self.reply(200, fh.read(), "text/javascript; charset=utf-8")
            if path.startswith("/tests/") and path.endswith(".html") and "/" not in path[7:]:
                p = os.path.join(HERE, path[7:])
                if os.path.exists(p):
                    with open(p, "rb") as fh:
                        return self.reply(200, fh.read(), "text/html; charset=utf-8")
            if path == "/electrode/ws":
                return self.websocket()
            if path == "/mock/notes":
                with main.lock:
                    return self.reply(200, json.dumps(main.notes), "application/json")
            self.reply(404, "not found")

        def websocket(self):
            token = self.path.split("token=", 1)[-1]
            c = main.by_token.get(token)
            key = self.headers.get("Sec-WebSocket-Key")
            if not c or not key:
                return self.reply(403, "bad token")
            accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            ws = WebSocketConn(self.connection)
            with main.lock:
                c.ws = ws
                for body in c.outbox:
                    ws.send_binary(body)
                c.outbox = []
            try:
                for msg in ws.messages(self.rfile):
                    (seq,) = struct.unpack_from("<Q", msg, 0)
                    with main.lock:
                        main.async_message(c, seq, msg[8:])
            except (EOFError, ConnectionError, OSError):
                pass
            finally:
                with main.lock:
                    if c.ws is ws:
                        c.ws = None
            self.close_connection = True

        def do_POST(self):
            path = self.path.split("?")[0]
            body = self.body()
            if path == "/electrode/connect":
                if self.headers.get("X-Electrode") != "1":
                    return self.reply(403, "missing X-Electrode header")
                with main.lock:
                    if body:
                        c = main.by_ticket.get(body.decode())
                        if not c or c.embedder is None:
                            return self.reply(403, "unknown guest ticket")
                    else:
                        c = main.add(Contents(main))
                return self.reply(200, json.dumps({"id": c.id, "token": c.token}), "application/json")
            if path == "/mock/note":
                with main.lock:
                    main.notes.append(body.decode("utf-8"))
                return self.reply(200, "ok")
            if path == "/mock/results":
                main.results = json.loads(body.decode())
                main.results_event.set()
                return self.reply(200, "ok")
            c = self.contents()
            if c is None:
                return self.reply(403, "bad token")
            if path == "/electrode/sync":
                status, text = main.sync(c, body)
                return self.reply(status, text, "application/json; charset=utf-8" if status == 200 else "text/plain; charset=utf-8")
            if path == "/electrode/webview":
                with main.lock:
                    g = main.add(Contents(main, embedder=c.id))
                return self.reply(200, json.dumps({"guest": g.id, "ticket": g.ticket}), "application/json")
            if path == "/electrode/webview/close":
                with main.lock:
                    c.closed_guests.append(int(body.decode()))
                return self.reply(200, "")
            self.reply(404, "not found")

    return Handler


def start():
    main = Main()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(main))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return main, server


def run_page(browser, flags, main, server, page, timeout=90):
    """Opens page in headless Chromium and waits for its POST /mock/results."""
    profile = tempfile.mkdtemp(prefix="electrode-chromium-")
    url = "http://127.0.0.1:%d/tests/%s" % (server.server_address[1], page)
    proc = subprocess.Popen([browser] + flags + ["--user-data-dir=" + profile, url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        main.results_event.wait(timeout)
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        import shutil
        shutil.rmtree(profile, ignore_errors=True)
    return main.results, err.decode("utf-8", "replace")


def run_all(browser, dump_dom, report, verbose=False):
    from run_browser_tests import FLAGS

    total_p = total_f = 0
    for page in ("bridge.html", "unload.html"):
        main, server = start()
        try:
            results, err = run_page(browser, FLAGS, main, server, page)
        finally:
            server.shutdown()
        if not results:
            print("FAIL %s: no results (timed out); browser stderr tail:\n%s" % (page, err[-2000:]))
            total_f += 1
            continue
        lines = results["lines"]
        if verbose:
            print("\n".join(lines))
        for line in lines[:-1]:
            if line.startswith("FAIL"):
                print("%s: %s" % (page, line))
        p, f = map(int, lines[-1].replace(" passed,", "").replace(" failed", "").split())
        print("%s: %d passed, %d failed" % (page, p, f))
        total_p += p
        total_f += f
    return total_p, total_f


if __name__ == "__main__":
    if "--serve" in sys.argv:
        m, s = start()
        print("mock bridge on http://127.0.0.1:%d/tests/bridge.html" % s.server_address[1])
        threading.Event().wait()
    sys.path.insert(0, HERE)
    import run_browser_tests as r

    b = r.find_browser()
    p, f = run_all(b, r.dump_dom, r.report, verbose="-v" in sys.argv)
    print("%d passed, %d failed" % (p, f))
    sys.exit(1 if f or not b else 0)
