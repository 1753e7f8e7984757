/**
 * Rate-limit blocks: a TrafficPolicy route's own `rateLimit`, and an AccessPolicy's `rateLimit`
 * (the service's bucket and per-caller buckets). Each is a token bucket Envoy runs exactly
 * (rate.ts); the cross-field rules are in resolve-rate.ts, the prose in docs/policy.md.
 */
import { list } from './schema-dsl.js';
import { obj, oneKey, opt, req } from './schema-object.js';
import { int, num, str } from './schema-scalars.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const rate = (doc: string) => num({ min: 0.001, doc });
const burst = () => int({ min: 1, doc: 'Bucket size; default: requestsPerSecond rounded up.' });

export const routeRateLimit = obj({
  requestsPerSecond: req(rate('Sustained rate of the requests this route matches, per inbound proxy of the service.')),
  burst: opt(burst()),
}, 'A bucket of the route\'s own, enforced at the inbound of the service\'s workloads (Envoy only): a request this route matches takes a token from it and from the bucket of the AccessPolicy rateLimit that applies to it.');

const caller = oneKey({
  serviceAccount: str({ pattern: new RegExp(`^${LABEL}(\\.${LABEL})?$`), format: 'a service account like "batch" or "batch.jobs"', doc: 'One service account: "sa" or "sa.namespace".' }),
  namespace: str({ pattern: new RegExp(`^${LABEL}$`), format: 'a namespace name (DNS label)', doc: 'Every identity of the namespace, sharing one bucket.' }),
  identity: str({ pattern: /^spiffe:\/\/[^/\s]+\/ns\/[a-z0-9-]+\/sa\/[a-z0-9-]+$/, format: 'a SPIFFE ID spiffe://<trust domain>/ns/<namespace>/sa/<account>', doc: 'One full SPIFFE ID.' }),
}, 'The verified caller (its mTLS certificate): exactly one of serviceAccount, namespace, identity.');

export const accessRateLimit = obj({
  requestsPerSecond: opt(rate('Sustained rate per inbound proxy, shared by every caller without a bucket of its own; absent: those callers are not limited.')),
  burst: opt(burst()),
  callers: opt(list(obj({
    from: req(caller),
    requestsPerSecond: req(rate('Sustained rate of this caller, per inbound proxy.')),
    burst: opt(burst()),
  }), { minItems: 1, doc: 'Callers with a bucket of their own (they do not take from the shared one); no caller may match two entries.' })),
}, 'Local rate limits at the service\'s inbound (Envoy only): the shared bucket and per-caller buckets keyed on the caller\'s verified identity.');
