/**
 * What a token-less admin API accepts: the defence against DNS rebinding and cross-site requests.
 *
 * Without a token the API is bound to loopback and trusts whoever can reach it there. A browser
 * on the same machine can reach it too: a page on `evil.example` whose name is re-pointed to
 * 127.0.0.1 (DNS rebinding) is sent with `Host: evil.example:18001`, and any page may POST to
 * `http://127.0.0.1:18001` directly (CSRF). So, without a token:
 *
 * - every request must name a loopback host: `localhost`, a 127.0.0.0/8 address or `[::1]`
 *   (also `[::ffff:127.x.x.x]`), each with or without a port; otherwise 421
 *   `WEFT_ADMIN_HOST_NOT_ALLOWED`. Subdomains of `localhost` and `localhost.` are refused: whether
 *   they resolve to loopback depends on the resolver, and nobody needs them to reach this API.
 * - a request with any other method than GET or HEAD must also be same-origin: `Origin`, when
 *   present, must be `http://` + the request's own Host; `Sec-Fetch-Site`, when present, must be
 *   `same-origin` or `none`; otherwise 403 `WEFT_ADMIN_CROSS_ORIGIN`. Tools (the CLI, curl) send
 *   neither header and pass.
 *
 * With a token none of this applies: every request needs the token (auth.ts), which a browser on
 * another origin cannot send without a CORS preflight, and this API answers no preflight.
 */
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost } from './auth.js';
import { AdminCode, errorBody } from './errors.js';

const BRACKETED = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/;
const NAMED = /^([^:[\]\s]+)(?::(\d{1,5}))?$/;

/**
 * The host part of a `Host` header value (`name`, `name:port`, `[v6]`, `[v6]:port`), or undefined
 * when the value is not of that form (a bare or bracketed-IPv4 address, an empty or non-numeric port).
 */
export function hostOfAuthority(value: string): string | undefined {
  const bracketed = BRACKETED.exec(value);
  const m = bracketed ?? NAMED.exec(value);
  if (!m?.[1] || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  if (!bracketed) return m[1];
  return isIP(m[1]) === 6 ? `[${m[1]}]` : undefined;
}

/** True when a `Host` header names this machine's loopback interface (see the module comment). */
export function isLoopbackAuthority(value: string | undefined): boolean {
  const host = value === undefined ? undefined : hostOfAuthority(value);
  return host !== undefined && isLoopbackHost(host);
}

/** `host` as a URL would hold it (lower case, default port dropped), or undefined. */
function normalisedHost(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).host;
  } catch {
    return undefined;
  }
}

/**
 * True when `origin` is exactly the origin a browser sends for a page of this API reached under
 * `host`: `http://` + that host, serialised as browsers do (lower case, no default port, no path).
 */
export function isSameOrigin(origin: string, host: string): boolean {
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false;
  }
  if (given.protocol !== 'http:' || given.origin !== origin || !isLoopbackHost(given.hostname)) return false;
  return given.host === normalisedHost(host);
}

/** Why a state-changing request looks cross-origin, or undefined when it does not. */
export function crossOriginProblem(headers: FastifyRequest['headers']): string | undefined {
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (origin !== undefined && !isSameOrigin(origin, headers.host ?? '')) return `Origin ${JSON.stringify(origin.slice(0, 200))} is not this API's own origin`;
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is "${site.slice(0, 40)}"`;
  return undefined;
}

const refuseTail = 'without --admin-token the admin API answers only loopback names (localhost, 127.0.0.1, [::1]) and same-origin requests; ' +
  'use http://127.0.0.1:<port>, or set --admin-token (WEFT_ADMIN_TOKEN) and send it';

/** An `onRequest` hook: 421 unless the `Host` header is a loopback name or address. */
export async function requireLoopbackHost(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const host = request.headers.host;
  if (isLoopbackAuthority(host)) return;
  const named = host === undefined ? 'no Host header' : `Host ${JSON.stringify(host.slice(0, 200))} is not a loopback name`;
  await reply.status(421).type('application/json').send(errorBody(AdminCode.HostNotAllowed, `${named}: ${refuseTail}`));
}

/** An `onRequest` hook: 403 for a non-GET/HEAD request that a browser sent from another origin. */
export async function requireSameOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const problem = crossOriginProblem(request.headers);
  if (problem === undefined) return;
  await reply.status(403).type('application/json').send(errorBody(AdminCode.CrossOrigin, `refusing ${request.method}: ${problem}; ${refuseTail}`));
}
