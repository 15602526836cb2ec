# Documentation targets: docs/ is generated from the provider's schema
# descriptions, examples/ and templates/ (tools/docgen/). Included by the
# GNUmakefile; usable alone with `make -f make/docs.mk generate`.

CARGO ?= cargo
DOCGEN = $(CARGO) run --quiet --example docgen --
# The policy CLI documents its own rules once it has a binary.
POLICY_RULES_CMD = $(if $(wildcard crates/policy/src/main.rs crates/policy/src/bin),$(CARGO) run --quiet -p apigw-policy -- rules --markdown)

.PHONY: generate docs-check

## generate: regenerate docs/ from schemas, templates/ and examples/
generate:
	$(DOCGEN) --root . --out docs
	mkdir -p docs/guides && cp templates/guides/*.md docs/guides/
ifneq ($(POLICY_RULES_CMD),)
	$(POLICY_RULES_CMD) > docs/policy-rules.md.tmp && mv docs/policy-rules.md.tmp docs/policy-rules.md
endif

## docs-check: fail when docs/ differs from what `make generate` would write
docs-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp" "$$tmp.diff"' EXIT && \
	$(DOCGEN) --root . --out "$$tmp" && \
	mkdir -p "$$tmp/guides" && cp templates/guides/*.md "$$tmp/guides/" && \
	$(if $(POLICY_RULES_CMD),$(POLICY_RULES_CMD) > "$$tmp/policy-rules.md" &&) \
	if ! diff -ru docs "$$tmp" > "$$tmp.diff" 2>&1; then \
		cat "$$tmp.diff" >&2; rm -f "$$tmp.diff"; \
		echo "docs-check: docs/ is stale (diff above: docs/ vs freshly generated)." >&2; \
		echo "docs-check: run 'make generate' and commit docs/." >&2; \
		exit 1; \
	fi; rm -f "$$tmp.diff"; echo "docs-check: docs/ is up to date"
