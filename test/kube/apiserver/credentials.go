package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// credentialFiles are the files written into the state directory (keys 0600).
type credentialFiles struct {
	caCert, servingCert, servingKey string
	saPublic, saPrivate             string
	tokens                          string
	token                           string // the admin bearer token (group system:masters)
}

// writeCredentials creates a CA and a serving certificate for 127.0.0.1/localhost, the
// service-account signing key pair and the static token file with one admin token.
func writeCredentials(dir string) (credentialFiles, error) {
	f := credentialFiles{
		caCert:      filepath.Join(dir, "ca.crt"),
		servingCert: filepath.Join(dir, "serving.crt"),
		servingKey:  filepath.Join(dir, "serving.key"),
		saPublic:    filepath.Join(dir, "sa.pub"),
		saPrivate:   filepath.Join(dir, "sa.key"),
		tokens:      filepath.Join(dir, "tokens.csv"),
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "weft-test-kube-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	caParsed, _ := x509.ParseCertificate(caDER)
	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	servingTemplate := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default",
			"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
	}
	servingDER, err := x509.CreateCertificate(rand.Reader, servingTemplate, caParsed, &servingKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	saPublic, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return f, err
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return f, err
	}
	f.token = hex.EncodeToString(tok)

	writes := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{f.caCert, pemBlock("CERTIFICATE", caDER), 0o644},
		{f.servingCert, pemBlock("CERTIFICATE", servingDER), 0o644},
		{f.servingKey, ecKeyPEM(servingKey), 0o600},
		{f.saPublic, pemBlock("PUBLIC KEY", saPublic), 0o644},
		{f.saPrivate, ecKeyPEM(saKey), 0o600},
		// token,user,uid,"group1,group2"
		{f.tokens, []byte(fmt.Sprintf("%s,weft-test-admin,weft-test-admin,\"system:masters\"\n", f.token)), 0o600},
	}
	for _, w := range writes {
		if err := os.WriteFile(w.path, w.data, w.mode); err != nil {
			return f, err
		}
	}
	return f, nil
}

// writeKubeconfig writes the admin kubeconfig (0600) and returns its path.
func writeKubeconfig(dir, url string, f credentialFiles) (string, error) {
	ca, err := os.ReadFile(f.caCert)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	body := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: weft-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: weft-test-admin
  user:
    token: %s
contexts:
- name: weft-test
  context:
    cluster: weft-test
    user: weft-test-admin
current-context: weft-test
`, url, base64.StdEncoding.EncodeToString(ca), f.token)
	return path, os.WriteFile(path, []byte(body), 0o600)
}

func httpsClient(caFile string) (*http.Client, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("no certificate in %s", caFile)
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

// freePorts returns the given ports, replacing each 0 by a distinct free loopback port.
func freePorts(wanted ...int) ([]int, error) {
	out := make([]int, len(wanted))
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for i, p := range wanted {
		if p != 0 {
			out[i] = p
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		held = append(held, l)
		out[i] = l.Addr().(*net.TCPAddr).Port
	}
	return out, nil
}

func selfTerminate() error {
	return syscall.Kill(os.Getpid(), syscall.SIGTERM)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}

func ecKeyPEM(k *ecdsa.PrivateKey) []byte {
	der, _ := x509.MarshalECPrivateKey(k)
	return pemBlock("EC PRIVATE KEY", der)
}

// writeAuditPolicy writes DIR/audit-policy.yaml (every request at level Metadata: verb, URI with
// its query, user, response code) and returns the audit log's path, DIR/audit.log.
func writeAuditPolicy(dir string) (string, error) {
	policy := "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n"
	if err := os.WriteFile(filepath.Join(dir, "audit-policy.yaml"), []byte(policy), 0o644); err != nil {
		return "", err
	}
	return filepath.Join(dir, "audit.log"), nil
}
