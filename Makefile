# The README's commands, by name. CI (.ci/run) runs lint and test.
.PHONY: test race lint bench fuzz build
build:
	go build -o cwagentd ./cmd/cwagentd
test:
	go test -race ./...
lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
bench:
	go test -run '^$$' -bench . -benchmem ./ingest/... ./aggregate/... ./flush/...
fuzz:
	go test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./ingest/line
