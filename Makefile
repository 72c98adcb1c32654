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

# The main job. Until dvcgd lands (issue 5) it solves the default testbed (the paper's 10-VSP
# scenario, seed 1) exactly and prints the optimum every policy is measured against.
run: deps
	$(SWIFT) build -c release --product dvcg
	.build/release/dvcg instance --vsps 10 --seed 1 --out .build/testbed-instance.json
	.build/release/dvcg optimum --instance .build/testbed-instance.json

bench: deps
	$(SWIFT) build -c release --product dvcg
	.build/release/dvcg bench optimum

clean:
	rm -rf .build
