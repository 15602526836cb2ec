#!/usr/bin/env bash
# `make demo`: the whole rotation story of examples/quickstart, on the local
# emulator, printing every plan a person would read:
#
#   0. a legacy certificate made outside Terraform (the inventory check)
#   1. apply: a certificate, the backend's trust store, the stage attachment
#   2. age the certificate 310 days (emulator time travel): inside the window
#   3. plan: rotation + overlap, with the provider's warning
#   4. apply: the trust store holds both certificates before the stage switches
#   5. wait out the (short) overlap
#   6. plan: retirement of the previous certificate; apply
#
# Runs offline: the provider comes from the dev build's filesystem mirror
# (`make install-dev`, or APIGW_TERRAFORMRC names another CLI configuration),
# the trust store is a file written by Terraform built-ins. Leaves nothing
# running: the emulator is stopped by PID on exit, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$ROOT/target}"
# shellcheck source=scripts/emulator-lib.sh
. "$ROOT/scripts/emulator-lib.sh"

OVERLAP="${DEMO_OVERLAP:-20s}"
[[ "$OVERLAP" =~ ^[0-9]+s$ ]] || die "DEMO_OVERLAP=$OVERLAP: expected whole seconds such as 60s"
OVERLAP_SECS="${OVERLAP%s}"
AGE_DAYS=310

need terraform "install Terraform >= 1.8"
need python3
export TF_CLI_CONFIG_FILE="${APIGW_TERRAFORMRC:-$ROOT/build/dev/terraformrc}"
[ -f "$TF_CLI_CONFIG_FILE" ] || die "$TF_CLI_CONFIG_FILE missing (run: make install-dev)"
export TF_IN_AUTOMATION=1
[ -x "$SEED_BIN" ] || die "$SEED_BIN not built (run: make build)"

