# apigw-policy targets. Included by the GNUmakefile.

.PHONY: bench-policy

## bench-policy: time apigw-policy on a generated 10,000-resource plan beside checkov (CKV2_AWS_51)
bench-policy:
	crates/policy/bench.sh

bench-all: bench-policy

.PHONY: bench-scan

## bench-scan: apigw-policy scan of one region with 60 certificates and 200 stages (calls, wall time)
bench-scan:
	crates/policy/bench-scan.sh

bench: bench-scan
