/**
 * The admin API's errors, defined once with stable codes, and the fastify handlers that turn
 * every failure into `{ error: { code, message } }`.
 *
 * Contract: bad input never produces a 5xx. Fastify's own request errors (malformed JSON, body
 * over the limit, unsupported content type, schema validation) carry a 4xx `statusCode` and are
 * mapped to a WEFT_ADMIN code here; anything else is a fault in weft, answered with 500 and a
 * message that does not echo internals (the detail goes to the log).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Stable codes; clients and tests match on these, never on message text. See docs/api.md. */
export const AdminCode = {
  Unauthorized: 'WEFT_ADMIN_UNAUTHORIZED',
  /** 421: no token, and the Host header is not a loopback name (DNS rebinding). */
  HostNotAllowed: 'WEFT_ADMIN_HOST_NOT_ALLOWED',
  /** 403: no token, and a non-GET/HEAD request came from a browser on another origin. */
  CrossOrigin: 'WEFT_ADMIN_CROSS_ORIGIN',
  NotFound: 'WEFT_ADMIN_NOT_FOUND',
  UnknownProxy: 'WEFT_ADMIN_UNKNOWN_PROXY',
  BadRequest: 'WEFT_ADMIN_BAD_REQUEST',
  MalformedBody: 'WEFT_ADMIN_MALFORMED_BODY',
  BodyTooLarge: 'WEFT_ADMIN_BODY_TOO_LARGE',
  UnsupportedMediaType: 'WEFT_ADMIN_UNSUPPORTED_MEDIA_TYPE',
  Conflict: 'WEFT_ADMIN_CONFLICT',
  Unavailable: 'WEFT_ADMIN_UNAVAILABLE',
  Internal: 'WEFT_ADMIN_INTERNAL',
} as const;

export type AdminCode = (typeof AdminCode)[keyof typeof AdminCode];

/** An error a route handler throws on purpose; the error handler answers with its status. */
export class AdminError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: AdminCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export function errorBody(code: AdminCode, message: string): { error: { code: AdminCode; message: string } } {
  return { error: { code, message } };
}

/** Maps a fastify framework error (always a client error when it has a 4xx status) to a code. */
function classify(err: FastifyError): { status: number; code: AdminCode; message: string } {
  if (err instanceof AdminError) return { status: err.statusCode, code: err.code, message: err.message };
  if (err.validation) return { status: 400, code: AdminCode.BadRequest, message: `invalid request: ${err.message}` };
  const status = err.statusCode ?? 500;
  if (status === 413) return { status, code: AdminCode.BodyTooLarge, message: 'request body is larger than the 1 MiB limit' };
  if (status === 415) {
    return { status, code: AdminCode.UnsupportedMediaType, message: 'send application/json, or application/yaml to /api/v1/validate' };
  }
  if (status >= 400 && status < 500) {
    const malformed = /JSON|body/i.test(err.code ?? '') || /JSON/.test(err.message);
    return { status: 400, code: malformed ? AdminCode.MalformedBody : AdminCode.BadRequest, message: err.message };
  }
  return { status: 500, code: AdminCode.Internal, message: 'internal error in the weft admin API; see the server log' };
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, code, message } = classify(err);
  if (status >= 500) request.log.error({ err }, 'admin API handler failed');
  void reply.status(status).type('application/json').send(errorBody(code, message));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = (request.url.split('?')[0] ?? '').slice(0, 200);
  const message = `no route ${request.method} ${path}; see GET /openapi.json`;
  void reply.status(404).type('application/json').send(errorBody(AdminCode.NotFound, message));
}
