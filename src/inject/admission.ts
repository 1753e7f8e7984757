/**
 * The mutating admission webhook's decision, pure: an AdmissionReview v1 request body in, the
 * HTTP status and AdmissionReview response out (https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#webhook-request-and-response).
 * The mutation is `planPod`'s JSON Patch, the same one `weft inject` applies to manifests.
 *
 * Contract: never throws, whatever the body. A body that is no AdmissionReview v1 request is a
 * 400 with a WEFT7101 message (there is no uid to answer). A review of anything but a Pod CREATE
 * is allowed unchanged (the configuration sends only those; a wider rule must not break other
 * objects). A pod that cannot be injected (errors) is denied with WEFT7102 and the findings; a
 * skipped pod (opted out, host network) is allowed unchanged; warnings go to `warnings`, which
 * kubectl prints.
 */
import { compareText } from '../common/index.js';
import { jsonPath, type Finding } from './checks.js';
import { planPod, type PodObject } from './plan.js';
import type { InjectOptions } from './pod.js';
import { InjectCodes } from './codes.js';

/** The API server sends at most ~3 MiB (its request limit); larger bodies are refused. */
export const MAX_REVIEW_BYTES = 3 * 1024 * 1024;

export interface AdmissionOutcome {
  readonly status: 200 | 400;
  readonly body: Record<string, unknown>;
}

interface Request {
  uid: string;
  kind?: { group?: unknown; version?: unknown; kind?: unknown };
  operation?: unknown;
  namespace?: unknown;
  object?: unknown;
}

const API_VERSION = 'admission.k8s.io/v1';
/** Kubernetes truncates longer warnings; ours say what and where within this. */
const MAX_WARNING = 250;

/** The review's outcome for one request body (a string or bytes as received). */
export function reviewAdmission(raw: string, o: InjectOptions): AdmissionOutcome {
  const parsed = parseReview(raw);
  if (typeof parsed === 'string') return { status: 400, body: { code: InjectCodes.badReview.code, message: parsed } };
  const req = parsed;
  const kind = req.kind;
  if (kind?.group !== '' || kind.kind !== 'Pod' || req.operation !== 'CREATE') return respond(req.uid, { allowed: true });
  const pod = req.object;
  if (!pod || typeof pod !== 'object' || Array.isArray(pod)) return respond(req.uid, deny(`${InjectCodes.badReview.code}: request.object is not a Pod object`));
  const p = pod as PodObject;
  const namespace = typeof req.namespace === 'string' && req.namespace !== '' ? req.namespace : typeof p.metadata?.namespace === 'string' ? p.metadata.namespace : 'default';
  const plan = planPod(p, `Pod/${podName(p)}`, namespace, o);
  const warnings = plan.findings.filter((f) => f.severity === 'warning').map(warningText);
  const errors = plan.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) return respond(req.uid, { ...deny(`${InjectCodes.podRejected.code}: not injected: ${errors.map(findingText).join('; ')}`), ...warned(warnings) });
  if (plan.skip || plan.ops.length === 0) return respond(req.uid, { allowed: true, ...warned(warnings) });
  return respond(req.uid, { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(plan.ops)).toString('base64'), ...warned(warnings) });
}

/** The request, or why the body is not a review (never throws). */
function parseReview(raw: string): Request | string {
  if (raw.length > MAX_REVIEW_BYTES) return `the body is larger than ${MAX_REVIEW_BYTES} bytes`;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    return `the body is not JSON: ${(err as Error).message}`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'the body is not a JSON object';
  const review = v as { apiVersion?: unknown; kind?: unknown; request?: unknown };
  if (review.apiVersion !== API_VERSION || review.kind !== 'AdmissionReview') {
    return `expected apiVersion ${API_VERSION}, kind AdmissionReview; got ${JSON.stringify(review.apiVersion)}, ${JSON.stringify(review.kind)} (set admissionReviewVersions: [v1])`;
  }
  const req = review.request as Request | undefined;
  if (!req || typeof req !== 'object' || typeof req.uid !== 'string' || req.uid === '') return 'request.uid is missing: the body is no AdmissionReview request';
  return req;
}

function podName(p: PodObject): string {
  const name = p.metadata?.name;
  if (typeof name === 'string' && name !== '') return name;
  const generate = p.metadata?.generateName;
  return typeof generate === 'string' ? `${generate}*` : '<unnamed>';
}

function respond(uid: string, response: Record<string, unknown>): AdmissionOutcome {
  return { status: 200, body: { apiVersion: API_VERSION, kind: 'AdmissionReview', response: { uid, ...response } } };
}

function deny(message: string): Record<string, unknown> {
  return { allowed: false, status: { code: 400, reason: 'BadRequest', message } };
}

function warned(warnings: readonly string[]): Record<string, unknown> {
  return warnings.length ? { warnings: [...warnings].sort(compareText) } : {};
}

const findingText = (f: Finding) => `${jsonPath(f.path)}: ${f.message} [${f.code}]`;

function warningText(f: Finding): string {
  const text = `[${f.code}] ${jsonPath(f.path)}: ${f.message}`;
  return text.length > MAX_WARNING ? `${text.slice(0, MAX_WARNING - 3)}...` : text;
}
