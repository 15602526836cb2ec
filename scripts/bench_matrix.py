#!/usr/bin/env python3
"""`make bench`: this provider beside hashicorp/aws and Terraform's own floor.

For each N, six configurations manage N objects against the emulator binary
(one emulator per configuration and N, reset before every cycle):

  apigw        N apigw_rotating_client_certificate (this provider, defaults)
  aws          N aws_api_gateway_client_certificate (hashicorp/aws 5.100.0),
               rotated by replace_triggered_by with create_before_destroy
  floor        N terraform_data holding one string (no provider at all)
  floor-bytes  N terraform_data carrying as many state bytes per instance as
               an apigw instance in its stable phase (measured at the start of
               the same run; its values, as a map of strings, padded to size)
  floor-pem    N terraform_data carrying only the stable instance's
               trusted_pem_bundle (the least any resource that hands backends
               their trust bundle must store)
  floor-plugin the apigw configuration and the apigw case's steady state,
               planned with the plugin floor (tools/plugin_floor.rs): this
               provider's schemas and protocol layer, resources that only
               echo what Terraform sends. What any provider with this schema
               and state costs, without the resource's own work. It can only
               plan: it times no create or rotation, and runs only beside the
               apigw case of the same N.

A cycle starts from an empty state and times three commands: `apply` (create),
a steady `plan` (refresh included; must find no changes) and the rotation
`apply` (apigw: certificates aged 310 days into their 60-day window; aws and
floors: a variable changed). Cycles are interleaved: repetition 1 of every
configuration and N, then repetition 2, and so on; figures are medians. For
each command it records the emulator's API calls (GET /_emulator/calls, every
attempt counted), throttled answers (429 in the request log) and the peak RSS
(VmHWM) of the provider processes terraform started. The throttled variant
runs apigw and aws against an emulator limited to 10 requests/s, burst 40.

Prints one table and writes it as JSON (and Markdown) under the output
directory. Asserts nothing about speed: it fails only when a command fails or
does not do what the cycle expects.

Environment: BENCH_QUICK=1 (N=10, throttled N=10, one repetition),
BENCH_N, BENCH_THROTTLED_N (comma-separated), BENCH_REPS, BENCH_CONFIGS
(comma-separated subset of the six above), BENCH_COMMANDS (comma-separated
subset of create,plan,rotate to time; default all three: with create left
out, each case creates its objects once, untimed, and every repetition times
its commands on that same state, so `BENCH_COMMANDS=plan` repeats the steady
plan without paying for a create per sample), BENCH_SKIP (case names such as
aws-1000 or apigw-60-throttled), BENCH_CASE_REPS (repetitions for some cases
only, e.g. `aws=1,apigw-1000=3`: a configuration or a case name, the case name
winning; such a case runs in the first repetitions only and the header says
how many samples each of its medians has), APIGW_AWS_PROVIDER_MIRROR (the
directory holding registry.terraform.io/hashicorp/aws/5.100.0; default
/opt/tf-plugins).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

AWS_VERSION = "5.100.0"
AGE_INTO_WINDOW = 310 * 86400
CONFIGS = ("apigw", "aws", "floor", "floor-bytes", "floor-pem", "floor-plugin")
# The plugin floor is never contacted at its endpoint: it configures nothing.
UNUSED_ENDPOINT = "http://127.0.0.1:9"
STEADY_STATE = "steady.tfstate"

COMMANDS = ("create", "plan", "rotate")
THROTTLE = {"rps": 10, "burst": 40}
APPLY_RE = re.compile(r"Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed")

TF_APIGW = """terraform {
  required_providers {
    apigw = { source = "certops/apigw" }
  }
}

provider "apigw" {
  region   = "us-east-1"
  endpoint = "%(url)s"
}

variable "n" {
  type    = number
  default = %(n)d
}

# Every argument at its default, as most users write it.
resource "apigw_rotating_client_certificate" "c" {
  count = var.n
}
"""

TF_AWS = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%(version)s" }
  }
}

%(aws_provider)s

variable "generation" {
  type    = number
  default = 1
}

# What a user of this provider writes to rotate: a new certificate before the
# old one is destroyed, forced by a changed value.
resource "terraform_data" "generation" {
  input = var.generation
}

resource "aws_api_gateway_client_certificate" "c" {
  count = %(n)d
  lifecycle {
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.generation]
  }
}
"""