WORK=$(mktemp -d)
cleanup() {
    stop_emulator
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        echo "demo: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s==> %s%s\n\n' "$bold" "$*" "$plain"; }
tf() { terraform -chdir="$WORK/quickstart" "$@"; }
certs_in() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" || true; }
emulator_cert_ids() { emulator_admin GET state --pick '", ".join(c["clientCertificateId"] for c in r["clientCertificates"])'; }

step "Starting the API Gateway emulator (state file: $WORK/emulator-state.json)"
start_emulator "$WORK/emulator.log" --state-file "$WORK/emulator-state.json"
echo "emulator listening on $EMULATOR_URL (pid $EMULATOR_PID)"

step "Creating REST API 'orders' with stage 'prod' (REST APIs are not managed by this provider)"
REST_API_ID=$(seed_one orders prod)
[ -n "$REST_API_ID" ] || die "seeding the REST API failed"
echo "rest_api_id = $REST_API_ID"

step "Creating a legacy certificate outside Terraform (the plan's inventory check watches it too)"
LEGACY_ID=$(emulator_admin POST certificates '{"description": "legacy: hand-made for the billing backend"}' --pick 'r["clientCertificateId"]')
echo "legacy certificate: $LEGACY_ID"

mkdir -p "$WORK/quickstart"
cp "$ROOT"/examples/quickstart/*.tf "$WORK/quickstart/"
TRUST="$WORK/backend-trust-store.pem"
cat >"$WORK/quickstart/terraform.tfvars" <<VARS
endpoint         = "$EMULATOR_URL"
rest_api_id      = "$REST_API_ID"
stage_name       = "prod"
overlap          = "$OVERLAP"
trust_store_path = "$TRUST"
VARS
echo "examples/quickstart copied to $WORK/quickstart, with:"
cat "$WORK/quickstart/terraform.tfvars"

step "terraform init (offline, from the filesystem mirror)"
tf init -input=false >"$WORK/init.log" 2>&1 || {
    cat "$WORK/init.log" >&2
    die "terraform init failed"
}
grep -i 'certops/apigw' "$WORK/init.log" || true

step "1. terraform apply: certificate, backend trust store, stage attachment"
tf apply -input=false -auto-approve
FIRST_ID=$(tf output -raw current_certificate_id)
echo
echo "The stage presents $FIRST_ID; the backend trusts $(certs_in "$TRUST") certificate(s) in $TRUST."

step "2. terraform plan with nothing due: no changes, no warning"
tf plan -input=false -detailed-exitcode || die "expected an empty plan right after the first apply"

step "3. Time travel: the emulator ages every certificate by $AGE_DAYS days (inside the 60d window)"
emulator_admin POST age "{\"seconds\": $((AGE_DAYS * 86400))}" >/dev/null
cat <<'NOTE'
The emulator re-issues each certificate with dates 310 days earlier, so the
next refresh reports the new dates and PEM as "changed outside of Terraform".
That note is an artefact of time travel: in AWS, only the calendar moves.
NOTE

step "4. terraform plan: rotate now, keep the old certificate trusted for $OVERLAP"
tf plan -input=false -out="$WORK/rotate.tfplan"

step "5. terraform apply (the saved plan): trust first, then switch"
tf apply -input=false "$WORK/rotate.tfplan"
NEW_ID=$(tf output -raw current_certificate_id)
PREV_ID=$(tf output -raw previous_certificate_id)
[ "$PREV_ID" = "$FIRST_ID" ] || die "expected $FIRST_ID to be the previous certificate, got $PREV_ID"
[ "$NEW_ID" != "$FIRST_ID" ] || die "the certificate did not rotate"
N=$(certs_in "$TRUST")
[ "$N" = 2 ] || die "expected the trust store to hold 2 certificates during the overlap, it holds $N"

# Prove the order from what happened, not from the configuration: the trust
# store file's modification time against the emulator's log of the stage switch.
TRUST_MS=$(($(stat -c %.3Y "$TRUST" | tr -d .)))
SWITCH_MS=$(emulator_admin GET requests --pick 'next((q["time_ms"] for q in reversed(r) if q["operation"] == "UpdateStage"), None)')
[ -n "$SWITCH_MS" ] || die "the emulator logged no UpdateStage request"
echo
echo "trust store written   : $(date -u -d "@$((TRUST_MS / 1000))" +%T).$(printf '%03d' $((TRUST_MS % 1000))) UTC, holding $N certificates ($PREV_ID and $NEW_ID)"
echo "stage switched (UpdateStage in the emulator's request log): $(date -u -d "@$((SWITCH_MS / 1000))" +%T).$(printf '%03d' $((SWITCH_MS % 1000))) UTC -> $NEW_ID"
[ "$TRUST_MS" -le "$SWITCH_MS" ] || die "the stage switched before the backend trusted the new certificate"
echo "=> the backend trusted the new certificate $((SWITCH_MS - TRUST_MS)) ms before the stage presented it."

step "6. terraform plan during the overlap: nothing to do yet (the inventory check warns about the legacy certificate $LEGACY_ID)"
tf plan -input=false -detailed-exitcode || die "expected an empty plan during the overlap"

step "7. Waiting out the $OVERLAP overlap (in production: days, while backends soak)"
sleep $((OVERLAP_SECS + 2))

step "8. terraform plan: retire the previous certificate $PREV_ID"
tf plan -input=false -out="$WORK/retire.tfplan"

step "9. terraform apply: retirement"
tf apply -input=false "$WORK/retire.tfplan"
[ "$(tf output -raw previous_certificate_id 2>/dev/null || true)" = "" ] || die "the previous certificate is still recorded"
echo
echo "Certificates left in API Gateway: $(emulator_cert_ids) (managed: $NEW_ID; legacy, outside Terraform: $LEGACY_ID)"
echo "The backend trusts $(certs_in "$TRUST") certificate(s); the stage presents $NEW_ID."

step "Done: rotated with a visible overlap, no big bang. Stopping the emulator."
