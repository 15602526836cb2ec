# apigw-policy targets. Included by the GNUmakefile.

.PHONY: bench-policy

## bench-policy: time apigw-policy on a generated 10,000-resource plan beside checkov (CKV2_AWS_51)
bench-policy:
	crates/policy/bench.sh

bench-all: bench-policy

.PHONY: bench-scan

## bench-scan: apigw-policy scan of one region with 60 certificates and 200 stages (calls, wall time), then the remediation-time KPI from the scan and from check on the real fixtures
bench-scan:
	crates/policy/bench-scan.sh

bench: bench-scan

.PHONY: policy-screenshot

## policy-screenshot: the HTML report of real fixtures in headless Chromium, to build/policy/*.png (installs Debian's chromium when missing)
policy-screenshot:
	crates/policy/screenshot.sh
