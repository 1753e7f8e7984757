/**
 * `weft agent`: the init step of an injected pod (token identity). It reads the pod's projected
 * ServiceAccount token (audience `weft`), exchanges it at weft's token exchange for a short-lived
 * bootstrap certificate, and writes `cert.pem`, `key.pem` (0600) and `ca.pem` where the proxy's
 * bootstrap expects them, then exits. docs/security.md "Bootstrap identity" has the threat model.
 *
 * The exchange's server certificate is checked against `--ca-file` (the mesh trust bundle the
 * injector put in the pod) and must carry the control plane's SPIFFE ID, as Envoy checks the xDS
 * server; the token is never sent to anyone else. Refusals (401/403/400) fail at once with weft's
 * message; rate limiting (429), an unavailable API server (503) and connection errors are retried
 * with backoff until `--timeout`.
 */
import { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { controlPlaneIdentity } from '../controlplane/index.js';
import { CliError, UsageError } from './errors.js';
import { durationOption } from './options.js';
import { EXCHANGE_PATH } from './token-exchange-server.js';

interface Flags {
  tokenFile: string;
  caFile: string;
  exchangeAddress: string;
  trustDomain: string;
  out: string;
  namespace?: string;
  serviceAccount?: string;
  timeout: number;
}

interface Issued { spiffeId: string; certPem: string; keyPem: string; caPem: string; notAfter: string }

export function agentCommand(): Command {
  return new Command('agent')
    .description("exchange the pod's ServiceAccount token for its bootstrap certificate (the injected init step)")
    .option('--token-file <file>', 'projected ServiceAccount token (audience weft)', '/var/run/secrets/weft/token')
    .option('--ca-file <file>', 'mesh trust bundle the exchange is checked against', '/etc/weft/bootstrap/ca.pem')
    .option('--exchange-address <host:port>', "weft's token exchange", 'weft.weft-system.svc:18003')
    .option('--trust-domain <domain>', 'trust domain (the exchange must present the control plane identity in it)', 'cluster.local')
    .option('--out <dir>', 'where to write cert.pem, key.pem and ca.pem', '/etc/weft/certs')
    .option('--namespace <ns>', 'expected namespace (refused unless the token is of it)')
    .option('--service-account <sa>', 'expected service account (refused unless the token is of it)')
    .addOption(durationOption('--timeout <duration>', 'give up after this long', '2m'))
    .action(async (f: Flags) => {
      const m = /^(.+):(\d+)$/.exec(f.exchangeAddress);
      if (!m) throw new UsageError(`--exchange-address "${f.exchangeAddress}" is not host:port`);
      const [token, ca] = await Promise.all([readText('--token-file', f.tokenFile), readText('--ca-file', f.caFile)]);
      const body = JSON.stringify({ token: token.trim(), ...(f.namespace ? { namespace: f.namespace } : {}), ...(f.serviceAccount ? { serviceAccount: f.serviceAccount } : {}) });
      const issued = await exchangeWithRetry({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), ca, identity: controlPlaneIdentity(f.trustDomain), body }, f.timeout);
      await writeFiles(f.out, issued);
      process.stdout.write(`wrote the bootstrap certificate of ${issued.spiffeId} (until ${issued.notAfter}) to ${f.out}\n`);
    });
}

async function readText(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag} ${file}: ${(err as Error).message}`);
  }
}

interface Target { host: string; port: number; ca: string; identity: string; body: string }
type Attempt = { ok: true; issued: Issued } | { ok: false; retry: boolean; message: string };

async function exchangeWithRetry(t: Target, timeoutMs: number): Promise<Issued> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    const r = await attempt(t);
    if (r.ok) return r.issued;
    if (!r.retry || Date.now() + delay > deadline) throw new CliError(`token exchange at ${t.host}:${t.port} failed: ${r.message}`);
    process.stderr.write(`weft agent: ${r.message}; retrying in ${delay} ms\n`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The server must present `identity` as a URI SAN, chained to the pod's trust bundle. */
function checkIdentity(identity: string) {
  return (_host: string, cert: { raw: Buffer }): Error | undefined => {
    const san = new X509Certificate(cert.raw).subjectAltName ?? '';
    return san.split(', ').includes(`URI:${identity}`) ? undefined : new Error(`the server is not ${identity} (SAN ${san})`);
  };
}

function attempt(t: Target): Promise<Attempt> {
  return new Promise((resolve) => {
    const req = request({ host: t.host, port: t.port, path: EXCHANGE_PATH, method: 'POST', ca: t.ca, checkServerIdentity: checkIdentity(t.identity),
      headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c.length + text.length > 1 << 20 ? '' : c)).on('end', () => {
        const status = res.statusCode ?? 0;
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch { /* reported below */ }
        if (status === 200 && typeof parsed.certPem === 'string' && typeof parsed.keyPem === 'string' && typeof parsed.caPem === 'string') {
          resolve({ ok: true, issued: parsed as unknown as Issued });
        } else {
          resolve({ ok: false, retry: status === 429 || status >= 500, message: `HTTP ${status}: ${String(parsed.message ?? text.slice(0, 200))}${parsed.code ? ` [${String(parsed.code)}]` : ''}` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ ok: false, retry: !/is not spiffe|certificate|self.signed|SAN/.test(err.message), message: err.message }));
    req.end(t.body);
  });
}

/** Each file written to a temporary name and renamed, so a reader never sees half a file. */
async function writeFiles(dir: string, s: Issued): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, text, mode] of [['cert.pem', s.certPem, 0o644], ['ca.pem', s.caPem, 0o644], ['key.pem', s.keyPem, 0o600]] as const) {
    const tmp = path.join(dir, `.${name}.tmp`);
    await writeFile(tmp, text, { mode });
    await rename(tmp, path.join(dir, name));
  }
}
