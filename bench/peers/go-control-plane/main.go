// Command gocp is the go-control-plane peer of weft's benchmarks (docs/benchmarks.md): an xDS
// server built the way a Go user would build one — go-control-plane's snapshot cache and its
// SotW/delta server — serving resources that the benchmark driver encoded with weft, so both
// servers hand the same load generator the same configuration.
//
//	gocp [-listen 127.0.0.1:0] [-cert server.pem -key server.key -ca bundle.pem]
//
// With -cert/-key/-ca the port requires a client certificate signed by the bundle (mTLS, as
// weft's xDS port does); without them it is plaintext. It prints {"port":N} on stdout once
// listening, then answers one JSON line per command read from stdin (commands.go); it exits
// when stdin closes, so it never outlives the driver.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	clusterservice "github.com/envoyproxy/go-control-plane/envoy/service/cluster/v3"
	discoverygrpc "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	endpointservice "github.com/envoyproxy/go-control-plane/envoy/service/endpoint/v3"
	listenerservice "github.com/envoyproxy/go-control-plane/envoy/service/listener/v3"
	routeservice "github.com/envoyproxy/go-control-plane/envoy/service/route/v3"
	secretservice "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/server/v3"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve xDS on (loopback only in benchmarks)")
	certFile := flag.String("cert", "", "server certificate chain (PEM); enables mTLS with -key and -ca")
	keyFile := flag.String("key", "", "server private key (PEM)")
	caFile := flag.String("ca", "", "trust bundle that client certificates must chain to (PEM)")
	flag.Parse()

	opts := []grpc.ServerOption{
		grpc.MaxConcurrentStreams(1 << 20),
		grpc.MaxRecvMsgSize(16 << 20),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	}
	if *certFile != "" {
		creds, err := mtlsCredentials(*certFile, *keyFile, *caFile)
		if err != nil {
			fail(err)
		}
		opts = append(opts, grpc.Creds(creds))
	}

	ctx := context.Background()
	snapshots := cache.NewSnapshotCache(true, cache.IDHash{}, nil)
	xds := server.NewServer(ctx, snapshots, server.CallbackFuncs{})
	g := grpc.NewServer(opts...)
	discoverygrpc.RegisterAggregatedDiscoveryServiceServer(g, xds)
	clusterservice.RegisterClusterDiscoveryServiceServer(g, xds)
	endpointservice.RegisterEndpointDiscoveryServiceServer(g, xds)
	listenerservice.RegisterListenerDiscoveryServiceServer(g, xds)
	routeservice.RegisterRouteDiscoveryServiceServer(g, xds)
	secretservice.RegisterSecretDiscoveryServiceServer(g, xds)

	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err)
	}
	go func() { _ = g.Serve(lis) }()

	out := json.NewEncoder(os.Stdout)
	_ = out.Encode(map[string]int{"port": lis.Addr().(*net.TCPAddr).Port})
	state := newPeerState(snapshots)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		_ = out.Encode(state.handle(ctx, in.Bytes()))
	}
	g.Stop()
}

func mtlsCredentials(certFile, keyFile, caFile string) (credentials.TransportCredentials, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	bundle, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("trust bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bundle) {
		return nil, fmt.Errorf("trust bundle %s holds no PEM certificate", caFile)
	}
	return credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gocp:", err)
	os.Exit(1)
}
