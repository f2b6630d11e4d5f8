# Every target installs what it needs through go.mod (tools.go pins the versions)
# or a module of its own under tools/: a fresh machine with Go 1.26 needs nothing else.
GO        ?= go
PKGS      := ./...
BIN       := $(CURDIR)/.bin
OAPI      := $(BIN)/oapi-codegen
STATICCHECK := $(BIN)/staticcheck
GORELEASER := $(BIN)/goreleaser
GEN_CONFIGS := oapi-codegen.yaml oapi-codegen.server.yaml
FUZZTIME  ?= 10s
HEARTBEAT := $(CURDIR)/tools/heartbeat.sh

# One way to compile for everything make runs, so that tools, vet, staticcheck,
# the demo and the release-build test share one build cache instead of compiling
# the standard library and the dependencies several times: -trimpath (as the
# release builds) and, except under -race (which needs cgo), no cgo.
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)
NOCGO     := CGO_ENABLED=0

.PHONY: all run generate check-generated fmt-check vet lint test test-gates test-go contract contract-live \
        bench bench-size cover test-bench-module fuzz fuzz-ci breaking breaking-selftest breaking-baseline clean tools \
        lint-ci-examples release-snapshot

all: test

## run: the CLI's demo, against the built-in simulator (no account needed)
run:
	@echo "make run: building the CLI, then its demo against the built-in DRS simulator (a first build downloads and compiles the dependencies: about half a minute)"
	@$(NOCGO) $(HEARTBEAT) "make run: building" $(GO) build -o $(BIN)/drs-precheck ./cmd/drs-precheck
	$(BIN)/drs-precheck demo

tools: $(OAPI) $(STATICCHECK)

$(OAPI): go.mod go.sum
	$(NOCGO) $(GO) build -o $@ github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen

$(STATICCHECK): go.mod go.sum
	$(NOCGO) $(GO) build -o $@ honnef.co/go/tools/cmd/staticcheck

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

vet:
	$(NOCGO) $(GO) vet $(PKGS)

## lint: staticcheck, version pinned in go.mod
lint: $(STATICCHECK)
	$(NOCGO) $(STATICCHECK) $(PKGS)

## test: everything CI checks, two steps at a time (CI has 2 cores), their lines shown as they come
## and a heartbeat line every 20 s
test:
	@$(HEARTBEAT) "make test" $(MAKE) --no-print-directory -j2 test-gates

# The longest step first: the race-enabled tests, whose build is the biggest.
test-gates: test-go check-generated fmt-check vet lint breaking lint-ci-examples test-bench-module fuzz-ci

# fuzz-ci: the fuzzing engine briefly on every fuzz target, so that each keeps working under
# -fuzz; their seeds already ran as tests in test-go (with -race). A count, not a duration: Go
# 1.26's coordinator can fail a target with "context deadline exceeded" when a duration ends
# while a worker is busy (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline.
fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_CI)
FUZZTIME_CI ?= 3000x

test-go:
	$(GO) test -race -count=1 $(PKGS)

## contract: the contract tests alone
contract:
	$(GO) test -race -count=1 ./contract/... ./contract_test/...

## contract-live: call the real API (needs credentials, see README); records into contract_test/testdata
contract-live:
	DRS_CONTRACT_LIVE=1 $(GO) test -count=1 -v -run Live ./contract_test/

ACTIONLINT := $(BIN)/actionlint

$(ACTIONLINT): tools/actionlint/go.mod tools/actionlint/go.sum
	cd tools/actionlint && $(NOCGO) $(GO) build -o $@ github.com/rhysd/actionlint/cmd/actionlint

## lint-ci-examples: actionlint (pinned in tools/actionlint) on the example GitHub Actions workflow;
## the GitLab example is checked by a Go test (cmd/drs-precheck/ci_examples_test.go)
# shellcheck stays off (-shellcheck=): the project does not install it, and that Go test runs
# both examples' scripts with bash for every exit code.
lint-ci-examples: $(ACTIONLINT)
	$(ACTIONLINT) -shellcheck= -pyflakes= docs/ci/github-actions.yml && echo "lint-ci-examples: docs/ci/github-actions.yml passes actionlint"

OASDIFF   := $(BIN)/oasdiff
# The contract clients were last built against, and the breaks accepted since (with their reasons).
BREAKING_BASELINE  := contract_test/testdata/openapi.baseline.yaml
BREAKING_ALLOWLIST := contract_test/testdata/breaking-allowlist.md
# BASE=<git ref> compares with openapi.yaml of that ref instead of the baseline.
BASE      ?=