TF_FLOOR = """variable "generation" {
  type    = number
  default = 1
}

resource "terraform_data" "c" {
  count = %(n)d
  input = "generation-${var.generation}"
}
"""

# triggers_replace is stored once (input would be stored twice, as output too);
# a map of strings keeps its type description in the state short.
TF_FLOOR_BYTES = """variable "generation" {
  type    = number
  default = 1
}

variable "n" {
  type    = number
  default = %(n)d
}

locals {
  payload = merge(jsondecode(file("${path.module}/payload.json")), { generation = tostring(var.generation) })
}

resource "terraform_data" "c" {
  count            = var.n
  triggers_replace = tomap(local.payload)
}
"""


def env_list(name, default):
    """A comma-separated list of numbers; set but empty means none."""
    v = os.environ.get(name)
    return default if v is None else [int(x) for x in v.split(",") if x.strip()]


def median(xs):
    return statistics.median(xs) if xs else None


def case_name(config, n, throttled):
    return f"{config}-{n}" + ("-throttled" if throttled else "")


def matrix(ns, throttled_ns, configs):
    """(config, n, throttled) of every case, in run order; the throttled
    variant exists for the two configurations that talk to API Gateway."""
    cells = [(config, n, False) for n in ns for config in configs]
    return cells + [(config, n, True) for n in throttled_ns
                    for config in ("apigw", "aws") if config in configs]


