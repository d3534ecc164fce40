# keystone-lite: the everyday commands. `make test` is what CI runs (.ci/run).
SEED ?= seed/demo.yaml
LISTEN ?= 127.0.0.1:5000
DATA_DIR ?= ./keystone-lite-data

.PHONY: run build release test test-rust test-clients test-huawei test-ops test-multinode test-packaging deb image soak bench bench-compare fuzz fmt lint clean

build:
	cargo build

release:
	cargo build --release

run: release
	./target/release/keystone-lite --seed $(SEED) --listen $(LISTEN) --data-dir $(DATA_DIR)

# Every test: unit and integration tests against the real binary, then the real OpenStack
# clients (openstack CLI, openstacksdk, keystoneauth1, keystonemiddleware, Fernet interop
# with upstream's formatter) and tempest's token/discovery/catalog tests.
test: test-rust test-clients test-huawei test-ops test-multinode test-packaging

test-rust:
	# A PostgreSQL server for tests/api/postgres.rs (skipped there, saying so, if this fails).
	-tests/postgres/install.sh
	cargo test --locked

test-clients: build
	tests/clients/run.sh

# Huawei Cloud IAM: the real huaweicloudsdkiam (pinned, from PyPI) against a server on
# seed/huawei.yaml, signing every way the SDK signs (AK/SK, temporary keys, tokens).
test-huawei: build
	tests/huawei/run.sh

# Migration from upstream: the real Keystone 30 (../shared/conformance/ref-keystone.sh)
# populated, its sqlite database and keys imported, its token validated here.
test-ops: build
	tests/ops/import_upstream.sh

# Several nodes (issue 15): PostgreSQL primary + streaming replica, three nodes behind HAProxy
# and an edge node on the replica (both from Debian, installed if missing): cross-node
# staleness, kill -9 under load, database restart, edge with its primary down, then
# tempest's identity suite at --concurrency 4 through the balancer.
test-multinode: build
	tests/multinode/run.sh

# Packages (packaging/): one static release build (glibc, +crt-static) for both. As root:
# the image's layer records a non-root owner, and the test installs and purges the .deb.
deb:
	packaging/build-deb.sh

image:
	packaging/build-image.sh

# Builds both, installs the .deb with dpkg and runs its unit's ExecStart as its user, runs the
# image's entrypoint chrooted in its root filesystem, a token from each; purges the .deb.
test-packaging:
	tests/packaging/run.sh

# Hostile HTTP clients against a fresh server per scenario (idle and stuck connections,
# oversized heads, HTTP/2.0 request lines, huge Content-Lengths, read timeouts): about a
# minute and thousands of sockets, so not in `make test`.
soak: build
	python3 tests/soak/http_abuse_probe.py

bench:
	tests/bench/bench.sh

# This tree against another commit (default the previous one), same run, alternating.
REV ?= HEAD~1
bench-compare:
	REV=$(REV) tests/bench/compare.sh

# The in-process fuzzing properties (src/fuzz.rs) with many more cases than `make test` runs.
FUZZ_CASES ?= 200000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release --lib fuzz -- --nocapture

fmt:
	cargo fmt

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

clean:
	cargo clean
