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
	PaceMs        int `json:"paceMs"` // pause of each worker between its calls
	// Stop (a line of its own, `{"stop":true}`) ends the batch in flight after the calls already
	// started: Calls is then only a cap.
	Stop bool `json:"stop"`
}

// runClient answers every order line on stdin with `RESULT <summary>` (or `ERROR <message>`) on
// stdout, keeping one channel per target for the life of the process, so xDS state (watches,
// outlier ejections, ring) carries over from batch to batch. One batch runs at a time; a stop
// line ends it early. Exits when stdin closes.
func runClient(_ []string) error {
	c := &client{conns: map[string]*grpc.ClientConn{}, out: &lineWriter{}, stop: func() {}}
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
	busy  sync.WaitGroup
	stop  context.CancelFunc // ends the batch in flight
}

func (c *client) handle(line string) {
	var o order
	if err := json.Unmarshal([]byte(line), &o); err != nil {
		c.out.line("ERROR", map[string]string{"error": "bad order: " + err.Error()})
		return
	}
	if o.Stop {
		c.stop()
		return
	}
	c.busy.Wait() // orders run one at a time, in the order sent
	if o.Calls <= 0 || o.Target == "" {
		c.out.line("ERROR", map[string]string{"error": "an order needs target and calls > 0"})
		return
	}
	conn, err := c.conn(o.Target)
	if err != nil {
		c.out.line("ERROR", map[string]string{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	c.busy.Add(1)
	go func() {
		defer c.busy.Done()
		c.out.line("RESULT", c.run(ctx, conn, o))
		cancel()
	}()
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

// run makes the order's calls with at most Concurrency in flight, until all are made or ctx ends.
func (c *client) run(ctx context.Context, conn *grpc.ClientConn, o order) *summary {
	s := newSummary(o)
	method := "/" + echoService + "/" + or(o.Method, "Call")
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(o.Concurrency, o.Calls)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(o.Calls) {
				s.add(callOnce(conn, method, o))
				if n := done.Add(1); o.ProgressEvery > 0 && n%int64(o.ProgressEvery) == 0 && n < int64(o.Calls) {
					c.out.line("PROGRESS", map[string]int64{"done": n})
				}
				pause(ctx, o.PaceMs)
			}
		}()
	}
	wg.Wait()
	return s.finish()
}

func pause(ctx context.Context, ms int) {
	if ms <= 0 {
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
	case <-ctx.Done():
	}
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
