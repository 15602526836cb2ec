#!/usr/bin/env python3
"""`make proof`: zero downtime shown with real parts and live traffic.

Real nginx backends verify the client certificate API Gateway presents
(`ssl_verify_client on` against the trust-store file Terraform writes), reloaded
by a config-management loop every RELOAD_PERIOD seconds when the file changed.
A prober sends steady traffic through the emulator's data plane for each run
and records every request's time and status. Three runs:

  staged     apigw_rotating_client_certificate + trust bundle + verified switch
  bigbang    hashicorp/aws: certificate replaced (create_before_destroy), stage
             and trust store updated in the same apply
  forgotten  two backends, only one trust store updated; without and with verify

Prints a table and writes build/proof/timeline.svg and build/proof/results.json.
With --check, exits 1 unless every run shows what it must (used by the tests).

Python 3 standard library only, plus the nginx, openssl and terraform binaries.
Every process it starts is stopped by PID on exit, also on failure.
"""
import argparse
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import benchlib  # noqa: E402
import svg  # noqa: E402

REGION = "us-east-1"
NGINX_INSTALL = "apt-get update && apt-get install -y nginx"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
STARTED = []  # Popen objects, stopped in reverse order on exit


def die(msg):
    print(f"proof: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stop_all():
    for p in reversed(STARTED):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    STARTED.clear()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- emulator + SigV4


class Emulator:
    def __init__(self, binary, work, backend_ca):
        self.log = open(os.path.join(work, "emulator.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--backend-ca", backend_ca],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        STARTED.append(self.proc)
        line = self.proc.stdout.readline().strip()
        prefix = "apigw-emulator listening on "
        if not line.startswith(prefix):
            die(f"the emulator did not start (first line {line!r}); see {self.log.name}")
        self.url = line[len(prefix):]

    def admin(self, method, path, body=None):
        return self._call(method, f"/_emulator/{path}", body, sign=False)

    def api(self, method, path, body=None):
        return self._call(method, path, body, sign=True)

    def _call(self, method, path, body, sign):
        data = json.dumps(body).encode() if body is not None else b""
        req = urllib.request.Request(self.url + path, data=data or None, method=method)
        req.add_header("content-type", "application/json")
        if sign:
            for k, v in sigv4(method, self.url, path, data).items():
                req.add_header(k, v)
        try:
            with DIRECT.open(req, timeout=30) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            die(f"{method} {path}: HTTP {e.code}: {e.read().decode()[:300]}")
        return json.loads(text) if text else None


def sigv4(method, url, path, body):
    host = url.split("://", 1)[1]
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, payload]
    )
    scope = f"{day}/{REGION}/apigateway/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = b"AWS4test"
    for part in (day, REGION, "apigateway", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload,
        "authorization": f"AWS4-HMAC-SHA256 Credential=test/{scope}, "
        f"SignedHeaders={signed}, Signature={sig}",
    }


def create_api(emu, name, routes):
    """A REST API with stage `prod` whose GET /ROUTE proxies to the backend named
    by the stage variable ROUTE (one route per backend)."""
    api = emu.api("POST", "/restapis", {"name": name})
    api_id = api["id"]
    root = emu.api("GET", f"/restapis/{api_id}/resources")["item"][0]["id"]
    variables = {}
    for route, backend in routes.items():
        res = emu.api("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": route})
        base = f"/restapis/{api_id}/resources/{res['id']}/methods/GET"
        emu.api("PUT", base, {"authorizationType": "NONE"})
        emu.api(
            "PUT",
            base + "/integration",
            {
                "type": "HTTP_PROXY",
                "httpMethod": "GET",
                "uri": "https://${stageVariables.%s}/healthz" % route,
                "timeoutInMillis": 5000,
            },
        )
        variables[route] = f"127.0.0.1:{backend.port}"
    emu.api(
        "POST",
        f"/restapis/{api_id}/deployments",
        {"stageName": "prod", "variables": variables},
    )
    return api_id


def stage_certificate(emu, api_id):
    return emu.api("GET", f"/restapis/{api_id}/stages/prod").get("clientCertificateId")


# ---------------------------------------------------------------- nginx backends


