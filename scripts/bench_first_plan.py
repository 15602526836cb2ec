#!/usr/bin/env python3
"""Handshake-to-first-plan cost: what a `terraform plan` of one client
certificate costs with this provider, with the configure-time credential
check skipped, on, and guarded by allowed_account_ids, beside hashicorp/aws
managing the same certificate; and each provider's schema (the size and time
of `terraform providers schema -json`, which starts the provider and calls
GetProviderSchema).

Starts the emulator binary, applies one certificate per configuration, then
runs `terraform plan` RUNS times in each working directory (interleaved) and
counts the STS GetCallerIdentity calls the emulator answered. Needs
`make install-dev` and hashicorp/aws 5.100.0 in the filesystem mirror named by
APIGW_AWS_PROVIDER_MIRROR (default /opt/tf-plugins). Prints figures; asserts
nothing.

usage: bench_first_plan.py EMULATOR_BIN APIGW_MIRROR [RUNS]
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

AWS_VERSION = "5.100.0"

APIGW = """terraform {
  required_providers {
    apigw = { source = "certops/apigw" }
  }
}

provider "apigw" {
  region   = "us-east-1"
  endpoint = "%(url)s"
%(extra)s}

resource "apigw_rotating_client_certificate" "backend" {
  description = "bench"
}
"""

AWS = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%(version)s" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    apigateway = "%(url)s"
  }
}

resource "aws_api_gateway_client_certificate" "backend" {
  description = "bench"
}
"""

CONFIGS = [
    ("apigw, skip_credentials_validation = true", "apigw",
     "  skip_credentials_validation = true\n"),
    ("apigw, credentials validated (default)", "apigw", ""),
    ("apigw, allowed_account_ids", "apigw", '  allowed_account_ids = ["000000000000"]\n'),
    (f"hashicorp/aws {AWS_VERSION}, validation skipped", "aws", ""),
]


def run(args, cwd, env):
    start = time.perf_counter()
    p = subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True)
    took = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"terraform {' '.join(args)} failed in {cwd}:\n"
                 f"{p.stdout.decode()}\n{p.stderr.decode()}")
    return took, p.stdout


def main():
    emulator_bin, apigw_mirror = sys.argv[1], os.path.abspath(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    aws_mirror = os.environ.get("APIGW_AWS_PROVIDER_MIRROR", "/opt/tf-plugins")
    if not os.path.isdir(os.path.join(aws_mirror, "registry.terraform.io/hashicorp/aws",
                                      AWS_VERSION)):
        sys.exit(f"hashicorp/aws {AWS_VERSION} is not in the filesystem mirror {aws_mirror} "
                 "(set APIGW_AWS_PROVIDER_MIRROR)")
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH")
    tmp = tempfile.mkdtemp(prefix="bench-first-plan-")
    rc = os.path.join(tmp, "terraformrc")
    with open(rc, "w") as f:
        f.write(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{apigw_mirror}"\n'
            '    include = ["registry.terraform.io/certops/apigw"]\n  }\n'
            f'  filesystem_mirror {{\n    path    = "{aws_mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n')
    env = benchlib.terraform_env(rc)
    try:
        with benchlib.Emulator(emulator_bin) as emu:
            dirs = []
            for i, (name, kind, extra) in enumerate(CONFIGS):
                d = os.path.join(tmp, f"c{i}")
                os.makedirs(d)
                text = (APIGW % {"url": emu.url, "extra": extra} if kind == "apigw"
                        else AWS % {"url": emu.url, "version": AWS_VERSION})
                with open(os.path.join(d, "main.tf"), "w") as f:
                    f.write(text)
                run(["init", "-input=false", "-no-color"], d, env)
                run(["apply", "-auto-approve", "-input=false", "-no-color"], d, env)
                dirs.append(d)

            schema = {}
            for kind, d in (("apigw", dirs[0]), ("aws", dirs[-1])):
                took = []
                for _ in range(3):
                    t, out = run(["providers", "schema", "-json"], d, env)
                    took.append(t)
                schema[kind] = (len(out), statistics.median(took))

            times = {name: [] for name, _, _ in CONFIGS}
            sts = {name: 0 for name, _, _ in CONFIGS}
            for _ in range(runs):
                for (name, _, _), d in zip(CONFIGS, dirs):
                    before = emu.admin("GET", "calls").get("GetCallerIdentity", 0)
                    t, _ = run(["plan", "-input=false", "-no-color"], d, env)
                    times[name].append(t * 1000)
                    sts[name] += emu.admin("GET", "calls").get("GetCallerIdentity", 0) - before

        print(f"terraform providers schema -json (median of 3; starts the provider, "
              f"GetProviderSchema):")
        for kind, label in (("apigw", "apigw"), ("aws", f"hashicorp/aws {AWS_VERSION}")):
            size, took = schema[kind]
            print(f"  {label:<28} {size / 1e6:8.2f} MB  {took * 1000:8.0f} ms")
        print(f"\nterraform plan of one client certificate (refresh included), "
              f"median of {runs}; STS GetCallerIdentity calls per plan:")
        for name, _, _ in CONFIGS:
            t = times[name]
            print(f"  {name:<46} {statistics.median(t):7.0f} ms  "
                  f"(min {min(t):.0f}, max {max(t):.0f})  STS {sts[name] / runs:.0f}")
        print(f"\nload average: {benchlib.loadavg()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
