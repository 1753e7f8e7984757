/**
 * Starts weft as `serve` runs it: the control plane, then the admin API over its view and
 * metrics. Refuses an unsafe admin bind before anything starts. Used by `serve` and by the
 * whole-system tests.
 */
import { adminBindProblem, startAdmin, type RunningAdmin } from '../admin/index.js';
import { ControlPlane, StartError, type ControlPlaneConfig } from '../controlplane/index.js';

export interface WeftConfig extends ControlPlaneConfig {
  readonly admin: { readonly host: string; readonly port: number; readonly token?: string };
}

export interface RunningWeft {
  readonly cp: ControlPlane;
  readonly admin: RunningAdmin;
  close(): Promise<void>;
}

export async function startWeft(c: WeftConfig): Promise<RunningWeft> {
  const problem = adminBindProblem(c.admin.host, c.admin.token);
  if (problem) throw new StartError(problem);
  const cp = await ControlPlane.start(c);
  try {
    const admin = await startAdmin({ ...c.admin, view: cp.view, metrics: cp.metrics.registry, operations: cp });
    return { cp, admin, close: async () => (await admin.close(), await cp.close()) };
  } catch (err) {
    await cp.close();
    const message = (err as Error).message;
    if (/EADDRINUSE/.test(message)) throw new StartError(`admin API port ${c.admin.port} on ${c.admin.host} is already in use (another weft? \`ss -ltnp 'sport = :${c.admin.port}'\` shows who holds it); pick another with --admin-port`);
    throw new StartError(`cannot start the admin API on ${c.admin.host}:${c.admin.port}: ${message}`);
  }
}