class Case:
    """One configuration at one N, with its working directory and emulator."""

    def __init__(self, root, config, n, throttled, emulator_bin, env):
        self.config, self.n, self.throttled = config, n, throttled
        self.name = case_name(config, n, throttled)
        self.dir = os.path.join(root, self.name)
        self.env = env
        self.emu = None
        os.makedirs(self.dir)
        if config in ("apigw", "aws"):
            args = ["--max-client-certificates", str(2 * n + 10)]
            if throttled:
                args += ["--throttle-rps", str(THROTTLE["rps"]),
                         "--throttle-burst", str(THROTTLE["burst"])]
            self.emu = benchlib.Emulator(emulator_bin, *args)
        url = self.emu.url if self.emu else UNUSED_ENDPOINT
        template = {"apigw": TF_APIGW, "aws": TF_AWS, "floor": TF_FLOOR,
                    "floor-bytes": TF_FLOOR_BYTES, "floor-pem": TF_FLOOR_BYTES,
                    "floor-plugin": TF_APIGW}[config]
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(template % {"url": url, "n": n, "version": AWS_VERSION,
                                "aws_provider": benchlib.aws_provider_hcl(url)})
        self.samples = {c: [] for c in ("create", "plan", "rotate")}
        self.reps = None  # None: every repetition
        self.created = False  # holds the steady state a plan-only cycle reuses
        self.source = None  # floor-plugin: the apigw case whose state it plans

    def write_payload(self, payload):
        with open(os.path.join(self.dir, "payload.json"), "w") as f:
            json.dump(payload, f)

    def init(self):
        run = benchlib.terraform(["init", "-input=false", "-no-color"], self.dir, self.env)
        if run.returncode != 0:
            sys.exit(f"terraform init failed in {self.dir}:\n{run.output}")

    def state_bytes(self):
        try:
            return os.path.getsize(os.path.join(self.dir, "terraform.tfstate"))
        except OSError:
            return 0

    def close(self):
        if self.emu:
            self.emu.close()

    # -------------------------------------------------------------- cycle

    def _calls(self):
        if not self.emu:
            return None, None
        calls = sum(self.emu.admin("GET", "calls").values())
        return calls, len(self.emu.admin("GET", "requests"))

    def _command(self, command, args, expect, record=True):
        before = self._calls()
        run = benchlib.terraform(args, self.dir, self.env)
        problem = expect(run)
        if problem:
            sys.exit(f"{self.name}: {command} ({' '.join(args)}): {problem}\n{run.output[-4000:]}")
        sample = {"seconds": run.seconds, "provider_peak_rss_kib": run.peak_kib or None,
                  "provider_peak_anon_kib": run.peak_anon_kib or None,
                  "provider_processes": run.providers,
                  "provider_cpu_seconds": run.provider_cpu if run.providers else None}
        if self.emu:
            after = self._calls()
            sample["api_calls"] = after[0] - before[0]
            log = self.emu.admin("GET", "requests")[before[1]:]
            sample["throttled_answers"] = sum(1 for r in log if r.get("status") == 429)
        sample["state_bytes"] = self.state_bytes()
        if record:
            self.samples[command].append(sample)

    def _applied(self, added, changed, destroyed):
        def check(run):
            if run.returncode != 0:
                return f"exit code {run.returncode}"
            m = APPLY_RE.search(run.output)
            got = tuple(int(x) for x in m.groups()) if m else None
            if got != (added, changed, destroyed):
                return f"expected {added} added, {changed} changed, {destroyed} destroyed; got {got}"
            return None
        return check

    def cycle(self, commands=COMMANDS):
        n = self.n
        apply = ["apply", "-auto-approve", "-input=false", "-no-color"]
        extra_create = 1 if self.config == "aws" else 0
        if self.config == "floor-plugin":
            self._plan_copy(commands)
            return
        if "create" in commands or not self.created:
            if self.emu:
                self.emu.admin("POST", "reset")
            for f in ("terraform.tfstate", "terraform.tfstate.backup"):
                try:
                    os.remove(os.path.join(self.dir, f))
                except FileNotFoundError:
                    pass
            self._command("create", apply, self._applied(n + extra_create, 0, 0),
                          record="create" in commands)
            self.created = True
            if self.config == "apigw":
                shutil.copyfile(os.path.join(self.dir, "terraform.tfstate"),
                                os.path.join(self.dir, STEADY_STATE))
        if "plan" in commands:
            self._steady_plan()
        if "rotate" not in commands:
            return
        # The rotated state is not the steady one the next repetition expects.
        self.created = False
        if self.config == "apigw":
            self.emu.admin("POST", "age", {"seconds": AGE_INTO_WINDOW})
            self._command("rotate", apply, self._applied(0, n, 0))
        else:
            expected = {"aws": (n, 1, n), "floor": (0, n, 0), "floor-bytes": (n, 0, n),
                        "floor-pem": (n, 0, n)}[self.config]
            self._command("rotate", apply + ["-var", "generation=2"], self._applied(*expected))

    def _steady_plan(self):
        def steady(run):
            return None if run.returncode == 0 else (
                "the steady plan is not empty" if run.returncode == 2 else f"exit code {run.returncode}")
        self._command("plan", ["plan", "-input=false", "-no-color", "-detailed-exitcode"], steady)

    def _plan_copy(self, commands):
        """floor-plugin: the apigw case's steady state (as its last create
        left it), planned with the plugin floor."""
        if "plan" not in commands:
            return
        steady = os.path.join(self.source.dir, STEADY_STATE)
        if not os.path.exists(steady):
            sys.exit(f"{self.name}: {self.source.name} has not created its state yet "
                     f"(BENCH_CASE_REPS gives it fewer repetitions than {self.name}?)")
        shutil.copyfile(steady, os.path.join(self.dir, "terraform.tfstate"))
        self._steady_plan()


# ------------------------------------------------------------------ probe

def probe(root, emulator_bin, env):
    """State bytes of one apigw instance (stable and in its overlap), the plan
    of one rotation, and the values a floor-bytes instance should carry."""
    d = os.path.join(root, "probe-apigw")
    os.makedirs(d)
    with benchlib.Emulator(emulator_bin, "--max-client-certificates", "20") as emu:
        with open(os.path.join(d, "main.tf"), "w") as f:
            f.write(TF_APIGW % {"url": emu.url, "n": 1})
        tf = lambda *a: benchlib.terraform(list(a), d, env)  # noqa: E731
        size = lambda: os.path.getsize(os.path.join(d, "terraform.tfstate"))  # noqa: E731
        for step in (["init", "-input=false", "-no-color"],
                     ["apply", "-auto-approve", "-input=false", "-no-color", "-var", "n=1"]):
            r = tf(*step)
            if r.returncode:
                sys.exit(f"probe: terraform {step[0]} failed:\n{r.output}")
        s1 = size()
        with open(os.path.join(d, "terraform.tfstate")) as f:
            instance = json.load(f)["resources"][0]["instances"][0]
        attributes = instance["attributes"]
        r = tf("apply", "-auto-approve", "-input=false", "-no-color", "-var", "n=2")
        if r.returncode:
            sys.exit(f"probe: terraform apply failed:\n{r.output}")
        s2 = size()
        emu.admin("POST", "age", {"seconds": AGE_INTO_WINDOW})
        r = tf("plan", "-input=false", "-no-color", "-var", "n=2")
        if r.returncode:
            sys.exit(f"probe: terraform plan failed:\n{r.output}")
        block = plan_block(r.output, "apigw_rotating_client_certificate.c[0]")
        r = tf("apply", "-auto-approve", "-input=false", "-no-color", "-var", "n=2")
        if r.returncode:
            sys.exit(f"probe: terraform apply failed:\n{r.output}")
        s2r = size()
    overhead = 2 * s1 - s2
    return {
        "apigw_state_bytes_per_instance_stable": s2 - s1,
        # The instance object without the state file's indentation.
        "apigw_instance_json_bytes_stable": len(json.dumps(instance, separators=(",", ":"))),
        "apigw_attributes_stable": len(attributes),
        "apigw_state_bytes_per_instance_overlap": (s2r - overhead) // 2,
        "apigw_rotation_plan_lines": len(block),
        "apigw_rotation_plan": block,
        "attributes": attributes,
    }


