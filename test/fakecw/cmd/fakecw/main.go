// Command fakecw serves the fake CloudWatch PutMetricData endpoint so a human
// can point a running agent at it:
//
//	go run ./test/fakecw/cmd/fakecw -listen 127.0.0.1:4566
//	AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:4566 AWS_REGION=us-east-1 \
//	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x <agent>
//
// With -rps N (and -burst B) it answers Throttling beyond N requests per
// second, like the account-wide quota. Every accepted datum is printed to
// stdout as one JSON line; every contract violation goes to stderr. Nothing is
// kept in memory, so it can run for long load tests.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:4566", "address to serve the fake on")
	rps := flag.Float64("rps", 0, "request quota shared by all clients, in requests per second; beyond it requests are answered Throttling (0 = no limit)")
	burst := flag.Int("burst", 5, "how many requests the quota lets through at once (with -rps)")
	flag.Parse()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakecw: listen on %s: %v\n", *listen, err)
		os.Exit(1)
	}
	s := fakecw.NewWithListener(ln)
	s.DiscardHistory(true)
	s.SetRateLimit(*rps, *burst)

	// Requests arrive on several connections at once; one lock keeps each
	// request's lines together.
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	s.OnRequest(func(r fakecw.Request) {
		mu.Lock()
		defer mu.Unlock()
		for _, v := range r.Violations {
			fmt.Fprintf(os.Stderr, "violation: %s\n", v)
		}
		if r.Outcome != "ok" {
			fmt.Fprintf(os.Stderr, "rejected: %d datums, namespace %q, %d bytes (%d on the wire): %s\n",
				len(r.Datums), r.Namespace, r.RawBytes, r.WireBytes, r.Outcome)
			return
		}
		for _, d := range r.Datums {
			if err := enc.Encode(d); err != nil {
				fmt.Fprintf(os.Stderr, "fakecw: encode datum %q: %v\n", d.MetricName, err)
			}
		}
		_ = out.Flush()
	})

	fmt.Fprintf(os.Stderr, "fakecw: serving PutMetricData on %s\nexport AWS_ENDPOINT_URL_CLOUDWATCH=%s\n", s.URL(), s.URL())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	s.Close()
}
