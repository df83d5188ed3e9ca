# smsinbox: `make run` starts the site with demo data, `make test` runs every check.

GO       ?= go
BIN      := bin/smsinbox
DB       ?= smsinbox.db
ADDR     ?= 127.0.0.1:8080
BENCHTIME ?= 1x
export CGO_ENABLED := 0

.PHONY: run build test check generate fmt vet bench bench-big fuzz clean

run: build
	./$(BIN) serve --db $(DB) --addr $(ADDR) --public-url http://localhost:8080

build: generate
	$(GO) build -trimpath -ldflags "-s -w -X main.version=$$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o $(BIN) ./cmd/smsinbox

generate:
	$(GO) tool templ generate -include-version=false -log-level error

# check: formatting, vet and generated code that is not stale.
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'); exit 1; }
	$(GO) tool templ fmt -fail templates
	$(GO) tool templ generate -include-version=false -log-level error
	@git diff --exit-code --stat -- '*_templ.go' || { echo "generated templ code was stale: run make generate and commit it"; exit 1; }
	@test -z "$$(git status --porcelain --untracked-files=all -- '*_templ.go')" || { echo "generated templ code is not committed:"; git status --porcelain -- '*_templ.go'; exit 1; }
	$(GO) vet ./...

test: check
	@test -n "$$SMSINBOX_TEST_POSTGRES" || echo "SMSINBOX_TEST_POSTGRES is not set: skipping the PostgreSQL store runs (.ci/postgres.sh starts a server)"
	CGO_ENABLED=1 $(GO) test -race -timeout 8m ./...

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v '_templ.go$$')
	$(GO) tool templ fmt templates

# bench: every benchmark once, on the default data sizes.
bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -timeout 60m ./...

# bench-big: the store and page benchmarks on 1,000,000 messages.
bench-big:
	SMSINBOX_BENCH_MESSAGES=1000000 $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -timeout 60m ./store/ ./web/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 2m ./ingest/pdu/

clean:
	rm -rf bin
