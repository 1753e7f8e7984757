/**
 * The plaintext xDS server (`--insecure-xds`), binding errors as StartErrors that say what to do,
 * and the combination of xDS callback sets; used by ControlPlane.start.
 */
import { PLAINTEXT_XDS_LIMITS, XdsServer, type XdsCallbacks } from '../xds/index.js';
import type { ControlPlaneConfig } from './control-plane.js';
import { isLoopbackHost } from './loopback.js';
import { StartError } from './start-error.js';

export async function startInsecure(options: ConstructorParameters<typeof XdsServer>[0], c: ControlPlaneConfig, started: { close(): Promise<void> }[]) {
  const host = c.xds.insecureHost ?? '127.0.0.1';
  // Anyone who reaches this port is unauthenticated: tighter request, name and size limits.
  const server = new XdsServer({ ...options, limits: PLAINTEXT_XDS_LIMITS });
  const port = await listenOr(server.listen(c.xds.insecurePort, host), 'plaintext xDS', host, c.xds.insecurePort!, '--insecure-xds-port');
  started.push(server);
  c.log.warn(`plaintext xDS is open on ${host}:${port} (--insecure-xds): streams there are not authenticated and never receive private keys; use it for development and proxyless gRPC only`);
  if (!isLoopbackHost(host)) c.log.warn(`plaintext xDS is bound to non-loopback address ${host}: anyone who can reach it can read the configuration of any identity it claims`);
  return { server, port };
}

/** A bind failure as a StartError that says which port, who may hold it, and the flag to change. */
export async function listenOr<T>(bound: Promise<T>, what: string, host: string, port: number, flag: string): Promise<T> {
  try {
    return await bound;
  } catch (err) {
    const message = (err as Error).message;
    if (!/EADDRINUSE/.test(message)) throw new StartError(`cannot listen for ${what} on ${host}:${port}: ${message}`);
    throw new StartError(`${what} port ${port} on ${host} is already in use (another weft? \`ss -ltnp 'sport = :${port}'\` shows who holds it); pick another with ${flag}`);
  }
}

/** Calls each set of callbacks in turn. */
export function combine(...sets: Partial<XdsCallbacks>[]): Partial<XdsCallbacks> {
  const out: Record<string, (...a: unknown[]) => void> = {};
  for (const set of sets) {
    for (const [name, fn] of Object.entries(set) as [string, (...a: unknown[]) => void][]) {
      const prev = out[name];
      out[name] = prev ? (...a) => (prev(...a), fn(...a)) : fn;
    }
  }
  return out as Partial<XdsCallbacks>;
}
