"""Shared by the benchmark scripts (imported, not run): the emulator binary
started and stopped by PID, its admin API, an environment for `terraform`
isolated from the caller's, and terraform commands timed while the peak RSS
of the provider processes they start is sampled.

Standard library only, like every script of the project.
"""
import json
import os
import subprocess
import threading
import time
import urllib.request

# The emulator is on loopback: never through an inherited HTTP proxy.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Terraform names provider processes after their executables; the kernel keeps
# the first 15 bytes of that name in /proc/PID/comm.
PROVIDER_COMM_PREFIX = "terraform-provi"


class Emulator:
    """The emulator binary on 127.0.0.1 with an ephemeral port; `close()` (or
    leaving the `with` block) stops it by PID, also when the caller fails."""

    def __init__(self, binary, *args):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is not built (run: make build)")
        self.proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        self.url = line.rsplit(" ", 1)[-1]
        if not self.url.startswith("http://"):
            self.close()
            raise SystemExit(f"the emulator did not start: {line!r}")

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method,
                                     headers={"content-type": "application/json"})
        with _DIRECT.open(req, timeout=60) as r:
            text = r.read().decode()
        return json.loads(text) if text.strip() else None

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def terraform_env(cli_config):
    """The caller's environment with nothing of its Terraform or AWS setup
    that could change what is measured."""
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.abspath(cli_config),
               CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
               AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1",
               NO_PROXY="127.0.0.1,localhost,::1", no_proxy="127.0.0.1,localhost,::1")
    for k in list(env):
        if k.startswith(("TF_CLI_ARGS", "TF_LOG")) or k in (
                "TF_DATA_DIR", "TF_WORKSPACE", "TF_PLUGIN_CACHE_DIR", "AWS_PROFILE",
                "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_API_GATEWAY"):
            env.pop(k)
    return env


class ProviderPeak(threading.Thread):
    """Samples the provider processes among the children of `pid` every
    `interval` seconds and keeps the highest VmHWM (the kernel's own peak RSS
    of each process, so a sample taken late still sees an earlier peak) and
    each process's CPU time. Only the last interval before a provider exits
    can be missed."""

    def __init__(self, pid, interval=0.01):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        # Highest anonymous RSS seen (heap and stacks, without the mapped
        # binary): the part the provider's own data structures account for.
        self.peak_anon_kib = 0
        self.processes = set()
        # CPU time (user + system, clock ticks) last seen per provider process.
        self.cpu_ticks = {}
        self.done = threading.Event()

    def _children(self):
        try:
            tasks = os.listdir(f"/proc/{self.pid}/task")
        except OSError:
            return []
        kids = []
        for t in tasks:
            try:
                with open(f"/proc/{self.pid}/task/{t}/children") as f:
                    kids.extend(f.read().split())
            except OSError:
                pass
        return kids

    def _sample(self):
        for kid in self._children():
            try:
                with open(f"/proc/{kid}/comm") as f:
                    if not f.read().startswith(PROVIDER_COMM_PREFIX):
                        continue
                with open(f"/proc/{kid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.processes.add(kid)
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                        elif line.startswith("RssAnon:"):
                            self.peak_anon_kib = max(self.peak_anon_kib, int(line.split()[1]))
                            break
                with open(f"/proc/{kid}/stat") as f:
                    # Fields after the parenthesised name; utime and stime are 14 and 15.
                    fields = f.read().rsplit(")", 1)[1].split()
                    self.cpu_ticks[kid] = int(fields[11]) + int(fields[12])
            except OSError:
                pass

    def run(self):
        while not self.done.wait(self.interval):
            self._sample()


class Run:
    """One finished terraform command."""

    def __init__(self, seconds, returncode, output, peak_kib, providers, provider_cpu,
                 peak_anon_kib=0):
        self.seconds = seconds
        self.returncode = returncode
        self.output = output
        self.peak_kib = peak_kib
        self.peak_anon_kib = peak_anon_kib
        self.providers = providers
        self.provider_cpu = provider_cpu


def terraform(args, cwd, env):
    """Runs `terraform ARGS` in `cwd`: wall time, exit code, output, and the
    peak RSS of the provider processes it started."""
    start = time.perf_counter()
    proc = subprocess.Popen(["terraform", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watcher = ProviderPeak(proc.pid)
    watcher.start()
    output = proc.communicate()[0]
    seconds = time.perf_counter() - start
    watcher.done.set()
    watcher.join()
    cpu = sum(watcher.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
    return Run(seconds, proc.returncode, output, watcher.peak_kib, len(watcher.processes), cpu,
               watcher.peak_anon_kib)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def aws_provider_hcl(url, region="us-east-1"):
    """A hashicorp/aws provider block that talks to the emulator at `url` only:
    its API Gateway endpoint, the emulator's test keys, and no STS, account or
    metadata lookups."""
    return f"""provider "aws" {{
  region                      = "{region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {{
    apigateway = "{url}"
  }}
}}"""


def write_cli_config(path, mirrors):
    """A Terraform CLI configuration at `path` that installs each provider
    source of `mirrors` ("certops/apigw" → directory) from its filesystem
    mirror only, and nothing else from anywhere."""
    sources = [f"registry.terraform.io/{source}" for source in mirrors]
    blocks = "".join(f"""  filesystem_mirror {{
    path    = "{os.path.abspath(directory)}"
    include = ["{address}"]
  }}
""" for address, directory in zip(sources, mirrors.values()))
    excluded = ", ".join(f'"{address}"' for address in sources)
    with open(path, "w") as f:
        f.write(f"provider_installation {{\n{blocks}  direct {{\n    exclude = [{excluded}]\n  }}\n}}\n")
    return path
