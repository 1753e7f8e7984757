package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	"google.golang.org/grpc/xds"
)

// serveFlags are the flags of `grpcgo server`.
type serveFlags struct {
	name     string
	listen   string
	xds      bool
	failRate float64
	failCode uint
	delay    time.Duration
	seed     uint64
}

func parseServeFlags(args []string) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&f.name, "name", "", "instance name put in every reply (required)")
	fs.StringVar(&f.listen, "listen", "", "host:port to listen on; an xDS server must use 0.0.0.0:<port> (required)")
	fs.BoolVar(&f.xds, "xds", false, "serve through xds.NewGRPCServer: server Listener, mTLS and RBAC from the control plane")
	fs.Float64Var(&f.failRate, "fail-rate", 0, "share of calls to fail (0..1), from a generator seeded with --seed")
	fs.UintVar(&f.failCode, "fail-code", uint(codes.Unavailable), "gRPC status code of a failed call")
	fs.DurationVar(&f.delay, "delay", 0, "delay before every answer")
	fs.Uint64Var(&f.seed, "seed", 7, "seed of the failure generator (the same pattern every run)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.name == "" || f.listen == "" {
		return f, fmt.Errorf("--name and --listen are required")
	}
	if f.failRate < 0 || f.failRate > 1 || f.failCode > 16 {
		return f, fmt.Errorf("--fail-rate must be in 0..1 and --fail-code in 0..16")
	}
	return f, nil
}

// runServer serves the Echo service until stdin closes or a stop signal arrives. A plain server
// is READY once it listens; an xDS server once the control plane's Listener put it in SERVING
// mode (until then grpc-go accepts connections and closes them).
func runServer(args []string) error {
	f, err := parseServeFlags(args)
	if err != nil {
		return err
	}
	lis, err := net.Listen(network(f.listen), f.listen)
	if err != nil {
		return err
	}
	b := newBehaviour(f.name, f.failRate, codes.Code(f.failCode), f.delay, f.seed)
	srv, err := newServer(f, lis.Addr().String())
	if err != nil {
		return err
	}
	srv.RegisterService(&echoDesc, b)
	go stopWhenParentGoes(srv)
	if !f.xds {
		readyServer(lis.Addr().String(), "plain")
	}
	return srv.Serve(lis)
}

// network keeps an IPv4 address IPv4: Go's "tcp" turns 0.0.0.0 into a dual-stack [::] socket,
// and an xDS server names the Listener it asks for by the address it actually listens on.
func network(address string) string {
	host, _, err := net.SplitHostPort(address)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.To4() != nil {
		return "tcp4"
	}
	return "tcp"
}

type stoppable interface {
	RegisterService(*grpc.ServiceDesc, any)
	Serve(net.Listener) error
	Stop()
}

func newServer(f serveFlags, address string) (stoppable, error) {
	if !f.xds {
		return grpc.NewServer(), nil
	}
	creds, err := xdscreds.NewServerCredentials(xdscreds.ServerOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		return nil, err
	}
	return xds.NewGRPCServer(grpc.Creds(creds), xds.ServingModeCallback(modeChanged(address)))
}

// modeChanged reports serving-mode changes: `MODE {"mode":..,"error":..}` on stdout for each,
// READY on the first SERVING. A rejected or missing Listener shows up as NOT_SERVING.
func modeChanged(address string) xds.ServingModeCallbackFunc {
	var once sync.Once
	return func(_ net.Addr, args xds.ServingModeChangeArgs) {
		fmt.Fprintf(os.Stderr, "serving mode %s: %v (err: %v)\n", address, args.Mode, args.Err)
		mode := map[string]string{"mode": args.Mode.String()}
		if args.Err != nil {
			mode["error"] = args.Err.Error()
		}
		line, _ := json.Marshal(mode)
		fmt.Fprintf(os.Stdout, "MODE %s\n", line)
		if args.Mode == connectivity.ServingModeServing {
			once.Do(func() { readyServer(address, "xds") })
		}
	}
}

func readyServer(address, mode string) {
	info, _ := json.Marshal(map[string]string{"address": address, "mode": mode})
	ready(string(info))
}

func stopWhenParentGoes(srv stoppable) {
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(gone)
	}()
	select {
	case <-gone:
	case <-stopSignals():
	}
	srv.Stop()
}
