package main

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// The test service, `weft.e2e.Echo`, with two identical unary methods so authorization rules can
// tell paths apart. Messages are google.protobuf.Struct, so no .proto file or generated code is
// needed. The reply says who answered and what the server saw:
//
//	{ "backend": "reviews-v1", "metadata": { "x-user": "alice", ... }, "peer": "spiffe://..." }
//
// `peer` is the caller's SPIFFE ID when the connection is mTLS, and absent otherwise.
const echoService = "weft.e2e.Echo"

// behaviour is a backend's own, test-controlled misbehaviour.
type behaviour struct {
	name     string
	failRate float64       // share of calls answered with failCode, drawn from a seeded generator
	failCode codes.Code    // status of a failed call
	delay    time.Duration // added before every answer

	mu   sync.Mutex
	rand *rand.Rand
}

func newBehaviour(name string, failRate float64, failCode codes.Code, delay time.Duration, seed uint64) *behaviour {
	return &behaviour{name: name, failRate: failRate, failCode: failCode, delay: delay, rand: rand.New(rand.NewPCG(seed, seed))}
}

func (b *behaviour) fails() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rand.Float64() < b.failRate
}

// answer is the handler of both methods.
func (b *behaviour) answer(ctx context.Context) (*structpb.Struct, error) {
	if b.delay > 0 {
		select {
		case <-time.After(b.delay):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if b.fails() {
		return nil, status.Errorf(b.failCode, "%s failed on purpose", b.name)
	}
	reply := map[string]any{"backend": b.name, "metadata": seenMetadata(ctx)}
	if id := peerIdentity(ctx); id != "" {
		reply["peer"] = id
	}
	return structpb.NewStruct(reply)
}

// seenMetadata is the request metadata as one string per key (values joined by ",").
func seenMetadata(ctx context.Context) map[string]any {
	md, _ := metadata.FromIncomingContext(ctx)
	out := map[string]any{}
	for k, v := range md {
		vs := append([]string(nil), v...)
		sort.Strings(vs)
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// peerIdentity is the SPIFFE ID of the caller's certificate, if the connection is TLS.
func peerIdentity(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && info.SPIFFEID != nil {
		return info.SPIFFEID.String()
	}
	return ""
}

func echoHandler(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	if err := dec(new(structpb.Struct)); err != nil {
		return nil, err
	}
	return srv.(*behaviour).answer(ctx)
}

// echoDesc registers `Call` and `Admin` on a server; both answer the same way.
var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Call", Handler: echoHandler},
		{MethodName: "Admin", Handler: echoHandler},
	},
}
