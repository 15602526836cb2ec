#!/usr/bin/env bash
# Scan benchmark (part of `make bench`): `apigw-policy scan` of one region holding 60
# client certificates (the quota) and 200 stages (40 REST APIs x 5 stages, each
# presenting one of the certificates), against the emulator binary. Reports the API
# calls the scan made (the emulator's count, retries included) and the wall time:
# once without throttling, once with the emulator throttling at AWS's documented
# 10 requests per second (burst 40) and the scan's default client-side limit.
#
# Then the remediation-time KPI (days from a replaced certificate's rotation window
# opening to the switch): from `apigw-policy check` on the fixtures the real terraform
# wrote (a state in its overlap, a rotation plan, the AWS provider's big-bang plan),
# and from the scan, where 5 of the 60 certificates are the older halves of
# provider-marked series whose stages already present the newer half (the older ones
# aged 340..360 days, so their default 60-day windows opened 35..55 days before the
# switch).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet -p apigw-policy -p apigw-emulator --bins
cargo build --quiet --example seed
policy="$CARGO_TARGET_DIR/debug/apigw-policy"
emulator="$CARGO_TARGET_DIR/debug/apigw-emulator"
seed="$CARGO_TARGET_DIR/debug/examples/seed"
admin="python3 $root/scripts/emulator-admin.py"

work="$(mktemp -d)"
emu_pid=""
cleanup() {
  if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$emulator" --listen 127.0.0.1:0 > "$work/emulator.out" 2> "$work/emulator.err" &
emu_pid=$!
url=""
for _ in $(seq 100); do
  url="$(sed -n 's/^apigw-emulator listening on //p' "$work/emulator.out" | head -1)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "bench-scan: emulator did not start: $(cat "$work/emulator.err")" >&2; exit 1; }

echo "scan bench: seeding 60 certificates and 200 stages in us-east-1" >&2
# 50 plain certificates, then 5 series of two (marked as the provider marks them).
certs=()
for i in $(seq 50); do
  certs+=("$($admin "$url" POST certificates "{\"description\": \"bench $i\", \"tags\": {\"owner\": \"team-$((i % 7))\"}}" --pick 'r["clientCertificateId"]')")
done
series_new=()
for i in $(seq 5); do
  for half in old new; do
    id="$($admin "$url" POST certificates "{\"description\": \"series $i\", \"tags\": {\"owner\": \"team-series\", \"terraform-provider-apigw:series\": \"series-$i\"}}" --pick 'r["clientCertificateId"]')"
    if [ "$half" = old ]; then
      $admin "$url" POST age "{\"seconds\": $(( (335 + 5 * i) * 86400 )), \"certificate_ids\": [\"$id\"]}" >/dev/null
    else
      series_new+=("$id")
    fi
  done
done
# 200 stages: the first 5 present the series' newer certificates, the others cycle
# over the plain ones. One `seed` run signs every call.
specs=()
n=0
for a in $(seq 40); do
  spec="bench-$a:"
  for s in $(seq 5); do
    if [ "$n" -lt 5 ]; then cert="${series_new[$n]}"; else cert="${certs[$((n % 50))]}"; fi
    spec+="s$s=$cert,"
    n=$((n + 1))
  done
  specs+=("${spec%,}")
done
"$seed" --endpoint "$url" --region us-east-1 "${specs[@]}" >/dev/null

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_API_GATEWAY
run() { # label, extra scan arguments
  local label="$1"; shift
  local before after start end
  before="$($admin "$url" GET calls --pick 'sum(r.values())')"
  start="$(date +%s.%N)"
  set +e
  "$policy" scan --endpoint "$url" --region us-east-1 --format json --quiet "$@" > "$work/report.json"
  local code=$?
  set -e
  end="$(date +%s.%N)"
  after="$($admin "$url" GET calls --pick 'sum(r.values())')"
  python3 - "$work/report.json" "$label" "$code" "$start" "$end" "$before" "$after" <<'PY'
import json, sys
path, label, code, start, end, before, after = sys.argv[1:8]
r = json.load(open(path))
region = r["kpi"]["regions"][0]
print(f"scan {label}: {region['certificates']} certificates, {region['stages']} stages, "
      f"{int(after) - int(before)} API calls, {float(end) - float(start):.2f} s wall, exit {code}")
PY
}
run "unthrottled (--rate-limit 0)" --rate-limit 0
$admin "$url" POST throttle '{"rps": 10, "burst": 40}' >/dev/null
run "emulator throttling 10 rps (burst 40), default limit"

echo
remediation() { # label, report.json
  python3 - "$1" "$2" <<'PY'
import json, sys
label, path = sys.argv[1:3]
k = json.load(open(path))["kpi"]
r = k["remediations"]
days = ", ".join(f"{x['days']:.1f}" for x in r)
mean = k["remediation_mean_days"]
print(f"remediation time, {label}: {len(r)} replaced certificate(s), "
      + (f"mean {mean:.1f} days ({days})" if r else "none shown"))
PY
}
"$policy" scan --endpoint "$url" --region us-east-1 --format json --quiet > "$work/report.json" || true
remediation "scan of the seeded region" "$work/report.json"
fixtures="$root/crates/policy/fixtures"
for f in project-emulator-state-overlap project-emulator-plan-rotation aws-provider-plan-big-bang; do
  case "$f" in aws-provider-*) at="$(cat "$fixtures/aws-provider.now")" ;; *) at="$(cat "$fixtures/project-emulator.now")" ;; esac
  "$policy" check "$fixtures/$f.json" --now "$at" --format json > "$work/report.json" || true
  remediation "check of fixtures/$f.json" "$work/report.json"
done
