/**
 * Gateway listener certificates from files (`weft serve --gateway-certs DIR`, docs/gateway-api.md
 * "Ingress gateway"): a `CertificateFile` reference `<namespace>/<name>` is
 * `DIR/<namespace>/<name>/tls.crt` (the certificate chain, leaf first) and `tls.key` (its
 * private key), read as files inside DIR only (policy/safe-read.ts rules: no symlink out, regular
 * files, size-capped).
 *
 * Reads are asynchronous and off the publish path: `certificate()` answers from what was loaded and
 * asks for a load of a reference it has not seen; every `pollMs` the loaded files are read again,
 * and a change (a renewed certificate) is told to listeners, which republish the gateway proxies.
 * A pair is served only when the key matches the certificate. Key material is never logged: a
 * problem is logged with the reference and the reason (WEFT6116).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { readFileInside } from '../policy/index.js';
import type { TlsPair } from '../discovery/index.js';
import { ControlPlaneCodes } from './codes.js';
import type { Logger } from './log.js';
import type { GatewayCertificate, GatewayCertificateSource } from './secrets.js';
import { StartError } from './start-error.js';

const MAX_PEM_BYTES = 256 * 1024;

type Loaded = { readonly text: string; readonly cert?: GatewayCertificate; readonly error?: string };

export class FileGatewayCertificates implements GatewayCertificateSource {
  private readonly loaded = new Map<string, Loaded>();
  private readonly wanted = new Set<string>();
  private readonly listeners: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Reads run one after another; each refresh() is one more at the end. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(private readonly root: string, private readonly log: Logger, pollMs: number) {
    this.timer = setInterval(() => void this.refresh(), pollMs);
    this.timer.unref();
  }

  /** Fails (WEFT6117) when `dir` is not a readable directory. */
  static async open(dir: string, o: { readonly log: Logger; readonly pollMs?: number }): Promise<FileGatewayCertificates> {
    const root = await realpath(dir).catch((e: NodeJS.ErrnoException) => {
      throw new StartError(`--gateway-certs ${dir}: ${e.code === 'ENOENT' ? 'no such directory' : e.message} [${ControlPlaneCodes.gatewayCertsDir.code}]`);
    });
    return new FileGatewayCertificates(root, o.log, o.pollMs ?? 2_000);
  }

  certificate(kind: string, namespace: string, name: string): GatewayCertificate | undefined {
    if (kind !== 'CertificateFile') return undefined;
    const key = `${namespace}/${name}`;
    if (!this.wanted.has(key)) {
      this.wanted.add(key);
      void this.refresh();
    }
    return this.loaded.get(key)?.cert;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Reads every wanted pair again, after the reads already asked for; resolves when done. */
  refresh(): Promise<void> {
    this.chain = this.chain.then(() => this.readAll()).catch((e: unknown) => this.log.error('gateway certificates not read', { reason: (e as Error).message }));
    return this.chain;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async readAll(): Promise<void> {
    let changed = false;
    for (const key of [...this.wanted].sort()) {
      const next = await this.read(key);
      if (this.loaded.get(key)?.text === next.text) continue;
      this.loaded.set(key, next);
      changed = true;
      if (next.error) this.log.error('gateway certificate not served', { code: ControlPlaneCodes.gatewayCertificate.code, certificate: `CertificateFile ${key}`, reason: next.error });
      else this.log.info('gateway certificate loaded', { certificate: `CertificateFile ${key}` });
    }
    if (changed) for (const l of this.listeners) l();
  }

  private async read(key: string): Promise<Loaded> {
    const [crt, pem] = await Promise.all(['tls.crt', 'tls.key'].map((f) => readFileInside(this.root, path.join(this.root, key, f), MAX_PEM_BYTES)));
    if (!crt!.ok || !pem!.ok) {
      const which = !crt!.ok ? 'tls.crt' : 'tls.key';
      const refusal = !crt!.ok ? crt!.refusal : (pem as { refusal: { kind: string } }).refusal;
      return { text: `error:${which}:${JSON.stringify(refusal)}`, error: `${path.join(key, which)}: ${describe(refusal)}` };
    }
    const certPem = crt!.bytes.toString('utf8');
    const keyPem = pem!.bytes.toString('utf8');
    const text = `${certPem}\n${keyPem}`;
    const problem = mismatch(certPem, keyPem);
    return problem ? { text, error: problem } : { text, cert: { certPem, keyPem } };
  }
}

/** Why a pair cannot be served (never echoing key material), or undefined. */
function mismatch(certPem: string, keyPem: string): string | undefined {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    return 'tls.crt is not a PEM certificate';
  }
  try {
    return leaf.checkPrivateKey(createPrivateKey(keyPem)) ? undefined : 'tls.key is not the key of the certificate in tls.crt';
  } catch {
    return 'tls.key is not a PEM private key';
  }
}

