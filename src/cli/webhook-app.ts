/**
 * The admission webhook's HTTP app (fastify), built here and listened on by `weft webhook`, so
 * tests drive it with `app.inject()`. Routes:
 * - `POST /inject`: an AdmissionReview v1 in, the review's outcome (`reviewAdmission`) out. The
 *   body is read as text (at most `MAX_REVIEW_BYTES`, else 413) and parsed by `reviewAdmission`,
 *   so a bad body gets weft's WEFT7101 message rather than a framework error.
 * - `GET /healthz`: 200 while the process serves (the Deployment's probes).
 * Nothing here can crash the process: `reviewAdmission` never throws, and fastify answers any
 * other failure with a 4xx/5xx of its own.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { MAX_REVIEW_BYTES, reviewAdmission, type InjectOptions } from '../inject/index.js';

export interface WebhookAppOptions {
  /** The options every review injects with; a function is asked per review (`weft webhook`
   * re-reads its CA bundle and hands the current options). */
  readonly inject: InjectOptions | (() => InjectOptions);
  /** TLS key and certificate (PEM); absent in tests that use `inject()`. */
  readonly https?: { readonly key: string; readonly cert: string };
  /** One line per denied or refused review (default: nowhere). */
  readonly log?: (line: string) => void;
}

export function buildWebhookApp(o: WebhookAppOptions): FastifyInstance {
  // One route table for both servers; fastify types an HTTPS instance apart from an HTTP one.
  const app = (o.https
    ? Fastify({ https: { key: o.https.key, cert: o.https.cert, minVersion: 'TLSv1.2' }, bodyLimit: MAX_REVIEW_BYTES, logger: false })
    : Fastify({ bodyLimit: MAX_REVIEW_BYTES, logger: false })) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  // Every body is text for reviewAdmission, whatever its declared type: the API server sends
  // application/json, and a wrong type deserves the same clear WEFT7101 as a wrong body.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_REVIEW_BYTES }, (_req, body, done) => done(null, body));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.post('/inject', async (request, reply) => {
    const outcome = reviewAdmission(typeof request.body === 'string' ? request.body : '', typeof o.inject === 'function' ? o.inject() : o.inject);
    const response = outcome.body.response as { uid?: string; allowed?: boolean; status?: { message?: string } } | undefined;
    if (outcome.status !== 200) o.log?.(`refused a review: ${String(outcome.body.message)}`);
    else if (response?.allowed === false) o.log?.(`denied ${response.uid}: ${response.status?.message ?? ''}`);
    return reply.status(outcome.status).type('application/json').send(outcome.body);
  });
  return app;
}
