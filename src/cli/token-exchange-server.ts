/**
 * The HTTPS endpoint of the token exchange (controlplane/token-exchange.ts), served by
 * `weft serve --token-exchange-port`: `POST /v1/bootstrap-certificate` with
 * `{"token": "..."}` returns the pod's bootstrap certificate, key and trust bundle.
 *
 * TLS: a certificate of the control plane's identity (`spiffe://<td>/ns/weft-system/sa/weft`)
 * from weft's CA, re-issued at half its life; `weft agent` checks that URI SAN against the trust
 * bundle the injector put in the pod, as Envoy checks the xDS server. No client certificate: the
 * pod has none yet, the token is the credential.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { controlPlaneIdentity, MAX_EXCHANGE_BYTES, type TokenExchange } from '../controlplane/index.js';
import type { CertificateAuthority } from '../ca/index.js';

export const EXCHANGE_PATH = '/v1/bootstrap-certificate';
const SERVING_TTL_MS = 24 * 3600 * 1000;

export interface RunningExchange {
  readonly port: number;
  close(): Promise<void>;
}

/** The app, over a given TLS pair (tests may omit TLS and use `inject()`). */
export function buildExchangeApp(exchange: TokenExchange, tls?: { key: string; cert: string }): FastifyInstance {
  const app = (tls
    ? Fastify({ https: { ...tls, minVersion: 'TLSv1.2' }, bodyLimit: MAX_EXCHANGE_BYTES, logger: false })
    : Fastify({ bodyLimit: MAX_EXCHANGE_BYTES, logger: false })) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_EXCHANGE_BYTES }, (_req, body, done) => done(null, body));
  app.post(EXCHANGE_PATH, async (request, reply) => {
    const out = await exchange.exchange(typeof request.body === 'string' ? request.body : '', request.ip);
    if (out.retryAfter !== undefined) reply.header('retry-after', String(out.retryAfter));
    return reply.status(out.status).type('application/json').send(out.body);
  });
  return app;
}

/** Listens with a serving certificate from `ca`, renewed at half its life. */
export async function startExchangeServer(o: { exchange: TokenExchange; ca: CertificateAuthority; trustDomain: string; host: string; port: number }): Promise<RunningExchange> {
  const issue = () => {
    const r = o.ca.issueSvid({ spiffeId: controlPlaneIdentity(o.trustDomain), ttlMs: SERVING_TTL_MS });
    if (!r.ok) throw new Error(`the CA refused the token exchange's serving certificate: ${r.error.message}`);
    return { cert: r.svid.certPem + r.svid.chainPem, key: r.svid.keyPem };
  };
  const app = buildExchangeApp(o.exchange, issue());
  await app.listen({ host: o.host, port: o.port });
  const renew = setInterval(() => {
    try {
      (app.server as unknown as { setSecureContext(c: object): void }).setSecureContext(issue());
    } catch { /* the current certificate stays until the CA issues again */ }
  }, SERVING_TTL_MS / 2);
  renew.unref();
  const port = (app.server.address() as { port: number }).port;
  return { port, close: async () => (clearInterval(renew), await app.close()) };
}
