# `make proof`: real nginx backends that verify the client certificate, steady
# traffic through the emulator's data plane, and three rotations (staged with
# verify, big bang with hashicorp/aws, a forgotten backend). Prints a table and
# writes build/proof/timeline.svg (scripts/proof/proof.py).

.PHONY: proof

APIGW_AWS_PROVIDER_MIRROR ?= /opt/tf-plugins
PROOF_ARGS = --emulator "$(CARGO_TARGET_DIR)/debug/apigw-emulator" --mirror "$(DEV_MIRROR)" \
  --aws-mirror "$(APIGW_AWS_PROVIDER_MIRROR)" --out build/proof

## proof: the three rotations under live traffic, a table and build/proof/timeline.svg
proof: install-dev
	python3 scripts/proof/proof.py $(PROOF_ARGS) --install-nginx --check

