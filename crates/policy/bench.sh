#!/usr/bin/env bash
# Policy benchmark (part of `make bench`): the time apigw-policy takes to check a
# generated 10,000-resource plan, and, on the same file in the same run, checkov
# running only its API Gateway client-certificate check (CKV2_AWS_51, "Ensure AWS API
# Gateway endpoints uses client certificate authentication"). Targets: apigw-policy
# <= 0.5 s and >= 20x faster than checkov.
#
# checkov comes from PyPI into a virtualenv under build/ (installed once, reused).
# Both tools are timed as whole processes; wall time is the median of the runs and
# CPU time (user + sys) is reported beside it, since wall time on a busy machine
# includes waiting for a core.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
out="$root/build/bench-policy"
venv="$root/build/checkov-venv"
checkov_version="${CHECKOV_VERSION:-3.3.30}"
resources="${BENCH_RESOURCES:-10000}"
# checkov needs minutes for this plan, so it runs once unless asked otherwise.
checkov_runs="${BENCH_CHECKOV_RUNS:-1}"
now="2026-11-22T00:00:00Z"
mkdir -p "$out"

echo "policy bench: building apigw-policy (release)" >&2
cargo build --quiet --release -p apigw-policy --bin apigw-policy --example synth_plan
policy="$CARGO_TARGET_DIR/release/apigw-policy"
"$CARGO_TARGET_DIR/release/examples/synth_plan" "$resources" "$out/plan.json" "$now"

if [ ! -x "$venv/bin/checkov" ] || ! "$venv/bin/checkov" --version 2>/dev/null | grep -qx "$checkov_version"; then
  echo "policy bench: installing checkov $checkov_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$checkov_version"
fi
check_file="$venv/lib/python3*/site-packages/checkov/terraform/checks/graph_checks/aws/APIGatewayEndpointsUsesCertificateForAuthentication.json"
# shellcheck disable=SC2086
grep -q '"CKV2_AWS_51"' $check_file || { echo "policy bench: checkov has no CKV2_AWS_51" >&2; exit 1; }

# Keep checkov offline: no update check, no policy-metadata download.
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE

python3 - "$policy" "$venv/bin/checkov" "$out" "$now" "$resources" "$checkov_runs" <<'PY'
import json, os, resource, statistics, subprocess, sys, time

policy, checkov, out, now, resources, checkov_runs = sys.argv[1:7]
checkov_runs = int(checkov_runs)
plan = os.path.join(out, "plan.json")

def timed(cmd, stdout_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdout_path, "wb") as f:
        code = subprocess.run(cmd, stdout=f, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, wall, cpu

def bench(cmd, runs, stdout_path, ok_codes):
    walls, cpus = [], []
    for _ in range(runs):
        code, wall, cpu = timed(cmd, stdout_path)
        if code not in ok_codes:
            sys.exit(f"policy bench: {cmd[0]} exited {code}")
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)

pol_json = os.path.join(out, "apigw-policy.json")
ck_json = os.path.join(out, "checkov.json")
pol_cmd = [policy, "check", plan, "--now", now, "--format", "json"]
ck_cmd = [checkov, "-f", plan, "--framework", "terraform_plan", "--check", "CKV2_AWS_51",
          "--quiet", "--compact", "-o", "json", "--skip-download"]

bench(pol_cmd, 1, pol_json, (0, 1))  # warm the page cache
pol_wall, pol_cpu = bench(pol_cmd, 11, pol_json, (0, 1))
print(f"policy bench: running checkov ({checkov_runs} run(s), minutes each)", file=sys.stderr, flush=True)
ck_wall, ck_cpu = bench(ck_cmd, checkov_runs, ck_json, (0, 1))

report = json.load(open(pol_json))
ck = json.load(open(ck_json))
ck = ck[0] if isinstance(ck, list) else ck
s = ck.get("summary", {})
checked = s.get("passed", 0) + s.get("failed", 0)
if checked == 0:
    sys.exit("policy bench: checkov checked nothing; the comparison would be meaningless")

size = os.path.getsize(plan) / 1e6
print(f"policy bench: {resources} resources, {size:.1f} MB plan ({plan})")
print(f"  {'tool':<38} {'wall (median)':>14} {'cpu (median)':>13}  result")
print(f"  {'apigw-policy check (6 rules, 11 runs)':<38} {pol_wall:>12.3f} s {pol_cpu:>11.3f} s  "
      f"{report['summary']['total']} findings, {report['kpi']['certificates']} certificates")
print(f"  {f'checkov CKV2_AWS_51 only ({checkov_runs} run)':<38} {ck_wall:>12.3f} s {ck_cpu:>11.3f} s  "
      f"{checked} stages checked ({s.get('passed', 0)} passed, {s.get('failed', 0)} failed)")
wall_ratio, cpu_ratio = ck_wall / pol_wall, ck_cpu / pol_cpu
print(f"  apigw-policy is {wall_ratio:.0f}x faster (wall), {cpu_ratio:.0f}x (cpu)")
verdict = lambda ok: "met" if ok else "MISSED"
print(f"  targets: <= 0.5 s {verdict(pol_wall <= 0.5)} ({pol_wall:.3f} s); "
      f">= 20x {verdict(wall_ratio >= 20)} ({wall_ratio:.0f}x)")
PY
