#!/usr/bin/env python3
"""`terraform plan` time with the certificate-inventory check against the same
configuration without it, and the provider's peak RSS during real plans.

Starts the emulator binary, creates certificates and ages them into the
rotation window, then runs `terraform plan` several times in two working
directories (same provider configuration; one adds the `check` block over
`apigw_client_certificates`). Needs `make install-dev` (the filesystem mirror and
CLI config) and `terraform` on PATH. Prints figures; asserts nothing.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

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


def plan_times(workdir, env, runs):
    times, peak = [], 0
    for _ in range(runs):
        run = benchlib.terraform(["plan", "-input=false", "-no-color"], workdir, env)
        times.append(run.seconds * 1000)
        peak = max(peak, run.peak_kib)
        if run.returncode != 0:
            sys.exit(f"terraform plan failed in {workdir}:\n{run.output}")
    return times, run.output, peak


def main():
    emulator_bin, terraformrc = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    certs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH")
    tmp = tempfile.mkdtemp(prefix="bench-plan-")
    try:
        with benchlib.Emulator(emulator_bin, "--max-client-certificates", str(certs + 10)) as emu:
            for i in range(certs):
                emu.admin("POST", "certificates", {"description": f"bench-{i}"})
            emu.admin("POST", "age", {"seconds": 310 * 86400})

            env = benchlib.terraform_env(terraformrc)
            dirs = {}
            for name, extra in (("without", ""), ("with", CHECK)):
                d = os.path.join(tmp, name)
                os.makedirs(d)
                with open(os.path.join(d, "main.tf"), "w") as f:
                    f.write(PROVIDER % emu.url + extra)
                subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=d, env=env,
                               check=True, capture_output=True)
                dirs[name] = d

            without, _, peak1 = plan_times(dirs["without"], env, runs)
            with_check, output, peak2 = plan_times(dirs["with"], env, runs)
        warned = output.count("bench-") > 0 or "due:" in output

        print(f"terraform plan ({runs} runs each, {certs} certificates in the window):")
        print(f"  without the check block     median {statistics.median(without):.0f} ms  min {min(without):.0f} ms")
        print(f"  with the check block        median {statistics.median(with_check):.0f} ms  min {min(with_check):.0f} ms"
              f"  (warning shown: {'yes' if warned else 'NO'})")
        print(f"  provider peak RSS in plans  {max(peak1, peak2) / 1024:.1f} MiB  (target <= 30 MiB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
