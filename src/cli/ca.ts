/** `weft ca show`: the CA's trust domain, validity and rotation phase (public material only). */
import { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { CertificateAuthority, formatCaError } from '../ca/index.js';
import { AdminClient, AdminClientError } from './admin-client.js';
import { CliError, UsageError } from './errors.js';
import { renderTable } from './table.js';

export function caCommand(): Command {
  const ca = new Command('ca').description('inspect the certificate authority');
  ca.command('show')
    .description('show the trust bundle and its validity (creates the development CA if absent)')
    .option('--state-dir <dir>', "weft serve's state directory", '.weft')
    .option('--trust-domain <domain>', 'trust domain', 'cluster.local')
    .option('--pem', 'print the trust bundle PEM')
    .action(async (f: { stateDir: string; trustDomain: string; pem?: boolean }) => {
      const opened = await CertificateAuthority.open(path.join(f.stateDir, 'ca'), { trustDomain: f.trustDomain });
      if (!opened.ok) throw new CliError(`cannot open the CA in ${f.stateDir}: ${formatCaError(opened.error)}`);
      const bundle = opened.value.trustBundle();
      if (f.pem) {
        process.stdout.write(bundle.pems.join(''));
        return;
      }
      const rows = bundle.pems.map((pem) => {
        const c = new X509Certificate(pem);
        return [c.subject.replace(/\n/g, ', '), c.validFrom, c.validTo, c.fingerprint256.slice(0, 23)];
      });
      process.stdout.write(renderTable(['SUBJECT', 'NOT BEFORE', 'NOT AFTER', 'SHA-256'], rows));
      process.stdout.write(`trust domain ${opened.value.trustDomain}, bundle sequence ${bundle.sequence}, rotation ${JSON.stringify(opened.value.rotationPhase() ?? 'operator-managed')}\n`);
      for (const w of opened.value.expiryWarnings()) process.stdout.write(`warning: ${w}\n`);
    });
  ca.command('rotate')
    .description('take one root rotation step on the running weft: begin (trust old+new), then advance (sign with new), then advance (drop old)')
    .argument('<step>', 'begin | advance')
    .option('--admin-url <url>', 'weft admin API (default $WEFT_ADMIN_URL or http://127.0.0.1:18001)')
    .option('--admin-token <token>', 'bearer token (default $WEFT_ADMIN_TOKEN)')
    .action(async (step: string, f: { adminUrl?: string; adminToken?: string }) => {
      if (step !== 'begin' && step !== 'advance') throw new UsageError(`step must be begin or advance, not "${step}"`);
      const client = new AdminClient(f);
      try {
        const r = await client.post<{ phase: Record<string, string>; bundleSequence: number }>('/api/v1/ca/rotation', { step });
        process.stdout.write(`root rotation: now ${r.phase.phase} (bundle sequence ${r.bundleSequence}); ${nextStep(r.phase.phase)}\n`);
      } catch (err) {
        if (err instanceof AdminClientError) throw new CliError(err.status === 409 ? `${err.message}\nwait until \`weft status\` shows SDS SYNCED for them, then run it again` : err.message);
        throw err;
      }
    });
  return ca;
}

function nextStep(phase: string | undefined): string {
  if (phase === 'trust-both') return 'when every proxy shows SDS SYNCED, run `weft ca rotate advance`';
  if (phase === 'sign-with-new') return 'workload certificates are being re-issued; when SYNCED, run `weft ca rotate advance` to drop the old root';
  return 'rotation complete';
}
