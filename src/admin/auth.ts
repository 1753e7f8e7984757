/**
 * Who may use the admin API.
 *
 * The admin API shows every proxy's configuration in every namespace, so it is an operator
 * surface: by default it binds to loopback only. Binding any other address requires a bearer
 * token (REFERENCE.md §2: debug endpoints that served other namespaces' config). With a token,
 * every route except the probes (`/healthz`, `/readyz`, which kubelets call without credentials
 * and which reveal nothing) requires `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminCode, errorBody } from './errors.js';

/** Routes open without a token: liveness and readiness probes, and the service map's static page
 * (no mesh data in it; it reads `/api/v1/graph` with the token, which stays guarded). */
export const publicPaths: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/ui', '/ui/map.js', '/ui/map.css']);

/**
 * Compares two secrets in time independent of where they differ. Hashing first gives equal
 * lengths, so the length of the expected token does not leak either.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** An `onRequest` hook that answers 401 unless the request carries the token. */
export function requireToken(token: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = request.url.split('?')[0] ?? '';
    if (publicPaths.has(path)) return;
    const given = bearerToken(request.headers.authorization);
    if (given !== undefined && secretsEqual(given, token)) return;
    const message = given === undefined
      ? 'missing bearer token: send "Authorization: Bearer <token>" (the token weft serve was given with --admin-token or WEFT_ADMIN_TOKEN)'
      : 'wrong bearer token';
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="weft-admin"')
      .type('application/json')
      .send(errorBody(AdminCode.Unauthorized, message));
  };
}

export { isLoopbackHost } from '../controlplane/index.js';
