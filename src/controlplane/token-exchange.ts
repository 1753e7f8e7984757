/**
 * Bootstrap certificates from ServiceAccount tokens (docs/security.md "Bootstrap identity").
 * A pod's `weft agent` sends its projected ServiceAccount token (audience `weft`); weft asks the
 * API server (TokenReview, with weft's audience) who the token belongs to and returns a
 * short-lived bootstrap certificate for exactly that pod's identity,
 * `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. The identity comes from the
 * review alone: a request may name the identity it expects, and a mismatch is refused, but it can
 * never choose another one.
 *
 * Bounded: bodies of at most 16 KiB, a token bucket per client address and one for everyone, and
 * at most `maxInFlight` TokenReviews at a time; beyond them a 429 with `Retry-After`, before any
 * call to the API server. The client table is capped (oldest entries evicted). Never throws.
 */
import type { CertificateAuthority } from '../ca/index.js';
import { workloadId, formatSpiffeId } from '../ca/index.js';
import { ControlPlaneCodes as C } from './codes.js';

/** The part of a TokenReview's status weft reads. */
export interface TokenReviewResult {
  readonly authenticated: boolean;
  readonly username?: string;
  /** The audiences the API server found in the token among those asked for. */
  readonly audiences?: readonly string[];
  readonly error?: string;
}

/** Asks the API server about a token (authentication.k8s.io/v1 TokenReview). Rejects on transport errors. */
export type TokenReviewer = (token: string, audiences: readonly string[]) => Promise<TokenReviewResult>;

export interface TokenExchangeOptions {
  readonly review: TokenReviewer;
  readonly ca: Pick<CertificateAuthority, 'issueBootstrapCert' | 'trustBundle'>;
  readonly trustDomain: string;
  readonly audience: string;
  readonly ttlMs: number;
  /** Requests per second per client address (burst twice that); default 5. */
  readonly ratePerClient?: number;
  /** Requests per second for all clients together (burst twice that); default 100. */
  readonly rateTotal?: number;
  /** TokenReviews in flight at once; default 32. */
  readonly maxInFlight?: number;
  readonly clock?: () => number;
}

export interface ExchangeOutcome {
  readonly status: 200 | 400 | 401 | 403 | 429 | 503;
  readonly body: Record<string, unknown>;
  /** Seconds, with 429. */
  readonly retryAfter?: number;
}

export const MAX_EXCHANGE_BYTES = 16 * 1024;
const MAX_CLIENTS = 10_000;
const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

class Bucket {
  private tokens: number;
  private at: number;
  constructor(private readonly rate: number, now: number) {
    this.tokens = rate * 2;
    this.at = now;
  }
  /** Takes one token; false when empty. */
  take(now: number): boolean {
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class TokenExchange {
  private readonly clients = new Map<string, Bucket>();
  private readonly total: Bucket;
  private inFlight = 0;
  private readonly clock: () => number;

  constructor(private readonly o: TokenExchangeOptions) {
    this.clock = o.clock ?? Date.now;
    this.total = new Bucket(o.rateTotal ?? 100, this.clock());
  }

  /** One request: `raw` is the body as received, `client` the caller's address. */
  async exchange(raw: string, client: string): Promise<ExchangeOutcome> {
    const limited = this.admit(client);
    if (limited) return limited;
    const req = parseRequest(raw);
    if (typeof req === 'string') return fail(400, C.exchangeBadRequest.code, req);
    this.inFlight++;
    let review: TokenReviewResult;
    try {
      review = await this.o.review(req.token, [this.o.audience]);
    } catch (err) {
      return fail(503, C.exchangeReviewFailed.code, `TokenReview failed: ${(err as Error).message}`);
    } finally {
      this.inFlight--;
    }
    return this.decide(review, req);
  }

  private admit(client: string): ExchangeOutcome | undefined {
    const now = this.clock();
    let bucket = this.clients.get(client);
    if (!bucket) {
      if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
      bucket = new Bucket(this.o.ratePerClient ?? 5, now);
      this.clients.set(client, bucket);
    }
    const busy = this.inFlight >= (this.o.maxInFlight ?? 32);
    if (busy || !bucket.take(now) || !this.total.take(now)) {
      return { ...fail(429, C.exchangeRateLimited.code, busy ? 'too many token reviews in flight' : 'too many requests'), retryAfter: 1 };
    }
    return undefined;
  }

  private decide(review: TokenReviewResult, req: ExchangeRequest): ExchangeOutcome {
    if (!review.authenticated) return fail(401, C.exchangeUnauthenticated.code, `the API server did not authenticate the token${review.error ? `: ${review.error}` : ''}`);
    if (!(review.audiences ?? []).includes(this.o.audience)) {
      return fail(403, C.exchangeWrongAudience.code, `the token's audiences do not include "${this.o.audience}"`);
    }
    const m = SA_USER.exec(review.username ?? '');
    if (!m) return fail(403, C.exchangeForbidden.code, `"${review.username ?? ''}" is not a ServiceAccount`);
    const [, namespace, serviceAccount] = m as unknown as [string, string, string];
    if ((req.namespace !== undefined && req.namespace !== namespace) || (req.serviceAccount !== undefined && req.serviceAccount !== serviceAccount)) {
      return fail(403, C.exchangeForbidden.code, `the token belongs to ${namespace}/${serviceAccount}, not ${req.namespace ?? namespace}/${req.serviceAccount ?? serviceAccount}`);
    }
    const id = workloadId(this.o.trustDomain, namespace, serviceAccount);
    if (!id.ok) return fail(403, C.exchangeForbidden.code, `${namespace}/${serviceAccount} does not form a SPIFFE ID: ${id.error.message}`);
    const issued = this.o.ca.issueBootstrapCert({ spiffeId: formatSpiffeId(id.id), ttlMs: this.o.ttlMs });
    if (!issued.ok) return fail(503, C.exchangeReviewFailed.code, `the CA refused: ${issued.error.message}`);
    const s = issued.svid;
    return {
      status: 200,
      body: { spiffeId: s.spiffeId, certPem: s.certPem + s.chainPem, keyPem: s.keyPem, caPem: this.o.ca.trustBundle().pems.join(''), notAfter: new Date(s.notAfter).toISOString() },
    };
  }
}

interface ExchangeRequest { token: string; namespace?: string; serviceAccount?: string }

function parseRequest(raw: string): ExchangeRequest | string {
  if (raw.length > MAX_EXCHANGE_BYTES) return `the body is larger than ${MAX_EXCHANGE_BYTES} bytes`;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return 'the body is not JSON';
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'the body is not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.token !== 'string' || o.token === '') return '"token" (the ServiceAccount token) is missing';
  for (const k of ['namespace', 'serviceAccount'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') return `"${k}" must be a string`;
  return { token: o.token, namespace: o.namespace as string | undefined, serviceAccount: o.serviceAccount as string | undefined };
}

function fail(status: ExchangeOutcome['status'], code: string, message: string): ExchangeOutcome {
  return { status, body: { code, message } };
}
