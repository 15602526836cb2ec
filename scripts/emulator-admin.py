#!/usr/bin/env python3
"""Calls the emulator's admin API (/_emulator/...) with only the standard
library, so the scripts need neither curl nor jq.

usage: emulator-admin.py URL METHOD PATH [JSON-BODY] [--pick EXPR]

Prints the response body; with --pick, evaluates the Python expression EXPR
with the parsed JSON bound to `r` and prints its result (None prints as an
empty line). Any HTTP error or unreachable emulator exits 1 with one line.
"""
import json
import sys
import urllib.error
import urllib.request


def main(argv):
    pick = None
    if "--pick" in argv:
        i = argv.index("--pick")
        pick = argv[i + 1]
        argv = argv[:i] + argv[i + 2 :]
    if len(argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[3])
    url, method, path = argv[:3]
    body = argv[3].encode() if len(argv) == 4 else None
    req = urllib.request.Request(
        f"{url.rstrip('/')}/_emulator/{path}", data=body, method=method
    )
    if body is not None:
        req.add_header("content-type", "application/json")
    try:
        # The emulator is on loopback: never through an inherited HTTP proxy.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(req, timeout=30) as resp:
            text = resp.read().decode()
    except urllib.error.HTTPError as e:
        sys.exit(f"emulator-admin: {method} {path}: HTTP {e.code}: {e.read().decode()[:300]}")
    except OSError as e:
        sys.exit(f"emulator-admin: {method} {path}: {e}")
    if pick is None:
        print(text)
        return
    value = eval(pick, {}, {"r": json.loads(text)})  # expressions come from our own scripts
    print("" if value is None else value)


if __name__ == "__main__":
    main(sys.argv[1:])