function describe(r: { kind: string; target?: string; what?: string; reason?: string }): string {
  if (r.kind === 'outside') return `leads outside the directory (${r.target})`;
  if (r.kind === 'not-regular') return `is not a regular file (${r.what})`;
  if (r.kind === 'too-large') return `is larger than ${MAX_PEM_BYTES} bytes`;
  return r.reason ?? 'unreadable';
}

/** What SecretGatewayCertificates reads of discovery's KubernetesTlsSecrets. */
export interface TlsSecretSource {
  start(): Promise<void>;
  tlsPair(namespace: string, name: string): TlsPair | undefined;
  onChange(fn: () => void): void;
  stop(): Promise<void>;
}

/**
 * Gateway listener certificates from Kubernetes TLS Secrets (`kind: Secret`, `weft serve
 * --kubernetes`): the informer's current Secret, its key checked against its certificate once per
 * resourceVersion; a missing or unusable Secret is logged once per problem (WEFT6116). The
 * informer starts when a Gateway first names a Secret, so a mesh without one never lists Secrets.
 */
export class SecretGatewayCertificates implements GatewayCertificateSource {
  private started = false;
  private readonly checked = new Map<string, { readonly version: string; readonly cert?: GatewayCertificate }>();
  private readonly reported = new Map<string, string>();

  constructor(private readonly secrets: TlsSecretSource, private readonly log: Logger) {}

  certificate(kind: string, namespace: string, name: string): GatewayCertificate | undefined {
    if (kind !== 'Secret') return undefined;
    if (!this.started) {
      this.started = true;
      void this.secrets.start();
      return undefined;
    }
    const key = `${namespace}/${name}`;
    const pair = this.secrets.tlsPair(namespace, name);
    if (!pair) return void this.report(key, `no Secret ${key} of type kubernetes.io/tls`);
    const hit = this.checked.get(key);
    if (hit?.version === pair.version) return hit.cert;
    const problem = 'problem' in pair ? pair.problem : mismatch(pair.certPem, pair.keyPem);
    const cert = problem || 'problem' in pair ? undefined : { certPem: pair.certPem, keyPem: pair.keyPem };
    this.checked.set(key, { version: pair.version, ...(cert && { cert }) });
    if (problem) this.report(key, problem);
    else this.reported.delete(key);
    return cert;
  }

  onChange(listener: () => void): void {
    this.secrets.onChange(listener);
  }

  close(): void {
    void this.secrets.stop();
  }

  private report(key: string, reason: string): void {
    if (this.reported.get(key) === reason) return;
    this.reported.set(key, reason);
    this.log.error('gateway certificate not served', { code: ControlPlaneCodes.gatewayCertificate.code, certificate: `Secret ${key}`, reason });
  }
}

/** Each reference kind from the source that serves it (CertificateFile: files; Secret: Kubernetes). */
export function combinedGatewayCertificates(sources: readonly GatewayCertificateSource[]): GatewayCertificateSource | undefined {
  if (sources.length <= 1) return sources[0];
  return {
    certificate: (kind, namespace, name) => {
      for (const s of sources) {
        const c = s.certificate(kind, namespace, name);
        if (c) return c;
      }
      return undefined;
    },
    onChange: (l) => sources.forEach((s) => s.onChange(l)),
    close: () => sources.forEach((s) => s.close?.()),
  };
}
