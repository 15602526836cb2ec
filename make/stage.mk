# Example tests: `terraform test` in examples/quickstart, partner-trust-store
# and multi-stage against a spawned emulator (scripts/example-tests.sh).

.PHONY: example-tests

## example-tests: run the examples' .tftest.hcl files against the emulator
example-tests: install-dev
	APIGW_TERRAFORMRC="$(DEV_TERRAFORMRC)" scripts/example-tests.sh