def plan_block(output, address):
    """The lines of one resource's change in `terraform plan` output."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(f"# {address} "):
            out = []
            for line2 in lines[i:]:
                out.append(line2)
                if line2.startswith("    }"):
                    return out
    return []


def floor_bytes_payload(root, attributes, target, env):
    """The apigw instance's values as strings, padded so that one
    terraform_data instance carries `target` state bytes."""
    payload = {k: v if isinstance(v, str) else json.dumps(v)
               for k, v in attributes.items() if v is not None}
    payload["pad"] = ""
    d = os.path.join(root, "probe-floor-bytes")
    os.makedirs(d)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(TF_FLOOR_BYTES % {"n": 1})

    def per_instance():
        with open(os.path.join(d, "payload.json"), "w") as f:
            json.dump(payload, f)
        sizes = []
        for n in (1, 2):
            r = benchlib.terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                                    "-var", f"n={n}"], d, env)
            if r.returncode:
                sys.exit(f"probe: terraform apply (floor-bytes) failed:\n{r.output}")
            sizes.append(os.path.getsize(os.path.join(d, "terraform.tfstate")))
        return sizes[1] - sizes[0]

    # Pad, or shorten the longest value (the PEMs), until the sizes match;
    # JSON escapes make one step inexact, so measure again.
    measured = per_instance()
    for _ in range(3):
        if measured == target:
            break
        if measured < target:
            payload["pad"] += "x" * (target - measured)
        else:
            longest = max((k for k in payload if k != "pad"), key=lambda k: len(payload[k]))
            payload[longest] = payload[longest][: max(0, len(payload[longest]) - (measured - target))]
        measured = per_instance()
    return payload, measured


# ------------------------------------------------------------------ table

def fmt_s(x):
    return "—" if x is None else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def fmt_ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.1f}×"


def summarize(cases):
    rows = []
    by = {(c.config, c.n, c.throttled): c for c in cases}
    keys = sorted({(c.n, c.throttled) for c in cases}, key=lambda k: (k[1], k[0]))
    for n, throttled in keys:
        for command in ("plan", "create", "rotate"):
            row = {"n": n, "throttled": throttled, "command": command}
            for config in CONFIGS:
                c = by.get((config, n, throttled))
                if not c or not c.samples[command]:
                    continue
                s = c.samples[command]
                entry = {"median_seconds": median([x["seconds"] for x in s]),
                         "samples": len(s),
                         "seconds": [round(x["seconds"], 3) for x in s],
                         "state_bytes": s[-1]["state_bytes"]}
                rss = [x["provider_peak_rss_kib"] for x in s if x["provider_peak_rss_kib"]]
                if rss:
                    entry["provider_peak_rss_kib"] = max(rss)
                anon = [x.get("provider_peak_anon_kib") for x in s if x.get("provider_peak_anon_kib")]
                if anon:
                    entry["provider_peak_anon_kib"] = max(anon)
                cpu = [x["provider_cpu_seconds"] for x in s if x["provider_cpu_seconds"] is not None]
                if cpu:
                    entry["provider_cpu_seconds"] = median(cpu)
                if "api_calls" in s[0]:
                    entry["api_calls"] = median([x["api_calls"] for x in s])
                    entry["throttled_answers"] = median([x["throttled_answers"] for x in s])
                row[config] = entry
            if any(c in row for c in CONFIGS):
                rows.append(row)
    return rows


def render(rows, meta, markdown=False):
    # The optional floors' columns only when they ran.
    extra = [c for c in ("floor-pem", "floor-plugin") if any(c in r for r in rows)]
    head = ["N", "command", "apigw s", "aws s", "floor s", "floor-bytes s",
            *(f"{c} s" for c in extra), "aws ÷ apigw",
            "apigw ÷ floor", "apigw ÷ floor-bytes", *(f"apigw ÷ {c}" for c in extra),
            "API calls apigw / aws",
            "peak RSS MiB apigw / aws", "of it anon MiB apigw / aws",
            "provider CPU s apigw / aws"]
    table = []
    for r in rows:
        t = lambda c: r.get(c, {}).get("median_seconds")  # noqa: E731

        def pair(key, f):
            vals = []
            for c in ("apigw", "aws"):
                v = r.get(c, {}).get(key)
                vals.append("—" if v is None else f(v))
            return " / ".join(vals)

        calls = pair("api_calls", lambda v: f"{v:g}")
        if r["throttled"]:
            calls += " (429s: " + pair("throttled_answers", lambda v: f"{v:g}") + ")"
        table.append([
            f"{r['n']}" + (" throttled" if r["throttled"] else ""), r["command"],
            fmt_s(t("apigw")), fmt_s(t("aws")), fmt_s(t("floor")), fmt_s(t("floor-bytes")),
            *(fmt_s(t(c)) for c in extra),
            fmt_ratio(t("aws"), t("apigw")), fmt_ratio(t("apigw"), t("floor")),
            fmt_ratio(t("apigw"), t("floor-bytes")),
            *(fmt_ratio(t("apigw"), t(c)) for c in extra), calls,
            pair("provider_peak_rss_kib", lambda v: f"{v / 1024:.1f}"),
            pair("provider_peak_anon_kib", lambda v: f"{v / 1024:.1f}"),
            pair("provider_cpu_seconds", fmt_s),
        ])
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in table]
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *table)]
        fmt = lambda row: "  ".join(  # noqa: E731
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(row) for row in table]
    return "\n".join(lines)


def samples_line(meta, cases):
    """How many samples each median has (cases run in fewer repetitions, or
    not yet in the current one, are listed)."""
    timed = meta.get("commands", COMMANDS)[0]  # every cycle times each of them once
    # The plugin floor times only plans.
    counts = {c.name: len(c.samples["plan" if c.config == "floor-plugin" else timed])
              for c in cases}
    most = max(counts.values(), default=0)
    fewer = [f"{name}: {k}" for name, k in counts.items() if k < most]
    return (f"samples per median: {most}"
            + (f", except {', '.join(fewer)}" if fewer else " for every case"))


def header(meta, cases):
    p = meta["probe"]
    load = meta["load"]
    return "\n".join([
        f"make bench: {meta['finished']}, {meta['repetitions']} of {meta['repetitions_planned']} "
        f"interleaved repetition(s) complete (each row: median of its samples, listed in the JSON)"
        f"{'; skipped: ' + ', '.join(meta['skipped']) if meta.get('skipped') else ''}, "
        f"medians{' (QUICK: not for the record)' if meta['quick'] else ''}",
        samples_line(meta, cases),
        f"load average (1/5/15 min): start {' '.join(map(str, load['start']))}, "
        f"end {' '.join(map(str, load['end']))}, highest 1-min seen {load['max_1m']}; "
        f"{os.cpu_count()} CPUs",
        f"provider binary: {meta['provider']['profile']} profile, "
        f"{meta['provider']['bytes'] / 2**20:.1f} MiB; {meta['terraform']}; "
        f"hashicorp/aws {AWS_VERSION}",
        *([f"commands timed: {', '.join(meta['commands'])} (each case created once, untimed; "
           f"every repetition on that state)"]
          if "create" not in meta.get("commands", COMMANDS) else []),
        f"state bytes per instance: apigw {p['apigw_state_bytes_per_instance_stable']} stable "
        f"({p['apigw_instance_json_bytes_stable']} as compact JSON, "
        f"{p['apigw_attributes_stable']} attributes), "
        f"{p['apigw_state_bytes_per_instance_overlap']} in overlap; floor-bytes "
        f"{meta['floor_bytes_per_instance']}; one rotation's plan: "
        f"{p['apigw_rotation_plan_lines']} lines",
    ])


# ------------------------------------------------------------------- main

def installed_provider(mirror):
    """The certops/apigw binary in a filesystem mirror, or None."""
    for dirpath, _, files in os.walk(os.path.join(mirror, "registry.terraform.io/certops/apigw")):
        for f in files:
            if f.startswith("terraform-provider-apigw"):
                return os.path.join(dirpath, f)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulator", required=True, help="the apigw-emulator binary")
    ap.add_argument("--mirror", required=True, help="filesystem mirror holding certops/apigw")
    ap.add_argument("--provider-profile", default="release", help="cargo profile of the installed binary")
    ap.add_argument("--out", required=True, help="directory for the JSON and Markdown results")
    ap.add_argument("--plugin-floor-mirror", default=None,
                    help="filesystem mirror holding the plugin floor as certops/apigw "
                         "(for the floor-plugin configuration)")
    args = ap.parse_args()

    quick = os.environ.get("BENCH_QUICK") == "1"
    ns = env_list("BENCH_N", [10] if quick else [10, 60, 100, 1000])
    throttled_ns = env_list("BENCH_THROTTLED_N", [10] if quick else [60, 100])
    reps = int(os.environ.get("BENCH_REPS", "1" if quick else "5"))
    configs = [c for c in os.environ.get("BENCH_CONFIGS", ",".join(CONFIGS)).split(",") if c]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        sys.exit(f"BENCH_CONFIGS: unknown {sorted(unknown)}; expected a subset of {','.join(CONFIGS)}")
    commands = [c for c in os.environ.get("BENCH_COMMANDS", ",".join(COMMANDS)).split(",") if c]
    unknown = set(commands) - set(COMMANDS)
    if unknown or not commands:
        sys.exit(f"BENCH_COMMANDS: {sorted(unknown) or 'empty'}; expected a subset of "
                 f"{','.join(COMMANDS)}")
    # A misspelt case name would silently run (or skip) a case for an hour.
    names = [case_name(*cell) for cell in matrix(ns, throttled_ns, configs)]
    skip = set(filter(None, (x.strip() for x in os.environ.get("BENCH_SKIP", "").split(","))))
    if skip - set(names):
        sys.exit(f"BENCH_SKIP: no case named {', '.join(sorted(skip - set(names)))} in this "
                 f"matrix; its cases: {', '.join(names)}")
    case_reps = {}
    for item in filter(None, os.environ.get("BENCH_CASE_REPS", "").split(",")):
        key, _, value = item.partition("=")
        key = key.strip()
        if not value.strip().isdigit():
            sys.exit(f"BENCH_CASE_REPS: {item!r} is not NAME=COUNT (e.g. aws=1,apigw-1000=3)")
        if key not in names and key not in configs:
            sys.exit(f"BENCH_CASE_REPS: {key!r} is neither a configuration ({', '.join(configs)}) "
                     f"nor a case of this matrix ({', '.join(names)})")
        case_reps[key] = int(value)
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH (Terraform 1.11 is tested)")
    aws_mirror = os.environ.get("APIGW_AWS_PROVIDER_MIRROR", "/opt/tf-plugins")
    aws_dir = os.path.join(aws_mirror, "registry.terraform.io/hashicorp/aws", AWS_VERSION)
    if "aws" in configs and not os.path.isdir(aws_dir):
        sys.exit(f"{aws_dir} does not exist: set APIGW_AWS_PROVIDER_MIRROR to the filesystem "
                 f"mirror holding hashicorp/aws {AWS_VERSION}, or leave aws out of BENCH_CONFIGS")
    provider_bin = installed_provider(args.mirror)
    if provider_bin is None:
        sys.exit(f"no terraform-provider-apigw in {args.mirror} (run: make install, or make install-dev for BENCH_PROFILE=dev)")
    if "floor-plugin" in configs:
        if "apigw" not in configs:
            sys.exit("BENCH_CONFIGS: floor-plugin plans the apigw case's state; add apigw")
        if not args.plugin_floor_mirror or not installed_provider(args.plugin_floor_mirror):
            sys.exit(f"no plugin floor in {args.plugin_floor_mirror} (make bench installs it; "
                     "or leave floor-plugin out of BENCH_CONFIGS)")

    os.makedirs(args.out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="work-", dir=args.out)
    env = benchlib.terraform_env(benchlib.write_cli_config(
        os.path.join(root, "terraformrc"),
        {"certops/apigw": args.mirror, "hashicorp/aws": aws_mirror}))
    floor_env = None
    if "floor-plugin" in configs:
        floor_env = benchlib.terraform_env(benchlib.write_cli_config(
            os.path.join(root, "terraformrc-plugin-floor"),
            {"certops/apigw": args.plugin_floor_mirror}))
    started = datetime.datetime.now(datetime.timezone.utc)
    load = {"start": benchlib.loadavg()}
    max_1m = load["start"][0]
    cases = []
    meta = {"started": started.isoformat(timespec="seconds"), "quick": quick,
            "repetitions": reps, "n": ns, "throttled_n": throttled_ns, "configs": configs,
            "commands": commands,
            "throttle": THROTTLE,
            "provider": {"binary": provider_bin, "profile": args.provider_profile,
                         "bytes": os.path.getsize(provider_bin)},
            "terraform": subprocess.run(["terraform", "version"], capture_output=True,
                                        text=True).stdout.splitlines()[0]}
    try:
        print(f"bench: probing one apigw instance ({started:%H:%M:%S} UTC)", file=sys.stderr)
        p = probe(root, args.emulator, env)
        meta["probe"] = {k: v for k, v in p.items() if k != "attributes"}
        payload = None
        if "floor-bytes" in configs:
            payload, meta["floor_bytes_per_instance"] = floor_bytes_payload(
                root, p["attributes"], p["apigw_state_bytes_per_instance_stable"], env)
        else:
            meta["floor_bytes_per_instance"] = None
        pem_payload = {"trusted_pem_bundle": p["attributes"]["trusted_pem_bundle"]}
        meta["skipped"] = sorted(skip)
        meta["case_repetitions"] = case_reps
        cases += [Case(root, config, n, throttled, args.emulator, env)
                  for config, n, throttled in matrix(ns, throttled_ns, configs)
                  if case_name(config, n, throttled) not in skip]
        by = {(c.config, c.n, c.throttled): c for c in cases}
        for c in cases:
            c.reps = case_reps.get(c.name, case_reps.get(c.config))
            if c.config == "floor-plugin":
                c.env = floor_env
                c.source = by.get(("apigw", c.n, c.throttled))
                if c.source is None:
                    sys.exit(f"{c.name} plans the state of apigw-{c.n}, which BENCH_SKIP leaves out")
        for c in cases:
            if payload is not None and c.config == "floor-bytes":
                c.write_payload(payload)
            if c.config == "floor-pem":
                c.write_payload(pem_payload)
            c.init()
        stamp = started.strftime("%Y%m%dT%H%M%SZ") + ("-quick" if quick else "")

        def write(done):
            # After every repetition: a run stopped early still leaves a table.
            meta["repetitions"] = done
            meta["repetitions_planned"] = reps
            meta["load"] = dict(load, end=benchlib.loadavg(), max_1m=max_1m)
            meta["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds")
            rows = summarize(cases)
            for name in (f"bench-{stamp}.json", "latest.json"):
                with open(os.path.join(args.out, name), "w") as f:
                    json.dump({"meta": meta, "rows": rows}, f, indent=1)
            with open(os.path.join(args.out, "latest.md"), "w") as f:
                f.write(header(meta, cases) + "\n\n" + render(rows, meta, markdown=True) + "\n")
            return rows

        for rep in range(reps):
            for c in cases:
                if c.reps is not None and rep >= c.reps:
                    continue
                print(f"bench: repetition {rep + 1}/{reps}: {c.name} "
                      f"({datetime.datetime.now(datetime.timezone.utc):%H:%M:%S} UTC)",
                      file=sys.stderr)
                c.cycle(commands)
                max_1m = max(max_1m, benchlib.loadavg()[0])
                rows = write(rep)
            rows = write(rep + 1)
        print(header(meta, cases) + "\n\n" + render(rows, meta))
        print(f"\nwritten: {os.path.join(args.out, f'bench-{stamp}.json')} (and latest.json, latest.md)")
    finally:
        for c in cases:
            c.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
