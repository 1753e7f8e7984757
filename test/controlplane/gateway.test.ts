/**
 * The ingress gateway in the control plane: which streams may be a gateway (the verified
 * certificate's namespace is the Gateway's; never on plaintext xDS), the Gateway's certificates
 * over SDS only with keys (mTLS streams) and only the names translate gave, CertificateFiles
 * read inside their directory with the key checked against the certificate, and a Gateway change
 * re-translating every proxy.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthRequest, NodeInfo } from '../../src/xds/index.js';
import { authenticate } from '../../src/controlplane/auth.js';
import { FileGatewayCertificates, combinedGatewayCertificates } from '../../src/controlplane/gateway-certs.js';
import { SecretBuilder, type CertificateSource, type GatewayCertificate } from '../../src/controlplane/secrets.js';
import { diffModels } from '../../src/controlplane/model-diff.js';
import { memoryLogger } from '../../src/controlplane/index.js';
import { names } from '../../src/translate/index.js';
import { loadPolicyDocuments, type PolicySet } from '../../src/policy/index.js';
import type { MeshModel, ServiceRegistry } from '../../src/model/index.js';
import { serverCertificate } from '../support/tls-files.js';

const node = (metadata: Record<string, unknown>): NodeInfo => ({ id: 'edge-1', cluster: '', metadata, userAgentName: 'envoy', userAgentVersion: '' });
const request = (n: NodeInfo, uri?: string): AuthRequest => ({
  node: n,
  stream: { secure: uri !== undefined } as AuthRequest['stream'],
  ...(uri ? { peerCertificate: { subjectaltname: `URI:${uri}` } as AuthRequest['peerCertificate'] } : {}),
});
const EDGE = 'spiffe://cluster.local/ns/ingress/sa/edge';

describe('gateway streams', () => {
  it('accepts a gateway whose certificate is of the Gateway\'s namespace', () => {
    const r = authenticate(request(node({ weft_kind: 'gateway', gateway: 'ingress/edge' }), EDGE), 'cluster.local', 'mtls');
    expect(r.ok && r.identity).toBe(EDGE);
  });

  it('refuses a gateway of another namespace, a malformed one, and any on plaintext xDS', () => {
    const other = authenticate(request(node({ weft_kind: 'gateway', gateway: 'shop/edge' }), EDGE), 'cluster.local', 'mtls');
    expect(!other.ok && [other.code, other.message]).toEqual([7, expect.stringContaining('Gateway shop/edge, but the client certificate is spiffe://cluster.local/ns/ingress/sa/edge, of namespace ingress [WEFT6115]')]);
    const bad = authenticate(request(node({ weft_kind: 'gateway', gateway: 'edge' }), EDGE), 'cluster.local', 'mtls');
    expect(!bad.ok && [bad.code, bad.message]).toEqual([3, expect.stringContaining('gateway "edge" is not <namespace>/<name>')]);
    const plain = authenticate(request(node({ namespace: 'ingress', service_account: 'edge', weft_kind: 'gateway', gateway: 'ingress/edge' })), 'cluster.local', 'plaintext');
    expect(!plain.ok && [plain.code, plain.message]).toEqual([7, expect.stringContaining('needs the mTLS xDS port')]);
  });
});

describe('gateway certificates over SDS', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const pair = serverCertificate('shop.example.com');
  const other = serverCertificate('other.example.com');
  dirs.push(pair.dir, other.dir);
  const certDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'weft-gwcerts-'));
    dirs.push(d);
    return d;
  };
  const put = (root: string, ref: string, crt: string, key: string) => {
    mkdirSync(path.join(root, ref), { recursive: true });
    copyFileSync(crt, path.join(root, ref, 'tls.crt'));
    copyFileSync(key, path.join(root, ref, 'tls.key'));
  };

  it('loads a CertificateFile, serves it only with keys and by the name translate gave, and sees it change', async () => {
    const root = certDir();
    put(root, 'ingress/shop', pair.certFile, pair.keyFile);
    const log = memoryLogger();
    const store = await FileGatewayCertificates.open(root, { log, pollMs: 60_000 });
    let changes = 0;
    store.onChange(() => changes++);
    expect(store.certificate('CertificateFile', 'ingress', 'shop')).toBeUndefined();
    await store.refresh();
    const cert = store.certificate('CertificateFile', 'ingress', 'shop')!;
    expect(cert.certPem).toContain('BEGIN CERTIFICATE');
    expect(changes).toBe(1);
    expect(store.certificate('Secret', 'ingress', 'shop')).toBeUndefined();
    const sds = new SecretBuilder(NO_CERTS, store);
    const name = names.gatewayCertSecretName('CertificateFile', 'ingress', 'shop');
    const [secret] = sds.build([name], EDGE, true);
    expect(secret?.name).toBe(name);
    expect(JSON.stringify(secret?.message)).toContain('PRIVATE KEY');
    expect(sds.build([name], EDGE, false)).toEqual([]);
    expect(sds.build(['gateway-cert|CertificateFile|ingress/other'], EDGE, true)).toEqual([]);
    // A renewed pair is read at the next poll and told to listeners once.
    put(root, 'ingress/shop', other.certFile, other.keyFile);
    await store.refresh();
    expect(changes).toBe(2);
    expect(store.certificate('CertificateFile', 'ingress', 'shop')!.certPem).not.toBe(cert.certPem);
    await store.refresh();
    expect(changes).toBe(2);
    store.close();
  });

  it('refuses a key of another certificate, a link out of the directory and a missing file, never logging key material', async () => {
    const root = certDir();
    put(root, 'ingress/mixed', pair.certFile, other.keyFile);
    mkdirSync(path.join(root, 'ingress/linked'), { recursive: true });
    copyFileSync(pair.certFile, path.join(root, 'ingress/linked/tls.crt'));
    symlinkSync(pair.keyFile, path.join(root, 'ingress/linked/tls.key'));
    mkdirSync(path.join(root, 'ingress/half'), { recursive: true });
    writeFileSync(path.join(root, 'ingress/half/tls.crt'), 'not a certificate');
    const log = memoryLogger();
    const store = await FileGatewayCertificates.open(root, { log, pollMs: 60_000 });
    for (const n of ['mixed', 'linked', 'half']) store.certificate('CertificateFile', 'ingress', n);
    await store.refresh();
    for (const n of ['mixed', 'linked', 'half']) expect(store.certificate('CertificateFile', 'ingress', n), n).toBeUndefined();
    const text = log.lines.join('\n');
    expect(text).toContain('tls.key is not the key of the certificate in tls.crt');
    expect(text).toMatch(/ingress\/linked\/tls.key: leads outside the directory/);
    expect(text).toMatch(/ingress\/half\/tls.key: /);
    expect(text.match(/WEFT6116/g)).toHaveLength(3);
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
    store.close();
    await expect(FileGatewayCertificates.open(path.join(root, 'nope'), { log })).rejects.toThrow(/no such directory \[WEFT6117\]/);
  });
});

describe('gateway certificate sources combined', () => {
  it('answers each reference kind from the source that has it, and tells every source\'s changes', () => {
    const cert = (pem: string): GatewayCertificate => ({ certPem: pem, keyPem: 'k' });
    const listeners: (() => void)[] = [];
    const closed: string[] = [];
    const source = (kind: string, pem: string) => ({ certificate: (k: string) => (k === kind ? cert(pem) : undefined), onChange: (l: () => void) => listeners.push(l), close: () => closed.push(kind) });
    const both = combinedGatewayCertificates([source('CertificateFile', 'file'), source('Secret', 'secret')])!;
    expect(both.certificate('CertificateFile', 'a', 'b')?.certPem).toBe('file');
    expect(both.certificate('Secret', 'a', 'b')?.certPem).toBe('secret');
    expect(both.certificate('Other', 'a', 'b')).toBeUndefined();
    let told = 0;
    both.onChange(() => told++);
    listeners.forEach((l) => l());
    expect(told).toBe(2);
    both.close?.();
    expect(closed).toEqual(['CertificateFile', 'Secret']);
    expect(combinedGatewayCertificates([])).toBeUndefined();
  });
});

describe('model changes', () => {
  const gateway = (port: number) => loadPolicyDocuments([{ path: 'g.yaml', text: [
    'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway', 'metadata: { name: edge, namespace: ingress }',
    'spec: { gatewayClassName: weft, listeners: [{ name: a, port: ' + port + ', protocol: HTTP }] }', ''].join('\n') }]);
  const model = (p: ReturnType<typeof gateway>): MeshModel => {
    if (!p.ok) throw new Error('policy rejected');
    return { version: 'x', policy: p.policy as PolicySet, registry: REGISTRY };
  };

  it('re-translates every proxy when a Gateway changes, and none when it is the same', () => {
    const a = model(gateway(80));
    expect(diffModels(a, model(gateway(81))).all).toBe(true);
    expect(diffModels(a, model(gateway(80))).all).toBe(false);
  });
});

const REGISTRY: ServiceRegistry = { version: 'r', services: new Map() };
const NO_CERTS: CertificateSource = {
  certificate: () => undefined, bundle: () => ({ pems: [], sequence: 0 }), onRotate: () => undefined, release: () => undefined,
};
export type { GatewayCertificate };
