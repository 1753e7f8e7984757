/**
 * `npx tsx bench/ca.ts [--n 20000] [--rounds 5] [--peculiar-n 300]` (or `npm run bench -- ca`):
 * X.509-SVID issuance on one core, keys included (PERFORMANCE.md `ca` row: ≥ 2,000/s per core).
 *
 * Reports the median of rounds in wall-clock certs/s and in certs per CPU-second of this process
 * (the machines are shared; CPU time is the steadier figure), the node:crypto floors measured in the
 * same run (raw P-256 key generation alone, signing alone), and @peculiar/x509 doing the same job, which
 * is the comparison behind writing our own DER template. Writes bench/results/ca.json.
 */
import 'reflect-metadata'; // tsyringe, under @peculiar/x509, needs a Reflect metadata polyfill
import { createECDH, generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { CertificateAuthority } from '../src/ca/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 20_000);
const ROUNDS = arg('rounds', 5);
const PECULIAR_N = arg('peculiar-n', 300);
const TD = 'cluster.local';

interface Rate {
  wall: number;
  cpu: number;
}

/** Runs `fn` `count` times and returns operations per wall second and per CPU second. */
async function rate(count: number, fn: (i: number) => unknown | Promise<unknown>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall: count / wall, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function rounds(label: string, count: number, n: number, fn: (i: number) => unknown): Promise<{ wall: number; cpu: number; all: number[] }> {
  await rate(Math.min(200, count), fn); // warm-up: JIT, OpenSSL tables
  const r: Rate[] = [];
  for (let k = 0; k < n; k++) r.push(await rate(count, fn));
  const out = { wall: median(r.map((x) => x.wall)), cpu: median(r.map((x) => x.cpu)), all: r.map((x) => Math.round(x.wall)) };
  console.log(`${label.padEnd(34)} ${Math.round(out.wall).toString().padStart(7)}/s wall  ${Math.round(out.cpu).toString().padStart(7)}/CPU-s  rounds ${out.all.join(' ')}`);
  return out;
}

async function peculiarIssuer(caCertPem: string, caKeyPem: string) {
  x509.cryptoProvider.set(webcrypto as never);
  const subtle = webcrypto.subtle;
  const der = Buffer.from(caKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const caKey = await subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const caCert = new x509.X509Certificate(caCertPem);
  const aki = await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey);
  return async (i: number) => {
    const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
      subject: '', issuer: caCert.subject, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000),
      publicKey: keys.publicKey, signingKey: caKey, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        aki,
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${TD}/ns/bench/sa/sa-${i}` }], true),
      ],
    });
    cert.toString('pem');
    await subtle.exportKey('pkcs8', keys.privateKey);
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'weft-bench-ca-'));
  const opened = await CertificateAuthority.open(path.join(dir, 'ca'), { trustDomain: TD });
  if (!opened.ok) throw new Error(opened.error.message);
  const ca = opened.value;
  const per = Math.ceil(N / ROUNDS);
  console.log(`ca bench: ${N} SVIDs in ${ROUNDS} rounds on one core; node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]!.toFixed(1)}`);
  const weft = await rounds('weft (DER template + node:crypto)', per, ROUNDS, (i) => {
    const r = ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/bench/sa/sa-${i}` });
    if (!r.ok) throw new Error(r.error.message);
  });
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const keygen = await rounds('floor: P-256 keygen only (ECDH)', per, 3, () => createECDH('prime256v1').generateKeys());
  const tbs = Buffer.alloc(420, 7);
  const signing = await rounds('floor: ECDSA P-256 sign only', per, 3, () => sign('sha256', tbs, key));
  const { readFileSync } = await import('node:fs');
  const issue = await peculiarIssuer(ca.trustBundle().pems[0]!, readFileSync(path.join(dir, 'ca', 'ca.key'), 'utf8'));
  const peculiar = await rounds('@peculiar/x509 (same profile)', Math.ceil(PECULIAR_N / 3), 3, issue);
  const result = {
    certs_per_s: Math.round(weft.wall),
    certs_per_cpu_s: Math.round(weft.cpu),
    rounds: ROUNDS,
    round_certs_per_s: weft.all,
    n: per * ROUNDS,
    peculiar_certs_per_s: Math.round(peculiar.wall),
    peculiar_n: Math.ceil(PECULIAR_N / 3) * 3,
    floor_keygen_per_s: Math.round(keygen.wall),
    floor_sign_per_s: Math.round(signing.wall),
    target_certs_per_s: 2000,
    load_average: Number(os.loadavg()[0]!.toFixed(2)),
    node: process.version,
    cpus: os.cpus().length,
    date: new Date().toISOString(),
  };
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'ca.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`weft ${result.certs_per_s}/s vs @peculiar/x509 ${result.peculiar_certs_per_s}/s (${(weft.wall / peculiar.wall).toFixed(0)}x); wrote bench/results/ca.json`);
}

await main();
