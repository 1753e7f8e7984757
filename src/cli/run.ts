/**
 * Starts weft as `serve` runs it: the control plane, then the admin API over its view and
 * metrics. Refuses an unsafe admin bind before anything starts. Used by `serve` and by the
 * whole-system tests.
 */
import { adminBindProblem, startAdmin, type RunningAdmin } from '../admin/index.js';
import { ControlPlane, StartError, TokenExchange, kubeTokenReviewer, type ControlPlaneConfig } from '../controlplane/index.js';
import { startExchangeServer, type RunningExchange } from './token-exchange-server.js';

export interface WeftConfig extends ControlPlaneConfig {
  readonly admin: { readonly host: string; readonly port: number; readonly token?: string };
  /** Bootstrap certificates for ServiceAccount tokens (needs the Kubernetes registry's kubeconfig). */
  readonly tokenExchange?: { readonly host: string; readonly port: number; readonly audience: string; readonly ttlMs: number };
}

export interface RunningWeft {
  readonly cp: ControlPlane;
  readonly admin: RunningAdmin;
  readonly exchange?: RunningExchange;
  close(): Promise<void>;
}

async function startExchange(c: WeftConfig, cp: ControlPlane): Promise<RunningExchange | undefined> {
  const t = c.tokenExchange;
  if (!t) return undefined;
  if (c.registry.kind !== 'kubernetes') throw new StartError('--token-exchange-port needs --kubernetes (tokens are checked by the API server)');
  const exchange = new TokenExchange({ review: await kubeTokenReviewer(c.registry.kubeconfig), ca: cp.ca, trustDomain: cp.ca.trustDomain, audience: t.audience, ttlMs: t.ttlMs });
  try {
    return await startExchangeServer({ exchange, ca: cp.ca, trustDomain: cp.ca.trustDomain, host: t.host, port: t.port });
  } catch (err) {
    throw new StartError(`cannot start the token exchange on ${t.host}:${t.port}: ${(err as Error).message}`);
  }
}

export async function startWeft(c: WeftConfig): Promise<RunningWeft> {
  const problem = adminBindProblem(c.admin.host, c.admin.token);
  if (problem) throw new StartError(problem);
  const cp = await ControlPlane.start(c);
  try {
    const admin = await startAdmin({ ...c.admin, view: cp.view, metrics: cp.metrics.registry, operations: cp });
    let exchange: RunningExchange | undefined;
    try {
      exchange = await startExchange(c, cp);
    } catch (err) {
      await admin.close();
      throw err;
    }
    return { cp, admin, exchange, close: async () => (await exchange?.close(), await admin.close(), await cp.close()) };
  } catch (err) {
    await cp.close();
    if (err instanceof StartError) throw err;
    const message = (err as Error).message;
    if (/EADDRINUSE/.test(message)) throw new StartError(`admin API port ${c.admin.port} on ${c.admin.host} is already in use (another weft? \`ss -ltnp 'sport = :${c.admin.port}'\` shows who holds it); pick another with --admin-port`);
    throw new StartError(`cannot start the admin API on ${c.admin.host}:${c.admin.port}: ${message}`);
  }
}
