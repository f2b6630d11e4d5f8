# Every target installs what it needs through go.mod (tools.go pins the versions)
# or a module of its own under tools/: a fresh machine with Go 1.26 needs nothing else.
GO        ?= go
PKGS      := ./...
BIN       := $(CURDIR)/.bin
OAPI      := $(BIN)/oapi-codegen
STATICCHECK := $(BIN)/staticcheck
GORELEASER := $(BIN)/goreleaser
OASDIFF   := $(BIN)/oasdiff
APIDIFF   := $(BIN)/apidiff
ACTIONLINT := $(BIN)/actionlint
GEN_CONFIGS := oapi-codegen.yaml oapi-codegen.server.yaml
FUZZTIME  ?= 10s
HEARTBEAT := $(CURDIR)/tools/heartbeat.sh

# One way to compile for everything make runs, so that tools, vet, staticcheck,
# the demo and the release-build test share one build cache instead of compiling
# the standard library and the dependencies several times: -trimpath (as the
# release builds) and, except under -race (which needs cgo), no cgo.
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)
NOCGO     := CGO_ENABLED=0
# A -race binary sleeps 1 s at exit so that late race reports can print: each test package paid
# it. 50 ms, as the CLI's process tests give the CLI (goleak already fails a test that leaves
# goroutines running).
export GORACE := $(strip $(GORACE) atexit_sleep_ms=50)

.PHONY: all run generate check-generated fmt-check vet lint test test-gates test-go contract contract-live \
        bench bench-size cover test-bench-module fuzz fuzz-ci breaking breaking-selftest breaking-baseline api-baseline clean tools tools-main tools-breaking tools-actionlint \
        lint-ci-examples release-snapshot

all: test

## run: the CLI's demo, against the built-in simulator (no account needed); built by
## tools/build-cli.sh (the standard library compiles while the modules download), linked
## without symbols, as the release is
run:
	@echo "make run: building the CLI, then its demo against the built-in DRS simulator (a first build downloads and compiles the dependencies: 40–50 s on 2 cores)"
	@$(NOCGO) GO=$(GO) $(HEARTBEAT) "make run: building" tools/build-cli.sh $(BIN)/drs-precheck
	$(BIN)/drs-precheck demo

## tools: every tool make test runs, built from the pinned sources into .bin/
tools: tools-main tools-breaking tools-actionlint
tools-main: $(OAPI) $(STATICCHECK)
tools-breaking: $(OASDIFF) $(APIDIFF)
tools-actionlint: $(ACTIONLINT)

# One go command per module for its tools: each builds the dependencies they
# share (golang.org/x/tools, yaml, ...) once, at one version. -s -w: no symbol
# table or DWARF for tools no one debugs, less work for the linker.
TOOL_LDFLAGS := -ldflags='-s -w'
$(OAPI) $(STATICCHECK) &: go.mod go.sum
	$(NOCGO) $(GO) build $(TOOL_LDFLAGS) -o $(BIN)/ github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen honnef.co/go/tools/cmd/staticcheck

## generate: regenerate generated/ from openapi.yaml
generate:
	$(GO) generate ./generated/

## check-generated: fail when generated/ does not match openapi.yaml
check-generated: $(OAPI)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp go.mod "$$tmp/"; for cfg in $(GEN_CONFIGS); do (cd "$$tmp" && $(OAPI) -config "$(CURDIR)/$$cfg" "$(CURDIR)/openapi.yaml"); done; \
	if ! diff -ru -x go.mod -x generate.go -x '*_test.go' "$$tmp" generated/; then \
		echo "generated/ is stale: run 'make generate' (or go generate ./...) and commit the result"; exit 1; fi; \
	echo "generated/ matches openapi.yaml"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# vet and staticcheck read the export data of a -race build, the one test-go makes (make test
# runs them after it): the packages are compiled once for the three, not once more without -race.
vet:
	GOFLAGS="$(GOFLAGS) -race" $(GO) vet $(PKGS)

## lint: staticcheck, version pinned in go.mod
lint: $(STATICCHECK)
	GOFLAGS="$(GOFLAGS) -race" $(STATICCHECK) $(PKGS)

## test: everything CI checks, two gates at a time (CI has 2 cores), their lines shown as they
## come, a heartbeat line every 20 s, and each gate's wall and CPU time (tools/gate.sh)
test:
	@rm -f $(GATES_LOG); echo "make test: $$(nproc) cores, load $$(cut -d' ' -f1-3 /proc/loadavg)"
	@GATES_START=$$(date +%s.%N) GATES_LOG=$(GATES_LOG) $(HEARTBEAT) "make test" $(MAKE) --no-print-directory -j2 test-gates; \
	rc=$$?; echo "make test: the gates, in the order they ended:"; cat $(GATES_LOG) 2>/dev/null; exit $$rc

