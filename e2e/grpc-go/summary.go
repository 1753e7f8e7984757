package main

import (
	"slices"
	"strconv"
	"sync"
	"time"
)

// summary is what a batch observed, printed as one JSON object:
//
//	{"calls":400,"codes":{"OK":320,"Aborted":80},"backends":{"reviews-v1":320},
//	 "peers":{"spiffe://cluster.local/ns/default/sa/frontend":320},"retried":0,"echoed":320,
//	 "slow":190,"latencyMs":{"p50":12,"p90":503,"p99":530,"max":541},"errors":{"Aborted":"..."}}
//
// backends and peers count successful calls only; errors keeps the first message per code.
type summary struct {
	Calls    int               `json:"calls"`
	Codes    map[string]int    `json:"codes"`
	Backends map[string]int    `json:"backends"`
	Peers    map[string]int    `json:"peers"`
	Retried  int               `json:"retried"` // replies to an attempt after the first (grpc-previous-rpc-attempts > 0)
	Echoed   int               `json:"echoed"`  // replies whose server saw every metadata entry sent
	Slow     int               `json:"slow"`    // calls that took at least slowMs (when given)
	Latency  map[string]int64  `json:"latencyMs"`
	Errors   map[string]string `json:"errors"`

	mu     sync.Mutex
	order  order
	millis []int64
}

func newSummary(o order) *summary {
	return &summary{
		Codes: map[string]int{}, Backends: map[string]int{}, Peers: map[string]int{}, Errors: map[string]string{},
		order: o,
	}
}

func (s *summary) add(r outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls++
	ms := r.elapsed.Milliseconds()
	s.millis = append(s.millis, ms)
	if s.order.SlowMs > 0 && r.elapsed >= time.Duration(s.order.SlowMs)*time.Millisecond {
		s.Slow++
	}
	c := code(r.err)
	s.Codes[c]++
	if r.err != nil {
		if _, seen := s.Errors[c]; !seen {
			s.Errors[c] = r.err.Error()
		}
		return
	}
	s.addReply(r.reply.AsMap())
}

func (s *summary) addReply(reply map[string]any) {
	backend, _ := reply["backend"].(string)
	s.Backends[backend]++
	if p, ok := reply["peer"].(string); ok {
		s.Peers[p]++
	}
	md, _ := reply["metadata"].(map[string]any)
	if n, _ := strconv.Atoi(str(md["grpc-previous-rpc-attempts"])); n > 0 {
		s.Retried++
	}
	for k, v := range s.order.Metadata {
		if str(md[k]) != v {
			return
		}
	}
	s.Echoed++
}

// finish computes the latency percentiles; the summary is complete afterwards.
func (s *summary) finish() *summary {
	if len(s.millis) == 0 {
		s.Latency = map[string]int64{}
		return s
	}
	slices.Sort(s.millis)
	at := func(q float64) int64 { return s.millis[min(len(s.millis)-1, int(q*float64(len(s.millis))))] }
	s.Latency = map[string]int64{"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": s.millis[len(s.millis)-1]}
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