def server_pki(work):
    """A CA the emulator trusts (--backend-ca) and nginx's server certificate."""
    ca_key, ca = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run(["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca,
         "-days", "2", "-subj", "/CN=proof backend CA"])
    key, csr, crt = (os.path.join(work, f"server.{x}") for x in ("key", "csr", "pem"))
    run(["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"])
    ext = os.path.join(work, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-days", "2", "-out", crt, "-extfile", ext])
    return ca, crt, key


class Backend:
    """One nginx under a private prefix, verifying client certificates against
    `trust_store`, and the config-management loop that reloads it."""

    def __init__(self, name, work, server_crt, server_key, bootstrap_pem, reload_period):
        self.name = name
        self.prefix = os.path.join(work, f"nginx-{name}")
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        self.trust_store = os.path.join(work, f"trust-store-{name}.pem")
        # Until Terraform writes the trust store, nginx trusts only a placeholder
        # (it refuses to start on an empty file).
        shutil.copy(bootstrap_pem, self.trust_store)
        self.access_log = os.path.join(self.prefix, "logs", "access.log")
        self.conf = os.path.join(self.prefix, "nginx.conf")
        # Another process on the machine may take the free port before nginx
        # binds it (tests run in parallel): then pick another one.
        for _ in range(5):
            self.port = free_port()
            if self._start(name, server_crt, server_key):
                break
        else:
            die(f"nginx {name} found no free loopback port in 5 attempts")
        self.reloads = []  # times nginx was told to reload a changed trust store
        self.period = reload_period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _start(self, name, server_crt, server_key):
        """Starts nginx on self.port; False when the port was taken meanwhile."""
        user = "user root;" if os.geteuid() == 0 else ""
        for stale in ("nginx.pid", "logs/error.log", "logs/stderr.log"):
            if os.path.exists(os.path.join(self.prefix, stale)):
                os.remove(os.path.join(self.prefix, stale))
        with open(self.conf, "w") as f:
            f.write(f"""{user}
daemon off;
master_process on;
worker_processes 1;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
  client_body_temp_path {self.prefix}/tmp-body;
  proxy_temp_path {self.prefix}/tmp-proxy;
  fastcgi_temp_path {self.prefix}/tmp-fastcgi;
  uwsgi_temp_path {self.prefix}/tmp-uwsgi;
  scgi_temp_path {self.prefix}/tmp-scgi;
  log_format proof '$msec $status $ssl_client_verify $ssl_client_serial';
  access_log {self.access_log} proof;
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {server_crt};
    ssl_certificate_key {server_key};
    ssl_client_certificate {self.trust_store};
    ssl_verify_client on;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / {{ return 200 "ok {name}\\n"; }}
  }}
}}
""")
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.prefix, "-c", self.conf],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.prefix, "logs", "stderr.log"), "w"),
        )
        STARTED.append(self.proc)
        # nginx writes its pid file once its listening socket is bound, so a
        # port another process holds is never mistaken for nginx's.
        pid_file = os.path.join(self.prefix, "nginx.pid")
        for _ in range(200):
            if self.proc.poll() is not None:
                STARTED.remove(self.proc)
                error = ""
                for log_name in ("error.log", "stderr.log"):
                    with open(os.path.join(self.prefix, "logs", log_name)) as f:
                        error += f.read()[-500:]
                if "Address already in use" in error:
                    return False
                die(f"nginx {name} exited at start-up: {error}")
            try:
                with open(pid_file) as f:
                    if f.read().strip() == str(self.proc.pid):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        die(f"nginx {name} did not start listening on port {self.port} in 10 s")

    def _digest(self):
        try:
            with open(self.trust_store, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return None

    def _loop(self):
        # What a config-management agent does: look every few seconds, reload
        # when the file changed. The lag between a write and the reload is
        # between 0 and `period` seconds, as in production.
        seen = self._digest()
        while not self._stop.wait(self.period):
            now = self._digest()
            if now != seen and now is not None:
                seen = now
                self.proc.send_signal(signal.SIGHUP)
                self.reloads.append(time.time())

    def serials(self, since=0.0):
        """(time, status, verify, serial) per request nginx logged after `since`."""
        out = []
        try:
            with open(self.access_log) as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 3 and float(p[0]) >= since:
                        out.append((float(p[0]), int(p[1]), p[2], p[3] if len(p) > 3 else "-"))
        except OSError:
            pass
        return out

    def stop(self):
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- prober


class Prober:
    """Steady traffic through the data plane: `rate` requests/s spread over the
    routes, every request's time and status recorded."""

    def __init__(self, emu, api_id, routes, rate):
        self.urls = [f"{emu.url}/restapis/{api_id}/prod/_user_request_/{r}" for r in routes]
        self.interval = 1.0 / rate
        self.samples = []  # (time, route index, status)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _loop(self):
        n = 0
        start = time.time()
        while not self._stop.is_set():
            i = n % len(self.urls)
            t = time.time()
            try:
                with DIRECT.open(self.urls[i], timeout=10) as r:
                    status = r.status
                    r.read()
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = 0
            self.samples.append((t, i, status))
            n += 1
            delay = start + n * self.interval - time.time()
            if delay > 0:
                self._stop.wait(delay)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.samples


def summary(samples):
    """Requests, failures, and the longest outage: per route (one route per
    backend), the time from the first failed request of a streak to the next
    success (or the last request)."""
    failures = sum(1 for _, _, s in samples if s != 200)
    longest = 0.0
    for route in {i for _, i, _ in samples}:
        start = None
        for t, i, s in samples:
            if i != route:
                continue
            if s != 200:
                start = t if start is None else start
                longest = max(longest, t - start)
            elif start is not None:
                longest = max(longest, t - start)
                start = None
    return {"requests": len(samples), "failures": failures, "longest_outage_s": round(longest, 1)}


# ---------------------------------------------------------------- terraform


class Tf:
    def __init__(self, work, name, cli_config, emu):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("TF_") or k.startswith("AWS_"):
                del self.env[k]
        self.env.update(
            TF_CLI_CONFIG_FILE=cli_config,
            TF_IN_AUTOMATION="1",
            CHECKPOINT_DISABLE="1",
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_REGION=REGION,
        )
        self.emu = emu

    def write(self, text):
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(text)

    def __call__(self, *args, ok=True, env=None):
        e = dict(self.env, **(env or {}))
        t = time.time()
        p = subprocess.run(["terraform", f"-chdir={self.dir}", *args, "-no-color"],
                           capture_output=True, text=True, env=e)
        log(f"terraform {args[0]} in {os.path.basename(self.dir)}: {time.time() - t:.1f} s")
        with open(os.path.join(self.dir, "terraform.log"), "a") as f:
            f.write(f"$ terraform {' '.join(args)}\n{p.stdout}\n{p.stderr}\n")
        if ok and p.returncode != 0:
            die(f"terraform {' '.join(args)} failed in {self.dir}:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
        return p

    def apply(self, ok=True, env=None):
        return self("apply", "-input=false", "-auto-approve", ok=ok, env=env)

    def output(self, name):
        return self("output", "-raw", name).stdout.strip()


WRITE_TRUST_STORE = """
  provisioner "local-exec" {
    command = "printf '%s' \\"$BUNDLE\\" > \\"$TRUST_STORE.tmp\\" && mv \\"$TRUST_STORE.tmp\\" \\"$TRUST_STORE\\""
    environment = {
      BUNDLE      = self.triggers_replace
      TRUST_STORE = self.input
    }
  }
"""


def staged_config(emu, api_id, trust_stores, overlap, verify_route, reload_period, rotate_before="60d"):
    stores = "\n".join(
        f"""
resource "terraform_data" "trust_store_{i}" {{
  triggers_replace = apigw_rotating_client_certificate.backend.trusted_pem_bundle
  input            = "{path}"
{WRITE_TRUST_STORE}
}}"""
        for i, path in enumerate(trust_stores)
    )
    # Enough attempts to outlast one reload period of the backends' loop, and
    # two accepted answers a second apart: right after nginx reloads, its old
    # worker still takes a connection now and then and refuses the new
    # certificate, so one accepted answer is not yet proof.
    attempts = int(reload_period * 3 / 1) + 3
    verify = (
        f"""
  verify {{
    path             = "/{verify_route}"
    attempts         = {attempts}
    interval_seconds = 1
    successes        = 2
  }}"""
        if verify_route
        else ""
    )
    deps = ", ".join(f"terraform_data.trust_store_{i}" for i in range(len(trust_stores)))
    return f"""
terraform {{
  required_providers {{
    apigw = {{ source = "certops/apigw" }}
  }}
}}
provider "apigw" {{
  region   = "{REGION}"
  endpoint = "{emu.url}"
}}
resource "apigw_rotating_client_certificate" "backend" {{
  description   = "proof: API Gateway -> backends"
  rotate_before = "{rotate_before}"
  overlap       = "{overlap}s"
}}
{stores}
resource "apigw_stage_client_certificate" "prod" {{
  rest_api_id           = "{api_id}"
  stage_name            = "prod"
  client_certificate_id = apigw_rotating_client_certificate.backend.current_certificate_id
{verify}
  depends_on = [{deps}]
}}
"""


def bigbang_config(emu, backend, trust_store, generation):
    return f"""
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws" }}
  }}
}}
{benchlib.aws_provider_hcl(emu.url, REGION)}
# Bumping the generation replaces the certificate: how rotation is done by hand.
resource "terraform_data" "generation" {{
  input = {generation}
}}
resource "aws_api_gateway_client_certificate" "backend" {{
  description = "proof big bang"
  lifecycle {{
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.generation]
  }}
}}
resource "terraform_data" "trust_store" {{
  triggers_replace = aws_api_gateway_client_certificate.backend.pem_encoded_certificate
  input            = "{trust_store}"
{WRITE_TRUST_STORE}
}}
resource "aws_api_gateway_rest_api" "api" {{
  name = "bigbang"
}}
resource "aws_api_gateway_resource" "a" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "a"
}}
resource "aws_api_gateway_method" "get" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.a.id
  http_method   = "GET"
  authorization = "NONE"
}}
resource "aws_api_gateway_integration" "backend" {{
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.a.id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "https://$${{stageVariables.a}}/healthz"
  timeout_milliseconds    = 5000
}}
resource "aws_api_gateway_deployment" "v1" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.backend]
}}
resource "aws_api_gateway_stage" "prod" {{
  rest_api_id           = aws_api_gateway_rest_api.api.id
  deployment_id         = aws_api_gateway_deployment.v1.id
  stage_name            = "prod"
  client_certificate_id = aws_api_gateway_client_certificate.backend.id
  variables = {{
    a = "127.0.0.1:{backend.port}"
  }}
  depends_on = [terraform_data.trust_store]
}}
output "rest_api_id" {{
  value = aws_api_gateway_rest_api.api.id
}}
"""


# ---------------------------------------------------------------- runs


class Run:
    def __init__(self, name, label, prober):
        self.name, self.label, self.prober = name, label, prober
        self.t0 = time.time()
        self.markers = []  # (time, label)
        self.notes = {}

    def mark(self, label, t=None):
        self.markers.append(((t or time.time()), label))
        log(f"{self.name}: {label}")

    def finish(self, min_requests=0):
        # A slow machine sends fewer requests per second: the soak then lasts
        # until at least `min_requests` went through (at most a minute longer).
        deadline = time.time() + 60
        while len(self.prober.samples) < min_requests and time.time() < deadline:
            time.sleep(0.2)
        self.samples = self.prober.stop()
        self.t1 = time.time()
        self.summary = summary(self.samples)
        return self

    def to_json(self):
        return {
            "name": self.name,
            "label": self.label,
            "start": self.t0,
            "end": self.t1,
            **self.summary,
            "notes": self.notes,
            "markers": [{"t": t - self.t0, "label": l} for t, l in self.markers],
            "samples": [[round(t - self.t0, 3), i, s] for t, i, s in self.samples],
        }


def switch_time(emu, since):
    reqs = emu.admin("GET", "requests")
    ts = [r["time_ms"] / 1000 for r in reqs if r["operation"] == "UpdateStage"
          and r.get("status") == 200 and r["time_ms"] / 1000 >= since]
    return ts[-1] if ts else None


def delete_time(emu, since):
    reqs = emu.admin("GET", "requests")
    ts = [r["time_ms"] / 1000 for r in reqs if r["operation"] == "DeleteClientCertificate"
          and r["time_ms"] / 1000 >= since]
    return ts[-1] if ts else None


def generate_time(emu, since):
    reqs = emu.admin("GET", "requests")
    ts = [r["time_ms"] / 1000 for r in reqs if r["operation"] == "GenerateClientCertificate"
          and r["time_ms"] / 1000 >= since]
    return ts[-1] if ts else None


def reload_marks(run, backends, since):
    for b in backends:
        for t in b.reloads:
            if t >= since:
                run.mark(f"trust store reloaded ({b.name})", t)


def serial_of(pem_path_or_text):
    p = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem_path_or_text,
                       capture_output=True, text=True, check=True)
    return p.stdout.strip().split("=", 1)[1].upper()


def age_before_traffic(emu, tf, config, reload_period):
    """First apply, then the emulator's time travel, before any traffic.

    Aging re-signs each certificate (new dates, same key), and nginx trusts a
    self-signed certificate only byte for byte: the re-signed one is refused
    until the trust store holds it. That is an artefact of time travel (in AWS
    only the calendar moves), so it happens while the rotation window is still
    short (1d, nothing due), an apply rewrites the trust stores with the
    re-signed PEM, and the backends reload before the prober starts.
    """
    tf.write(config("1d"))
    tf("init", "-input=false")
    tf.apply()
    emu.admin("POST", "age", {"seconds": 310 * 86400})
    tf.apply()
    time.sleep(reload_period + 1)


def run_staged(a, emu, backends, cli, work, quiet_s, overlap, reload_period):
    be = backends[0]
    api_id = create_api(emu, "staged", {"a": be})
    tf = Tf(work, "staged", cli, emu)
    config = lambda window: staged_config(emu, api_id, [be.trust_store], overlap, "a",
                                          reload_period, window)
    age_before_traffic(emu, tf, config, reload_period)
    old_id = stage_certificate(emu, api_id)
    run = Run("staged", "staged rotation, verified switch", Prober(emu, api_id, ["a"], a.rate).start())
    time.sleep(quiet_s)
    tf.write(config("60d"))
    run.mark("rotation window 60d: rotation due")
    t_apply = time.time()
    tf.apply()
    new_id = stage_certificate(emu, api_id)
    gen = generate_time(emu, t_apply)
    if gen:
        run.mark("new certificate", gen)
    reload_marks(run, [be], t_apply)
    sw = switch_time(emu, t_apply)
    if sw:
        run.mark("stage switched", sw)
    time.sleep(max(quiet_s, overlap - (time.time() - (sw or time.time()))) + 1)
    t_retire = time.time()
    tf.apply()
    d = delete_time(emu, t_retire)
    if d:
        run.mark("old certificate deleted", d)
    time.sleep(reload_period + quiet_s)
    reload_marks(run, [be], t_retire)
    run.finish(a.min_requests)
    new_pem = emu.api("GET", f"/clientcertificates/{new_id}")["pemEncodedCertificate"]
    new_serial = serial_of(new_pem)
    after = [s for t, st, v, s in be.serials(sw or 0) if st == 200]
    run.notes = {
        "old_certificate": old_id,
        "new_certificate": new_id,
        "stage_certificate_at_end": stage_certificate(emu, api_id),
        "new_serial": new_serial,
        "backend_saw_new_serial_after_switch": any(s.upper().lstrip("0") == new_serial.lstrip("0") for s in after),
        "retired": d is not None,
    }
    return run


def run_bigbang(a, emu, backends, cli, work, quiet_s, reload_period):
    be = backends[0]
    tf = Tf(work, "bigbang", cli, emu)
    tf.write(bigbang_config(emu, be, be.trust_store, 1))
    tf("init", "-input=false")
    tf.apply()
    api_id = tf.output("rest_api_id")
    old_id = stage_certificate(emu, api_id)
    time.sleep(reload_period + 0.5)
    run = Run("bigbang", "big bang (hashicorp/aws)", Prober(emu, api_id, ["a"], a.rate).start())
    time.sleep(quiet_s)
    t_apply = time.time()
    tf.write(bigbang_config(emu, be, be.trust_store, 2))
    tf.apply()
    gen = generate_time(emu, t_apply)
    if gen:
        run.mark("new certificate", gen)
    sw = switch_time(emu, t_apply)
    if sw:
        run.mark("stage switched", sw)
    d = delete_time(emu, t_apply)
    if d:
        run.mark("old certificate deleted", d)
    time.sleep(reload_period * 2 + quiet_s)
    reload_marks(run, [be], t_apply)
    run.finish()
    run.notes = {"old_certificate": old_id, "new_certificate": stage_certificate(emu, api_id)}
    return run


def run_forgotten(a, emu, backends, cli, work, quiet_s, overlap, reload_period, with_verify):
    name = "forgotten+verify" if with_verify else "forgotten"
    api_id = create_api(emu, name.replace("+", "-"), {"a": backends[0], "b": backends[1]})
    tf = Tf(work, name.replace("+", "-"), cli, emu)
    verify_route = "b" if with_verify else None
    # The first apply knows both trust stores; the rotation's configuration
    # has lost backend b's (the pitfall: one of many servers forgotten).
    both = [b.trust_store for b in backends]
    age_before_traffic(emu, tf, lambda window: staged_config(
        emu, api_id, both, overlap, verify_route, reload_period, window), reload_period)
    old_id = stage_certificate(emu, api_id)
    label = "forgotten backend, with verify" if with_verify else "forgotten backend, no verify"
    run = Run(name, label, Prober(emu, api_id, ["a", "b"], a.rate).start())
    time.sleep(quiet_s)
    tf("state", "rm", "terraform_data.trust_store_1")
    tf.write(staged_config(emu, api_id, both[:1], overlap, verify_route, reload_period))
    run.mark("rotation window 60d: rotation due")
    t_apply = time.time()
    p = tf.apply(ok=not with_verify)
    gen = generate_time(emu, t_apply)
    if gen:
        run.mark("new certificate", gen)
    reload_marks(run, backends, t_apply)
    sw = switch_time(emu, t_apply)
    if sw:
        run.mark("stage switched", sw)
    else:
        run.mark("switch refused by verify", time.time())
    time.sleep(reload_period + quiet_s)
    reload_marks(run, backends, time.time() - reload_period - quiet_s)
    run.finish()
    run.notes = {
        "apply_failed": p.returncode != 0,
        "old_certificate": old_id,
        "stage_certificate_at_end": stage_certificate(emu, api_id),
        "switched": sw is not None,
    }
    if p.returncode != 0:
        run.notes["apply_error"] = " ".join(
            w for w in p.stderr.split() if w != "│")[:600]
    return run


def check(runs):
    bad = []
    r = {x.name: x for x in runs}
    s = r.get("staged")
    if s:
        if s.summary["failures"] != 0 or s.summary["requests"] < 200:
            bad.append(f"staged: {s.summary['failures']} failed of {s.summary['requests']} (expected 0 of >= 200)")
        if not s.notes.get("backend_saw_new_serial_after_switch"):
            bad.append("staged: nginx never logged the new certificate's serial after the switch")
        if s.notes.get("stage_certificate_at_end") != s.notes.get("new_certificate"):
            bad.append("staged: the stage does not present the new certificate")
    b = r.get("bigbang")
    if b and b.summary["failures"] == 0:
        bad.append("bigbang: expected failures, saw none")
    f = r.get("forgotten")
    if f and f.summary["failures"] == 0:
        bad.append("forgotten without verify: expected failures, saw none")
    v = r.get("forgotten+verify")
    if v:
        if not v.notes.get("apply_failed"):
            bad.append("forgotten with verify: the apply succeeded")
        if v.notes.get("stage_certificate_at_end") != v.notes.get("old_certificate"):
            bad.append("forgotten with verify: the stage lost its old certificate")
        if v.summary["failures"] != 0:
            bad.append(f"forgotten with verify: {v.summary['failures']} failed")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--mirror", required=True, help="filesystem mirror holding certops/apigw")
    ap.add_argument("--aws-mirror", default=os.environ.get("APIGW_AWS_PROVIDER_MIRROR", "/opt/tf-plugins"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "proof"))
    ap.add_argument("--rate", type=float, default=20.0, help="requests per second")
    ap.add_argument("--reload-period", type=float, default=2.0)
    ap.add_argument("--quiet", type=float, default=4.0, help="seconds of traffic before and after each step")
    ap.add_argument("--min-requests", type=int, default=200,
                    help="the staged run's traffic lasts until at least this many requests")
    ap.add_argument("--overlap", type=int, default=15, help="seconds the old certificate stays trusted")
    ap.add_argument("--runs", default="staged,bigbang,forgotten,forgotten+verify")
    ap.add_argument("--install-nginx", action="store_true",
                    help=f"run `{NGINX_INSTALL}` when nginx is missing (as root)")
    ap.add_argument("--check", action="store_true", help="exit 1 unless every run shows what it must")
    a = ap.parse_args()

    if not shutil.which("nginx") and a.install_nginx and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"nginx is missing: {NGINX_INSTALL}")
        subprocess.run(NGINX_INSTALL, shell=True, check=True)
    for tool, hint in (("nginx", NGINX_INSTALL), ("openssl", "apt-get install -y openssl"),
                       ("terraform", "install Terraform >= 1.8")):
        if not shutil.which(tool):
            die(f"{tool} is required but not on PATH (install it: {hint})")
    names = a.runs.split(",")
    if "bigbang" in names and not os.path.isdir(os.path.join(a.aws_mirror, "registry.terraform.io", "hashicorp", "aws")):
        die(f"{a.aws_mirror} holds no registry.terraform.io/hashicorp/aws (set APIGW_AWS_PROVIDER_MIRROR)")

    work = tempfile.mkdtemp(prefix="apigw-proof-")
    os.chmod(work, 0o755)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runs = []
    try:
        ca, crt, key = server_pki(work)
        backends = [Backend(n, work, crt, key, ca, a.reload_period) for n in ("a", "b")]
        emu = Emulator(a.emulator, work, ca)
        cli = benchlib.write_cli_config(os.path.join(work, "terraformrc"),
                                        {"certops/apigw": a.mirror, "hashicorp/aws": a.aws_mirror})
        log(f"work dir {work}; backends on ports {[b.port for b in backends]}; emulator {emu.url}")
        for name in names:
            for b in backends:
                shutil.copy(ca, b.trust_store)
            time.sleep(a.reload_period + 0.2)
            if name == "staged":
                runs.append(run_staged(a, emu, backends, cli, work, a.quiet, a.overlap, a.reload_period))
            elif name == "bigbang":
                runs.append(run_bigbang(a, emu, backends, cli, work, a.quiet, a.reload_period))
            elif name in ("forgotten", "forgotten+verify"):
                runs.append(run_forgotten(a, emu, backends, cli, work, a.quiet, a.overlap,
                                          a.reload_period, name.endswith("verify")))
            else:
                die(f"--runs: unknown run {name!r} (expected staged, bigbang, forgotten, forgotten+verify)")
        for b in backends:
            b.stop()
    finally:
        stop_all()

    os.makedirs(a.out, exist_ok=True)
    data = [r.to_json() for r in runs]
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"rate": a.rate, "reload_period_s": a.reload_period, "runs": data}, f, indent=1)
    with open(os.path.join(a.out, "timeline.svg"), "w") as f:
        f.write(svg.timeline(data))
    print(f"{'run':<34} {'requests':>8} {'failed':>7} {'longest outage':>15}  result")
    for r in runs:
        s = r.summary
        extra = ""
        if r.name == "forgotten+verify":
            extra = "switch refused, stage kept the old certificate" if not r.notes["switched"] else "switched"
        elif r.name == "staged":
            extra = "nginx saw the new serial" if r.notes["backend_saw_new_serial_after_switch"] else ""
        print(f"{r.label:<34} {s['requests']:>8} {s['failures']:>7} {s['longest_outage_s']:>13.1f} s  {extra}")
    print(f"timeline: {os.path.join(a.out, 'timeline.svg')}")
    shutil.rmtree(work, ignore_errors=True) if not os.environ.get("PROOF_KEEP") else log(f"kept {work}")
    if a.check:
        bad = check(runs)
        for b in bad:
            print(f"proof: FAILED: {b}", file=sys.stderr)
        if bad:
            sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
