#!/usr/bin/env python3
"""API calls of a fleet rotation: N rotating certificates, each attached to one
stage (two stages on each REST API), through create, rotation and retirement
applies against the emulator, with AWS's control-plane throttling (10 requests
per second, burst 40) switched on.

Prints, per `terraform apply`, the API Gateway calls it made (every HTTP
request, retries included, from the emulator's counters), how many were
throttled, and the stage-inventory passes (GetRestApis + GetStages). Needs
`make install-dev` and `terraform` on PATH. Prints figures; exits non-zero only if
an apply fails.

usage: bench_fleet.py EMULATOR_BIN SEED_BIN TERRAFORMRC [N]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

MAIN = """terraform {
  required_providers {
    apigw = { source = "certops/apigw" }
  }
}

provider "apigw" {
  region   = "us-east-1"
  endpoint = "%(url)s"
}

locals {
  apis = %(apis)s
  certs = { for i in range(%(n)d) : format("c%%02d", i) => {
    api   = local.apis[floor(i / 2)]
    stage = i %% 2 == 0 ? "blue" : "green"
  } }
}

resource "apigw_rotating_client_certificate" "fleet" {
  for_each = local.certs
  overlap  = "1h"
}

resource "apigw_stage_client_certificate" "fleet" {
  for_each              = local.certs
  rest_api_id           = each.value.api
  stage_name            = each.value.stage
  client_certificate_id = apigw_rotating_client_certificate.fleet[each.key].current_certificate_id
}
"""


def admin(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}/_emulator/{path}", data=data, method=method,
                                 headers={"content-type": "application/json"})
    # The emulator is on loopback: never through an inherited HTTP proxy.
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(req, timeout=30) as r:
        return json.load(r)


def apply(workdir, env, label, url):
    before_calls = admin(url, "GET", "calls")
    before_log = len(admin(url, "GET", "requests"))
    start = time.perf_counter()
    out = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
                         cwd=workdir, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{label}: terraform apply failed:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}")
    after = admin(url, "GET", "calls")
    delta = {op: n - before_calls.get(op, 0) for op, n in after.items()
             if n - before_calls.get(op, 0) > 0}
    log = admin(url, "GET", "requests")[before_log:]
    throttled = sum(1 for r in log if r.get("status") == 429)
    return {"label": label, "seconds": seconds, "calls": delta,
            "total": sum(delta.values()), "throttled": throttled}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    emulator_bin, seed_bin, terraformrc = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH (install Terraform 1.11 or newer)")
    emu = subprocess.Popen([emulator_bin, "--listen", "127.0.0.1:0",
                            "--throttle-rps", "10", "--throttle-burst", "40"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    tmp = tempfile.mkdtemp(prefix="bench-fleet-")
    try:
        url = emu.stdout.readline().strip().rsplit(" ", 1)[-1]
        if not url.startswith("http://"):
            sys.exit(f"emulator did not start: {url!r}")
        env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.abspath(terraformrc),
                   CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_REGION="us-east-1")
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "AWS_PROFILE", "APIGW_CLOCK_OFFSET"):
            env.pop(k, None)
        apis_needed = (n + 1) // 2
        seeded = subprocess.run(
            [seed_bin, "--endpoint", url] + [f"fleet{i}:blue,green" for i in range(apis_needed)],
            env=env, capture_output=True, text=True, check=True)
        api_ids = [line.split()[1] for line in seeded.stdout.splitlines() if line.strip()]
        with open(os.path.join(tmp, "main.tf"), "w") as f:
            f.write(MAIN % {"url": url, "apis": json.dumps(api_ids), "n": n})
        subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=tmp, env=env,
                       check=True, capture_output=True)

        rows = [apply(tmp, env, "create", url)]
        # Into the rotation window: 310 of 365 days gone, 60d window.
        admin(url, "POST", "age", {"seconds": 310 * 86400})
        rows.append(apply(tmp, env, "rotation", url))
        # Past the 1h overlap, on the provider's clock.
        rows.append(apply(tmp, dict(env, APIGW_CLOCK_OFFSET="2h"), "retirement", url))

        print(f"fleet rotation: {n} certificates, {n} stage attachments on {len(api_ids)} "
              f"REST APIs, emulator throttled at 10 rps / burst 40, provider defaults")
        print(f"  {'apply':<11} {'calls':>6} {'429s':>5} {'inventory':>10} {'GetRestApis':>12} "
              f"{'GetStages':>10} {'seconds':>8}")
        for r in rows:
            c = r["calls"]
            passes = c.get("GetRestApis", 0)
            print(f"  {r['label']:<11} {r['total']:>6} {r['throttled']:>5} {passes:>10} "
                  f"{c.get('GetRestApis', 0):>12} {c.get('GetStages', 0):>10} "
                  f"{r['seconds']:>8.1f}")
        for r in rows:
            ops = ", ".join(f"{op} {k}" for op, k in sorted(r["calls"].items()))
            print(f"  {r['label']}: {ops}")
        print("  (inventory = stage-inventory passes, one GetRestApis page each; every "
              "terraform command runs one provider process per phase)")
    finally:
        emu.terminate()
        emu.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
