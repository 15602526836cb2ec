#!/usr/bin/env bash
# Scan benchmark (part of `make bench`): `apigw-policy scan` of one region holding 60
# client certificates (the quota) and 200 stages (40 REST APIs x 5 stages, each
# presenting one of the certificates), against the emulator binary. Reports the API
# calls the scan made (the emulator's count, retries included) and the wall time:
# once without throttling, once with the emulator throttling at AWS's documented
# 10 requests per second (burst 40) and the scan's default client-side limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet -p apigw-policy -p apigw-emulator --bins
policy="$CARGO_TARGET_DIR/debug/apigw-policy"
emulator="$CARGO_TARGET_DIR/debug/apigw-emulator"
admin="python3 $root/scripts/emulator-admin.py"
signed="python3 $root/crates/policy/fixtures/signed_call.py"

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
certs=()
for i in $(seq 60); do
  certs+=("$($admin "$url" POST certificates "{\"description\": \"bench $i\", \"tags\": {\"owner\": \"team-$((i % 7))\"}}" --pick 'r["clientCertificateId"]')")
done
n=0
for a in $(seq 40); do
  read -r api dep < <($signed "$url" us-east-1 rest-api "bench-$a")
  for s in $(seq 5); do
    $signed "$url" us-east-1 stage "$api" "$dep" "s$s" "${certs[$((n % 60))]}"
    n=$((n + 1))
  done
done

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
