#!/usr/bin/env python3
"""Runs the ipc-renderer.js browser tests in headless Chromium.

    python3 run_browser_tests.py                  # converter, codec and structured-clone tests (file://)
    python3 run_browser_tests.py --write-vectors  # ... and rewrite vectors.json

These need no bridge. The shim's side of the bridge protocol is tested against the real Rust
bridge by the browser tests of crates/electrode-tests (browser_*.rs, conformance.rs).

A missing browser is a failure, never a skip. The browser is found as $CHROMIUM, or chromium,
chromium-browser, google-chrome on PATH. Prints one line per failed check and closes with
"N passed, N failed"; exits non-zero on any failure.
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_browser():
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def dump_dom(browser, url, budget_ms=None, timeout=120, extra_flags=()):
    profile = tempfile.mkdtemp(prefix="electrode-chromium-")
    try:
        cmd = [browser] + FLAGS + list(extra_flags) + ["--user-data-dir=" + profile]
        if budget_ms:
            cmd.append("--virtual-time-budget=%d" % budget_ms)
        cmd += ["--dump-dom", url]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def extract(dom, element_id, tag):
    m = re.search(r'<%s[^>]*id="%s"[^>]*>(.*?)</%s>' % (tag, element_id, tag), dom, re.S)
    return m.group(1) if m else None


def report(name, dom, stderr):
    text = extract(dom, "results", "pre")
    if text is None:
        print("FAIL %s: no results in the page (browser output below)" % name)
        print(stderr[-3000:])
        return 0, 1
    lines = html.unescape(text).strip().splitlines()
    summary = lines[-1] if lines else ""
    m = re.match(r"^(\d+) passed, (\d+) failed$", summary)
    if not m:
        print("FAIL %s: the page did not finish (last line: %r)" % (name, summary))
        for line in lines:
            if line.startswith("FAIL"):
                print("  " + line)
        return 0, 1
    for line in lines[:-1]:
        if line.startswith("FAIL"):
            print("%s: %s" % (name, line))
    passed, failed = int(m.group(1)), int(m.group(2))
    print("%s: %d passed, %d failed" % (name, passed, failed))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-vectors", action="store_true", help="rewrite vectors.json from this run")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    browser = find_browser()
    if not browser:
        print("FAIL: no Chromium found (install the Debian packages chromium and chromium-driver, or set CHROMIUM)")
        print("0 passed, 1 failed")
        return 1

    total_pass = total_fail = 0

    url = "file://" + os.path.join(HERE, "converter.html")
    dom, stderr = dump_dom(browser, url)
    if args.verbose:
        print(html.unescape(extract(dom, "results", "pre") or ""))
    p, f = report("converter.html", dom, stderr)
    total_pass += p
    total_fail += f

    # clone.html reads the shared vectors (crates/electrode-wire/tests/vectors/clone.json) next
    # to it on disk, and reports after the load event (main's messages are held until then).
    url = "file://" + os.path.join(HERE, "clone.html")
    dom, stderr = dump_dom(browser, url, budget_ms=5000, extra_flags=["--allow-file-access-from-files"])
    if args.verbose:
        print(html.unescape(extract(dom, "results", "pre") or ""))
    p, f = report("clone.html", dom, stderr)
    total_pass += p
    total_fail += f

    if args.write_vectors:
        raw = extract(dom, "vectors", "script")
        if not raw:
            print("FAIL: no vectors in the page")
            total_fail += 1
        else:
            data = json.loads(raw)
            doc = {
                "about": (
                    "Argument sections and frame bodies produced by crates/electrode-web/assets/ipc-renderer.js "
                    "in headless Chromium (tests/converter.html, written by run_browser_tests.py --write-vectors). "
                    "args[]: js = the JavaScript argument list; json = one JSON text per argument as encoded; "
                    "attachments = hex of each attachment; flags = section flags; hex = the whole argument section. "
                    "frames[]: hex = the whole frame body. Rust check: Args::from_raw(hex) must parse; decoding it to "
                    "Values and re-encoding with Args::encode (a tuple of those Values) must give the same bytes."
                ),
                "args": data["args"],
                "frames": data["frames"],
            }
            with open(os.path.join(HERE, "vectors.json"), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=1, ensure_ascii=False)
                fh.write("\n")
            print("wrote vectors.json (%d argument lists, %d frames)" % (len(data["args"]), len(data["frames"])))

    print("%d passed, %d failed" % (total_pass, total_fail))
    return 0 if total_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
