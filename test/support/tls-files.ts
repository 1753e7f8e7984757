/**
 * A throwaway CA and a server certificate for a DNS name and 127.0.0.1, made with the openssl CLI
 * (the webhook and the API server's webhook client need a DNS SAN, which weft's CA does not issue).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsFiles {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caPem: string;
}

export function serverCertificate(dnsName: string): TlsFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-tls-'));
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'),
    '-days', '1', '-subj', '/CN=weft test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', `/CN=${dnsName}`);
  writeFileSync(f('ext.cnf'), `subjectAltName=DNS:${dnsName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  ssl('x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', '1', '-extfile', f('ext.cnf'));
  return { dir, caFile: f('ca.crt'), certFile: f('tls.crt'), keyFile: f('tls.key'), caPem: readFileSync(f('ca.crt'), 'utf8') };
}
