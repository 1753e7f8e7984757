/**
 * Starts the admin API on a host and port, refusing unsafe combinations before binding.
 */
import type { FastifyInstance } from 'fastify';
import { isLoopbackHost } from './auth.js';
import { buildAdminApp, type AdminAppOptions } from './app.js';

export interface StartAdminOptions extends AdminAppOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 18001; 0 picks a free port. */
  readonly port?: number;
}

export interface RunningAdmin {
  readonly app: FastifyInstance;
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

/** Thrown before binding when the options would expose the API unsafely. */
export class AdminConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminConfigError';
  }
}

/**
 * Why a bind is refused, or undefined when it is allowed. A non-loopback address (including
 * `0.0.0.0` and `::`) needs a token: the API shows every namespace's configuration.
 */
export function adminBindProblem(host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token.length === 0) return 'the admin token is empty; set a non-empty --admin-token or WEFT_ADMIN_TOKEN';
  if (isLoopbackHost(host) || token) return undefined;
  return `refusing to serve the admin API on ${host} without a token: it exposes every proxy's configuration. ` +
    'Set --admin-token <secret> (or the WEFT_ADMIN_TOKEN environment variable), or bind to 127.0.0.1.';
}

/** Builds and binds the admin app. Rejects with `AdminConfigError` before binding if unsafe. */
export async function startAdmin(options: StartAdminOptions): Promise<RunningAdmin> {
  const host = options.host ?? '127.0.0.1';
  const problem = adminBindProblem(host, options.token);
  if (problem) throw new AdminConfigError(problem);
  const app = buildAdminApp(options);
  await app.listen({ host, port: options.port ?? 18001 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 18001;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}`, close: () => app.close() };
}
