# dvcg: the two commands of the README are `make run` and `make test`.
SWIFT ?= swift

.PHONY: deps build test run bench clean

deps:
	scripts/install-deps

build: deps
	$(SWIFT) build

# One debug build, then every test (unit, numerical references, end-to-end runs of the binaries).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The main job: dvcgd on the default testbed (the paper's 10-VSP scenario, seed 1) with the shipped
# policy; ledger and control socket under state/. Ctrl-C stops it gracefully.
run: deps
	$(SWIFT) build -c release --product dvcgd
	.build/release/dvcgd --config etc/dvcgd.yaml

bench: deps
	$(SWIFT) build -c release --product dvcg
	.build/release/dvcg bench optimum

clean:
	rm -rf .build