GATES_LOG := $(BIN)/gates.txt
# The gates in two lanes, each gate after the one before it in its lane, so that make -j2 keeps
# both cores busy in a known order (with a plain list, make skips a gate whose tool is still
# building and comes back to it only late). Lane 1: the race-enabled tests, the biggest build,
# then vet and staticcheck on that build, then the bench module's. Lane 2: each tool build right
# before the gates that use it, then the rest. Measured wall time per gate (docs/BENCHMARKS.md) balances the two.
LANE1 := test-go vet lint test-bench-module
LANE2 := tools-main check-generated tools-breaking breaking tools-actionlint lint-ci-examples \
	fmt-check fuzz-ci
GATES := $(LANE1) $(LANE2)
test-gates: $(addprefix gate-,$(GATES))
# gate-B: | gate-A for each gate B that follows A in its lane.
lane_order = $(if $(word 2,$(1)),$(eval gate-$(word 2,$(1)): | gate-$(word 1,$(1)))$(call lane_order,$(wordlist 2,$(words $(1)),$(1))))
$(call lane_order,$(LANE1))
$(call lane_order,$(LANE2))
# The tools a gate needs (built by the lane's tool gates, listed here too so that a gate never
# builds another's tools, whatever the order).
gate-lint gate-check-generated gate-test-bench-module: gate-tools-main
gate-breaking: gate-tools-breaking gate-tools-main
gate-lint-ci-examples: gate-tools-actionlint
# Each gate in a make of its own, under tools/gate.sh, which prints its time.
gate-%:
	@mkdir -p $(BIN); GATES_LOG=$(GATES_LOG) $(CURDIR)/tools/gate.sh $* $(MAKE) --no-print-directory $*

# fuzz-ci: the fuzzing engine briefly on every fuzz target, so that each keeps working under
# -fuzz; their seeds already ran as tests in test-go (with -race). A count, not a duration: Go
# 1.26's coordinator can fail a target with "context deadline exceeded" when a duration ends
# while a worker is busy (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_CI)
FUZZTIME_CI ?= 3000x

# -vet=off: the vet gate runs every analyzer of go vet on the same packages (go test's
# own vet is a subset of them), so the packages are not type-checked twice for it.
test-go:
	$(GO) test -race -count=1 -vet=off $(PKGS)

## contract: the contract tests alone
contract:
	$(GO) test -race -count=1 ./contract/... ./contract_test/...

## contract-live: call the real API (needs credentials, see README); records into contract_test/testdata
contract-live:
	DRS_CONTRACT_LIVE=1 $(GO) test -count=1 -v -run Live ./contract_test/

$(ACTIONLINT): tools/actionlint/go.mod tools/actionlint/go.sum
	cd tools/actionlint && $(NOCGO) $(GO) build $(TOOL_LDFLAGS) -o $@ github.com/rhysd/actionlint/cmd/actionlint

# The example workflows of docs/ci (the keyless one when it exists) and the action they use.
CI_WORKFLOWS = $(wildcard docs/ci/github-actions*.yml)

