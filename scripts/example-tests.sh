#!/usr/bin/env bash
# Runs the `terraform test` files of examples/quickstart, partner-trust-store
# and multi-stage against a freshly started emulator, each in a scratch copy
# of the example (so nothing is written into the repository), then stops the
# emulator. Called by `make test`; needs `make install` first.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$ROOT/target}"
# shellcheck source=scripts/emulator-lib.sh
. "$ROOT/scripts/emulator-lib.sh"

need terraform "the example tests run the real terraform"
need python3
export TF_CLI_CONFIG_FILE="$ROOT/build/terraformrc"
[ -f "$TF_CLI_CONFIG_FILE" ] || die "$TF_CLI_CONFIG_FILE missing (run: make install)"
export TF_IN_AUTOMATION=1

WORK=$(mktemp -d)
cleanup() {
    stop_emulator
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_emulator "$WORK/emulator.log"
echo "example-tests: emulator at $EMULATOR_URL"
export TF_VAR_endpoint="$EMULATOR_URL"

# prepare NAME -> copies examples/NAME to $WORK/NAME and runs terraform init
prepare() {
    mkdir -p "$WORK/$1"
    cp -R "$ROOT/examples/$1/." "$WORK/$1/"
    rm -rf "$WORK/$1/.terraform" "$WORK/$1/.terraform.lock.hcl" "$WORK/$1"/*.tfstate*
    terraform -chdir="$WORK/$1" init -input=false -no-color >"$WORK/$1.init.log" 2>&1 || {
        cat "$WORK/$1.init.log" >&2
        die "terraform init failed in examples/$1"
    }
}

failed=()
run_tests() {
    echo "example-tests: terraform test in examples/$1"
    if ! terraform -chdir="$WORK/$1" test -no-color; then
        failed+=("$1")
    fi
}

# Seeded in plain assignments, so that `set -e` stops on a failed seed.
prepare quickstart
api=$(seed_one quickstart-orders prod)
TF_VAR_rest_api_id=$api \
    TF_VAR_trust_store_path="$WORK/quickstart-trust.pem" \
    run_tests quickstart

prepare partner-trust-store
api=$(seed_one partner-payments prod)
TF_VAR_rest_api_id=$api \
    TF_VAR_published_bundle_path="$WORK/partner-bundle.pem" \
    run_tests partner-trust-store

prepare multi-stage
api_a=$(seed_one fleet-a prod,staging)
api_b=$(seed_one fleet-b prod)
TF_VAR_stages="{ a_prod = { rest_api_id = \"$api_a\", stage_name = \"prod\" }, a_staging = { rest_api_id = \"$api_a\", stage_name = \"staging\" }, b_prod = { rest_api_id = \"$api_b\", stage_name = \"prod\" } }" \
    TF_VAR_trust_store_path="$WORK/fleet-trust.pem" \
    run_tests multi-stage

if [ ${#failed[@]} -gt 0 ]; then
    die "terraform test failed in: ${failed[*]}"
fi
echo "example-tests: all example tests passed"
