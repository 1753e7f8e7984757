/**
 * `weft webhook --tls-cert F --tls-key F [inject flags]`: serves the mutating admission webhook
 * over HTTPS until SIGINT/SIGTERM (docs/deploy.md "Admission webhook"). It injects with the same
 * flags and the same code (`planPod`) as `weft inject`.
 *
 * A command of its own rather than a flag of `weft serve`: the webhook needs only the injection
 * options and a serving certificate, no CA key, no policy and no API watches, so it runs with
 * the least privilege (no RBAC at all) and scales and rolls out apart from the control plane; the
 * API server's `failurePolicy` then decides what a webhook outage means, not an xDS restart.
 * The certificate files are re-read every minute and a changed pair is applied to new
 * connections (cert-manager or a Secret update rotates it without a restart); so is `--ca-bundle`,
 * whose roots every later injection carries (a root rotation reaches new pods without a restart).
 */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CliError, UsageError } from './errors.js';
import type { InjectOptions } from '../inject/index.js';
import { addInjectOptions, readCaBundle, toInjectOptions, type InjectFlags } from './inject-options.js';
import { port } from './options.js';
import { buildWebhookApp } from './webhook-app.js';

interface Flags extends InjectFlags {
  tlsCert: string;
  tlsKey: string;
  host: string;
  port: number;
}

const RELOAD_MS = 60_000;

export function webhookCommand(): Command {
  const cmd = new Command('webhook')
    .description('serve the mutating admission webhook that injects the sidecar into new Pods (HTTPS, AdmissionReview v1)')
    .requiredOption('--tls-cert <file>', 'serving certificate (PEM, with its chain); its SANs must name the webhook Service, e.g. weft-webhook.weft-system.svc')
    .requiredOption('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--host <addr>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on', port('--port'), 9443);
  return addInjectOptions(cmd).action(async (f: Flags) => {
    let inject = toInjectOptions(f);
    let pair = await readPair(f);
    const app = buildWebhookApp({ inject: () => inject, https: pair, log: (line) => process.stderr.write(`webhook: ${line}\n`) });
    try {
      await app.listen({ host: f.host, port: f.port });
    } catch (err) {
      throw new CliError(`cannot listen on ${f.host}:${f.port}: ${(err as Error).message}`);
    }
    process.stderr.write(`weft webhook: serving POST https://${f.host}:${f.port}/inject\n`);
    const reload = setInterval(() => {
      void readPair(f).then((next) => {
        if (next.cert === pair.cert && next.key === pair.key) return;
        (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ key: next.key, cert: next.cert });
        pair = next;
        process.stderr.write('weft webhook: serving certificate reloaded\n');
      }, (err: Error) => process.stderr.write(`weft webhook: keeping the current certificate: ${err.message}\n`));
      inject = reloadedBundle(f, inject);
    }, RELOAD_MS);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    clearInterval(reload);
    await app.close();
  });
}

/** `inject` with `--ca-bundle` read again: the same object while the roots are unchanged, and
 * when the path cannot be read (said on stderr). */
export function reloadedBundle(f: Pick<InjectFlags, 'caBundle'>, inject: InjectOptions, say: (line: string) => void = (l) => process.stderr.write(l)): InjectOptions {
  if (f.caBundle === undefined) return inject;
  try {
    const caBundle = readCaBundle(f.caBundle);
    if (caBundle === inject.caBundle) return inject;
    say(`weft webhook: CA bundle reloaded (${caBundle.split('-----BEGIN CERTIFICATE-----').length - 1} certificates)\n`);
    return { ...inject, caBundle };
  } catch (err) {
    say(`weft webhook: keeping the current CA bundle: ${(err as Error).message}\n`);
    return inject;
  }
}

async function readPair(f: Flags): Promise<{ cert: string; key: string }> {
  const read = async (flag: string, file: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${flag} ${file}: ${(err as Error).message}`);
    }
  };
  return { cert: await read('--tls-cert', f.tlsCert), key: await read('--tls-key', f.tlsKey) };
}
