#!/usr/bin/env python3
"""Start-to-handshake time and peak RSS of the provider binary.

Launches the provider N times with the environment Terraform would give it
(magic cookie, protocol versions, a client certificate), measures the time from
spawn to the handshake line on stdout, then closes stdin/kills it and reads its
peak RSS (ru_maxrss of the reaped child). Not a test: it prints figures.
"""
import base64
import os
import statistics
import subprocess
import sys
import time

# The provider only decodes the PEM before the handshake (no client connects
# during the measurement), so random bytes in PEM armour are enough.
CLIENT_CERT = (
    "-----BEGIN CERTIFICATE-----\n"
    + base64.b64encode(os.urandom(420)).decode()
    + "\n-----END CERTIFICATE-----\n"
)


def one_run(binary):
    env = dict(os.environ)
    env.update(
        TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        PLUGIN_PROTOCOL_VERSIONS="5,6",
        PLUGIN_CLIENT_CERT=CLIENT_CERT,
    )
    env.pop("TF_LOG", None)
    env.pop("TF_LOG_PROVIDER", None)
    start = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        if not line.startswith(b"1|6|unix|"):
            sys.exit(f"unexpected handshake line {line!r}")
        # Let the runtime settle so RSS reflects a serving provider, then stop it.
        time.sleep(0.05)
        proc.terminate()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status
        return elapsed, usage.ru_maxrss  # KiB on Linux
    finally:
        # Ctrl-C or a bad line: the provider ignores SIGINT, so stop it here.
        if proc.returncode is None:
            proc.kill()
            proc.wait()


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    one_run(binary)  # warm the page cache
    times, rss = [], []
    for _ in range(runs):
        t, r = one_run(binary)
        times.append(t * 1000)
        rss.append(r / 1024)
    times.sort()
    print(f"provider handshake ({runs} runs, {os.path.basename(binary)}):")
    print(f"  start-to-handshake  median {statistics.median(times):.1f} ms  "
          f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms  min {times[0]:.1f} ms  (target <= 15 ms)")
    print(f"  peak RSS            max {max(rss):.1f} MiB  median {statistics.median(rss):.1f} MiB  (target <= 30 MiB)")


if __name__ == "__main__":
    main()
