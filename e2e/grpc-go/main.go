// Command grpcgo is weft's second proxyless xDS peer: grpc-go's own xDS client and xDS-enabled
// server, driven by e2e/grpc-go/grpc-go.test.ts. Both read their xDS settings from the gRPC
// bootstrap that `weft bootstrap --format grpc` writes (GRPC_XDS_BOOTSTRAP).
//
//	grpcgo server --name reviews-v1 --listen 0.0.0.0:9080 --xds [--fail-rate 0.3] [--delay 50ms]
//	grpcgo client   (reads one JSON batch order per stdin line, answers one JSON summary line)
//
// Every process prints `READY {...}` on stdout when it is ready, writes diagnostics to stderr and
// exits when its stdin closes (its parent went away) or on SIGTERM/SIGINT.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grpcgo server|client [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		err = runClient(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (server|client)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "grpcgo %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// stopSignals returns a channel closed on SIGTERM or SIGINT.
func stopSignals() <-chan struct{} {
	done := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		close(done)
	}()
	return done
}

// ready prints the READY line the test waits for.
func ready(info string) {
	fmt.Fprintf(os.Stdout, "READY %s\n", info)
}
