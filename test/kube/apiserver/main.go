// Command kube-apiserver-test runs a real Kubernetes API server for weft's tests: an embedded etcd
// (go.etcd.io/etcd/server/v3/embed) and kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver/app)
// in one process, on loopback only, with RBAC and Node authorization, a static admin token,
// service-account signing keys (so TokenRequest and TokenReview work) and a self-signed serving
// certificate. There is no kubelet and no controller manager: what weft talks to is the API server,
// its admission chain, RBAC and TokenReview.
//
// Usage:
//
//	kube-apiserver-test [-dir D] [-port P] [-etcd-port P] [-ready-timeout 90s] [-audit-log] [-- kube-apiserver flags...]
//
// When the API server answers /readyz it writes D/kubeconfig (admin, token auth) and prints one JSON
// line on stdout: {"kubeconfig","url","token","caFile","dir","controlUrl","etcdUrl","auditLog"}. Everything
// else goes to stderr. controlUrl serves POST /compact (bearer: the admin token), which compacts etcd
// at its current revision, so a test can make a resourceVersion too old (410 Gone) for real.
//
// It stops on SIGTERM or SIGINT, or when stdin reaches EOF (a test runner that dies cannot leave it
// running): the API server shuts down, then etcd, and a -dir it created itself is removed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "kube-apiserver-test: %v\n", err)
		os.Exit(1)
	}
}

// ready is the one line printed on stdout once the API server is ready.
type ready struct {
	Kubeconfig string `json:"kubeconfig"`
	URL        string `json:"url"`
	Token      string `json:"token"`
	CAFile     string `json:"caFile"`
	Dir        string `json:"dir"`
	ControlURL string `json:"controlUrl"`
	EtcdURL    string `json:"etcdUrl"`
	AuditLog   string `json:"auditLog,omitempty"`
}

func run() error {
	dir := flag.String("dir", "", "state directory (default: a new temporary directory, removed on exit)")
	port := flag.Int("port", 0, "API server secure port on 127.0.0.1 (0: a free port)")
	etcdPort := flag.Int("etcd-port", 0, "etcd client port on 127.0.0.1 (0: a free port)")
	readyTimeout := flag.Duration("ready-timeout", 120*time.Second, "how long to wait for /readyz")
	watchStdin := flag.Bool("exit-on-stdin-eof", true, "stop when stdin reaches end of file")
	audit := flag.Bool("audit-log", false, "write the API server's audit log (level Metadata, JSON lines) to DIR/audit.log")
	flag.Parse()
	extra := flag.Args()

	// The API server command registers the SIGTERM/SIGINT handler (genericapiserver's signal
	// context); create it first so a signal during etcd's start is handled the same way.
	cmd := app.NewAPIServerCommand()
	ctx := cmd.Context()

	removeDir := false
	if *dir == "" {
		d, err := os.MkdirTemp("", "weft-kube-apiserver-")
		if err != nil {
			return err
		}
		*dir, removeDir = d, true
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	*dir = abs
	defer func() {
		if removeDir {
			_ = os.RemoveAll(*dir)
		}
	}()

	ports, err := freePorts(*port, *etcdPort, 0, 0)
	if err != nil {
		return err
	}
	files, err := writeCredentials(*dir)
	if err != nil {
		return err
	}

	etcd, err := startEtcd(ctx, filepath.Join(*dir, "etcd"), ports[1], ports[2])
	if err != nil {
		return err
	}
	defer etcd.stop()

	apiURL := fmt.Sprintf("https://127.0.0.1:%d", ports[0])
	flags := apiServerFlags(*dir, files, ports[0], etcd.url)
	auditLog := ""
	if *audit {
		if auditLog, err = writeAuditPolicy(*dir); err != nil {
			return err
		}
		flags = append(flags, "--audit-policy-file="+filepath.Join(*dir, "audit-policy.yaml"), "--audit-log-path="+auditLog, "--audit-log-format=json")
	}
	cmd.SetArgs(append(flags, extra...))
	cmd.SetOut(os.Stderr)
	cmd.SetErr(os.Stderr)
	done := make(chan error, 1)
	go func() { done <- cmd.Execute() }()

	if err := waitReady(ctx, apiURL, files, *readyTimeout, done); err != nil {
		return err
	}
	kubeconfig, err := writeKubeconfig(*dir, apiURL, files)
	if err != nil {
		return err
	}
	control, err := serveControl(ports[3], files.token, etcd)
	if err != nil {
		return err
	}
	defer control.Close()

	line, _ := json.Marshal(ready{
		Kubeconfig: kubeconfig, URL: apiURL, Token: files.token, CAFile: files.caCert,
		Dir: *dir, ControlURL: fmt.Sprintf("http://127.0.0.1:%d", ports[3]), EtcdURL: etcd.url, AuditLog: auditLog,
	})
	fmt.Println(string(line))

	stdinClosed := make(chan struct{})
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}
	select {
	case err := <-done:
		// The API server returns only after a signal (nil) or on a fatal error.
		return err
	case <-stdinClosed:
		fmt.Fprintln(os.Stderr, "kube-apiserver-test: stdin closed, stopping")
		// The signal context is the only way to stop the API server's run loop; send ourselves
		// the signal it listens for.
		if err := selfTerminate(); err != nil {
			return err
		}
		return <-done
	}
}

// apiServerFlags are the kube-apiserver flags; extra flags after "--" on the command line follow
// them (a later flag wins).
func apiServerFlags(dir string, f credentialFiles, port int, etcdURL string) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		// Compaction only when a test asks for it (POST /compact), so a 410 is deterministic.
		"--etcd-compaction-interval=0",
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The endpoint reconciler refuses a loopback advertise address; no kubelet reaches us anyway.
		"--endpoint-reconciler-type=none",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--tls-cert-file=" + f.servingCert,
		"--tls-private-key-file=" + f.servingKey,
		"--token-auth-file=" + f.tokens,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + f.saPublic,
		"--service-account-signing-key-file=" + f.saPrivate,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		"--profiling=false",
		"--shutdown-delay-duration=0s",
		"--shutdown-watch-termination-grace-period=0s",
	}
}

// waitReady polls /readyz with the admin token until it answers 200, the API server exits, the
// signal context ends or the timeout passes.
func waitReady(ctx context.Context, url string, f credentialFiles, timeout time.Duration, done <-chan error) error {
	client, err := httpsClient(f.caCert)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case err := <-done:
			return fmt.Errorf("kube-apiserver exited before it was ready: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("stopped before the API server was ready")
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("kube-apiserver not ready after %s (last /readyz: %s)", timeout, last)
}
