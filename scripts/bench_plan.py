#!/usr/bin/env python3
"""`terraform plan` time with the certificate-inventory check against the same
configuration without it, and the provider's peak RSS during real plans.

Starts the emulator binary, creates certificates and ages them into the
rotation window, then runs `terraform plan` several times in two working
directories (same provider configuration; one adds the `check` block over
`apigw_client_certificates`). Needs `make install` (the filesystem mirror and
CLI config) and `terraform` on PATH. Prints figures; asserts nothing.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

PROVIDER = """terraform {
  required_providers {
    apigw = { source = "certops/apigw" }
  }
}

provider "apigw" {
  region   = "us-east-1"
  endpoint = "%s"
}
"""

CHECK = """check "client_certificate_rotation" {
  data "apigw_client_certificates" "all" {
    rotate_before = "60d"
  }
  assert {
    condition     = length(data.apigw_client_certificates.all.due_certificate_ids) == 0
    error_message = "due: ${join(", ", data.apigw_client_certificates.all.due_certificate_ids)}"
  }
}
"""


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    # The emulator is on loopback: never through an inherited HTTP proxy.
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(req, timeout=10) as r:
        return json.load(r)


class RssWatcher(threading.Thread):
    """Polls /proc for provider processes and keeps the highest VmHWM seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/comm") as f:
                        if not f.read().startswith("terraform-provi"):
                            continue
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.002)


def plan_times(workdir, env, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=workdir,
                             env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        if out.returncode != 0:
            sys.exit(f"terraform plan failed in {workdir}:\n{out.stdout}\n{out.stderr}")
    return times, out.stdout + out.stderr


def main():
    emulator_bin, terraformrc = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    certs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH")
    emu = subprocess.Popen([emulator_bin, "--listen", "127.0.0.1:0",
                            "--max-client-certificates", str(certs + 10)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tmp = tempfile.mkdtemp(prefix="bench-plan-")
    try:
        url = emu.stdout.readline().strip().rsplit(" ", 1)[-1]
        if not url.startswith("http://"):
            sys.exit(f"emulator did not start: {url!r}")
        for i in range(certs):
            post(f"{url}/_emulator/certificates", {"description": f"bench-{i}"})
        post(f"{url}/_emulator/age", {"seconds": 310 * 86400})

        env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.abspath(terraformrc),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "AWS_PROFILE"):
            env.pop(k, None)
        dirs = {}
        for name, extra in (("without", ""), ("with", CHECK)):
            d = os.path.join(tmp, name)
            os.makedirs(d)
            with open(os.path.join(d, "main.tf"), "w") as f:
                f.write(PROVIDER % url + extra)
            subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=d, env=env,
                           check=True, capture_output=True)
            dirs[name] = d

        watcher = RssWatcher()
        watcher.start()
        without, _ = plan_times(dirs["without"], env, runs)
        with_check, output = plan_times(dirs["with"], env, runs)
        watcher.stop.set()
        watcher.join()
        warned = output.count("bench-") > 0 or "due:" in output

        print(f"terraform plan ({runs} runs each, {certs} certificates in the window):")
        print(f"  without the check block     median {statistics.median(without):.0f} ms  min {min(without):.0f} ms")
        print(f"  with the check block        median {statistics.median(with_check):.0f} ms  min {min(with_check):.0f} ms"
              f"  (warning shown: {'yes' if warned else 'NO'})")
        print(f"  provider peak RSS in plans  {watcher.peak_kib / 1024:.1f} MiB  (target <= 30 MiB)")
    finally:
        emu.terminate()
        emu.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
