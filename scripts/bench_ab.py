#!/usr/bin/env python3
"""Two provider builds on one state, interleaved: which plans faster.

    python3 scripts/bench_ab.py EMULATOR N BIN_A BIN_B [REPS]

Starts the emulator binary, creates N apigw_rotating_client_certificate with
BIN_A (client-side rate limit off, so that N = 1000 takes seconds, not
minutes), then runs the steady `terraform plan` REPS times (default 8) with
each binary in turn, A then B, on that same state. Each binary is handed to
Terraform through a `dev_overrides` CLI configuration, so neither needs a
mirror or `terraform init`. Prints, per binary, the median wall time, the
provider processes' CPU time and their peak RSS, and B's medians relative to
A's. The host's speed drifts over minutes; only binaries measured in one run
are compared. Asserts nothing about speed: it fails only when a plan is not
empty or a command fails.
"""
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

CONFIG = """terraform {
  required_providers {
    apigw = { source = "certops/apigw" }
  }
}

provider "apigw" {
  region         = "us-east-1"
  endpoint       = "%(url)s"
  rate_limit_rps = 0
}

resource "apigw_rotating_client_certificate" "c" {
  count = %(n)d
}
"""


def override_env(work, name, binary):
    """Terraform's environment with `binary` as certops/apigw, by dev_overrides."""
    d = os.path.join(work, "bin-" + name)
    os.makedirs(d)
    # The provider's process name is what the RSS and CPU sampler looks for.
    os.symlink(os.path.abspath(binary), os.path.join(d, "terraform-provider-apigw"))
    rc = os.path.join(work, f"terraformrc-{name}")
    with open(rc, "w") as f:
        f.write('provider_installation {\n  dev_overrides {\n'
                f'    "certops/apigw" = "{d}"\n  }}\n  direct {{}}\n}}\n')
    return benchlib.terraform_env(rc)


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    emulator, n, bins = sys.argv[1], int(sys.argv[2]), {"A": sys.argv[3], "B": sys.argv[4]}
    reps = int(sys.argv[5]) if len(sys.argv) == 6 else 8
    for name, b in bins.items():
        if not os.access(b, os.X_OK):
            sys.exit(f"{name}: {b} is not an executable provider binary")
    with tempfile.TemporaryDirectory(prefix="apigw-ab-") as work, \
            benchlib.Emulator(emulator, "--max-client-certificates", str(2 * n + 10)) as emu:
        envs = {name: override_env(work, name, b) for name, b in bins.items()}
        tf = os.path.join(work, "tf")
        os.makedirs(tf)
        with open(os.path.join(tf, "main.tf"), "w") as f:
            f.write(CONFIG % {"url": emu.url, "n": n})
        run = benchlib.terraform(["apply", "-auto-approve", "-input=false", "-no-color"], tf,
                                 envs["A"])
        if run.returncode != 0:
            sys.exit(f"creating {n} certificates with A failed:\n{run.output[-3000:]}")
        samples = {name: [] for name in bins}
        for rep in range(reps):
            for name in bins:
                run = benchlib.terraform(["plan", "-input=false", "-no-color",
                                          "-detailed-exitcode"], tf, envs[name])
                if run.returncode != 0:
                    sys.exit(f"{name}: the steady plan "
                             f"{'is not empty' if run.returncode == 2 else 'failed'}:\n"
                             f"{run.output[-3000:]}")
                samples[name].append(run)
            print(f"bench_ab: repetition {rep + 1}/{reps} done", file=sys.stderr)

    med = {name: {"plan s": statistics.median(r.seconds for r in runs),
                  "provider CPU s": statistics.median(r.provider_cpu for r in runs),
                  "peak RSS MiB": max(r.peak_kib for r in runs) / 1024}
           for name, runs in samples.items()}
    print(f"N = {n}, steady plan, {reps} interleaved repetitions, medians "
          f"(peak RSS: highest); load average now {benchlib.loadavg()}")
    print(f"{'':3} {'plan s':>8} {'provider CPU s':>15} {'peak RSS MiB':>13}  binary")
    for name in bins:
        m = med[name]
        print(f"{name:3} {m['plan s']:8.3f} {m['provider CPU s']:15.3f} "
              f"{m['peak RSS MiB']:13.1f}  {bins[name]}")
    print("B ÷ A " + ", ".join(f"{k} {med['B'][k] / med['A'][k]:.3f}" for k in med["A"]
                               if med["A"][k]))
    for name, runs in samples.items():
        print(f"{name} samples (s): " + ", ".join(f"{r.seconds:.2f}" for r in runs))


if __name__ == "__main__":
    main()
