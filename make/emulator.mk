# apigw-emulator targets. Included by the GNUmakefile.

.PHONY: bench-emulator

## bench-emulator: GetClientCertificate loopback throughput (one SDK client, 10,000 calls)
bench-emulator:
	cargo bench -p apigw-emulator --bench throughput

bench-all: bench-emulator