## lint-ci-examples: actionlint (pinned in tools/actionlint) on the example GitHub Actions workflows
## and on action.yml; the GitLab example is checked by a Go test (cmd/drs-precheck/ci_examples_test.go)
# shellcheck stays off (-shellcheck=): the project does not install it, and that Go test runs
# the examples' scripts with bash for every exit code. actionlint checks a workflow's use of a
# local action against its action.yml (inputs, required ones), so the examples are linted from
# a copy, in a git repository of its own (how actionlint finds ./), that calls ./ (this
# repository's action.yml) where users write drsclient/drs-precheck@vX.Y.Z.
lint-ci-examples: $(ACTIONLINT)
	@set -e; test -n "$(CI_WORKFLOWS)" || { echo "lint-ci-examples: no workflow in docs/ci"; exit 1; }; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git init -q "$$tmp"; mkdir -p "$$tmp/.github/workflows"; cp action.yml "$$tmp/"; \
	for f in $(CI_WORKFLOWS); do \
		sed 's|uses: drsclient/drs-precheck@.*|uses: ./|' "$$f" > "$$tmp/.github/workflows/$$(basename "$$f")"; done; \
	(cd "$$tmp" && $(ACTIONLINT) -shellcheck= -pyflakes= .github/workflows/*.yml) || { echo "lint-ci-examples: actionlint failed (on $(CI_WORKFLOWS) and action.yml)"; exit 1; }; \
	echo "lint-ci-examples: $(CI_WORKFLOWS) and action.yml pass actionlint"

# The contract clients were last built against and the breaks accepted since (with their
# reasons); the Go API's baseline and allowlist are in tools/breaking/goapi/.
BREAKING_BASELINE  := contract_test/testdata/openapi.baseline.yaml
# BASE=<git ref> compares with openapi.yaml of that ref instead of the baseline.
BASE      ?=

$(OASDIFF) $(APIDIFF) &: tools/breaking/go.mod tools/breaking/go.sum
	cd tools/breaking && $(NOCGO) $(GO) build $(TOOL_LDFLAGS) -o $(BIN)/ github.com/oasdiff/oasdiff golang.org/x/exp/cmd/apidiff

BREAKING = OASDIFF=$(OASDIFF) APIDIFF=$(APIDIFF) OAPI=$(OAPI) GEN_CONFIGS="$(GEN_CONFIGS)" tools/breaking.sh

## breaking: fail on breaking changes of openapi.yaml against the committed baseline (or BASE=<git ref>)
## and on incompatible changes of the Go API of generated/ and drs/ against tools/breaking/goapi/
## that their allowlists do not record; the lines to record are printed (tools/breaking.sh)
breaking: $(OASDIFF) $(APIDIFF) $(OAPI) breaking-selftest
	@set -e; if [ -n "$(BASE)" ]; then \
		tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml"; \
		$(BREAKING) openapi "$$tmp/base.yaml"; else $(BREAKING) openapi; fi
	@$(BREAKING) goapi

## api-baseline: make the current Go API of generated/ and drs/ the baseline of `make breaking` and
## empty its allowlist (when a release is cut, or when a branch whose API change was accepted lands)
api-baseline: $(APIDIFF)
	@$(BREAKING) goapi-baseline

## breaking-baseline: make the current openapi.yaml the baseline (when a release is cut; then empty the allowlist)
breaking-baseline:
	cp openapi.yaml $(BREAKING_BASELINE)

# breaking-selftest proves the gates can fail and that the lines they print, as an allowlist, let
# through exactly what they name: a removed request enum value, a removed optional response
# property, and the field of the generated Go type that it removes.
breaking-selftest: $(OASDIFF) $(APIDIFF) $(OAPI)
	@$(BREAKING) selftest

# Every native fuzz target of the main module, as dir:FuzzName, found in the sources.
FUZZ_TARGETS = $(shell git ls-files '*_test.go' | grep -v '^bench/' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed -E 's|^(.*)/[^/]*:func |./\1:|' | sort -u)

## fuzz: run every fuzz target for FUZZTIME (default 10s) each; seeds live in testdata/fuzz and f.Add
## (-vet=off: the vet gate checks these packages)
fuzz:
	@set -e; test -n "$(FUZZ_TARGETS)" || { echo "fuzz: no fuzz targets found"; exit 1; }; \
	for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -vet=off -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=100x $$pkg; done

COVER_DIR ?= /tmp/drs-cover

## cover: statement coverage per package, counting every test package's coverage of all packages
## and the CLI's process tests (a coverage build of the CLI writes its counters too)
cover:
	rm -rf $(COVER_DIR) && mkdir -p $(COVER_DIR)/unit $(COVER_DIR)/cli
	DRS_CLI_COVERDIR=$(COVER_DIR)/cli $(GO) test -count=1 -cover -coverpkg=./... ./... -args -test.gocoverdir=$(COVER_DIR)/unit
	$(GO) tool covdata percent -i=$(COVER_DIR)/unit,$(COVER_DIR)/cli

BENCH_OUT ?= /tmp/drs-bench.txt
BENCH_INTERLEAVED_OUT ?= /tmp/drs-bench-interleaved.txt

## bench: benchmarks against Huawei's official SDK (bench/ is its own module), then benchstat;
## then the headline call side by side, 10 interleaved rounds (bench/interleaved.sh)
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 6 -timeout 30m > $(BENCH_OUT) || { cat $(BENCH_OUT); exit 1; }
	cd bench && $(GO) run golang.org/x/perf/cmd/benchstat $(BENCH_OUT)
	ROUNDS=10 bench/interleaved.sh $(BENCH_INTERLEAVED_OUT)

## bench-size: binary size and dependency count, ours vs the official SDK
bench-size:
	bench/size.sh

## test-bench-module: the bench module's vet, lint and tests: interop with the official SDK's
## signatures, every benchmark client once, a load smoke run, goleak
# vet and staticcheck read the export data of a -race build, the one the tests need: Huawei's
# SDK is compiled once, not once for them and once for the tests (-vet=off: go vet has just
# run on these packages).
test-bench-module: $(STATICCHECK)
	cd bench && export GOFLAGS="$(GOFLAGS) -race" && $(GO) vet ./... && $(STATICCHECK) ./... && \
		$(GO) test -race -count=1 -vet=off ./...

$(GORELEASER): tools/goreleaser/go.mod tools/goreleaser/go.sum
	@echo "building goreleaser (pinned in tools/goreleaser; a large build, minutes on 2 cores)"
	cd tools/goreleaser && $(NOCGO) $(HEARTBEAT) "building goreleaser" $(GO) build -o $@ github.com/goreleaser/goreleaser/v2

## release-snapshot: the release archives and checksums.txt in dist/ (.goreleaser.yaml), for the
## current commit, built locally and published nowhere
release-snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean

clean:
	rm -rf $(BIN) dist
