# Shared by demo.sh and example-tests.sh (sourced, not run): start the
# emulator binary in the background, stop it by PID on exit (also on failure
# or Ctrl-C), seed REST APIs through the AWS API.
#
# Expects ROOT and CARGO_TARGET_DIR; sets EMULATOR_URL and EMULATOR_PID.

EMULATOR_BIN="$CARGO_TARGET_DIR/debug/apigw-emulator"
SEED_BIN="$CARGO_TARGET_DIR/debug/examples/seed"
EMULATOR_PID=""
EMULATOR_URL=""

export CHECKPOINT_DISABLE=1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
# Nothing from the caller's AWS or Terraform setup may leak into a run against
# the emulator: working directories, workspaces and arguments stay our own.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_API_GATEWAY
unset TF_DATA_DIR TF_WORKSPACE TF_PLUGIN_CACHE_DIR TF_CLI_ARGS TF_CLI_ARGS_init \
    TF_CLI_ARGS_plan TF_CLI_ARGS_apply TF_CLI_ARGS_test TF_CLI_ARGS_destroy

die() {
    echo "error: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required but not on PATH${2:+ ($2)}"
}

stop_emulator() {
    if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    EMULATOR_PID=""
}

# start_emulator LOGFILE [extra emulator args...]
start_emulator() {
    local log="$1"
    shift
    [ -x "$EMULATOR_BIN" ] || die "$EMULATOR_BIN not built (run: make build)"
    "$EMULATOR_BIN" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    EMULATOR_PID=$!
    local i line
    for i in $(seq 1 100); do
        line=$(head -n 1 "$log" 2>/dev/null || true)
        case "$line" in
        "apigw-emulator listening on "*)
            EMULATOR_URL="${line#apigw-emulator listening on }"
            return 0
            ;;
        esac
        kill -0 "$EMULATOR_PID" 2>/dev/null || {
            cat "$log" >&2
            die "the emulator exited during start-up"
        }
        sleep 0.1
    done
    cat "$log" >&2
    die "the emulator did not report its address within 10 s"
}

# seed NAME:STAGE[,STAGE...]... -> prints "NAME ID" lines
seed() {
    [ -x "$SEED_BIN" ] || die "$SEED_BIN not built (run: cargo build --example seed)"
    "$SEED_BIN" --endpoint "$EMULATOR_URL" --region "$AWS_REGION" "$@"
}

# seed_one NAME STAGES -> prints the REST API ID
seed_one() {
    seed "$1:$2" | awk -v n="$1" '$1 == n { print $2 }'
}

emulator_admin() { # METHOD PATH [JSON] [--pick PYTHON-EXPR over the reply `r`]
    python3 "$ROOT/scripts/emulator-admin.py" "$EMULATOR_URL" "$@"
}
