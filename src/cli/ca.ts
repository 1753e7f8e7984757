/** `weft ca show`: the CA's trust domain, validity and rotation phase (public material only). */
import { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { CertificateAuthority, formatCaError } from '../ca/index.js';
import { CliError } from './options.js';
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
  return ca;
}
