package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and the xDS balancers
)

// order is one batch of calls, one JSON object per stdin line.
type order struct {
	// Target is `xds:///<host>:<port>` (xDS: routes, clusters and mTLS from the control plane), or
	// `host:port`, dialled directly in plaintext (a caller without a mesh certificate).
	Target      string            `json:"target"`
	Method      string            `json:"method"`      // Echo method: Call (default) or Admin
	Calls       int               `json:"calls"`       // number of calls
	Concurrency int               `json:"concurrency"` // calls in flight at once (default 1)
	Metadata    map[string]string `json:"metadata"`    // sent with every call
	DeadlineMs  int               `json:"deadlineMs"`  // per-call deadline (default 5000)
	SlowMs      int               `json:"slowMs"`      // count calls lasting at least this long
	// ProgressEvery > 0 prints `PROGRESS {"done":n}` every that many completed calls, so the test
	// can act in the middle of a batch without guessing at time.
	ProgressEvery int `json:"progressEvery"`
}

// runClient answers every order line on stdin with `RESULT <summary>` (or `ERROR <message>`) on
// stdout, keeping one channel per target for the life of the process, so xDS state (watches,
// outlier ejections, ring) carries over from batch to batch. Exits when stdin closes.
func runClient(_ []string) error {
	c := &client{conns: map[string]*grpc.ClientConn{}, out: &lineWriter{}}
	defer c.close()
	ready("{}")
	lines := make(chan string)
	go func() {
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(make([]byte, 1<<20), 1<<20)
		for in.Scan() {
			lines <- in.Text()
		}
		close(lines)
	}()
	stop := stopSignals()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			c.handle(line)
		case <-stop:
			return nil
		}
	}
}

type client struct {
	conns map[string]*grpc.ClientConn
	out   *lineWriter
}

func (c *client) handle(line string) {
	var o order
	if err := json.Unmarshal([]byte(line), &o); err != nil {
		c.out.line("ERROR", map[string]string{"error": "bad order: " + err.Error()})
		return
	}
	if o.Calls <= 0 || o.Target == "" {
		c.out.line("ERROR", map[string]string{"error": "an order needs target and calls > 0"})
		return
	}
	conn, err := c.conn(o.Target)
	if err != nil {
		c.out.line("ERROR", map[string]string{"error": err.Error()})
		return
	}
	c.out.line("RESULT", c.run(conn, o))
}

func (c *client) conn(target string) (*grpc.ClientConn, error) {
	if conn, ok := c.conns[target]; ok {
		return conn, nil
	}
	creds := insecure.NewCredentials()
	if strings.HasPrefix(target, "xds:") {
		var err error
		if creds, err = xdsCredentials(); err != nil {
			return nil, err
		}
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	c.conns[target] = conn
	return conn, nil
}

// xdsCredentials use the control plane's security config (certificate providers from the
// bootstrap) where a cluster has one, and plaintext where it has none.
func xdsCredentials() (credentials.TransportCredentials, error) {
	return xdscreds.NewClientCredentials(xdscreds.ClientOptions{FallbackCreds: insecure.NewCredentials()})
}

// run makes the order's calls with at most Concurrency in flight.
func (c *client) run(conn *grpc.ClientConn, o order) *summary {
	s := newSummary(o)
	method := "/" + echoService + "/" + or(o.Method, "Call")
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(o.Concurrency, o.Calls)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(o.Calls) {
				s.add(callOnce(conn, method, o))
				if n := done.Add(1); o.ProgressEvery > 0 && n%int64(o.ProgressEvery) == 0 && n < int64(o.Calls) {
					c.out.line("PROGRESS", map[string]int64{"done": n})
				}
			}
		}()
	}
	wg.Wait()
	return s.finish()
}

// outcome is what one call observed.
type outcome struct {
	err     error
	reply   *structpb.Struct
	elapsed time.Duration
}

func callOnce(conn *grpc.ClientConn, method string, o order) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(or(o.DeadlineMs, 5000))*time.Millisecond)
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, metadata.New(o.Metadata))
	reply := new(structpb.Struct)
	start := time.Now()
	err := conn.Invoke(ctx, method, &structpb.Struct{}, reply)
	return outcome{err: err, reply: reply, elapsed: time.Since(start)}
}

func (c *client) close() {
	for _, conn := range c.conns {
		conn.Close()
	}
}

// lineWriter writes whole `KIND <json>` lines to stdout from any goroutine.
type lineWriter struct{ mu sync.Mutex }

func (w *lineWriter) line(kind string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(os.Stdout, "%s %s\n", kind, b)
}

func or[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// code is the status code name of err ("OK" for nil).
func code(err error) string {
	return status.Code(err).String()
}
