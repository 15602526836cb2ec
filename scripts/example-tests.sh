#!/usr/bin/env bash
# Runs the `terraform test` files of examples/quickstart, partner-trust-store,
# multi-stage and migrate-from-aws-provider against a freshly started
# emulator, each in a scratch copy of the example (so nothing is written into
# the repository), then stops the emulator. Called by `make test`; needs
# `make install-dev` first. migrate-from-aws-provider also needs hashicorp/aws
# 5.100.0 in a filesystem mirror: APIGW_AWS_PROVIDER_MIRROR (default
# /opt/tf-plugins), the directory holding registry.terraform.io/hashicorp/aws.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${CARGO_TARGET_DIR:=$ROOT/target}"
# shellcheck source=scripts/emulator-lib.sh
. "$ROOT/scripts/emulator-lib.sh"

need terraform "the example tests run the real terraform"
need python3
export TF_CLI_CONFIG_FILE="${APIGW_TERRAFORMRC:-$ROOT/build/dev/terraformrc}"
[ -f "$TF_CLI_CONFIG_FILE" ] || die "$TF_CLI_CONFIG_FILE missing (run: make install-dev)"
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

# This provider and hashicorp/aws, each from its filesystem mirror.
AWS_MIRROR=${APIGW_AWS_PROVIDER_MIRROR:-/opt/tf-plugins}
[ -d "$AWS_MIRROR/registry.terraform.io/hashicorp/aws/5.100.0" ] ||
    die "$AWS_MIRROR/registry.terraform.io/hashicorp/aws/5.100.0 is missing: examples/migrate-from-aws-provider needs hashicorp/aws 5.100.0 in a filesystem mirror (set APIGW_AWS_PROVIDER_MIRROR, or fill one with 'terraform providers mirror DIR')"
APIGW_MIRROR=$(sed -n 's/^ *path *= *"\(.*\)"$/\1/p' "$TF_CLI_CONFIG_FILE" | head -n 1)
cat >"$WORK/terraformrc-aws" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$APIGW_MIRROR"
    include = ["registry.terraform.io/certops/apigw"]
  }
  filesystem_mirror {
    path    = "$AWS_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
RC
TF_CLI_CONFIG_FILE="$WORK/terraformrc-aws" prepare migrate-from-aws-provider
TF_CLI_CONFIG_FILE="$WORK/terraformrc-aws" run_tests migrate-from-aws-provider

if [ ${#failed[@]} -gt 0 ]; then
    die "terraform test failed in: ${failed[*]}"
fi
echo "example-tests: all example tests passed"
