# The README's commands, by name. CI (.ci/run) runs lint and test.
.PHONY: test race lint bench fuzz build package
build:
	go build -o cwagentd ./cmd/cwagentd
test:
	go test -race ./...
lint:
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
bench:
	go test -run '^$$' -bench . -benchmem ./ingest/... ./aggregate/... ./flush/...
fuzz:
	go test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./ingest/line
	go test -run '^$$' -fuzz FuzzDecodeRequest -fuzztime 30s ./flush
	go test -run '^$$' -fuzz FuzzOpen -fuzztime 30s ./flush/spool
package:
	packaging/build.sh
