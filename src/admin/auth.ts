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
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminCode, errorBody } from './errors.js';

/** Routes open without a token: liveness and readiness probes. */
export const publicPaths: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

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

/**
 * True for `localhost`, 127.0.0.0/8 and ::1, and for 127.0.0.0/8 mapped into IPv6 (written
 * `::ffff:127.0.0.1` or, as URLs normalise it, `::ffff:7f00:1`). Brackets are ignored.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(h);
  return false;
}
