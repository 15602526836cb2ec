#!/usr/bin/env bash
# `make policy-screenshot`: renders `apigw-policy check --format html` for fixtures the
# real terraform wrote and photographs each page in headless Chromium (Debian's
# `chromium` package, installed when missing), to build/policy/*.png for the docs.
#
#   crates/policy/screenshot.sh [OUT_DIR]
#
# Each page is laid out once to measure its height (a copy with one line of script
# that writes the page's scrollHeight into its title, read back with --dump-dom; the
# report itself has no scripts) and then shot at that size, so nothing is cut off and
# no empty canvas is left below.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
out="${1:-$root/build/policy}"
mkdir -p "$out"

browser="$(command -v chromium || true)"
if [ -z "$browser" ]; then
  echo "policy-screenshot: installing Debian's chromium (apt-get install chromium)" >&2
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "policy-screenshot: chromium is missing and this user cannot install it; run as root: apt-get install -y --no-install-recommends chromium fonts-dejavu-core" >&2
      exit 1
    }
    sudo=sudo
  else
    sudo=
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  browser="$(command -v chromium)"
fi

cargo build --quiet -p apigw-policy --bin apigw-policy
policy="$CARGO_TARGET_DIR/debug/apigw-policy"
fixtures="$root/crates/policy/fixtures"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

shoot() { # fixture name, now file, output name
  local fixture="$1" now_file="$2" name="$3"
  local html="$out/$name.html" png="$out/$name.png"
  # Exit 1 means findings, which is what the page is meant to show.
  "$policy" check "$fixtures/$fixture" --now "$(cat "$fixtures/$now_file")" --format html > "$html" || [ $? -eq 1 ]
  local height
  sed 's|</body>|<script>document.title = "height=" + document.documentElement.scrollHeight;</script></body>|' \
    "$html" > "$profile/measure.html"
  height="$("$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
    --force-device-scale-factor=1 --window-size=1200,800 --dump-dom "file://$profile/measure.html" 2>/dev/null \
    | sed -n 's|.*<title>height=\([0-9]*\)</title>.*|\1|p' | head -1)"
  [ -n "$height" ] || { echo "policy-screenshot: chromium could not lay out $html" >&2; exit 1; }
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --force-device-scale-factor=1 \
    --window-size="1200,$height" --screenshot="$png" "file://$html" 2>/dev/null
  [ -s "$png" ] || { echo "policy-screenshot: chromium wrote no $png" >&2; exit 1; }
  echo "policy-screenshot: $png (1200x$height, from fixtures/$fixture)"
}

shoot aws-provider-plan-big-bang.json aws-provider.now report-aws-provider-big-bang
shoot project-emulator-state-overlap.json project-emulator.now report-rotating-overlap