$(OASDIFF): tools/oasdiff/go.mod tools/oasdiff/go.sum
	cd tools/oasdiff && $(NOCGO) $(GO) build -o $@ github.com/oasdiff/oasdiff

## breaking: fail on breaking changes of openapi.yaml against the committed baseline (or BASE=<git ref>)
## that the allowlist does not record
breaking: $(OASDIFF) breaking-selftest
	@set -e; base="$(BREAKING_BASELINE)"; what="$(BREAKING_BASELINE)"; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	if [ -n "$(BASE)" ]; then git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml"; base="$$tmp/base.yaml"; what="$(BASE)"; fi; \
	if $(OASDIFF) breaking "$$base" openapi.yaml --fail-on ERR --err-ignore $(BREAKING_ALLOWLIST); then \
		echo "breaking: no breaking change since $$what beyond those $(BREAKING_ALLOWLIST) records"; \
	else echo "breaking: openapi.yaml breaks clients built from $$what; if that is intended, record the lines above with the reason in $(BREAKING_ALLOWLIST)"; exit 1; fi

## breaking-baseline: make the current openapi.yaml the baseline (when a release is cut; then empty the allowlist)
breaking-baseline:
	cp openapi.yaml $(BREAKING_BASELINE)

# breaking-selftest proves the gate can fail and that the allowlist only lets through what it
# names: a removed request enum value is caught with the allowlist in force, and passes only with
# a line that records it.
breaking-selftest: $(OASDIFF)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	sed 's/enum: \[forStartJob, forRetryJob\]/enum: [forStartJob]/' openapi.yaml > "$$tmp/changed.yaml"; \
	if cmp -s openapi.yaml "$$tmp/changed.yaml"; then echo "breaking-selftest: the edit did not apply"; exit 1; fi; \
	if $(OASDIFF) breaking openapi.yaml "$$tmp/changed.yaml" --fail-on ERR --err-ignore $(BREAKING_ALLOWLIST) >/dev/null; then \
		echo "breaking-selftest: oasdiff missed a removed enum value (or the allowlist hides it)"; exit 1; fi; \
	printf '%s\n' '- POST /v3/{project_id}/jobs/batch-precheck removed the enum value `forRetryJob` of the request property `jobs/items/precheck_mode`' > "$$tmp/allow.md"; \
	if ! $(OASDIFF) breaking openapi.yaml "$$tmp/changed.yaml" --fail-on ERR --err-ignore "$$tmp/allow.md" >/dev/null; then \
		echo "breaking-selftest: an allowlist line naming the break did not let it through"; exit 1; fi; \
	test -s $(BREAKING_BASELINE) || { echo "breaking-selftest: $(BREAKING_BASELINE) is missing"; exit 1; }; \
	echo "breaking-selftest: oasdiff flags a removed enum value, and only a line naming it lets it through"

# Every native fuzz target of the main module, as dir:FuzzName, found in the sources.
FUZZ_TARGETS = $(shell git ls-files '*_test.go' | grep -v '^bench/' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed -E 's|^(.*)/[^/]*:func |./\1:|' | sort -u)

## fuzz: run every fuzz target for FUZZTIME (default 10s) each; seeds live in testdata/fuzz and f.Add
fuzz:
	@set -e; test -n "$(FUZZ_TARGETS)" || { echo "fuzz: no fuzz targets found"; exit 1; }; \
	for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=100x $$pkg; done

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
test-bench-module: $(STATICCHECK)
	cd bench && $(NOCGO) $(GO) vet ./... && $(NOCGO) $(STATICCHECK) ./... && $(GO) test -race -count=1 ./...

$(GORELEASER): tools/goreleaser/go.mod tools/goreleaser/go.sum
	@echo "building goreleaser (pinned in tools/goreleaser; a large build, minutes on 2 cores)"
	cd tools/goreleaser && $(NOCGO) $(HEARTBEAT) "building goreleaser" $(GO) build -o $@ github.com/goreleaser/goreleaser/v2

## release-snapshot: the release archives and checksums.txt in dist/ (.goreleaser.yaml), for the
## current commit, built locally and published nowhere
release-snapshot: $(GORELEASER)
	$(GORELEASER) release --snapshot --clean

clean:
	rm -rf $(BIN) dist
